// The fields of one's own roadmap, shared by the new-roadmap page and the edit page's details:
// title, one-line description, description, kind, visibility and forkable.
import { field } from '../forms.js';

export const KINDS = [['SKILL', 'A skill or technology'], ['ROLE', 'A path to a job role'], ['BEST_PRACTICE', 'A checklist of good practices']];
export const VISIBILITIES = [
  ['PRIVATE', 'Private: only you'],
  ['UNLISTED', 'Unlisted: whoever has the share link'],
  ['PUBLIC', 'Public: everyone, listed with the community roadmaps'],
];

/** The fields, filled from `roadmap` when editing. */
export function roadmapFields(roadmap) {
  const r = roadmap || {};
  return [
    field('title', 'Title', { value: r.title, required: true, maxlength: 200, hint: 'One line, at most 200 characters.' }),
    field('briefDescription', 'One-line description', { value: r.briefDescription, required: true, maxlength: 1000, hint: 'Shown on cards.' }),
    field('description', 'Description', { type: 'textarea', value: r.description, maxlength: 10000, hint: 'Markdown, at most 10,000 characters.' }),
    field('kind', 'Kind', { type: 'select', options: KINDS, value: r.kind || 'SKILL' }),
    field('visibility', 'Who can see it', { type: 'select', options: VISIBILITIES, value: r.visibility || 'PRIVATE' }),
    field('isForkable', 'Others may fork it (copy it as a start of their own)', { type: 'checkbox', value: r.isForkable }),
  ];
}

/** The input for `createRoadmap` / `updateRoadmap` from the fields. */
export function roadmapInput(fields) {
  const input = {};
  for (const f of fields) input[f.name] = f.input.type === 'checkbox' ? f.input.checked : f.input.value;
  // The short title of menus and cards: the title itself when it fits.
  input.briefTitle = input.title.trim().slice(0, 100);
  return input;
}

/** A slug from a title: lower-case letters, digits and dashes, at most 64 characters. */
export function slugOf(title) {
  return title.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64).replace(/-+$/, '');
}
