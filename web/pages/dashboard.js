// `/dashboard`: my roadmaps with progress bars (and the ones I made or forked), streak, recent
// activity, favourites, teams, invites and a new team (dashboard-lists.js), and the export of my
// progress.
import { gql, me } from '../api.js';
import { errorMessage, h, notice, plural, replace, statusWord, when } from '../dom.js';
import { CARD, myRoadmaps, teamsSection } from './dashboard-lists.js';
import { dashboardNextUp, MY_NEXT_FIELDS } from '../guidance.js';

const QUERY = `query Dashboard {
  me {
    username displayName
    streak { current longest }
    progress(first: 50) { nodes { done learning skipped total percentComplete favorite roadmap { ${CARD} } } }
    roadmaps { ${CARD} }
    activity(first: 10) { nodes { at from to topicTitle roadmapTitle roadmapSlug } }
    teams { id name }
    teamInvites { id role team { name } }
    ${MY_NEXT_FIELDS}
  }
}`;
const EXPORT = 'query Export { exportMyProgress }';

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
      h('p', null, `Streak: ${plural(user.streak.current, 'day')} (longest ${plural(user.streak.longest, 'day')})`),
      dashboardNextUp(user),
      h('div', { class: 'row heading-row' }, h('h2', { text: 'My roadmaps' }), h('a', { class: 'button', href: '/new', text: 'New roadmap' })),
      myRoadmaps(progress, user.roadmaps || [], user.username),
      h('h2', { text: 'Favourites' }),
      favorites.length ? h('ul', null, favorites.map((p) => h('li', null, roadmapLink(p.roadmap)))) : h('p', { class: 'muted', text: 'No favourites yet.' }),
      h('h2', { text: 'Recent activity' }),
      user.activity.nodes.length
        ? h('ul', null, user.activity.nodes.map((a) => h('li', null,
          `${a.topicTitle}: ${statusWord(a.from)} → ${statusWord(a.to)} on `,
          a.roadmapSlug ? h('a', { href: `/roadmaps/${encodeURIComponent(a.roadmapSlug)}`, text: a.roadmapTitle }) : a.roadmapTitle,
          h('span', { class: 'muted', text: ` · ${when(a.at)}` }))))
        : h('p', { class: 'muted', text: 'No activity yet.' }),
      teamsSection(user.teams || [], invites, ctx, show),
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
