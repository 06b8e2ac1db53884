// Progress as the API counts it: done + skipped is the share dealt with (`percentComplete`), and
// the figure names the done, learning and skipped counts beside the bar, so no colour or bar
// length carries the meaning alone.
import { h } from './dom.js';

/** `(done + skipped) / total × 100`, as the API's `percentComplete` (0 for an empty roadmap). */
export function percentComplete(p) {
  if (!p) return 0;
  if (typeof p.percentComplete === 'number') return p.percentComplete;
  return p.total ? ((p.done + (p.skipped || 0)) / p.total) * 100 : 0;
}

/** "12% complete · 3 done · 1 learning · 2 skipped, of 50". */
export function progressText(p) {
  const percent = Math.round(percentComplete(p));
  const total = p ? p.total : 0;
  return `${percent}% complete · ${p ? p.done : 0} done · ${p ? p.learning || 0 : 0} learning · ${p ? p.skipped || 0 : 0} skipped, of ${total}`;
}

/**
 * A progress figure: a bar (role progressbar, `aria-valuenow` the rounded percent complete) and
 * the counts as text. `update(p)` redraws it from `{ done, learning, skipped, total }`.
 * `opts.total === false` leaves the total out of the text (a table whose caption says it); the
 * bar's `aria-valuetext` keeps it.
 */
export function progressFigure(label, p, opts) {
  const bar = h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-label': label }, h('div', { class: 'bar-fill' }));
  const text = h('span', { class: 'progress-counts' });
  const el = h('div', { class: 'progress-line progress-figure' }, bar, text);
  const update = (next) => {
    const percent = Math.round(percentComplete(next));
    bar.setAttribute('aria-valuenow', String(percent));
    bar.setAttribute('aria-valuetext', progressText(next));
    bar.firstChild.style.width = `${percent}%`;
    const said = progressText(next);
    text.textContent = opts && opts.total === false ? said.replace(/, of \d+$/, '') : said;
  };
  update(p);
  return { el, update };
}
