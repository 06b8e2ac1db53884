// `/verify-email?token=…`: the page the mailed verification link opens. It calls `verifyEmail`
// with the link's token once, and says what happened.
import { gql, me, refresh } from '../api.js';
import { errorMessage, h, notice, replace } from '../dom.js';

const VERIFY = 'mutation VerifyEmail($token: String!) { verifyEmail(token: $token) { email emailVerified } }';

export async function render(main) {
  document.title = 'Verify your email · Roadmaps';
  const token = new URLSearchParams(window.location.search).get('token');
  if (!token) {
    replace(main, h('h1', { text: 'Verify your email' }), notice('This link has no token: open the link from the mail as it was sent.'));
    return;
  }
  replace(main, h('h1', { text: 'Verify your email' }), h('p', { class: 'muted', role: 'status', text: 'Verifying…' }));
  const result = await gql(VERIFY, { token });
  const user = result.data && result.data.verifyEmail;
  if (!user) {
    replace(main, h('h1', { text: 'Verify your email' }),
      notice(errorMessage(result) || 'The link could not be used.'),
      h('p', null, 'Links work once and expire; ', me() ? h('a', { href: '/settings', text: 'ask for a new one in your settings' }) : h('a', { href: '/signin?next=/settings', text: 'sign in to ask for a new one' }), '.'));
    return;
  }
  // A signed-in tab learns the new state on its next refresh; ask for one now.
  if (me()) await refresh().catch(() => {});
  replace(main, h('h1', { text: 'Email verified' }),
    notice(`${user.email || 'Your address'} is verified. Thank you!`, true),
    h('p', null, h('a', { class: 'button', href: me() ? '/dashboard' : '/signin?next=/dashboard', text: me() ? 'Go to your dashboard' : 'Sign in' })));
}
