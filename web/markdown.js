// A small, safe markdown subset rendered to DOM nodes (never to HTML text): paragraphs, lists,
// fenced code, `code`, **strong**, *emphasis*, and links to http(s) URLs only. Anything else is
// shown as the text it is.
import { h } from './dom.js';

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*\s][^*]*\*|_[^_\s][^_]*_)|(\[[^\]]+\]\([^)\s]+\))/g;

function inline(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const token = m[0];
    if (m[1]) out.push(h('code', { text: token.slice(1, -1) }));
    else if (m[2]) out.push(h('strong', null, inline(token.slice(2, -2))));
    else if (m[3]) out.push(h('em', null, inline(token.slice(1, -1))));
    else {
      const close = token.indexOf('](');
      const label = token.slice(1, close);
      const url = token.slice(close + 2, -1);
      out.push(/^https?:\/\//i.test(url) ? h('a', { href: url, rel: 'noopener noreferrer' }, inline(label)) : token);
    }
    last = m.index + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** The markdown as a fragment of elements. */
export function markdown(source) {
  const fragment = document.createDocumentFragment();
  const lines = String(source || '').replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) { i += 1; continue; }
    if (line.startsWith('```')) {
      const code = [];
      i += 1;
      while (i < lines.length && !lines[i].startsWith('```')) code.push(lines[i++]);
      i += 1;
      fragment.append(h('pre', null, h('code', { text: code.join('\n') })));
      continue;
    }
    const bullet = /^\s*([-*]|\d+\.)\s+/;
    if (bullet.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const list = h(ordered ? 'ol' : 'ul');
      while (i < lines.length && bullet.test(lines[i])) {
        list.append(h('li', null, inline(lines[i].replace(bullet, ''))));
        i += 1;
      }
      fragment.append(list);
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && !bullet.test(lines[i]) && !lines[i].startsWith('```')) {
      para.push(lines[i].replace(/^#+\s*/, ''));
      i += 1;
    }
    fragment.append(h('p', null, inline(para.join(' '))));
  }
  return fragment;
}
