// `/new`: make a roadmap of one's own (title, web address, descriptions, kind, visibility,
// forkable); it opens in the editor, where its topics are added.
import { gql, me } from '../api.js';
import { h, replace } from '../dom.js';
import { clearErrors, field, requireFilled, showErrors, stackForm } from '../forms.js';
import { roadmapFields, roadmapInput, slugOf } from './roadmap-fields.js';

const CREATE = `mutation CreateRoadmap($input: CreateRoadmapInput!) { createRoadmap(input: $input) { slug } }`;

export async function render(main, ctx) {
  document.title = 'New roadmap · Roadmaps';
  if (!me()) {
    replace(main, h('h1', { text: 'New roadmap' }), h('p', null, h('a', { href: '/signin?next=/new', text: 'Sign in' }), ' to make a roadmap.'));
    return;
  }
  const fields = roadmapFields(null);
  const slug = field('slug', 'Web address', { required: true, maxlength: 64, hint: 'Lower-case letters, digits and dashes: /roadmaps/<this>.' });
  fields.splice(1, 0, slug);
  const title = fields[0].input;
  let slugTouched = false;
  slug.input.addEventListener('input', () => { slugTouched = true; });
  title.addEventListener('input', () => {
    if (!slugTouched) slug.input.value = slugOf(title.value);
  });
  const general = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', text: 'Create roadmap' });
  const form = stackForm(fields, general, button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(fields, general);
    if (!requireFilled(fields)) return;
    const input = roadmapInput(fields);
    input.description = input.description || input.briefDescription;
    button.disabled = true;
    const result = await gql(CREATE, { input }).catch(() => ({ errors: [{ message: 'The server could not be reached; try again' }] }));
    button.disabled = false;
    if (showErrors(result, fields, general, { briefTitle: 'title' })) return;
    ctx.navigate(`/edit/${encodeURIComponent(result.data.createRoadmap.slug)}`);
  });
  replace(main, h('h1', { text: 'New roadmap' }),
    h('p', { class: 'muted', text: 'Make a roadmap of your own; you add its topics next.' }), form);
}
