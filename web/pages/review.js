// `/review`: the topics due for review, most overdue first, one at a time: recall what the topic
// is about, then rate how well it came back (Again, Hard, Good, Easy); the next review is
// scheduled from the rating (FSRS, on the server). Ratings made offline are queued like
// statuses, each with the time it was made.
import { gql, me } from '../api.js';
import { errorMessage, h, notice, plural, replace, when } from '../dom.js';
import { markdown } from '../markdown.js';

const QUEUE = `query ReviewQueue {
  me {
    reviewStats { dueToday dueThisWeek reviewedThisWeek }
    reviewQueue(first: 20) { id key title description roadmap { slug title } myReview { due reps lastReviewedAt } }
  }
}`;
const REVIEW = `mutation Review($topicId: ID!, $rating: ReviewRating!, $at: DeviceTime) {
  reviewTopic(topicId: $topicId, rating: $rating, at: $at) { id myReview { due } }
}`;
export const RATINGS = [['AGAIN', 'Again', 'Forgot it'], ['HARD', 'Hard', 'Recalled with effort'], ['GOOD', 'Good', 'Recalled'], ['EASY', 'Easy', 'Recalled at once']];

/** The four rating buttons for `topic`; `onRated(answer)` after the server scheduled it. */
export function ratingButtons(topic, onRated) {
  const said = h('span', { role: 'status', class: 'muted' });
  const group = h('div', { class: 'row rating-buttons', role: 'group', 'aria-label': `How well did you recall ${topic.title}?` },
    RATINGS.map(([rating, word, hint]) => h('button', {
      type: 'button',
      class: rating === 'AGAIN' ? 'secondary' : '',
      title: hint,
      text: word,
      onclick: async () => {
        said.textContent = 'Saving…';
        let answer;
        try {
          answer = await gql(REVIEW, { topicId: topic.id, rating, at: new Date().toISOString() });
        } catch (e) {
          said.textContent = 'Not saved: you are offline. Rate it again when the connection returns.';
          return;
        }
        const reviewed = answer.data && answer.data.reviewTopic;
        if (!reviewed) {
          said.textContent = `Not saved: ${errorMessage(answer)}`;
          return;
        }
        said.textContent = `Next review ${when(reviewed.myReview.due)}`;
        onRated(reviewed);
      },
    })), said);
  return group;
}

export async function render(main) {
  document.title = 'Review · Roadmaps';
  if (!me()) {
    replace(main, h('h1', { text: 'Review' }), h('p', null, h('a', { href: '/signin?next=/review', text: 'Sign in' }), ' to review what you learned.'));
    return;
  }
  const result = await gql(QUEUE);
  const user = result.data && result.data.me;
  if (!user) {
    replace(main, h('h1', { text: 'Review' }), notice(errorMessage(result) || 'Could not load your reviews'));
    return;
  }
  const queue = user.reviewQueue || [];
  const stats = user.reviewStats;
  const statsLine = h('p', { class: 'muted', text: `${plural(stats.dueToday, 'topic')} due today · ${stats.dueThisWeek} this week · ${plural(stats.reviewedThisWeek, 'review')} made this week` });
  const card = h('section', { class: 'card review-card', 'aria-live': 'polite' });
  replace(main, h('h1', { text: 'Review' }), statsLine, card);
  let at = 0;
  const show = () => {
    const topic = queue[at];
    if (!topic) {
      replace(card, h('h2', { text: queue.length ? 'All done for now' : 'Nothing to review' }),
        h('p', { text: queue.length ? `You reviewed ${plural(queue.length, 'topic')}. The next ones come back when they are due.` : 'Topics you mark done come here when it is time to recall them.' }),
        h('p', null, h('a', { href: '/dashboard', text: 'Back to the dashboard' })));
      return;
    }
    const answer = h('div', { class: 'description', hidden: true }, markdown(topic.description || 'No description.'));
    const reveal = h('button', { type: 'button', class: 'secondary', text: 'Show the description' });
    reveal.addEventListener('click', () => {
      answer.hidden = false;
      reveal.remove();
    });
    replace(card,
      h('p', { class: 'muted', text: `${at + 1} of ${queue.length} · ${topic.roadmap.title}${topic.myReview ? ` · due ${when(topic.myReview.due)}` : ''}` }),
      h('h2', null, h('a', { href: `/roadmaps/${encodeURIComponent(topic.roadmap.slug)}/${encodeURIComponent(topic.key)}`, text: topic.title })),
      h('p', { text: 'What is it about, and why does it matter? Recall it, then rate how it went.' }),
      reveal, answer,
      ratingButtons(topic, () => {
        at += 1;
        setTimeout(show, 400);
      }));
  };
  show();
}
