// `/u/<username>`: a learner's public profile and its badge.
import { gql } from '../api.js';
import { h, replace } from '../dom.js';

const QUERY = `query Profile($username: String!) {
  profile(username: $username) {
    username displayName headline links
    streak { current longest }
    roadmaps { percentDone roadmap { slug title } }
  }
}`;

export async function render(main, ctx) {
  const username = ctx.params[0];
  const result = await gql(QUERY, { username });
  const p = result.data && result.data.profile;
  if (!p) {
    document.title = 'Profile · Roadmaps';
    replace(main, h('h1', { text: `@${username}` }), h('p', { text: 'This profile is private or does not exist.' }));
    return;
  }
  document.title = `${p.displayName} · Roadmaps`;
  const badge = `/badges/${encodeURIComponent(p.username)}.svg`;
  replace(
    main,
    h('h1', { text: p.displayName }),
    h('p', { class: 'muted', text: `@${p.username}` }),
    p.headline ? h('p', { text: p.headline }) : null,
    h('p', null, h('img', { class: 'badge-img', src: badge, alt: `Progress badge of @${p.username}` })),
    h('p', null, `Streak: ${p.streak.current} days (longest ${p.streak.longest})`),
    p.links.length ? h('ul', { 'aria-label': 'Links' }, p.links.map((l) => h('li', null, h('a', { href: l, rel: 'noopener noreferrer me', text: l })))) : null,
    h('h2', { text: 'Roadmaps' }),
    p.roadmaps.length
      ? h('ul', null, p.roadmaps.filter((r) => r.roadmap).map((r) => h('li', null,
        h('a', { href: `/roadmaps/${encodeURIComponent(r.roadmap.slug)}`, text: r.roadmap.title }), ` — ${Math.round(r.percentDone)}% done`)))
      : h('p', { class: 'muted', text: 'No roadmaps shown.' }),
  );
}
