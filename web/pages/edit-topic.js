// One topic's controls on the edit page: rename, move up/down, re-parent, delete, resources.
import { gql } from '../api.js';
import { errorCode, errorMessage, h } from '../dom.js';

const RENAME = `mutation Rename($id: ID!, $title: String!, $v: Int) { updateTopic(id: $id, input: { title: $title }, expectedVersion: $v) { id version title } }`;
const MOVE = `mutation Move($id: ID!, $parent: ID, $position: Int, $v: Int) { moveTopic(id: $id, newParentId: $parent, position: $position, expectedVersion: $v) { id } }`;
const DELETE = `mutation Delete($id: ID!) { deleteTopic(id: $id) { deletedTopicIds } }`;
const CURRENT = `query Current($id: ID!) { topic(id: $id) { title version } }`;
const ADD_RESOURCE = `mutation AddRes($topicId: ID!, $input: ResourceInput!) { addResource(topicId: $topicId, input: $input) { resource { id } } }`;
const REMOVE_RESOURCE = `mutation RemoveRes($id: ID!) { removeResource(id: $id) { topic { id } } }`;
const UPDATE_RESOURCE = `mutation UpdateRes($id: ID!, $input: UpdateResourceInput!) { updateResource(id: $id, input: $input) { resource { id } } }`;
const KINDS = ['ARTICLE', 'VIDEO', 'OFFICIAL', 'OPENSOURCE', 'COURSE', 'PODCAST', 'BOOK', 'FEED', 'ROADMAP'];

function resourcesEditor(topic, edit) {
  const fid = (name) => `res-${name}-${topic.id}`;
  const kind = h('select', { id: fid('kind') }, KINDS.map((k) => h('option', { value: k, text: k.toLowerCase() })));
  const title = h('input', { id: fid('title'), type: 'text', required: true });
  const url = h('input', { id: fid('url'), type: 'url', required: true, placeholder: 'https://…' });
  const form = h('form', { class: 'stack' },
    h('label', { for: fid('kind') }, 'Kind', kind),
    h('label', { for: fid('title') }, 'Link text', title),
    h('label', { for: fid('url') }, 'URL', url),
    h('button', { type: 'submit', text: `Add resource to ${topic.title}` }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    edit.busy(async () => {
      const result = await gql(ADD_RESOURCE, { topicId: topic.id, input: { kind: kind.value, title: title.value, url: url.value } });
      if (result.data) await edit.reload(`res-${topic.id}`);
      else edit.say(errorMessage(result));
    });
  });
  const list = h('ul', null, topic.resources.map((r) => {
    const text = h('input', { type: 'text', value: r.title, 'aria-label': `Link text of ${r.title}` });
    const link = h('input', { type: 'url', value: r.url, 'aria-label': `URL of ${r.title}` });
    return h('li', { class: 'row' }, text, link,
      h('button', {
        type: 'button',
        class: 'secondary',
        text: 'Save',
        'aria-label': `Save ${r.title}`,
        onclick: () => edit.busy(async () => {
          const result = await gql(UPDATE_RESOURCE, { id: r.id, input: { title: text.value, url: link.value } });
          if (result.data) await edit.reload(`res-${topic.id}`);
          else edit.say(errorMessage(result));
        }),
      }),
      h('button', {
      type: 'button',
      class: 'link',
      text: `Remove ${r.title}`,
      onclick: () => edit.busy(async () => {
        const result = await gql(REMOVE_RESOURCE, { id: r.id });
        if (result.data) await edit.reload(`res-${topic.id}`);
        else edit.say(errorMessage(result));
      }),
    }));
  }));
  return h('details', null, h('summary', { 'data-focus': `res-${topic.id}` }, `Resources (${topic.resources.length})`), list, form);
}

/** The editor of `item` (`{ topic, depth, parentId, index, siblings }`). */
export function topicEditor(item, edit) {
  const { topic } = item;
  let version = topic.version;
  const titleInput = h('input', { type: 'text', value: topic.title, 'aria-label': `Title of ${topic.title}` });
  const rename = h('button', {
    type: 'button',
    text: 'Rename',
    'aria-label': `Rename ${topic.title}`,
    onclick: () => edit.busy(async () => {
      const wanted = titleInput.value;
      const result = await gql(RENAME, { id: topic.id, title: wanted, v: version });
      if (result.data) {
        edit.say(`Renamed to “${wanted}”`, true);
        await edit.reload(`rename-${topic.id}`);
      } else if (errorCode(result) === 'CONFLICT') {
        const now = await gql(CURRENT, { id: topic.id });
        const current = now.data && now.data.topic;
        if (current) version = current.version;
        edit.say(`Someone else changed this topic after you opened the page${current ? ` (its title is now “${current.title}”)` : ''}. `
          + 'Your text is still in the field: press Rename again to replace theirs, or reload to see the latest.');
        titleInput.focus();
      } else edit.say(errorMessage(result));
    }),
  });
  rename.dataset.focus = `rename-${topic.id}`;
  const move = (parent, position, key) => edit.busy(async () => {
    const result = await gql(MOVE, { id: topic.id, parent, position, v: version });
    if (result.data) {
      await edit.reload(key);
    } else if (errorCode(result) === 'CONFLICT') {
      await edit.reload(key);
      edit.say('Someone else changed this topic after you opened the page; the list now shows the latest, try again.');
    } else edit.say(errorMessage(result));
  });
  const up = h('button', { type: 'button', class: 'secondary', text: 'Move up', 'aria-label': `Move up: ${topic.title}`, disabled: item.index === 0,
    onclick: () => move(item.parentId, item.index - 1, `up-${topic.id}`) });
  up.dataset.focus = `up-${topic.id}`;
  const down = h('button', { type: 'button', class: 'secondary', text: 'Move down', 'aria-label': `Move down: ${topic.title}`, disabled: item.index === item.siblings - 1,
    onclick: () => move(item.parentId, item.index + 1, `down-${topic.id}`) });
  down.dataset.focus = `down-${topic.id}`;
  const parent = h('select', { 'aria-label': `Parent of ${topic.title}` }, h('option', { value: '', text: '(top level)' }),
    edit.parents.filter((p) => p.id !== topic.id).map((p) => h('option', { value: p.id, text: p.title })));
  parent.value = item.parentId || '';
  const reparent = h('button', { type: 'button', class: 'secondary', text: 'Move under', 'aria-label': `Move under the chosen parent: ${topic.title}`,
    onclick: () => move(parent.value || null, null, `reparent-${topic.id}`) });
  reparent.dataset.focus = `reparent-${topic.id}`;
  let armed = false;
  const del = h('button', { type: 'button', class: 'secondary', text: `Delete ${topic.title}` });
  del.addEventListener('click', () => {
    if (!armed) {
      armed = true;
      del.textContent = `Confirm: delete ${topic.title} and its subtopics`;
      return;
    }
    edit.busy(async () => {
      const result = await gql(DELETE, { id: topic.id });
      if (result.data) {
        edit.say(`Deleted “${topic.title}”`, true);
        await edit.reload('add');
      } else edit.say(errorMessage(result));
    });
  });
  const box = h('div', { class: 'edit-topic' },
    h('div', { class: 'row' }, titleInput, rename),
    h('div', { class: 'row' }, up, down, parent, reparent, del),
    resourcesEditor(topic, edit));
  box.style.marginLeft = `${Math.min(item.depth, 6) * 12}px`;
  return box;
}
