// The panel of one topic (a side panel; a bottom sheet on a narrow screen): where it sits, its
// description (safe markdown), resources, and for a signed-in learner the status buttons and a
// private note. Buttons, not a select: no arrow key can change a status.
import { h, replace, STATUSES, statusWord } from '../dom.js';
import { markdown } from '../markdown.js';

const LEGEND = { RECOMMENDED: 'Recommended', ALTERNATIVE: 'Alternative', ORDER_NOT_STRICT: 'Any order' };

/**
 * Renders the panel of `topic` into `panel`. `opts`: `signedIn`, `status` (now), `note` (now),
 * `path` (the topics above it), `same` (the topics of this roadmap it is the same as, with
 * their URLs), `guidance` (an element for prerequisites and review, filled by the caller),
 * `onStatus(status)`, `onNote(text)`, `onClose()`. Returns a handle to redraw the
 * status and the note, and to say how the note is doing.
 */
export function renderPanel(panel, topic, opts) {
  const title = h('h2', { id: 'panel-title', tabindex: -1, text: topic.title });
  const close = h('button', { type: 'button', class: 'secondary panel-close', 'aria-label': 'Close the topic', text: '✕', onclick: () => opts.onClose() });
  const buttons = new Map();
  let statusBox = null;
  if (opts.signedIn) {
    statusBox = h('div', { class: 'status-buttons', role: 'group', 'aria-label': `Status of ${topic.title}` },
      STATUSES.map((s) => {
        const b = h('button', { type: 'button', class: `secondary status-button status-${s}`, 'data-status': s, 'aria-pressed': 'false', text: statusWord(s) });
        b.addEventListener('click', () => opts.onStatus(s));
        buttons.set(s, b);
        return b;
      }));
  }
  let area = null;
  const said = h('span', { class: 'muted', role: 'status' });
  let noteBox = null;
  if (opts.signedIn) {
    area = h('textarea', { id: `note-${topic.id}`, 'aria-label': `${topic.title} note`, maxlength: 10000 });
    area.value = opts.note || '';
    noteBox = h('div', { class: 'note' },
      h('label', { for: `note-${topic.id}`, class: 'note-label', text: 'My note' }),
      area,
      h('div', { class: 'row' }, h('button', {
        type: 'button',
        class: 'secondary',
        text: 'Save note',
        'aria-label': `Save note on ${topic.title}`,
        onclick: () => opts.onNote(area.value),
      }), said));
  }
  const crumbs = opts.path.length ? h('p', { class: 'crumbs muted', text: opts.path.map((t) => t.title).join(' › ') }) : null;
  replace(
    panel,
    h('div', { class: 'panel-head' }, h('div', null, crumbs, title), close),
    topic.legend ? h('p', null, h('span', { class: 'legend', text: LEGEND[topic.legend] || topic.legend })) : null,
    statusBox || h('p', null, h('a', { href: '/signin', text: 'Sign in' }), ' to track this topic.'),
    opts.same.length ? h('p', { class: 'muted' }, 'The same subject as ', opts.same.map((s, i) => [i ? ', ' : '', h('a', { href: s.href, text: s.title })]), ': it shares its status and counts once.') : null,
    topic.description ? h('div', { class: 'description' }, markdown(topic.description)) : null,
    topic.resources && topic.resources.length
      ? [h('h3', { text: 'Resources' }), h('ul', { class: 'resources', 'aria-label': `Resources for ${topic.title}` }, topic.resources.map((r) =>
        h('li', null, h('span', { class: 'kind', text: `${r.kind} ` }), h('a', { href: r.url, rel: 'noopener noreferrer', text: r.title }))))]
      : null,
    noteBox,
    opts.guidance || null,
  );
  const handle = {
    title,
    /** Shows `status` as the pressed button. */
    status(status) {
      for (const [s, b] of buttons) b.setAttribute('aria-pressed', String(s === (status || 'PENDING')));
    },
    /** Shows the note `text` (unless the learner is typing in it). */
    note(text) {
      if (area && document.activeElement !== area) area.value = text || '';
    },
    /** Says how the note is doing ("Saved", "Sending…"). */
    said(text) {
      said.textContent = text;
    },
    /** Marks the status as waiting in the queue (described by the line that says why). */
    pending(waiting) {
      if (!statusBox) return;
      statusBox.classList.toggle('pending', waiting);
      if (waiting) statusBox.setAttribute('aria-describedby', 'sync');
      else statusBox.removeAttribute('aria-describedby');
    },
  };
  handle.status(opts.status);
  return handle;
}
