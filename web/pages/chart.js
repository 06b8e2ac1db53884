// A roadmap's topics as a compact chart: one row per section (a root topic) with its topics
// beside it as boxes that wrap, and a topic's own subtopics boxed together after it. Each box is
// a link to the topic's own URL, coloured and marked by status (a symbol and a hidden word, not
// colour alone). Keyboard: the WAI-ARIA tree pattern with a roving tabindex — ↓/↑ the next and
// previous visible topic, → into a topic's subtopics (expanding them), ← out to its parent
// (collapsing first), Home/End, Enter or Space opens. No key here ever changes a status.
import { h } from '../dom.js';

const MARKS = { DONE: '✓', LEARNING: '◐', SKIPPED: '⤼', PENDING: '' };
const WORDS = { DONE: 'done', LEARNING: 'learning', SKIPPED: 'skipped', PENDING: 'pending' };

/** The marks and what they mean, shown above the chart. */
export function chartLegend() {
  return h('p', { class: 'chart-legend muted' },
    h('span', { class: 'box-sample status-DONE' }, h('span', { class: 'box-title', text: 'Done' }), h('span', { class: 'box-mark', 'aria-hidden': 'true', text: ` ${MARKS.DONE}` })),
    h('span', { class: 'box-sample status-LEARNING' }, h('span', { class: 'box-title', text: 'Learning' }), h('span', { class: 'box-mark', 'aria-hidden': 'true', text: ` ${MARKS.LEARNING}` })),
    h('span', { class: 'box-sample status-SKIPPED' }, h('span', { class: 'box-title', text: 'Skipped' }), h('span', { class: 'box-mark', 'aria-hidden': 'true', text: ` ${MARKS.SKIPPED}` })),
    h('span', { class: 'box-sample status-PENDING' }, h('span', { class: 'box-title', text: 'Not started' })));
}

/**
 * Builds the chart of `topics` (the tree). `href(topic)` is a topic's URL, `statusOf(id)` its
 * status now, `onOpen(topic)` runs when a box is activated. Returns the element and a handle to
 * redraw a status, filter, focus and mark the open topic.
 */
