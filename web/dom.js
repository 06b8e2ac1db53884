// Building the page from data without ever parsing HTML: every text goes in as text.
import { readable } from './labels.js';

/** An element with attributes (`on…` are listeners, `text` is its text) and children. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'text') {
      el.textContent = value;
    } else if (key === 'class') {
      el.className = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children: nodes, strings (as text), arrays of them; skips null and false. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's content. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A short date and time in the reader's locale. */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

const STATUS_WORDS = { PENDING: 'Pending', LEARNING: 'Learning', DONE: 'Done', SKIPPED: 'Skipped' };

/** The word a status is shown as. */
export function statusWord(status) {
  return STATUS_WORDS[status] || 'Pending';
}

export const STATUSES = Object.keys(STATUS_WORDS);

/** A progress bar: role progressbar, aria-valuenow the percent done (rounded). */
export function progressBar(label, progress) {
  const bar = h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-label': label });
  bar.append(h('div', { class: 'bar-fill' }));
  setProgress(bar, progress);
  return bar;
}

/** Updates a progress bar from `{ done, total, percentDone }`. */
export function setProgress(bar, progress) {
  const percent = Math.round((progress && progress.percentDone) || 0);
  bar.setAttribute('aria-valuenow', String(percent));
  const done = progress ? progress.done : 0;
  const total = progress ? progress.total : 0;
  bar.setAttribute('aria-valuetext', `${percent}% done (${done} of ${total} topics)`);
  bar.firstChild.style.width = `${percent}%`;
  bar.title = `${percent}% done`;
}

/** A message in an element with role alert (or status when `polite`). */
export function notice(text, polite) {
  return h('p', { class: polite ? 'notice' : 'error', role: polite ? 'status' : 'alert', text });
}

/** The first error's message of a GraphQL answer (fields named by their labels), or null. */
export function errorMessage(result) {
  const e = result && result.errors && result.errors[0];
  return e ? readable(e.message) : null;
}

/** "1 day", "2 days": `n` and the word, plural unless `n` is 1 (`many` when not word + s). */
export function plural(n, word, many) {
  return `${n} ${n === 1 ? word : many || `${word}s`}`;
}

/** The first error's `extensions.code`, or null. */
export function errorCode(result) {
  const e = result && result.errors && result.errors[0];
  return (e && e.extensions && e.extensions.code) || null;
}
