// `/signin` and `/signup`: labelled fields, errors shown next to the field the server names
// (`extensions.field`); an empty form names every missing field at once. Both go back to the
// page the learner came from (`?next=`), else to the dashboard.
import { authenticate } from '../api.js';
import { h, replace } from '../dom.js';
import { clearErrors, field, nextPath, requireFilled, showErrors, stackForm } from '../forms.js';

export async function render(main, ctx) {
  const signup = ctx.options.mode === 'signup';
  const title = signup ? 'Sign up' : 'Sign in';
  document.title = `${title} · Roadmaps`;
  const fields = [field('email', 'Email', { type: 'email', autocomplete: 'email', required: true })];
  if (signup) fields.push(field('username', 'Username', { autocomplete: 'username', required: true }));
  fields.push(field('password', 'Password', { type: 'password', autocomplete: signup ? 'new-password' : 'current-password', required: true }));
  const general = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', text: title });
  const form = stackForm(fields, general, button);
  const next = nextPath('/dashboard');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(fields, general);
    if (!requireFilled(fields)) return;
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
      ctx.navigate(next);
      return;
    }
    showErrors(result, fields, general);
  });
  const carry = next === '/dashboard' ? '' : `?next=${encodeURIComponent(next)}`;
  const other = signup
    ? h('p', null, 'Have an account? ', h('a', { href: `/signin${carry}`, text: 'Sign in' }))
    : h('p', null, 'New here? ', h('a', { href: `/signup${carry}`, text: 'Sign up' }));
  const forgot = signup ? null : h('p', null, h('a', { href: '/reset-password', text: 'Forgot your password?' }));
  replace(main, h('h1', { text: title }), form, other, forgot);
}
