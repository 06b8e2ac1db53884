// `/dashboard`: my roadmaps with progress bars, streak, recent activity, favourites, teams and
// invites, and the export of my progress.
import { gql, me } from '../api.js';
import { errorMessage, h, notice, progressBar, replace, statusWord, when } from '../dom.js';

const QUERY = `query Dashboard {
  me {
    displayName
    streak { current longest }
    progress(first: 50) { nodes { done total percentDone favorite roadmap { slug title } } }
    activity(first: 10) { nodes { at from to topicTitle roadmapTitle roadmapSlug } }
    teams { id name }
    teamInvites { id role team { name } }
  }
}`;
const EXPORT = 'query Export { exportMyProgress }';
const RESPOND = `mutation Respond($id: ID!, $accept: Boolean!) { respondToTeamInvite(inviteId: $id, accept: $accept) { id } }`;

function roadmapLink(r) {
  return h('a', { href: `/roadmaps/${encodeURIComponent(r.slug)}`, text: r.title });
}

function exportButton() {
  const out = h('span');
  const button = h('button', {
    type: 'button',
    class: 'secondary',
    text: 'Export my progress',
    onclick: async () => {
      const result = await gql(EXPORT);
      if (!result.data) {
        replace(out, notice(errorMessage(result)));
        return;
      }
      const blob = new Blob([JSON.stringify(result.data.exportMyProgress, null, 2)], { type: 'application/json' });
      const link = h('a', { href: URL.createObjectURL(blob), download: 'my-progress.json', text: 'Download my-progress.json' });
      replace(out, ' ', link);
      link.focus();
    },
  });
  return h('p', { class: 'row' }, button, out);
}

export async function render(main, ctx) {
  document.title = 'Dashboard · Roadmaps';
  if (!me()) {
    replace(main, h('h1', { text: 'Dashboard' }), h('p', null, h('a', { href: '/signin', text: 'Sign in' }), ' to see your progress.'));
    return;
  }
  const show = async () => {
    const result = await gql(QUERY);
    const user = result.data && result.data.me;
    if (!user) {
      replace(main, h('h1', { text: 'Dashboard' }), notice(errorMessage(result) || 'Could not load your dashboard'));
      return;
    }
    const progress = user.progress.nodes;
    const favorites = progress.filter((p) => p.favorite);
    const invites = user.teamInvites || [];
    replace(
      main,
      h('h1', { text: `Hello, ${user.displayName}` }),
      h('p', null, `Streak: ${user.streak.current} day${user.streak.current === 1 ? '' : 's'} (longest ${user.streak.longest})`),
      h('h2', { text: 'My roadmaps' }),
      progress.length
        ? h('ul', { class: 'cards' }, progress.map((p) => h('li', null, h('h3', null, roadmapLink(p.roadmap)),
          h('div', { class: 'progress-line' }, progressBar(`Progress on ${p.roadmap.title}`, p), h('span', { class: 'muted', text: `${p.done}/${p.total}` })))))
        : h('p', null, 'Nothing tracked yet. ', h('a', { href: '/roadmaps/backend', text: 'Start with the Backend roadmap' }), ' or ', h('a', { href: '/', text: 'pick another' }), '.'),
      h('h2', { text: 'Favourites' }),
      favorites.length ? h('ul', null, favorites.map((p) => h('li', null, roadmapLink(p.roadmap)))) : h('p', { class: 'muted', text: 'No favourites yet.' }),
      h('h2', { text: 'Recent activity' }),
      user.activity.nodes.length
        ? h('ul', null, user.activity.nodes.map((a) => h('li', null,
          `${a.topicTitle}: ${statusWord(a.from)} → ${statusWord(a.to)} on `,
          a.roadmapSlug ? h('a', { href: `/roadmaps/${encodeURIComponent(a.roadmapSlug)}`, text: a.roadmapTitle }) : a.roadmapTitle,
          h('span', { class: 'muted', text: ` · ${when(a.at)}` }))))
        : h('p', { class: 'muted', text: 'No activity yet.' }),
      h('h2', { text: 'Teams' }),
      (user.teams || []).length ? h('ul', null, user.teams.map((t) => h('li', null, h('a', { href: `/teams/${encodeURIComponent(t.id)}`, text: t.name })))) : h('p', { class: 'muted', text: 'No teams.' }),
      invites.length ? h('ul', { 'aria-label': 'Team invites' }, invites.map((i) => h('li', { class: 'row' }, `Invite to ${i.team.name} as ${i.role.toLowerCase()}`,
        h('button', { type: 'button', text: `Join ${i.team.name}`, onclick: async () => { await gql(RESPOND, { id: i.id, accept: true }); show(); } }),
        h('button', { type: 'button', class: 'secondary', text: `Decline ${i.team.name}`, onclick: async () => { await gql(RESPOND, { id: i.id, accept: false }); show(); } })))) : null,
      h('h2', { text: 'Export' }),
      exportButton(),
    );
  };
  await show();
  let timer = null;
  ctx.on(ctx.live(() => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!main.contains(document.activeElement) || document.activeElement === main) show();
    }, 300);
  }));
}
