// `/roadmaps/<slug>`: title, description, the topic tree; signed in: statuses (queued, see
// offline.js), progress bar, notes, favourite, fork and rate; kept live by the subscription.
import { gql, me } from '../api.js';
import { errorMessage, h, notice, progressBar, replace, setProgress } from '../dom.js';
import { markdown } from '../markdown.js';
import { pendingStatuses, setStatus } from '../offline.js';
import { renderTree, treeSelection } from './topics.js';

const QUERY = `query Roadmap($slug: String!, $signedIn: Boolean!) {
  roadmap(slug: $slug) {
    id slug title description official isForkable hasTopics
    owner { username }
    myRating @include(if: $signedIn)
    myProgress @include(if: $signedIn) { done total percentDone favorite }
    topics { ${treeSelection(6)} }
  }
}`;

const FAVORITE = `mutation Fav($id: ID!) { favoriteRoadmap(roadmapId: $id) { favorite } }`;
const UNFAVORITE = `mutation Unfav($id: ID!) { unfavoriteRoadmap(roadmapId: $id) { favorite } }`;
const FORK = `mutation Fork($id: ID!) { forkRoadmap(roadmapId: $id) { slug } }`;
const RATE = `mutation Rate($id: ID!, $rating: Int!) { rateRoadmap(roadmapId: $id, rating: $rating) { myRating } }`;

function actions(roadmap, ctx, say) {
  const user = me();
  if (!user) return h('p', null, h('a', { href: '/signin', text: 'Sign in' }), ' to track your progress.');
  const row = h('div', { class: 'row' });
  let favorite = Boolean(roadmap.myProgress && roadmap.myProgress.favorite);
  const fav = h('button', { type: 'button', class: 'secondary', 'aria-pressed': String(favorite), text: 'Favourite' });
  fav.addEventListener('click', async () => {
    const result = await gql(favorite ? UNFAVORITE : FAVORITE, { id: roadmap.id });
    const key = favorite ? 'unfavoriteRoadmap' : 'favoriteRoadmap';
    if (result.data) {
      favorite = result.data[key].favorite;
      fav.setAttribute('aria-pressed', String(favorite));
    } else say(errorMessage(result));
  });
  row.append(fav);
  if (roadmap.isForkable) {
    row.append(h('button', {
      type: 'button',
      class: 'secondary',
      text: 'Fork this roadmap',
      onclick: async () => {
        const result = await gql(FORK, { id: roadmap.id });
        if (result.data) ctx.navigate(`/edit/${encodeURIComponent(result.data.forkRoadmap.slug)}`);
        else say(errorMessage(result));
      },
    }));
  }
  const mine = roadmap.owner && roadmap.owner.username === user.username;
  if (mine || user.role === 'ADMIN') row.append(h('a', { class: 'button', href: `/edit/${encodeURIComponent(roadmap.slug)}`, text: 'Edit' }));
  if (!roadmap.official && !mine) {
    const stars = h('select', { 'aria-label': 'Your rating' },
      h('option', { value: '', text: 'Rate…' }), [1, 2, 3, 4, 5].map((n) => h('option', { value: n, text: `${n} ★` })));
    if (roadmap.myRating) stars.value = String(roadmap.myRating);
    row.append(stars, h('button', {
      type: 'button',
      class: 'secondary',
      text: 'Rate',
      onclick: async () => {
        if (!stars.value) return;
        const result = await gql(RATE, { id: roadmap.id, rating: Number(stars.value) });
        say(result.data ? 'Thanks for rating' : errorMessage(result), Boolean(result.data));
      },
    }));
  }
  return row;
}

