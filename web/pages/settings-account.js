// The account parts of `/settings`: the email address (verified or not, with the verification
// link mailed again on request), changing the password, and deleting the account (password and
// a deliberate second step).
import { AUTH_FIELDS, changingSession, gql, keepSession, signOut } from '../api.js';
import { errorMessage, h } from '../dom.js';
import { clearErrors, field, requireFilled, showErrors, stackForm } from '../forms.js';

const RESEND = 'mutation Resend { resendVerificationEmail }';
const CHANGE_PASSWORD = `mutation ChangePassword($input: ChangePasswordInput!) { changePassword(input: $input) { ${AUTH_FIELDS} } }`;
const DELETE = 'mutation DeleteAccount($input: DeleteAccountInput!) { deleteAccount(input: $input) }';

function emailSection(user) {
  const said = h('p', { role: 'status', class: 'notice' });
  const resend = user.emailVerified ? null : h('button', {
    type: 'button',
    class: 'secondary',
    text: 'Mail me the verification link again',
    onclick: async () => {
      const result = await gql(RESEND);
      said.className = result.data ? 'notice' : 'error';
      said.textContent = result.data ? `Sent to ${user.email}: follow its link to verify the address.` : (errorMessage(result) || 'Could not send it');
    },
  });
  return h('section', { 'aria-labelledby': 'email-h' },
    h('h2', { id: 'email-h', text: 'Email' }),
    h('p', null, user.email, ' — ', user.emailVerified ? 'verified' : 'not verified yet (team invites to it show once it is)'),
    resend, said);
}

function passwordSection() {
  const fields = [
    field('currentPassword', 'Current password', { type: 'password', autocomplete: 'current-password', required: true }),
    field('newPassword', 'New password', { type: 'password', autocomplete: 'new-password', required: true, hint: '8 to 128 characters, not a common password.' }),
  ];
  const general = h('p', { class: 'error', role: 'alert' });
  const said = h('p', { role: 'status', class: 'notice' });
  const button = h('button', { type: 'submit', text: 'Change password' });
  const form = stackForm(fields, general, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(fields, general);
    said.textContent = '';
    if (!requireFilled(fields)) return;
    const input = { currentPassword: fields[0].input.value, newPassword: fields[1].input.value };
    // The other sessions, this one's included, are revoked: this device keeps the new one.
    const [result, kept] = await changingSession(async () => {
      const answer = await gql(CHANGE_PASSWORD, { input });
      return [answer, answer.data ? await keepSession(answer.data.changePassword) : null];
    });
    if (showErrors(result, fields, general)) return;
    if (kept) {
      general.textContent = 'Password changed, but this device was signed out: sign in with the new password.';
      return;
    }
    for (const f of fields) f.input.value = '';
    said.textContent = 'Password changed. Your other devices were signed out.';
  });
  return h('section', { 'aria-labelledby': 'password-h' }, h('h2', { id: 'password-h', text: 'Password' }), form, said);
}

function deleteSection(ctx) {
  const password = field('deletePassword', 'Password, to confirm', { type: 'password', autocomplete: 'current-password', required: true });
  const sure = field('deleteSure', 'I understand that my progress, notes and history go for good', { type: 'checkbox' });
  const fields = [password, sure];
  const general = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'danger', text: 'Delete my account' });
  const form = stackForm(fields, general, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(fields, general);
    if (!requireFilled(fields)) return;
    if (!sure.input.checked) {
      sure.error.textContent = 'Tick this box to delete the account.';
      sure.input.setAttribute('aria-invalid', 'true');
      sure.input.focus();
      return;
    }
    const result = await changingSession(async () => {
      const answer = await gql(DELETE, { input: { password: password.input.value } });
      if (answer.data) await signOut();
      return answer;
    });
    if (showErrors(result, fields, general, { password: 'deletePassword' })) return;
    ctx.navigate('/?deleted=1');
  });
  return h('section', { 'aria-labelledby': 'delete-h', class: 'danger-zone' },
    h('h2', { id: 'delete-h', text: 'Delete account' }),
    h('p', { text: 'Deletes your account with your progress, history, notes and favourites. This cannot be undone.' }),
    form);
}

/** The email, password and delete sections. */
export function accountSections(user, ctx) {
  return [emailSection(user), passwordSection(), deleteSection(ctx)];
}
