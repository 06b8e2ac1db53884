// The edit page's "Roadmap details" for a learner's own roadmap: title, descriptions, kind,
// visibility, forkable (sent with `expectedVersion`), and the share link of an unlisted
// roadmap with a button that makes a new one (the old link stops working).
import { gql } from '../api.js';
import { h, notice, replace } from '../dom.js';
import { clearErrors, requireFilled, showErrors, stackForm } from '../forms.js';
import { roadmapFields, roadmapInput } from './roadmap-fields.js';

const UPDATE = `mutation UpdateRoadmap($id: ID!, $input: UpdateRoadmapInput!, $version: Int) {
  updateRoadmap(id: $id, input: $input, expectedVersion: $version) { slug version }
}`;
const REGENERATE = `mutation NewShareLink($id: ID!) { regenerateShareToken(roadmapId: $id) { shareToken } }`;

/** The roadmap fields the details need (inside `roadmap { … }`). */
export const DETAILS = 'description briefDescription kind visibility isForkable shareToken version forkedFrom { slug title }';

/** The share link of an unlisted roadmap. */
export function shareLink(roadmap, token) {
  return `${window.location.origin}/roadmaps/${encodeURIComponent(roadmap.slug)}?share=${encodeURIComponent(token)}`;
}

function shareSection(roadmap) {
  if (roadmap.visibility !== 'UNLISTED' || !roadmap.shareToken) return null;
  const link = h('input', { id: 'share-link', type: 'text', readonly: true, value: shareLink(roadmap, roadmap.shareToken) });
  const said = h('span', { class: 'muted', role: 'status' });
  const again = h('button', {
    type: 'button',
    class: 'secondary',
    text: 'Make a new share link',
    onclick: async () => {
      const result = await gql(REGENERATE, { id: roadmap.id });
      if (result.data) {
        link.value = shareLink(roadmap, result.data.regenerateShareToken.shareToken);
        said.textContent = 'New link made; the old one no longer works.';
      } else said.textContent = 'Could not make a new link; try again.';
    },
  });
  return h('div', { class: 'stack-block' },
    h('label', { for: 'share-link' }, 'Share link (whoever has it can read the roadmap)', link),
    h('div', { class: 'row' }, again, said));
}

/** The details form; `reload(focusKey)` redraws the page after a save. */
export function detailsEditor(roadmap, ctx, reload) {
  const fields = roadmapFields(roadmap);
  const general = h('p', { class: 'error', role: 'alert' });
  const said = h('div', { class: 'messages' });
  const button = h('button', { type: 'submit', text: 'Save details' });
  const form = stackForm(fields, general, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(fields, general);
    replace(said);
    if (!requireFilled(fields)) return;
    button.disabled = true;
    const result = await gql(UPDATE, { id: roadmap.id, input: roadmapInput(fields), version: roadmap.version })
      .catch(() => ({ errors: [{ message: 'The server could not be reached; try again' }] }));
    button.disabled = false;
    const conflict = (result.errors || []).some((e) => e.extensions && e.extensions.code === 'CONFLICT' && e.extensions.field === 'expectedVersion');
    if (conflict) {
      general.textContent = 'Someone changed these details meanwhile: reload the page to see their version.';
      return;
    }
    if (showErrors(result, fields, general, { briefTitle: 'title' })) return;
    const saved = result.data.updateRoadmap;
    if (saved.slug !== roadmap.slug) ctx.navigate(`/edit/${encodeURIComponent(saved.slug)}`);
    else reload('details-saved');
  });
  return h('section', { 'aria-labelledby': 'details-h', class: 'card' },
    h('h2', { id: 'details-h', text: 'Roadmap details' }),
    roadmap.forkedFrom ? h('p', { class: 'muted' }, 'Your fork of ', h('a', { href: `/roadmaps/${encodeURIComponent(roadmap.forkedFrom.slug)}`, text: roadmap.forkedFrom.title })) : null,
    said, form, shareSection(roadmap));
}

/** The "saved" line shown after a reload. */
export function savedNotice() {
  return notice('Details saved', true);
}
