// The team page's roadmap tools for owners and managers: add a roadmap chosen from a list (the
// official catalogue and the community's public roadmaps), and choose the topics the team
// counts (the others are hidden from the team's progress and activity).
import { gql } from '../api.js';
import { errorMessage, h, replace } from '../dom.js';

const CHOICES = `query TeamRoadmapChoices {
  roadmaps(first: 100) { nodes { id title hasTopics } }
  communityRoadmaps(first: 100) { nodes { id title owner { username } } }
}`;
const ADD = 'mutation AddTeamRoadmap($teamId: ID!, $roadmapId: ID!) { addTeamRoadmap(teamId: $teamId, roadmapId: $roadmapId) { id } }';
const TOPIC = 'id title';
const TOPICS = `query TeamRoadmapTopics($slug: String!) {
  roadmap(slug: $slug) { topics { ${TOPIC} children { ${TOPIC} children { ${TOPIC} children { ${TOPIC} children { ${TOPIC} children { ${TOPIC} } } } } } } }
}`;
const HIDE = 'mutation HideTopics($teamId: ID!, $roadmapId: ID!, $topicIds: [ID!]!) { setTeamHiddenTopics(teamId: $teamId, roadmapId: $roadmapId, topicIds: $topicIds) { id } }';

/** Add a roadmap to the team, picked from a list of those it may learn and does not yet. */
export async function addRoadmapForm(team, refresh) {
  const result = await gql(CHOICES);
  const error = h('span', { id: 'team-roadmap-error', class: 'field-error', role: 'alert' });
  if (!result.data) return h('p', { class: 'error', role: 'alert', text: errorMessage(result) || 'Could not load the roadmaps to choose from' });
  const taken = new Set((team.roadmaps || []).map((e) => e.roadmap.id));
  const official = result.data.roadmaps.nodes.filter((r) => !taken.has(r.id) && r.hasTopics);
  const community = result.data.communityRoadmaps.nodes.filter((r) => !taken.has(r.id));
  if (!official.length && !community.length) return h('p', { class: 'muted', text: 'Every roadmap the team can learn is on its list already.' });
  const select = h('select', { id: 'team-roadmap', 'aria-describedby': 'team-roadmap-error' },
    official.length ? h('optgroup', { label: 'Official' }, official.map((r) => h('option', { value: r.id, text: r.title }))) : null,
    community.length ? h('optgroup', { label: 'Community' }, community.map((r) => h('option', { value: r.id, text: `${r.title}${r.owner ? ` (by @${r.owner.username})` : ''}` }))) : null);
  const form = h('form', { class: 'stack' },
    h('label', { for: 'team-roadmap' }, 'Roadmap to learn together', select), error,
    h('button', { type: 'submit', text: 'Add roadmap' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const added = await gql(ADD, { teamId: team.id, roadmapId: select.value });
    if (added.data) refresh();
    else error.textContent = errorMessage(added);
  });
  return form;
}

function checkTree(topics, hidden, depth) {
  return h('ul', { class: depth ? 'hide-tree nested' : 'hide-tree' }, topics.map((t) => {
    const box = h('input', { type: 'checkbox', id: `count-${t.id}`, value: t.id });
    box.checked = !hidden.has(t.id);
    return h('li', null, h('label', { for: `count-${t.id}`, class: 'row' }, box, t.title),
      t.children && t.children.length ? checkTree(t.children, hidden, depth + 1) : null);
  }));
}

/** "Topics the team counts" of one team roadmap: a tree of checkboxes, loaded when opened. */
export function hiddenTopicsEditor(teamId, entry, refresh) {
  const { roadmap } = entry;
  const hidden = new Set(entry.hiddenTopicIds || []);
  const body = h('div', null, h('p', { class: 'muted', text: 'Loading the topics…' }));
  const details = h('details', { class: 'hide-topics' },
    h('summary', { text: `Topics the team counts on ${roadmap.title}${hidden.size ? ` (${hidden.size} hidden)` : ''}` }), body);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    const result = await gql(TOPICS, { slug: roadmap.slug });
    const topics = result.data && result.data.roadmap && result.data.roadmap.topics;
    if (!topics) {
      replace(body, h('p', { class: 'error', role: 'alert', text: errorMessage(result) || 'Could not load the topics' }));
      return;
    }
    const said = h('p', { role: 'status' });
    const form = h('form', null,
      h('p', { class: 'muted', text: 'Untick the topics the team skips: they leave the team’s counts and activity; members’ own progress keeps them.' }),
      h('fieldset', null, h('legend', { text: `Topics of ${roadmap.title}` }), checkTree(topics, hidden, 0)),
      h('button', { type: 'submit', text: `Save the topics of ${roadmap.title}` }), said);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const topicIds = [...form.querySelectorAll('input[type=checkbox]:not(:checked)')].map((b) => b.value);
      const saved = await gql(HIDE, { teamId, roadmapId: roadmap.id, topicIds });
      if (saved.data) {
        said.className = 'notice';
        said.textContent = `Saved: ${topicIds.length} hidden.`;
        refresh();
      } else {
        said.className = 'error';
        said.textContent = errorMessage(saved);
      }
    });
    replace(body, form);
  });
  return details;
}
