// `/reset-password`: without a token, asks for the account's email and mails a reset link; with
// `?token=…` (the mailed link), sets a new password. It does not sign in: the form to sign in
// comes next.
import { gql } from '../api.js';
import { h, notice, replace } from '../dom.js';
import { clearErrors, field, requireFilled, showErrors, stackForm } from '../forms.js';

const REQUEST = 'mutation RequestPasswordReset($email: String!) { requestPasswordReset(email: $email) }';
const RESET = 'mutation ResetPassword($input: ResetPasswordInput!) { resetPassword(input: $input) }';

function requestForm(main) {
  const email = field('email', 'Email', { type: 'email', autocomplete: 'email', required: true });
  const general = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', text: 'Mail me a reset link' });
  const form = stackForm([email], general, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors([email], general);
    if (!requireFilled([email])) return;
    const result = await gql(REQUEST, { email: email.input.value.trim() });
    if (showErrors(result, [email], general)) return;
    replace(main, h('h1', { text: 'Check your mail' }),
      notice(`If an account uses ${email.input.value.trim()}, a link to set a new password is on its way. It works once, within an hour.`, true),
      h('p', null, h('a', { href: '/signin', text: 'Back to sign in' })));
  });
  return [h('p', { class: 'muted', text: 'Forgot your password? We mail you a link to set a new one.' }), form];
}

function resetForm(main, token) {
  const password = field('newPassword', 'New password', { type: 'password', autocomplete: 'new-password', required: true, hint: '8 to 128 characters, not a common password.' });
  const general = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', text: 'Set the new password' });
  const form = stackForm([password], general, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors([password], general);
    if (!requireFilled([password])) return;
    const result = await gql(RESET, { input: { token, newPassword: password.input.value } });
    if (showErrors(result, [password], general)) {
      if ((result.errors || []).some((e) => e.extensions && e.extensions.field === 'token')) {
        general.append(' ', h('a', { href: '/reset-password', text: 'Ask for a new link' }));
      }
      return;
    }
    replace(main, h('h1', { text: 'Password changed' }),
      notice('Your new password is set, and every device was signed out.', true),
      h('p', null, h('a', { class: 'button', href: '/signin', text: 'Sign in' })));
  });
  return [form];
}

export async function render(main) {
  document.title = 'Reset your password · Roadmaps';
  const token = new URLSearchParams(window.location.search).get('token');
  replace(main, h('h1', { text: token ? 'Set a new password' : 'Reset your password' }), token ? resetForm(main, token) : requestForm(main));
}
