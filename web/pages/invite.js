// `/teams/invites/<id>?token=…`: the page a mailed team invite opens. Signed in, it accepts the
// invite (`acceptTeamInvite`) and opens the team; signed out, it asks to sign in first.
import { gql, me } from '../api.js';
import { errorMessage, h, notice, replace } from '../dom.js';

const ACCEPT = 'mutation AcceptTeamInvite($token: String!) { acceptTeamInvite(token: $token) { id name } }';

export async function render(main, ctx) {
  document.title = 'Team invite · Roadmaps';
  const token = new URLSearchParams(window.location.search).get('token') || '';
  const here = window.location.pathname + window.location.search;
  if (!me()) {
    replace(main, h('h1', { text: 'Team invite' }),
      h('p', null, h('a', { href: `/signin?next=${encodeURIComponent(here)}`, text: 'Sign in' }), ' or ',
        h('a', { href: `/signup?next=${encodeURIComponent(here)}`, text: 'sign up' }), ' to join the team.'));
    return;
  }
  const join = h('button', {
    type: 'button',
    text: 'Join the team',
    onclick: async () => {
      const result = await gql(ACCEPT, { token });
      const team = result.data && result.data.acceptTeamInvite;
      if (team) ctx.navigate(`/teams/${encodeURIComponent(team.id)}`);
      else replace(said, notice(errorMessage(result) || 'The invite could not be accepted.'));
    },
  });
  const said = h('div');
  replace(main, h('h1', { text: 'Team invite' }), h('p', { text: `You are signed in as @${me().username}; joining adds this account to the team.` }), join, said);
}
