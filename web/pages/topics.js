// The topic tree of a roadmap page: title, legend mark, description (safe markdown), resources,
// and for a signed-in learner a status select and a private note.
import { gql } from '../api.js';
import { errorMessage, h, STATUSES, statusWord } from '../dom.js';
import { markdown } from '../markdown.js';

const LEGEND = { RECOMMENDED: 'Recommended', ALTERNATIVE: 'Alternative', ORDER_NOT_STRICT: 'Any order' };

const SET_NOTE = `mutation SetNote($topicId: ID!, $note: String, $at: DeviceTime) {
  setTopicNote(topicId: $topicId, note: $note, at: $at) { note }
}`;

/** Topic fields the page shows, nested `levels` deep. */
export function treeSelection(levels) {
  const own = 'id title description legend resources { id kind title url } myStatus @include(if: $signedIn) myNote @include(if: $signedIn)';
  let selection = own;
  for (let i = 1; i < levels; i += 1) selection = `${own} children { ${selection} }`;
  return selection;
}

function noteEditor(topic) {
  const id = `note-${topic.id}`;
  const area = h('textarea', { id, 'aria-label': `${topic.title} note`, maxlength: 10000 });
  area.value = topic.myNote || '';
  const said = h('span', { class: 'muted', role: 'status' });
  const save = h('button', {
    type: 'button',
    class: 'secondary',
    text: 'Save note',
    'aria-label': `Save note on ${topic.title}`,
    onclick: async () => {
      said.textContent = 'Saving…';
      try {
        const result = await gql(SET_NOTE, { topicId: topic.id, note: area.value, at: new Date().toISOString() });
        said.textContent = result.data ? 'Saved' : errorMessage(result);
      } catch (e) {
        said.textContent = 'Not saved: offline';
      }
    },
  });
  return h('details', { class: 'note' }, h('summary', null, topic.myNote ? 'My note (1)' : 'My note'), area, h('div', { class: 'row' }, save, said));
}

/**
 * The tree as a list. `signedIn` adds the status selects (`onStatus(topic, status)`) and notes;
 * `selects` and `notes` receive each topic's select and textarea by topic id.
 */
export function renderTree(topics, depth, opts) {
  const list = h('ul', { class: 'tree' });
  for (const topic of topics) {
    const heading = h(`h${Math.min(depth + 2, 6)}`, { text: topic.title });
    const head = h('div', { class: 'topic-head' }, h('div', { class: 'row' }, heading,
      topic.legend ? h('span', { class: 'legend', text: LEGEND[topic.legend] || topic.legend }) : null));
    if (opts.signedIn) {
      const select = h('select', { 'aria-label': `${topic.title} status`, 'data-topic': topic.id },
        STATUSES.map((s) => h('option', { value: s, text: statusWord(s) })));
      select.value = opts.pending[topic.id] || topic.myStatus || 'PENDING';
      select.className = `status-${select.value}`;
      select.addEventListener('change', () => {
        select.classList.remove('status-PENDING', 'status-LEARNING', 'status-DONE', 'status-SKIPPED');
        select.classList.add(`status-${select.value}`);
        opts.onStatus(topic, select.value);
      });
      opts.selects.set(topic.id, select);
      head.append(select);
    }
    const body = [];
    if (topic.description) body.push(h('div', { class: 'description' }, markdown(topic.description)));
    if (topic.resources && topic.resources.length) {
      body.push(h('ul', { class: 'resources', 'aria-label': `Resources for ${topic.title}` }, topic.resources.map((r) =>
        h('li', null, h('span', { class: 'kind', text: `${r.kind} ` }), h('a', { href: r.url, rel: 'noopener noreferrer', text: r.title })))));
    }
    if (opts.signedIn) {
      const note = noteEditor(topic);
      opts.notes.set(topic.id, note.querySelector('textarea'));
      body.push(note);
    }
    const children = topic.children && topic.children.length ? renderTree(topic.children, depth + 1, opts) : null;
    list.append(h('li', { class: 'topic' }, head, body, children));
  }
  return list;
}
