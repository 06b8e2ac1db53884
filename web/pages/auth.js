// `/signin` and `/signup`: labelled fields, errors shown next to the field the server names
// (`extensions.field`).
import { authenticate } from '../api.js';
import { h, replace } from '../dom.js';

function field(name, label, type, autocomplete) {
  const id = `f-${name}`;
  const error = h('span', { id: `${id}-error`, class: 'field-error' });
  const input = h('input', { id, name, type, autocomplete, required: true, 'aria-describedby': `${id}-error` });
  return { name, input, error, node: h('label', { for: id }, label, input, error) };
}

export async function render(main, ctx) {
  const signup = ctx.options.mode === 'signup';
  const title = signup ? 'Sign up' : 'Sign in';
  document.title = `${title} · Roadmaps`;
  const fields = [field('email', 'Email', 'email', 'email')];
  if (signup) fields.push(field('username', 'Username', 'text', 'username'));
  fields.push(field('password', 'Password', 'password', signup ? 'new-password' : 'current-password'));
  const general = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', text: title });
  const form = h('form', { class: 'stack', novalidate: true }, fields.map((f) => f.node), general, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const f of fields) {
      f.error.textContent = '';
      f.input.removeAttribute('aria-invalid');
    }
    general.textContent = '';
    const input = {};
    for (const f of fields) input[f.name] = f.input.value;
    button.disabled = true;
    let result;
    try {
      result = await authenticate(signup ? 'signUp' : 'signIn', input);
    } catch (e) {
      result = { errors: [{ message: 'The server could not be reached; try again', extensions: {} }] };
    }
    button.disabled = false;
    if (!result.errors) {
      ctx.navigate('/dashboard');
      return;
    }
    let firstBad = null;
    for (const e of result.errors) {
      const target = fields.find((f) => e.extensions && f.name === e.extensions.field);
      if (target) {
        target.error.textContent = e.message;
        target.input.setAttribute('aria-invalid', 'true');
        firstBad = firstBad || target.input;
      } else {
        general.textContent = e.message;
      }
    }
    if (firstBad) firstBad.focus();
  });
  const other = signup
    ? h('p', null, 'Have an account? ', h('a', { href: '/signin', text: 'Sign in' }))
    : h('p', null, 'New here? ', h('a', { href: '/signup', text: 'Sign up' }));
  replace(main, h('h1', { text: title }), form, other);
}
