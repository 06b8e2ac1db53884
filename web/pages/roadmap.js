// `/roadmaps/<slug>` and `/roadmaps/<slug>/<topic key>`: title, description, the topics as a chart
// (chart.js) and, at a topic's URL, its panel (topic-panel.js); signed in: statuses, notes and the
// favourite (all queued, see offline.js), progress as done + skipped with the counts, filters,
// fork and rate; kept live by the subscription. Statuses and counts move at once, before the
// server has the change; topics that are the same subject (`sameAs`) share a status and count
// once, as the API counts them.
import { gql, me } from '../api.js';
import { errorMessage, h, notice, replace } from '../dom.js';
import { markdown } from '../markdown.js';
import { pendingFavorite, pendingNotes, pendingStatuses, setFavorite, setNote, setStatus } from '../offline.js';
import { progressFigure } from '../progress.js';
import { buildChart, chartLegend } from './chart.js';
import { renderPanel } from './topic-panel.js';
import { fillTopicGuidance, NEXT_TOPIC_FIELDS, roadmapNextUp } from '../guidance.js';

/** Topic fields the page shows, nested `levels` deep. */
function treeSelection(levels) {
  const own = 'id key title description legend resources { id kind title url } sameAs { id } myStatus @include(if: $signedIn) myNote @include(if: $signedIn)';
  let selection = own;
  for (let i = 1; i < levels; i += 1) selection = `${own} children { ${selection} }`;
  return selection;
}

const QUERY = `query Roadmap($slug: String!, $signedIn: Boolean!, $share: String) {
  roadmap(slug: $slug, shareToken: $share) {
    id slug title description official isForkable hasTopics
    owner { username }
    myRating @include(if: $signedIn)
    myProgress @include(if: $signedIn) { done learning skipped total percentComplete favorite }
    nextTopics(first: 5) @include(if: $signedIn) { ${NEXT_TOPIC_FIELDS} }
    topics { ${treeSelection(6)} }
  }
}`;

const RATE = `mutation Rate($id: ID!, $rating: Int!) { rateRoadmap(roadmapId: $id, rating: $rating) { myRating } }`;

function actions(roadmap, ctx, say) {
  const user = me();
  if (!user) return h('p', null, h('a', { href: `/signin?next=${encodeURIComponent(window.location.pathname)}`, text: 'Sign in' }), ' to track your progress.');
  const row = h('div', { class: 'row' });
  const queued = pendingFavorite(roadmap.id);
  let favorite = queued !== undefined ? queued : Boolean(roadmap.myProgress && roadmap.myProgress.favorite);
  const fav = h('button', { type: 'button', class: 'secondary', 'aria-pressed': String(favorite), text: 'Favourite' });
  fav.addEventListener('click', () => {
    favorite = !favorite;
    fav.setAttribute('aria-pressed', String(favorite));
    setFavorite(roadmap.id, favorite);
  });
  row.append(fav);
  // Forking asks for the copy's title and web address first (`/fork/<slug>`).
  if (roadmap.isForkable) row.append(h('a', { class: 'button secondary', href: `/fork/${encodeURIComponent(roadmap.slug)}`, text: 'Fork this roadmap' }));
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
        const result = await gql(RATE, { id: roadmap.id, rating: Number(stars.value) }).catch((e) => ({ errors: [{ message: e.message }] }));
        say(result.data ? 'Thanks for rating' : errorMessage(result), Boolean(result.data));
      },
    }));
  }
  return { row, setFavorite: (on) => { favorite = on; fav.setAttribute('aria-pressed', String(on)); } };
}

/** Every topic of the tree, depth first, with its parent. */
function flatten(topics) {
  const out = [];
  const walk = (ts, parent) => ts.forEach((t) => {
    out.push({ topic: t, parent });
    walk(t.children || [], t);
  });
  walk(topics, null);
  return out;
}

/** Topic id → the ids of its group (itself and the topics it is the same as), by union-find. */
function groupsOf(all) {
  const up = new Map();
  const find = (x) => {
    while (up.has(x) && up.get(x) !== x) x = up.get(x);
    return x;
  };
  for (const { topic } of all) {
    up.set(topic.id, find(topic.id));
    if (topic.sameAs) up.set(find(topic.id), find(topic.sameAs.id));
  }
  const members = new Map();
  for (const { topic } of all) {
    const root = find(topic.id);
    if (!members.has(root)) members.set(root, []);
    members.get(root).push(topic.id);
  }
  const out = new Map();
  for (const list of members.values()) for (const id of list) out.set(id, list);
  return out;
}

