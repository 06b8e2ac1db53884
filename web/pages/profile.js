// `/u/<username>`: a learner's public profile and its badge.
import { gql, me } from '../api.js';
import { h, plural, replace } from '../dom.js';
import { progressText } from '../progress.js';

const QUERY = `query Profile($username: String!) {
  profile(username: $username) {
    username displayName headline links
    streak { current longest }
    roadmaps { done learning skipped total roadmap { slug title } }
  }
}`;

export async function render(main, ctx) {
  const username = ctx.params[0];
  const result = await gql(QUERY, { username });
  const p = result.data && result.data.profile;
  if (!p) {
    document.title = 'Profile · Roadmaps';
    const own = me() && me().username.toLowerCase() === username.toLowerCase();
    replace(main, h('h1', { text: `@${username}` }), own
      ? h('p', null, 'Your profile is private: only you know it exists. ', h('a', { href: '/settings', text: 'Make it public in Settings' }), '.')
      : h('p', { text: 'This profile is private or does not exist.' }));
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
    h('p', null, `Streak: ${plural(p.streak.current, 'day')} (longest ${plural(p.streak.longest, 'day')})`),
    p.links.length ? h('ul', { 'aria-label': 'Links' }, p.links.map((l) => h('li', null, h('a', { href: l, rel: 'noopener noreferrer me', text: l })))) : null,
    h('h2', { text: 'Roadmaps' }),
    p.roadmaps.length
      ? h('ul', null, p.roadmaps.filter((r) => r.roadmap).map((r) => h('li', null,
        h('a', { href: `/roadmaps/${encodeURIComponent(r.roadmap.slug)}`, text: r.roadmap.title }), ` — ${progressText(r)}`)))
      : h('p', { class: 'muted', text: 'No roadmaps shown.' }),
  );
}
