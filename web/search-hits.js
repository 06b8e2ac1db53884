// One search hit as a link: a roadmap to its page, a topic to its panel on its roadmap, a
// resource to its own address; the words that matched are marked (<mark>, built from the
// highlight's ranges, never from HTML).
import { h } from './dom.js';

/** The selection of a `SearchEdge` the hits are drawn from. */
export const HIT_FIELDS = `cursor score highlights { field text ranges { start end } }
  node {
    __typename
    ... on Roadmap { id slug title official }
    ... on Topic { id key title roadmap { slug title } }
    ... on Resource { id title url kind }
  }`;

/** `text` with the ranges marked. Ranges are in characters (code points) of `text`. */
export function marked(text, ranges) {
  const chars = [...text];
  const out = [];
  let at = 0;
  for (const r of [...(ranges || [])].sort((a, b) => a.start - b.start)) {
    if (r.start < at || r.end <= r.start || r.end > chars.length) continue;
    if (r.start > at) out.push(chars.slice(at, r.start).join(''));
    out.push(h('mark', { text: chars.slice(r.start, r.end).join('') }));
    at = r.end;
  }
  if (at < chars.length) out.push(chars.slice(at).join(''));
  return out;
}

function highlighted(edge, field, fallback) {
  const found = edge.highlights.find((x) => x.field === field);
  return found ? marked(found.text, found.ranges) : fallback;
}

/** Where a hit leads, and the words that say what it is. */
function target(node) {
  if (node.__typename === 'Roadmap') {
    return { href: `/roadmaps/${encodeURIComponent(node.slug)}`, kind: node.official ? 'Roadmap · official' : 'Roadmap' };
  }
  if (node.__typename === 'Topic') {
    return { href: `/roadmaps/${encodeURIComponent(node.roadmap.slug)}/${encodeURIComponent(node.key)}`, kind: `Topic · ${node.roadmap.title}` };
  }
  return { href: node.url, kind: `Resource · ${String(node.kind || '').toLowerCase()}`, external: true };
}

/**
 * A hit: `opts.compact` (the header's list) makes the whole entry one link, kind over title;
 * otherwise the title is the link, with the kind above it and the matching excerpt of the
 * description (or note) under it as text.
 */
export function hitLink(edge, opts) {
  const { node } = edge;
  const { href, kind, external } = target(node);
  const rel = external ? 'noopener noreferrer' : null;
  const title = highlighted(edge, 'TITLE', node.title);
  if (opts && opts.compact) {
    return h('a', { class: 'hit', href, rel }, h('span', { class: 'hit-kind', text: kind }), h('span', { class: 'hit-title' }, title));
  }
  const excerpt = edge.highlights.find((x) => x.field !== 'TITLE');
  return h('div', { class: 'hit' },
    h('span', { class: 'hit-kind', text: kind }),
    h('a', { class: 'hit-title', href, rel }, title),
    excerpt ? h('span', { class: 'hit-excerpt' }, marked(excerpt.text, excerpt.ranges)) : null);
}
