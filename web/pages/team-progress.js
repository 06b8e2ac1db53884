// The team page's progress: one table per team roadmap (members' counts, without the topics the
// team hides, counted as each learner's own figure counts them: done + skipped), sortable, a page
// at a time; and the members' recent activity.
import { gql } from '../api.js';
import { errorMessage, h, notice, replace, statusWord, when } from '../dom.js';
import { progressFigure } from '../progress.js';

const PROGRESS = `query TeamProgress($id: ID!, $roadmapId: ID, $order: TeamProgressOrder, $after: String) {
  team(id: $id) {
    progress(roadmapId: $roadmapId, orderBy: $order, first: 50, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { user { username } done learning skipped total percentComplete updatedAt }
    }
  }
}`;
const ORDERS = [['PERCENT_COMPLETE_DESC', 'Percent complete'], ['PERCENT_DONE_DESC', 'Percent done'], ['USERNAME', 'Username'], ['UPDATED_AT_DESC', 'Recently active']];

/** The progress table of one team roadmap (`entry`: a `TeamRoadmap`). */
export function progressTable(teamId, entry) {
  const { roadmap } = entry;
  const id = `order-${roadmap.id}`;
  const order = h('select', { id }, ORDERS.map(([value, text]) => h('option', { value, text })));
  const body = h('tbody');
  const more = h('p');
  const said = h('div');
  const caption = h('caption', { text: `Members’ progress on ${roadmap.title} (${entry.topicCount} topics counted)` });
  // Two columns, so a row fits a phone: the last change sits under the member's name.
  const row = (n) => h('tr', null,
    h('th', { scope: 'row' },
      h('a', { href: `/u/${encodeURIComponent(n.user.username)}`, text: `@${n.user.username}` }),
      h('span', { class: 'muted member-changed', text: n.updatedAt ? `Last change ${when(n.updatedAt)}` : 'No change yet' })),
    h('td', null, progressFigure(`Progress of @${n.user.username} on ${roadmap.title}`, n, { total: false }).el));
  const load = async (after) => {
    const result = await gql(PROGRESS, { id: teamId, roadmapId: roadmap.id, order: order.value, after });
    const page = result.data && result.data.team && result.data.team.progress;
    if (!page) {
      replace(said, notice(errorMessage(result) || 'Could not load the progress'));
      return;
    }
    if (!after) body.replaceChildren();
    page.nodes.forEach((n) => body.append(row(n)));
    replace(more, page.pageInfo.hasNextPage
      ? h('button', { type: 'button', class: 'secondary', text: `More members on ${roadmap.title}`, onclick: () => load(page.pageInfo.endCursor) })
      : null);
  };
  order.addEventListener('change', () => load(null));
  load(null);
  return h('section', { class: 'card' },
    h('h3', null, h('a', { href: `/roadmaps/${encodeURIComponent(roadmap.slug)}`, text: roadmap.title })),
    h('label', { for: id, class: 'row' }, 'Sort by', order),
    h('table', null, caption,
      h('thead', null, h('tr', null, h('th', { scope: 'col', text: 'Member' }), h('th', { scope: 'col', text: 'Progress' }))),
      body),
    more, said);
}

/** The members' latest status changes, each roadmap named by its title (from `roadmaps`). */
export function activityList(activity, roadmaps) {
  if (!activity || !activity.nodes.length) return h('p', { class: 'muted', text: 'No activity yet.' });
  const titles = new Map((roadmaps || []).map((e) => [e.roadmap.slug, e.roadmap.title]));
  return h('ul', null, activity.nodes.map((a) => h('li', null,
    `@${a.user.username}: ${a.topicTitle} ${statusWord(a.from)} → ${statusWord(a.to)} on `,
    h('a', { href: `/roadmaps/${encodeURIComponent(a.roadmapSlug)}`, text: titles.get(a.roadmapSlug) || a.roadmapSlug }),
    h('span', { class: 'muted', text: ` · ${when(a.at)}` }))));
}
