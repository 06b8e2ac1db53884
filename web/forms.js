// Labelled form fields whose errors show next to them: the field the server names in
// `extensions.field` gets the message (with `aria-invalid` and `aria-describedby`), any other
// error goes above the button.
import { h } from './dom.js';
import { readable } from './labels.js';

/**
 * A labelled field. `opts`: `type` (text, email, password, url, textarea, select, checkbox),
 * `value`, `options` ([value, text] pairs for a select), `hint`, `autocomplete`, `required`,
 * `maxlength`.
 */
export function field(name, label, opts) {
  const o = opts || {};
  const id = `f-${name}`;
  const error = h('span', { id: `${id}-error`, class: 'field-error' });
  const hint = o.hint ? h('span', { id: `${id}-hint`, class: 'muted hint', text: o.hint }) : null;
  const described = [o.hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' ');
  const common = { id, name, 'aria-describedby': described, required: o.required, autocomplete: o.autocomplete, maxlength: o.maxlength };
  let input;
  if (o.type === 'textarea') {
    input = h('textarea', common);
    input.value = o.value || '';
  } else if (o.type === 'select') {
    input = h('select', common, (o.options || []).map(([value, text]) => h('option', { value, text })));
    if (o.value !== undefined) input.value = o.value;
  } else if (o.type === 'checkbox') {
    input = h('input', { ...common, type: 'checkbox', required: false });
    input.checked = Boolean(o.value);
    return { name, input, error, node: h('div', { class: 'check' }, h('label', { for: id, class: 'row' }, input, label), hint, error) };
  } else {
    input = h('input', { ...common, type: o.type || 'text' });
    if (o.value !== undefined && o.value !== null) input.value = o.value;
  }
  return { name, input, error, node: h('label', { for: id }, label, hint, input, error) };
}

/** Clears the errors of `fields` and the general line. */
export function clearErrors(fields, general) {
  for (const f of fields) {
    f.error.textContent = '';
    f.input.removeAttribute('aria-invalid');
  }
  if (general) general.textContent = '';
}

/** Marks `f` wrong with `message`. */
export function fieldError(f, message) {
  f.error.textContent = message;
  f.input.setAttribute('aria-invalid', 'true');
}

/**
 * Shows a GraphQL answer's errors: next to the field `extensions.field` names (its name, or the
 * part before `[`/`.`, or one of `aliases`: server name → field name), else in `general`. Focuses
 * the first wrong field. Returns true when there were errors.
 */
export function showErrors(result, fields, general, aliases) {
  const errors = (result && result.errors) || [];
  let first = null;
  for (const e of errors) {
    const named = (e.extensions && e.extensions.field) || '';
    const base = named.split(/[.[]/)[0];
    const wanted = (aliases && (aliases[named] || aliases[base])) || base;
    const target = fields.find((f) => f.name === wanted);
    if (target) {
      fieldError(target, readable(e.message));
      first = first || target.input;
    } else if (general) {
      general.textContent = readable(e.message);
    }
  }
  if (first) first.focus();
  return errors.length > 0;
}

/**
 * Checks that every required field of `fields` has a value, naming each empty one at once.
 * Returns true when all are filled.
 */
export function requireFilled(fields) {
  let first = null;
  for (const f of fields) {
    if (f.input.required && !f.input.value.trim()) {
      fieldError(f, `${f.node.firstChild.textContent || f.name} is required.`);
      first = first || f.input;
    }
  }
  if (first) first.focus();
  return first === null;
}

/** A form laid out as a stack: the fields, a line for other errors, the button. */
export function stackForm(fields, general, button, extra) {
  return h('form', { class: 'stack', novalidate: true }, fields.map((f) => f.node), extra || null, general, button);
}

/** Where to go back to after signing in: `?next=` when it is a path of this site, else `fallback`. */
export function nextPath(fallback) {
  const next = new URLSearchParams(window.location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : fallback;
}
