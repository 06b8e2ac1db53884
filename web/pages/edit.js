// `/edit/<slug>`: for the roadmap's owner (and admins): the roadmap's details (its owner:
// edit-details.js), add, rename, move up/down, re-parent and delete topics, and edit their
// resources. Edits carry `expectedVersion`; a conflict is
// explained and the learner's text stays in its field.
import { gql, me } from '../api.js';
import { errorMessage, h, notice, replace } from '../dom.js';
import { DETAILS, detailsEditor, savedNotice } from './edit-details.js';
import { topicEditor } from './edit-topic.js';

const TOPIC = 'id title version resources { id kind title url }';
const QUERY = `query Edit($slug: String!) {
  roadmap(slug: $slug) {
    id slug title owner { username } ${DETAILS}
    topics { ${TOPIC} children { ${TOPIC} children { ${TOPIC} children { ${TOPIC} children { ${TOPIC} children { ${TOPIC} children { ${TOPIC} children { ${TOPIC} } } } } } } } }
  }
}`;
const CREATE = `mutation Create($roadmapId: ID!, $parentId: ID, $title: String!) {
  createTopic(roadmapId: $roadmapId, parentId: $parentId, input: { title: $title }) { id }
}`;

/** Depth-first list of `{ topic, depth, parentId, index, siblings }`. */
function flatten(topics, depth, parentId, out) {
  topics.forEach((topic, index) => {
    out.push({ topic, depth, parentId, index, siblings: topics.length });
    flatten(topic.children || [], depth + 1, topic.id, out);
  });
  return out;
}

export async function render(main, ctx) {
  const slug = ctx.params[0];
  const messages = h('div', { class: 'messages' });
  const say = (text, polite) => replace(messages, text ? notice(text, polite) : null);

  const show = async (focusKey) => {
    const result = await gql(QUERY, { slug });
    const roadmap = result.data && result.data.roadmap;
    const user = me();
    if (!roadmap) {
      replace(main, h('h1', { text: 'Roadmap not found' }), result.errors ? notice(errorMessage(result)) : null);
      return;
    }
    document.title = `Edit ${roadmap.title} · Roadmaps`;
    const mine = user && roadmap.owner && roadmap.owner.username === user.username;
    if (!user || !(mine || user.role === 'ADMIN')) {
      replace(main, h('h1', { text: `Edit ${roadmap.title}` }), h('p', { text: 'Only the roadmap’s owner (and admins) may edit it.' }));
      return;
    }
    const items = flatten(roadmap.topics, 0, null, []);
    const parents = items.map((i) => ({ id: i.topic.id, title: `${'— '.repeat(i.depth)}${i.topic.title}` }));
    const title = h('input', { id: 'new-topic-title', type: 'text', required: true });
    const parent = h('select', { id: 'new-topic-parent' }, h('option', { value: '', text: '(top level)' }), parents.map((p) => h('option', { value: p.id, text: p.title })));
    const add = h('form', { class: 'stack' },
      h('label', { for: 'new-topic-title' }, 'New topic title', title),
      h('label', { for: 'new-topic-parent' }, 'Under', parent),
      h('button', { type: 'submit', text: 'Add topic' }));
    add.addEventListener('submit', (event) => {
      event.preventDefault();
      busy(async () => {
        const created = await gql(CREATE, { roadmapId: roadmap.id, parentId: parent.value || null, title: title.value });
        if (created.data) {
          say(`Added “${title.value}”`, true);
          await show('add');
        } else say(errorMessage(created));
      });
    });
    // While an edit and the reload after it run, the view says it is busy (tests wait on it).
    const busy = async (fn) => {
      main.dataset.busy = 'true';
      try {
        await fn();
      } finally {
        delete main.dataset.busy;
      }
    };
    const edit = { say, reload: show, parents, busy };
    if (focusKey === 'details-saved') replace(messages, savedNotice());
    replace(
      main,
      h('h1', { text: `Edit ${roadmap.title}` }),
      h('p', null, h('a', { href: `/roadmaps/${encodeURIComponent(roadmap.slug)}`, text: 'View the roadmap' })),
      messages,
      // A learner's own roadmap: its details here (official ones are edited by import).
      mine ? detailsEditor(roadmap, ctx, show) : null,
      h('h2', { text: 'Add a topic' }),
      add,
      h('h2', { text: 'Topics' }),
      items.length ? h('div', null, items.map((item) => topicEditor(item, edit))) : h('p', { class: 'muted', text: 'No topics yet.' }),
    );
    const target = focusKey && main.querySelector(`[data-focus="${CSS.escape(focusKey)}"]`);
    if (target && target.tagName === 'SUMMARY') target.parentElement.open = true;
    if (target) target.focus();
    else if (focusKey === 'add') title.focus();
  };
  await show(null);
}
