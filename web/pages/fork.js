// `/fork/<slug>`: copy a forkable roadmap into one of one's own, under a new title and web
// address; the copy opens in the editor.
import { gql, me } from '../api.js';
import { errorMessage, h, notice, replace } from '../dom.js';
import { clearErrors, field, requireFilled, showErrors, stackForm } from '../forms.js';
import { slugOf } from './roadmap-fields.js';

const SOURCE = 'query ForkSource($slug: String!) { roadmap(slug: $slug) { id slug title isForkable } }';
const FORK = 'mutation Fork($id: ID!, $slug: String) { forkRoadmap(roadmapId: $id, slug: $slug) { id slug version } }';
const RETITLE = `mutation Retitle($id: ID!, $title: String!, $brief: String!, $version: Int) {
  updateRoadmap(id: $id, input: { title: $title, briefTitle: $brief }, expectedVersion: $version) { slug }
}`;

export async function render(main, ctx) {
  const slug = ctx.params[0];
  document.title = 'Fork a roadmap · Roadmaps';
  const user = me();
  if (!user) {
    replace(main, h('h1', { text: 'Fork a roadmap' }), h('p', null, h('a', { href: `/signin?next=${encodeURIComponent(`/fork/${slug}`)}`, text: 'Sign in' }), ' to fork a roadmap.'));
    return;
  }
  const found = await gql(SOURCE, { slug });
  const source = found.data && found.data.roadmap;
  if (!source || !source.isForkable) {
    replace(main, h('h1', { text: 'Fork a roadmap' }), notice(errorMessage(found) || 'This roadmap does not exist or cannot be forked.'));
    return;
  }
  document.title = `Fork ${source.title} · Roadmaps`;
  const title = field('title', 'Title of your copy', { value: `${source.title} (my copy)`, required: true, maxlength: 200 });
  const address = field('slug', 'Web address', { value: slugOf(`${source.slug}-${user.username}`), required: true, maxlength: 64, hint: 'Lower-case letters, digits and dashes.' });
  const fields = [title, address];
  const general = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', text: 'Fork' });
  const form = stackForm(fields, general, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(fields, general);
    if (!requireFilled(fields)) return;
    button.disabled = true;
    const forked = await gql(FORK, { id: source.id, slug: address.input.value.trim() });
    if (showErrors(forked, fields, general, { roadmapId: 'title' })) {
      button.disabled = false;
      return;
    }
    const copy = forked.data.forkRoadmap;
    const newTitle = title.input.value.trim();
    const renamed = await gql(RETITLE, { id: copy.id, title: newTitle, brief: newTitle.slice(0, 100), version: copy.version });
    button.disabled = false;
    if (showErrors(renamed, fields, general, { briefTitle: 'title' })) {
      general.textContent = `Forked as /roadmaps/${copy.slug}, but the title was not changed: ${general.textContent || 'fix it in the editor'}`;
      return;
    }
    ctx.navigate(`/edit/${encodeURIComponent(copy.slug)}`);
  });
  replace(main, h('h1', { text: `Fork ${source.title}` }),
    h('p', { class: 'muted', text: 'Your copy starts with the same topics; your progress on them carries over.' }), form);
}
