// `/`: the official roadmaps and the community's, each a link named by its title.
import { gql } from '../api.js';
import { errorMessage, h, notice, replace } from '../dom.js';

const QUERY = `query Catalogue {
  roadmaps(first: 100) { nodes { slug title briefDescription hasTopics } }
  communityRoadmaps(first: 50) { nodes { slug title briefDescription owner { username } rating { average count } } }
}`;

function card(roadmap, extra) {
  return h(
    'li',
    null,
    h('h3', null, h('a', { href: `/roadmaps/${encodeURIComponent(roadmap.slug)}`, text: roadmap.title })),
    roadmap.briefDescription ? h('p', { class: 'muted', text: roadmap.briefDescription }) : null,
    extra,
  );
}

export async function render(main) {
  document.title = 'Roadmaps';
  const result = await gql(QUERY);
  if (!result.data) {
    replace(main, h('h1', { text: 'Roadmaps' }), notice(errorMessage(result) || 'Could not load the roadmaps'));
    return;
  }
  const official = result.data.roadmaps.nodes;
  const community = result.data.communityRoadmaps.nodes;
  replace(
    main,
    h('h1', { text: 'Roadmaps' }),
    h('p', { class: 'muted', text: 'Pick a roadmap, sign in, and mark topics as you learn them.' }),
    h('section', { 'aria-labelledby': 'official-h' },
      h('h2', { id: 'official-h', text: 'Official roadmaps' }),
      h('ul', { class: 'cards' }, official.map((r) => card(r, r.hasTopics ? null : h('p', { class: 'muted', text: 'Topics coming soon' }))))),
    h('section', { 'aria-labelledby': 'community-h' },
      h('h2', { id: 'community-h', text: 'Community roadmaps' }),
      community.length
        ? h('ul', { class: 'cards' }, community.map((r) => card(r, h('p', { class: 'muted' },
          `by @${r.owner ? r.owner.username : 'someone'}`,
          r.rating.count ? ` · ${r.rating.average.toFixed(1)} ★ (${r.rating.count})` : ''))))
        : h('p', { class: 'muted', text: 'No community roadmaps yet.' })),
  );
}