export async function render(main, ctx) {
  const slug = ctx.params[0];
  const load = () => gql(QUERY, { slug, signedIn: Boolean(me()) });
  const result = await load();
  const roadmap = result.data && result.data.roadmap;
  if (!roadmap) {
    document.title = 'Not found · Roadmaps';
    replace(main, h('h1', { text: 'Roadmap not found' }), result.errors ? notice(errorMessage(result)) : null);
    return;
  }
  document.title = `${roadmap.title} · Roadmaps`;
  const messages = h('div');
  const say = (text, polite) => replace(messages, text ? notice(text, polite) : null);
  const signedIn = Boolean(me() && roadmap.myProgress);
  const selects = new Map();
  const notes = new Map();
  const bar = signedIn ? progressBar(`Progress on ${roadmap.title}`, roadmap.myProgress) : null;
  const figures = h('span', { class: 'muted' });
  const showProgress = (p) => {
    if (!bar || !p) return;
    setProgress(bar, p);
    figures.textContent = `${p.done} of ${p.total} done`;
  };
  showProgress(roadmap.myProgress);
  const tree = roadmap.topics.length
    ? renderTree(roadmap.topics, 0, { signedIn, selects, notes, pending: pendingStatuses(), onStatus: (topic, status) => setStatus(topic.id, status) })
    : h('p', { class: 'muted', text: roadmap.hasTopics ? 'No topics yet.' : 'This roadmap’s topics are not published here yet.' });
  replace(
    main,
    h('h1', { text: roadmap.title }),
    roadmap.owner ? h('p', { class: 'muted' }, 'by ', h('a', { href: `/u/${encodeURIComponent(roadmap.owner.username)}`, text: `@${roadmap.owner.username}` })) : null,
    h('div', { class: 'description' }, markdown(roadmap.description)),
    actions(roadmap, ctx, say),
    messages,
    bar ? h('div', { class: 'progress-line' }, bar, figures) : null,
    h('h2', { text: 'Topics' }),
    tree,
  );

  // A status still queued on this device (in any tab) is newer than what the server pushes,
  // unless it is the same change coming back.
  const applyStatuses = (changes) => {
    const waiting = pendingStatuses();
    for (const c of changes) {
      const select = selects.get(c.topicId);
      if (select && (!waiting[c.topicId] || waiting[c.topicId] === c.to)) {
        select.value = c.to;
        select.classList.remove('status-PENDING', 'status-LEARNING', 'status-DONE', 'status-SKIPPED');
        select.classList.add(`status-${c.to}`);
      }
    }
  };
  const reload = async () => {
    const again = await load();
    const fresh = again.data && again.data.roadmap;
    if (!fresh) return;
    const changes = [];
    const walk = (ts) => ts.forEach((t) => {
      changes.push({ topicId: t.id, to: t.myStatus || 'PENDING' });
      if (t.children) walk(t.children);
    });
    walk(fresh.topics);
    applyStatuses(changes);
    showProgress(fresh.myProgress);
  };
  ctx.on(ctx.live((change) => {
    if (change.kind === 'RESYNC') return reload();
    if (change.roadmapId !== roadmap.id) return undefined;
    if (change.kind === 'RESET' || change.kind === 'IMPORT') return reload();
    applyStatuses(change.changes || []);
    if (change.note) {
      const area = notes.get(change.note.topicId);
      if (area && document.activeElement !== area) area.value = change.note.note || '';
    }
    showProgress(change.progress);
    return undefined;
  }));
  // Topics whose change waits in the queue are marked, and point at the line that says why.
  const markPending = () => {
    const waiting = pendingStatuses();
    for (const [topicId, select] of selects) {
      const pending = Boolean(waiting[topicId]);
      select.classList.toggle('pending', pending);
      if (pending) select.setAttribute('aria-describedby', 'sync');
      else select.removeAttribute('aria-describedby');
    }
  };
  markPending();
  ctx.on(ctx.queue((event) => {
    if (event.kind === 'queue') markPending();
    if (event.kind !== 'applied') return;
    const payload = event.result.data && event.result.data.setTopicStatus;
    if (!payload) {
      say(`A status change was refused: ${errorMessage(event.result)}`);
      return;
    }
    if (payload.progress.roadmap.id === roadmap.id) {
      applyStatuses([{ topicId: payload.topic.id, to: payload.status }]);
      showProgress(payload.progress);
    }
  }));
}
