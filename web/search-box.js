// The search box in the header: results as you type (the first few, best first), and Enter
// opens the search page with all of them. The box is a labelled search field; the results are
// a list of links right under it, announced by a status line ("5 results"), reached with the
// arrow keys or Tab, and closed with Escape or by leaving the box.
import { gql } from './api.js';
import { errorMessage, h, replace } from './dom.js';
import { hitLink, HIT_FIELDS } from './search-hits.js';

const QUICK = `query QuickSearch($q: String!) {
  search(query: $q, first: 6) { totalCount edges { ${HIT_FIELDS} } }
}`;

/** Builds the box into the header's `form#search` (see index.html); `navigate` opens a path. */
export function mountSearchBox(navigate) {
  const form = document.getElementById('search');
  if (!form) return;
  const input = h('input', { id: 'search-q', type: 'search', name: 'q', autocomplete: 'off', placeholder: 'Search roadmaps and topics', maxlength: 200, 'aria-describedby': 'search-said' });
  const said = h('span', { id: 'search-said', class: 'sr-only', role: 'status' });
  const list = h('ul', { id: 'search-results', class: 'search-results', hidden: true, 'aria-label': 'Search results' });
  replace(form, h('label', { for: 'search-q', class: 'sr-only', text: 'Search' }), input, said, list);
  let ticket = 0;
  let timer = null;
  const close = () => {
    list.hidden = true;
    replace(list);
  };
  const run = async () => {
    const q = input.value.trim();
    const mine = ++ticket;
    if (!/[\p{L}\p{N}]/u.test(q)) {
      close();
      said.textContent = '';
      return;
    }
    let result;
    try {
      result = await gql(QUICK, { q });
    } catch (e) {
      result = null;
    }
    if (mine !== ticket) return;
    const found = result && result.data && result.data.search;
    if (!found) {
      replace(list, h('li', { class: 'muted', text: (result && errorMessage(result)) || 'Search needs a connection.' }));
      list.hidden = false;
      return;
    }
    said.textContent = found.totalCount === 1 ? '1 result' : `${found.totalCount} results`;
    replace(list,
      found.edges.length ? found.edges.map((e) => h('li', null, hitLink(e, { compact: true }))) : h('li', { class: 'muted', text: `Nothing found for “${q}”.` }),
      found.totalCount > found.edges.length ? h('li', null, h('a', { href: `/search?q=${encodeURIComponent(q)}`, text: `All ${found.totalCount} results` })) : null);
    list.hidden = false;
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 150);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    close();
    navigate(`/search?q=${encodeURIComponent(q)}`);
  });
  const links = () => [...list.querySelectorAll('a')];
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      close();
      input.focus();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const all = links();
      if (!all.length) return;
      event.preventDefault();
      const at = all.indexOf(document.activeElement);
      const next = event.key === 'ArrowDown' ? Math.min(all.length - 1, at + 1) : at - 1;
      if (next < 0) input.focus();
      else all[next].focus();
    }
  });
  // Leaving the box and its list closes the list; following one of its links too.
  form.addEventListener('focusout', () => setTimeout(() => {
    if (!form.contains(document.activeElement)) close();
  }, 0));
  list.addEventListener('click', (event) => {
    if (event.target.closest('a')) setTimeout(close, 0);
  });
}
