// What the guidance API adds to the roadmap page and the dashboard: "Next up" (what the learner
// is learning, then what their finished prerequisites opened), and in a topic's panel its
// prerequisites, what it opens, and its review state with the four ratings when it is done.
import { gql, me } from './api.js';
import { h, replace, statusWord, when } from './dom.js';
import { ratingButtons } from './pages/review.js';

/** What the dashboard asks of `me` for its "Next up" (in its own query: drawn with the page). */
export const MY_NEXT_FIELDS = 'nextTopics(first: 8) { id key title myStatus roadmap { slug title } } reviewStats { dueToday }';
/** The fields of each topic of a roadmap's "Next up" (the roadmap page asks for 5 with them). */
export const NEXT_TOPIC_FIELDS = 'id key title myStatus';
const ROADMAP_NEXT = `query RoadmapNext($slug: String!) { roadmap(slug: $slug) { nextTopics(first: 5) { ${NEXT_TOPIC_FIELDS} } } }`;
const TOPIC = `query TopicGuidance($id: ID!, $signedIn: Boolean!) {
  topic(id: $id) {
    id myStatus @include(if: $signedIn)
    prerequisites { id key title myStatus @include(if: $signedIn) roadmap { slug title } }
    unlocks { id key title roadmap { slug title } }
    myReview @include(if: $signedIn) { due reps lapses lastReviewedAt }
  }
}`;

const topicHref = (slug, key) => `/roadmaps/${encodeURIComponent(slug)}/${encodeURIComponent(key)}`;

/**
 * "Next up" on a roadmap's page: `el`, drawn at once from `initial` (the page's own answer, so
 * nothing moves once the page shows; hidden when there is nothing), and `refresh()` after the
 * learner's statuses changed.
 */
export function roadmapNextUp(slug, initial) {
  const box = h('section', { class: 'next-up', 'aria-labelledby': 'next-up-h', hidden: true });
  if (!me()) return { el: box, refresh: () => {} };
  const draw = (list) => {
    if (!list || !list.length) {
      box.hidden = true;
      return;
    }
    replace(box, h('h2', { id: 'next-up-h', text: 'Next up' }),
      h('ol', { class: 'next-list' }, list.map((t) => h('li', null,
        h('a', { href: topicHref(slug, t.key), text: t.title }),
        t.myStatus === 'LEARNING' ? h('span', { class: 'muted', text: ' · learning' }) : null))));
    box.hidden = false;
  };
  draw(initial);
  const refresh = async () => {
    const result = await gql(ROADMAP_NEXT, { slug }).catch(() => null);
    const list = result && result.data && result.data.roadmap && result.data.roadmap.nextTopics;
    if (list) draw(list);
  };
  return { el: box, refresh };
}

/** "Next up" and the reviews due, on the dashboard, from its answer (`MY_NEXT_FIELDS` of `me`). */
export function dashboardNextUp(user) {
  const box = h('section', { 'aria-labelledby': 'dash-next-h' });
  {
    const due = user.reviewStats ? user.reviewStats.dueToday : 0;
    replace(box, h('h2', { id: 'dash-next-h', text: 'Next up' }),
      due ? h('p', null, h('a', { class: 'button', href: '/review', text: due === 1 ? 'Review 1 topic due today' : `Review ${due} topics due today` })) : h('p', { class: 'muted' }, 'No review due today. ', h('a', { href: '/review', text: 'Reviews' })),
      user.nextTopics.length
        ? h('ol', { class: 'next-list' }, user.nextTopics.map((t) => h('li', null,
          h('a', { href: topicHref(t.roadmap.slug, t.key), text: t.title }),
          h('span', { class: 'muted', text: ` · ${t.roadmap.title}${t.myStatus === 'LEARNING' ? ' · learning' : ''}` }))))
        : h('p', { class: 'muted', text: 'Mark a topic as learning, or track a roadmap, and what to learn next shows here.' }));
  }
  return box;
}

function topicList(label, topics, withStatus) {
  if (!topics.length) return null;
  return h('div', null, h('h3', { text: label }), h('ul', { class: 'guide-list' }, topics.map((t) => h('li', null,
    h('a', { href: topicHref(t.roadmap.slug, t.key), text: t.title }),
    withStatus && t.myStatus ? h('span', { class: `muted status-${t.myStatus}`, text: ` · ${statusWord(t.myStatus)}` }) : null))));
}

/** The guidance part of a topic's panel: filled into `box` once the answer comes. */
export async function fillTopicGuidance(box, topic) {
  const signedIn = Boolean(me());
  const result = await gql(TOPIC, { id: topic.id, signedIn }).catch(() => null);
  const found = result && result.data && result.data.topic;
  if (!found || !box.isConnected) return;
  const parts = [
    topicList('Learn first', found.prerequisites || [], signedIn),
    topicList('Opens the way to', found.unlocks || [], false),
  ];
  if (signedIn && found.myStatus === 'DONE') {
    const card = found.myReview;
    const line = h('p', { class: 'muted', text: card ? `Next review ${when(card.due)} · reviewed ${card.reps} ${card.reps === 1 ? 'time' : 'times'}` : 'Not reviewed yet: rate how well you recall it to schedule its reviews.' });
    parts.push(h('div', { class: 'review-box' }, h('h3', { text: 'Review' }), line,
      ratingButtons({ id: topic.id, title: topic.title }, (reviewed) => {
        line.textContent = `Next review ${when(reviewed.myReview.due)}`;
      })));
  }
  replace(box, parts);
}
