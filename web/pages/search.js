// `/search?q=…`: every hit of a search, best first, a page at a time; narrowed by kind, or
// through the learner's own notes.
import { gql, me } from '../api.js';
import { errorMessage, h, notice, replace } from '../dom.js';
import { hitLink, HIT_FIELDS } from '../search-hits.js';

const SEARCH = `query Search($q: String!, $kinds: [SearchKind!], $scope: SearchScope, $after: String) {
  search(query: $q, kinds: $kinds, scope: $scope, first: 20, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { ${HIT_FIELDS} }
  }
}`;
const KINDS = [['', 'Everything'], ['ROADMAP', 'Roadmaps'], ['TOPIC', 'Topics'], ['RESOURCE', 'Resources'], ['NOTES', 'My notes']];

export async function render(main, ctx) {
  const params = new URLSearchParams(window.location.search);
  const q = (params.get('q') || '').trim();
  const kind = params.get('kind') || '';
  document.title = q ? `${q} · Search · Roadmaps` : 'Search · Roadmaps';
  const input = h('input', { id: 'page-q', type: 'search', name: 'q', value: q, maxlength: 200, required: true });
  const select = h('select', { id: 'page-kind', name: 'kind' },
    KINDS.filter(([k]) => k !== 'NOTES' || me()).map(([value, text]) => h('option', { value, text, selected: value === kind })));
  const form = h('form', { class: 'row search-form', role: 'search' },
    h('label', { for: 'page-q', text: 'Search for' }), input,
    h('label', { for: 'page-kind', text: 'in' }), select,
    h('button', { type: 'submit', text: 'Search' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams({ q: input.value.trim() });
    if (select.value) next.set('kind', select.value);
    ctx.navigate(`/search?${next}`);
  });
  const said = h('p', { role: 'status' });
  const list = h('ol', { class: 'hits' });
  const more = h('p');
  replace(main, h('h1', { text: 'Search' }), form, said, list, more);
  if (!q) return;
  const vars = { q, kinds: kind && kind !== 'NOTES' ? [kind] : null, scope: kind === 'NOTES' ? 'MY_NOTES' : null };
  const load = async (after) => {
    const result = await gql(SEARCH, { ...vars, after });
    const found = result.data && result.data.search;
    if (!found) {
      replace(said, notice(errorMessage(result) || 'The search did not work'));
      return;
    }
    said.textContent = found.totalCount === 1 ? `1 result for “${q}”` : `${found.totalCount} results for “${q}”`;
    if (!found.totalCount) said.textContent = `Nothing found for “${q}”. Check the spelling, or try fewer words.`;
    found.edges.forEach((e) => list.append(h('li', null, hitLink(e))));
    replace(more, found.pageInfo.hasNextPage
      ? h('button', { type: 'button', class: 'secondary', text: 'More results', onclick: () => load(found.pageInfo.endCursor) })
      : null);
  };
  await load(null);
}
