// The dashboard's lists: my roadmaps (those I follow, and those I made or forked even before any
// progress, each once; a fork says whose copy it is), and my teams with the form that makes one
// and the invites waiting for me (apart from the teams).
import { gql } from '../api.js';
import { errorMessage, h, replace } from '../dom.js';
import { progressFigure } from '../progress.js';

const CREATE_TEAM = 'mutation CreateTeam($input: CreateTeamInput!) { createTeam(input: $input) { id } }';
const RESPOND = 'mutation Respond($id: ID!, $accept: Boolean!) { respondToTeamInvite(inviteId: $id, accept: $accept) { id } }';

/** The roadmap fields the cards need (inside `roadmap { … }` and `roadmaps { … }`). */
export const CARD = 'id slug title visibility forkedFrom { title } owner { username }';

function roadmapLink(r) {
  return h('a', { href: `/roadmaps/${encodeURIComponent(r.slug)}`, text: r.title });
}

/** What makes a roadmap of mine stand apart from the one it copies. */
function origin(r, username) {
  if (r.forkedFrom) return `Your fork of ${r.forkedFrom.title}`;
  if (r.owner && r.owner.username === username) return `Made by you · ${r.visibility.toLowerCase()}`;
  return null;
}

/** My roadmaps: progress entries first (most recent first), then my own without progress. */
export function myRoadmaps(progress, owned, username) {
  const seen = new Set(progress.map((p) => p.roadmap.id));
  const entries = [...progress, ...owned.filter((r) => !seen.has(r.id)).map((roadmap) => ({ roadmap, done: 0, total: null }))];
  if (!entries.length) {
    return h('p', null, 'Nothing tracked yet. ', h('a', { href: '/roadmaps/backend', text: 'Start with the Backend roadmap' }), ' or ', h('a', { href: '/', text: 'pick another' }), '.');
  }
  return h('ul', { class: 'cards' }, entries.map((p) => {
    const mine = p.roadmap.owner && p.roadmap.owner.username === username;
    const from = origin(p.roadmap, username);
    return h('li', null, h('h3', null, roadmapLink(p.roadmap)),
      from ? h('p', { class: 'muted origin', text: from }) : null,
      p.total === null
        ? h('p', { class: 'muted', text: 'No progress yet.' })
        : progressFigure(`Progress on ${p.roadmap.title}`, p).el,
      mine ? h('p', null, h('a', { href: `/edit/${encodeURIComponent(p.roadmap.slug)}`, text: `Edit ${p.roadmap.title}` })) : null);
  }));
}

function createTeamForm(ctx) {
  const name = h('input', { id: 'team-name', type: 'text', required: true, maxlength: 100, 'aria-describedby': 'team-name-error' });
  const kind = h('select', { id: 'team-kind' }, h('option', { value: 'STUDY_GROUP', text: 'A study group' }), h('option', { value: 'COMPANY', text: 'A company' }));
  const error = h('span', { id: 'team-name-error', class: 'field-error', role: 'alert' });
  const form = h('form', { class: 'stack' },
    h('label', { for: 'team-name' }, 'Team name', name, error),
    h('label', { for: 'team-kind' }, 'What it is', kind),
    h('button', { type: 'submit', text: 'Create team' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    name.removeAttribute('aria-invalid');
    if (!name.value.trim()) {
      error.textContent = 'Team name is required.';
      name.setAttribute('aria-invalid', 'true');
      name.focus();
      return;
    }
    const result = await gql(CREATE_TEAM, { input: { name: name.value, kind: kind.value } });
    if (result.data) ctx.navigate(`/teams/${encodeURIComponent(result.data.createTeam.id)}`);
    else {
      error.textContent = errorMessage(result);
      name.setAttribute('aria-invalid', 'true');
    }
  });
  return h('details', { class: 'create-team' }, h('summary', { text: 'Create a team' }), form);
}

function invitesList(invites, reload) {
  if (!invites.length) return null;
  const said = h('div');
  const answer = (i, accept) => async () => {
    const result = await gql(RESPOND, { id: i.id, accept });
    if (result.errors) replace(said, h('p', { class: 'error', role: 'alert', text: errorMessage(result) }));
    else reload();
  };
  return [h('h3', { text: 'Invites waiting for you' }),
    h('ul', { 'aria-label': 'Team invites' }, invites.map((i) => h('li', { class: 'row' }, `Invite to ${i.team.name} as ${i.role.toLowerCase()}`,
      h('button', { type: 'button', text: `Join ${i.team.name}`, onclick: answer(i, true) }),
      h('button', { type: 'button', class: 'secondary', text: `Decline ${i.team.name}`, onclick: answer(i, false) })))),
    said];
}

/** The teams section: my teams (or none), the invites waiting, and the form to make a team. */
export function teamsSection(teams, invites, ctx, reload) {
  return [h('h2', { text: 'Teams' }),
    teams.length
      ? h('ul', null, teams.map((t) => h('li', null, h('a', { href: `/teams/${encodeURIComponent(t.id)}`, text: t.name }))))
      : h('p', { class: 'muted', text: invites.length ? 'You are in no team yet.' : 'No teams.' }),
    invitesList(invites, reload),
    createTeamForm(ctx)];
}
