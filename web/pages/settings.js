// `/settings`: the public profile (visibility, display name, headline, links, which roadmaps it
// lists), the email address (verified or not; mail the link again), the password, and deleting
// the account (settings-account.js).
import { gql, me } from '../api.js';
import { errorMessage, h, notice, replace } from '../dom.js';
import { clearErrors, field, requireFilled, showErrors, stackForm } from '../forms.js';
import { accountSections } from './settings-account.js';

const QUERY = `query Settings {
  me {
    username displayName email emailVerified profileVisibility headline links profileRoadmaps profileRoadmapIds
    progress(first: 100) { nodes { roadmap { id title } } }
  }
}`;
const UPDATE = `mutation UpdateProfile($input: UpdateProfileInput!) { updateProfile(input: $input) { username } }`;
const WHICH = [['ALL', 'Every roadmap I follow'], ['SELECTED', 'Only the ones I tick'], ['NONE', 'None']];

function profileForm(user, reload) {
  const fields = [
    field('profileVisibility', 'Who can see my profile', { type: 'select', options: [['PRIVATE', 'Only me'], ['PUBLIC', 'Everyone (and the leaderboard)']], value: user.profileVisibility }),
    field('displayName', 'Display name', { value: user.displayName, required: true, maxlength: 100 }),
    field('headline', 'Headline', { value: user.headline || '', maxlength: 200, hint: 'One line about you, at most 200 characters.' }),
    field('links', 'Links', { type: 'textarea', value: (user.links || []).join('\n'), hint: 'One http(s) address per line, at most 10.' }),
    field('profileRoadmaps', 'Roadmaps my profile lists', { type: 'select', options: WHICH, value: user.profileRoadmaps }),
  ];
  const chosen = new Set(user.profileRoadmapIds || []);
  const roadmaps = user.progress.nodes.map((p) => p.roadmap);
  const boxes = roadmaps.map((r) => {
    const box = h('input', { type: 'checkbox', id: `show-${r.id}`, value: r.id });
    box.checked = chosen.has(r.id);
    return h('label', { for: `show-${r.id}`, class: 'row' }, box, r.title);
  });
  const picks = h('fieldset', { class: 'picks' }, h('legend', { text: 'Roadmaps to list' }),
    boxes.length ? boxes : h('p', { class: 'muted', text: 'You follow no roadmap yet.' }));
  const which = fields[4].input;
  const sync = () => { picks.hidden = which.value !== 'SELECTED'; };
  which.addEventListener('change', sync);
  sync();
  const general = h('p', { class: 'error', role: 'alert' });
  const said = h('p', { role: 'status', class: 'notice' });
  const button = h('button', { type: 'submit', text: 'Save profile' });
  const form = stackForm(fields, general, button, picks);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(fields, general);
    said.textContent = '';
    if (!requireFilled(fields)) return;
    const input = {};
    for (const f of fields) input[f.name] = f.input.value;
    input.links = input.links.split('\n').map((l) => l.trim()).filter(Boolean);
    input.profileRoadmapIds = [...picks.querySelectorAll('input:checked')].map((b) => b.value);
    const result = await gql(UPDATE, { input });
    if (showErrors(result, fields, general, { profileRoadmapIds: 'profileRoadmaps' })) return;
    said.textContent = 'Profile saved.';
    reload();
  });
  return h('section', { 'aria-labelledby': 'profile-h' },
    h('h2', { id: 'profile-h', text: 'Public profile' }),
    h('p', null, h('a', { href: `/u/${encodeURIComponent(user.username)}`, text: 'See my profile as others do' })),
    form, said);
}

export async function render(main, ctx) {
  document.title = 'Settings · Roadmaps';
  if (!me()) {
    replace(main, h('h1', { text: 'Settings' }), h('p', null, h('a', { href: '/signin?next=/settings', text: 'Sign in' }), ' to change your settings.'));
    return;
  }
  const result = await gql(QUERY);
  const user = result.data && result.data.me;
  if (!user) {
    replace(main, h('h1', { text: 'Settings' }), notice(errorMessage(result) || 'Could not load your settings'));
    return;
  }
  replace(main, h('h1', { text: 'Settings' }), profileForm(user, () => {}), accountSections(user, ctx));
}