export function buildChart(topics, label, { href, statusOf, onOpen }) {
  const boxes = new Map(); // topic id → { box, topic, parent, group }
  const order = [];
  const tree = h('div', { class: 'chart', role: 'tree', 'aria-label': label });

  const boxFor = (topic, level, parent) => {
    const box = h('a', {
      role: 'treeitem',
      class: `box level-${level}`,
      href: href(topic),
      'aria-level': level,
      tabindex: -1,
      'data-topic': topic.id,
      'data-key': topic.key,
    }, h('span', { class: 'box-title', text: topic.title }),
    h('span', { class: 'box-mark', 'aria-hidden': 'true' }),
    h('span', { class: 'sr-only box-word' }));
    const entry = { box, topic, parent, group: null };
    boxes.set(topic.id, entry);
    order.push(entry);
    paint(entry, statusOf(topic.id));
    return entry;
  };

  const groupFor = (entry, children, level) => {
    const id = `group-${entry.topic.key}`;
    const group = h('div', { class: `chart-group level-${level}`, role: 'group', id });
    entry.group = group;
    entry.box.setAttribute('aria-owns', id);
    entry.box.setAttribute('aria-expanded', 'true');
    for (const child of children) group.append(node(child, level, entry));
    return group;
  };

  // A topic with subtopics is a cluster: its box, then theirs.
  const node = (topic, level, parent) => {
    const entry = boxFor(topic, level, parent);
    const kids = topic.children || [];
    if (!kids.length) return entry.box;
    return h('div', { class: 'cluster', role: 'none' }, entry.box, groupFor(entry, kids, level + 1));
  };

  for (const section of topics) {
    const entry = boxFor(section, 1, null);
    entry.box.classList.add('section-box');
    const kids = section.children || [];
    tree.append(h('div', { class: 'chart-row', role: 'none' }, entry.box, kids.length ? groupFor(entry, kids, 2) : null));
  }
  if (order.length) order[0].box.tabIndex = 0;

  const visible = (entry) => {
    if (entry.box.closest('[hidden]') || entry.box.classList.contains('filtered')) return false;
    for (let p = entry.parent; p; p = p.parent) if (p.group && p.group.hidden) return false;
    return true;
  };
  const current = () => order.find((e) => e.box.tabIndex === 0) || order[0];
  const focusEntry = (entry) => {
    if (!entry) return;
    for (const e of order) e.box.tabIndex = -1;
    entry.box.tabIndex = 0;
    entry.box.focus();
  };
  const step = (from, delta) => {
    let i = order.indexOf(from) + delta;
    while (i >= 0 && i < order.length && !visible(order[i])) i += delta;
    return order[i];
  };
  const setExpanded = (entry, open) => {
    if (!entry.group) return;
    entry.group.hidden = !open;
    entry.box.setAttribute('aria-expanded', String(open));
  };

  tree.addEventListener('focusin', (event) => {
    const entry = order.find((e) => e.box === event.target);
    if (entry && entry.box.tabIndex !== 0) {
      for (const e of order) e.box.tabIndex = -1;
      entry.box.tabIndex = 0;
    }
  });
  tree.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const entry = order.find((e) => e.box === event.target);
    if (!entry) return;
    const expanded = entry.group && !entry.group.hidden;
    let next = null;
    switch (event.key) {
      case 'ArrowDown': next = step(entry, 1); break;
      case 'ArrowUp': next = step(entry, -1); break;
      case 'Home': next = order.find(visible); break;
      case 'End': next = [...order].reverse().find(visible); break;
      case 'ArrowRight':
        if (entry.group && !expanded) setExpanded(entry, true);
        else if (entry.group) next = order.find((e) => e.parent === entry && visible(e));
        break;
      case 'ArrowLeft':
        if (expanded) setExpanded(entry, false);
        else next = entry.parent;
        break;
      case ' ':
        onOpen(entry.topic);
        break;
      default:
        return;
    }
    event.preventDefault();
    if (next) focusEntry(next);
  });
  tree.addEventListener('click', (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const entry = order.find((e) => e.box === event.target.closest('a.box'));
    if (!entry) return;
    event.preventDefault();
    focusEntry(entry);
    onOpen(entry.topic);
  });

  return {
    el: tree,
    /** Redraws the box of `topicId` for `status`. */
    paint(topicId, status) {
      const entry = boxes.get(topicId);
      if (entry) paint(entry, status);
    },
    /** Hides boxes: `hideDone` those done, `onlyLearning` all but those being learned (a box
     * stays, as context, while any topic under it is shown). */
    filter({ hideDone, onlyLearning }) {
      const shown = (id) => {
        const s = statusOf(id);
        if (onlyLearning) return s === 'LEARNING';
        if (hideDone) return s !== 'DONE';
        return true;
      };
      const keep = (entry) => {
        const kids = order.filter((e) => e.parent === entry);
        const any = kids.map(keep).some(Boolean);
        const self = shown(entry.topic.id);
        entry.box.classList.toggle('filtered', !self && !any);
        entry.box.classList.toggle('context', !self && any);
        return self || any;
      };
      for (const entry of order.filter((e) => !e.parent)) {
        entry.box.closest('.chart-row').hidden = !keep(entry);
      }
      const cur = current();
      if (cur && !visible(cur)) {
        const first = order.find(visible);
        for (const e of order) e.box.tabIndex = -1;
        if (first) first.box.tabIndex = 0;
      }
      return order.filter(visible).length;
    },
    /** Marks the topic whose panel is open (none: null). */
    markOpen(topicId) {
      for (const e of order) {
        if (e.topic.id === topicId) e.box.setAttribute('aria-current', 'true');
        else e.box.removeAttribute('aria-current');
      }
    },
    /** Moves focus to the box of `topicId`, making it the tree's tab stop. */
    focus(topicId) {
      const entry = boxes.get(topicId);
      if (entry) focusEntry(entry);
    },
  };
}

function paint(entry, status) {
  const s = status || 'PENDING';
  const { box } = entry;
  box.classList.remove('status-PENDING', 'status-LEARNING', 'status-DONE', 'status-SKIPPED');
  box.classList.add(`status-${s}`);
  box.dataset.status = s;
  box.querySelector('.box-mark').textContent = MARKS[s] ? ` ${MARKS[s]}` : '';
  box.querySelector('.box-word').textContent = `, ${WORDS[s]}`;
}
