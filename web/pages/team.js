// `/teams/<id>`: the team's roadmaps with members' progress on each, its activity, members and,
// for owners and managers, its invites, the roadmaps it learns (team-roadmaps.js) and the
// topics it counts on each.
import { gql } from '../api.js';
import { errorMessage, h, notice, replace, when } from '../dom.js';
import { activityList, progressTable } from './team-progress.js';
import { addRoadmapForm, hiddenTopicsEditor } from './team-roadmaps.js';

const QUERY = `query Team($id: ID!) {
  team(id: $id) {
    id name myRole
    members(first: 100) { totalCount nodes { role joinedAt user { username } } }
    invites { id email role expiresAt }
    roadmaps { roadmap { id slug title } topicCount hiddenTopicIds }
    activity(first: 10) { nodes { user { username } roadmapSlug topicTitle from to at } }
  }
}`;
const INVITE = `mutation Invite($teamId: ID!, $email: String!, $role: TeamRole!) { inviteTeamMember(teamId: $teamId, email: $email, role: $role) { id } }`;
const CANCEL = `mutation Cancel($id: ID!) { cancelTeamInvite(inviteId: $id) { id } }`;

function inviteForm(team, refresh) {
  const email = h('input', { id: 'invite-email', type: 'email', required: true, 'aria-describedby': 'invite-error' });
  const role = h('select', { id: 'invite-role' }, ['MEMBER', 'MANAGER', 'OWNER'].map((r) => h('option', { value: r, text: r.toLowerCase() })));
  const error = h('span', { id: 'invite-error', class: 'field-error', role: 'alert' });
  const form = h('form', { class: 'stack' },
    h('label', { for: 'invite-email' }, 'Email', email),
    h('label', { for: 'invite-role' }, 'Role', role),
    error,
    h('button', { type: 'submit', text: 'Invite' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await gql(INVITE, { teamId: team.id, email: email.value, role: role.value });
    if (result.data) refresh();
    else error.textContent = errorMessage(result);
  });
  return form;
}

export async function render(main, ctx) {
  const id = ctx.params[0];
  const show = async () => {
    const result = await gql(QUERY, { id });
    const team = result.data && result.data.team;
    if (!team) {
      document.title = 'Team · Roadmaps';
      replace(main, h('h1', { text: 'Team not found' }), result.errors ? notice(errorMessage(result)) : h('p', { text: 'You are not a member of this team.' }));
      return;
    }
    document.title = `${team.name} · Roadmaps`;
    const manages = team.myRole === 'OWNER' || team.myRole === 'MANAGER';
    replace(
      main,
      h('h1', { text: team.name }),
      h('p', { class: 'muted', text: `Your role: ${(team.myRole || '').toLowerCase()}` }),
      h('h2', { text: 'Progress' }),
      (team.roadmaps || []).length
        ? team.roadmaps.map((entry) => [progressTable(team.id, entry), manages ? hiddenTopicsEditor(team.id, entry, show) : null])
        : h('p', { class: 'muted', text: 'The team has no roadmaps yet.' }),
      manages ? [h('h3', { text: 'Add a roadmap' }), await addRoadmapForm(team, show)] : null,
      h('h2', { text: 'Recent activity' }),
      activityList(team.activity, team.roadmaps),
      h('h2', { text: `Members (${team.members.totalCount})` }),
      h('table', null,
        h('thead', null, h('tr', null, h('th', { scope: 'col', text: 'Member' }), h('th', { scope: 'col', text: 'Role' }), h('th', { scope: 'col', text: 'Joined' }))),
        h('tbody', null, team.members.nodes.map((m) => h('tr', null,
          h('td', null, h('a', { href: `/u/${encodeURIComponent(m.user.username)}`, text: `@${m.user.username}` })),
          h('td', { text: m.role.toLowerCase() }),
          h('td', { text: when(m.joinedAt) }))))),
      manages ? [
        h('h2', { text: 'Invites' }),
        team.invites.length
          ? h('ul', null, team.invites.map((i) => h('li', { class: 'row' }, `${i.email} (${i.role.toLowerCase()}, until ${when(i.expiresAt)})`,
            h('button', { type: 'button', class: 'secondary', text: `Cancel invite of ${i.email}`, onclick: async () => { await gql(CANCEL, { id: i.id }); show(); } }))))
          : h('p', { class: 'muted', text: 'No pending invites.' }),
        inviteForm(team, show),
      ] : null,
    );
  };
  await show();
}