/**
 * The share link's token (`?share=`) of an UNLISTED roadmap, kept for this tab so that opening a
 * topic (another URL) or coming back still shows the roadmap to a reader without an account.
 */
function shareToken(slug) {
  const key = `share:${slug}`;
  const given = new URLSearchParams(window.location.search).get('share');
  try {
    if (given) sessionStorage.setItem(key, given);
    return given || sessionStorage.getItem(key);
  } catch {
    return given;
  }
}

export async function render(main, ctx) {
  const slug = ctx.params[0];
  const share = shareToken(slug);
  const load = () => gql(QUERY, { slug, signedIn: Boolean(me()), share });
  const result = await load();
  const roadmap = result.data && result.data.roadmap;
  if (!roadmap) {
    document.title = 'Not found · Roadmaps';
    replace(main, h('h1', { text: 'Roadmap not found' }), result.errors ? notice(errorMessage(result)) : null);
    return;
  }
  const base = `/roadmaps/${encodeURIComponent(roadmap.slug)}`;
  const titleOfPage = `${roadmap.title} · Roadmaps`;
  const messages = h('div');
  const say = (text, polite) => replace(messages, text ? notice(text, polite) : null);
  const signedIn = Boolean(me() && roadmap.myProgress);
  const all = flatten(roadmap.topics);
  const byId = new Map(all.map((e) => [e.topic.id, e]));
  const byKey = new Map(all.map((e) => [e.topic.key, e.topic]));
  const groups = groupsOf(all);
  const statuses = new Map();
  const notes = new Map();
  const waiting = pendingStatuses();
  const waitingNotes = pendingNotes();
  for (const { topic } of all) {
    statuses.set(topic.id, waiting[topic.id] || topic.myStatus || 'PENDING');
    notes.set(topic.id, topic.id in waitingNotes ? waitingNotes[topic.id] : topic.myNote || '');
  }
  // A queued change shows on every topic of its group.
  for (const [id, status] of Object.entries(waiting)) for (const m of groups.get(id) || []) statuses.set(m, status);

  // Counted once per group, as the API counts: done + skipped is the share dealt with.
  const counts = () => {
    const seen = new Set();
    const p = { done: 0, learning: 0, skipped: 0, total: 0 };
    for (const { topic } of all) {
      const group = groups.get(topic.id);
      if (seen.has(group)) continue;
      seen.add(group);
      p.total += 1;
      const s = statuses.get(topic.id);
      if (s === 'DONE') p.done += 1;
      else if (s === 'LEARNING') p.learning += 1;
      else if (s === 'SKIPPED') p.skipped += 1;
    }
    return p;
  };
  const figure = signedIn ? progressFigure(`Progress on ${roadmap.title}`, counts()) : null;
  const nextUp = roadmapNextUp(roadmap.slug, roadmap.nextTopics);
  // Statuses change in bursts (a learner ticking topics): ask again once they settle.
  let nextTimer = null;
  const nextLater = () => {
    clearTimeout(nextTimer);
    nextTimer = setTimeout(() => nextUp.refresh(), 600);
  };

  const filters = { hideDone: false, onlyLearning: false };
  const shownLine = h('span', { class: 'muted', role: 'status' });
  let chart = null;
  const refilter = () => {
    if (!chart) return;
    const n = chart.filter(filters);
    shownLine.textContent = filters.hideDone || filters.onlyLearning ? `${n} of ${all.length} topics shown` : '';
  };
  const checkbox = (label, key) => {
    const box = h('input', { type: 'checkbox' });
    box.addEventListener('change', () => {
      filters[key] = box.checked;
      refilter();
    });
    return h('label', { class: 'filter' }, box, ` ${label}`);
  };

  const panel = h('aside', { class: 'topic-panel', 'aria-labelledby': 'panel-title', hidden: true });
  let open = null; // { topic, handle }

  const same = (topic) => (groups.get(topic.id) || []).filter((id) => id !== topic.id)
    .map((id) => byId.get(id).topic).map((t) => ({ title: t.title, href: `${base}/${encodeURIComponent(t.key)}` }));
  const pathOf = (topic) => {
    const out = [];
    for (let e = byId.get(topic.id); e && e.parent; e = byId.get(e.parent.id)) out.unshift(e.parent);
    return out;
  };
  const showStatus = (topicId, status) => {
    for (const id of groups.get(topicId) || [topicId]) {
      statuses.set(id, status);
      if (chart) chart.paint(id, status);
    }
    if (open && (groups.get(topicId) || []).includes(open.topic.id)) {
      open.handle.status(status);
      guideLater(open.topic);
    }
    if (figure) figure.update(counts());
    refilter();
    nextLater();
  };
  const markPending = () => {
    if (!open) return;
    const queued = pendingStatuses();
    open.handle.pending((groups.get(open.topic.id) || []).some((id) => queued[id]));
  };

  // The panel's prerequisites and review state, asked for when it opens and after its status
  // changed (a topic just marked done can be reviewed).
  let guideTimer = null;
  const guideLater = (topic) => {
    clearTimeout(guideTimer);
    guideTimer = setTimeout(() => {
      if (open && open.topic.id === topic.id) fillTopicGuidance(open.guidance, topic);
    }, 600);
  };
  const openTopic = (topic, { push, focus }) => {
    if (push) {
      const url = `${base}/${encodeURIComponent(topic.key)}`;
      if (window.location.pathname !== url) window.history.pushState({ scrollY: window.scrollY }, '', url);
    }
    const guidance = h('div', { class: 'topic-guidance' });
    const handle = renderPanel(panel, topic, {
      guidance,
      signedIn,
      status: statuses.get(topic.id),
      note: notes.get(topic.id),
      path: pathOf(topic),
      same: same(topic),
      onStatus: (status) => {
        showStatus(topic.id, status);
        setStatus(topic.id, status);
        markPending();
      },
      onNote: (text) => {
        notes.set(topic.id, text);
        handle.said(navigator.onLine === false ? 'Kept on this device: it will be sent when the connection returns' : 'Sending…');
        setNote(topic.id, text);
      },
      onClose: () => closeTopic({ push: true, focus: true }),
    });
    open = { topic, handle, guidance };
    fillTopicGuidance(guidance, topic);
    panel.hidden = false;
    document.body.classList.add('panel-open');
    document.title = `${topic.title} · ${titleOfPage}`;
    if (chart) chart.markOpen(topic.id);
    markPending();
    if (focus) handle.title.focus({ preventScroll: true });
  };
  const closeTopic = ({ push, focus }) => {
    if (!open) return;
    const { topic } = open;
    open = null;
    panel.hidden = true;
    replace(panel);
    document.body.classList.remove('panel-open');
    document.title = titleOfPage;
    if (chart) chart.markOpen(null);
    if (push && window.location.pathname !== base) window.history.pushState({ scrollY: window.scrollY }, '', base);
    if (focus && chart) chart.focus(topic.id);
  };
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeTopic({ push: true, focus: true });
  });
  // Links inside the panel to another topic of this roadmap open that topic here.
  panel.addEventListener('click', (event) => {
    const link = event.target.closest('a[href]');
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const url = new URL(link.href, window.location.href);
    const key = url.origin === window.location.origin && url.pathname.startsWith(`${base}/`) ? decodeURIComponent(url.pathname.slice(base.length + 1)) : null;
    if (!key || !byKey.has(key)) return;
    event.preventDefault();
    openTopic(byKey.get(key), { push: true, focus: true });
  });

  // Moving between this roadmap's own URLs (a topic, the chart) stays on this page.
  ctx.stay((path) => {
    if (path === base) {
      closeTopic({ push: false, focus: false });
      return true;
    }
    if (!path.startsWith(`${base}/`)) return false;
    const topic = byKey.get(decodeURIComponent(path.slice(base.length + 1)));
    if (!topic) return false;
    openTopic(topic, { push: false, focus: false });
    return true;
  });

  document.title = titleOfPage;
  const heading = [
    h('h1', { text: roadmap.title }),
    roadmap.owner ? h('p', { class: 'muted' }, 'by ', h('a', { href: `/u/${encodeURIComponent(roadmap.owner.username)}`, text: `@${roadmap.owner.username}` })) : null,
    h('div', { class: 'description' }, markdown(roadmap.description)),
  ];
  const acts = actions(roadmap, ctx, say);
  if (!roadmap.topics.length) {
    replace(main, heading, acts.row || acts, messages,
      h('p', { class: 'muted', text: roadmap.hasTopics ? 'No topics yet.' : 'This roadmap’s topics are not published here yet.' }));
    return;
  }
  chart = buildChart(roadmap.topics, `Topics of ${roadmap.title}`, {
    href: (t) => `${base}/${encodeURIComponent(t.key)}`,
    statusOf: (id) => statuses.get(id),
    onOpen: (topic) => openTopic(topic, { push: true, focus: true }),
  });
  replace(
    main,
    h('div', { class: 'roadmap-page' },
      heading,
      acts.row || acts,
      messages,
      figure ? figure.el : null,
      nextUp.el,
      h('div', { class: 'chart-tools row' },
        h('h2', { class: 'chart-heading', text: 'Topics' }),
        signedIn ? h('div', { class: 'row', role: 'group', 'aria-label': 'Filters' }, checkbox('Hide done', 'hideDone'), checkbox('Show only learning', 'onlyLearning')) : null,
        shownLine),
      signedIn ? chartLegend() : null,
      chart.el,
      panel),
  );
  const wanted = ctx.params[1] ? byKey.get(ctx.params[1]) : null;
  if (wanted) openTopic(wanted, { push: false, focus: false });
  else if (ctx.params[1]) say(`This roadmap has no topic “${ctx.params[1]}”.`);
  ctx.on(() => document.body.classList.remove('panel-open'));
  performance.mark('roadmap-usable');
  document.documentElement.dataset.roadmapUsable = String(Math.round(performance.now()));

  // A status still queued on this device (in any tab) is newer than what the server pushes,
  // unless it is the same change coming back.
  const applyStatuses = (changes) => {
    const queued = pendingStatuses();
    for (const c of changes) {
      if (!queued[c.topicId] || queued[c.topicId] === c.to) showStatus(c.topicId, c.to);
    }
  };
  const reload = async () => {
    const again = await load().catch(() => null);
    const fresh = again && !again.offline && again.data && again.data.roadmap;
    if (!fresh) return;
    const changes = [];
    const queuedNotes = pendingNotes();
    for (const { topic } of flatten(fresh.topics)) {
      changes.push({ topicId: topic.id, to: topic.myStatus || 'PENDING' });
      if (!(topic.id in queuedNotes)) {
        notes.set(topic.id, topic.myNote || '');
        if (open && open.topic.id === topic.id) open.handle.note(topic.myNote || '');
      }
    }
    applyStatuses(changes);
    if (fresh.myProgress && pendingFavorite(roadmap.id) === undefined && acts.setFavorite) acts.setFavorite(fresh.myProgress.favorite);
  };
  // A page opened from this device's copy catches up once the server answers again.
  if (result.offline) {
    const retry = () => reload();
    window.addEventListener('online', retry);
    ctx.on(() => window.removeEventListener('online', retry));
  }
  ctx.on(ctx.live((change) => {
    if (change.kind === 'RESYNC') return reload();
    if (change.roadmapId !== roadmap.id) return undefined;
    if (change.kind === 'RESET' || change.kind === 'IMPORT') return reload();
    applyStatuses(change.changes || []);
    // A note still queued here is newer, unless it is the same note coming back.
    const queuedNotes = pendingNotes();
    if (change.note && (!(change.note.topicId in queuedNotes) || queuedNotes[change.note.topicId] === change.note.note)) {
      notes.set(change.note.topicId, change.note.note || '');
      if (open && open.topic.id === change.note.topicId) open.handle.note(change.note.note || '');
    }
    return undefined;
  }));
  ctx.on(ctx.queue((event) => {
    if (event.kind === 'queue') markPending();
    if (event.kind !== 'applied') return;
    const { entry, result: answer } = event;
    const kind = entry.kind || 'status';
    if (kind === 'note') {
      const ok = answer.data && answer.data.setTopicNote;
      if (open && open.topic.id === entry.topicId) open.handle.said(ok ? 'Saved' : `Not saved: ${errorMessage(answer)}`);
      return;
    }
    if (kind === 'favorite') {
      if (answer.errors) say(`The favourite was not changed: ${errorMessage(answer)}`);
      return;
    }
    const payload = answer.data && answer.data.setTopicStatus;
    if (!payload) {
      say(`A status change was refused: ${errorMessage(answer)}`);
      reload();
      return;
    }
    if (payload.progress.roadmap.id === roadmap.id) applyStatuses([{ topicId: payload.topic.id, to: payload.status }]);
  }));
}
