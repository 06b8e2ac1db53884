//! Limits on what one GraphQL document may ask for, all checked before any resolver runs:
//! size and tokens before parsing (so the parser never sees a hostile document), then depth,
//! aliases, root fields, directives and the size once fragments are expanded on the parsed
//! document. Complexity and the parser's recursion depth are async-graphql's own checks, set on the
//! schema builder from the same configuration. Hand-written: async-graphql has no limit on tokens,
//! aliases, root fields or fragment expansion before execution, and no crate adds them.
use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::Positioned;

use crate::config::Hardening;

/// The configured limits (see `HardeningArgs` for what each means).
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_aliases: usize,
    pub max_root_fields: usize,
    pub max_directives: usize,
    pub max_tokens: usize,
    pub max_recursion: usize,
    pub max_document_chars: usize,
    /// Whether `__schema` and `__type` may be queried.
    pub introspection: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 5000,
            max_aliases: 30,
            max_root_fields: 20,
            max_directives: 50,
            max_tokens: 2000,
            max_recursion: 32,
            max_document_chars: 15_000,
            introspection: true,
        }
    }
}

impl From<&Hardening> for Limits {
    fn from(a: &Hardening) -> Self {
        Self {
            max_depth: a.max_query_depth,
            max_complexity: a.max_query_complexity,
            max_aliases: a.max_query_aliases,
            max_root_fields: a.max_root_fields,
            max_directives: a.max_query_directives,
            max_tokens: a.max_query_tokens,
            max_recursion: a.max_query_recursion,
            max_document_chars: a.max_document_chars,
            introspection: a.introspection,
        }
    }
}

/// Fields a document may select once every fragment spread is expanded, per unit of complexity
/// allowed: generous for real queries, and a hard stop for "fragment bombs" whose expansion grows
/// exponentially with the size of the text.
const EXPANDED_FIELDS_PER_COMPLEXITY: usize = 4;

/// Cost of a connection field: its selection, once per item of the page asked for. Out-of-range
/// sizes are clamped here (the resolver rejects them) so the arithmetic cannot overflow.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let items = first
        .or(last)
        .unwrap_or(crate::graphql::pagination::DEFAULT_PAGE)
        .clamp(1, crate::graphql::pagination::MAX_PAGE) as usize;
    items.saturating_mul(child_complexity).saturating_add(1)
}

/// Size and token count of the raw text, before the parser sees it.
pub fn check_text(query: &str, limits: &Limits) -> Result<(), String> {
    let chars = query.chars().count();
    if chars > limits.max_document_chars {
        return Err(format!(
            "The GraphQL document is {chars} characters long; the limit is {}",
            limits.max_document_chars
        ));
    }
    let scan = scan_tokens(query, limits.max_tokens, limits.max_recursion);
    if scan.tokens > limits.max_tokens {
        return Err(format!(
            "The GraphQL document has more than {} tokens",
            limits.max_tokens
        ));
    }
    if scan.nesting > limits.max_recursion {
        return Err(format!(
            "The GraphQL document nests braces, brackets or parentheses more than {} levels deep",
            limits.max_recursion
        ));
    }
    Ok(())
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct TokenScan {
    /// Tokens seen (stops counting just past `max_tokens`).
    pub tokens: usize,
    /// Deepest nesting of `{`, `[` and `(` seen (stops just past `max_nesting`).
    pub nesting: usize,
}

/// Counts GraphQL lexical tokens (punctuators, names, numbers, strings) without allocating,
/// skipping whitespace, commas and comments. Stops as soon as either limit is passed.
pub fn scan_tokens(src: &str, max_tokens: usize, max_nesting: usize) -> TokenScan {
    let b = src.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    let mut scan = TokenScan::default();
    let is_name = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                if b[i..].starts_with(b"\"\"\"") {
                    i += 3;
                    while i < b.len() && !b[i..].starts_with(b"\"\"\"") {
                        i += if b[i..].starts_with(b"\\\"\"\"") {
                            4
                        } else {
                            1
                        };
                    }
                    i += 3;
                } else {
                    i += 1;
                    while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
            }
            b'.' if b[i..].starts_with(b"...") => i += 3,
            b'{' | b'[' | b'(' => {
                depth += 1;
                scan.nesting = scan.nesting.max(depth);
                i += 1;
            }
            b'}' | b']' | b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            c if is_name(c) || c == b'-' => {
                // Names and numbers (including `-1.5e3`) are one token each.
                i += 1;
                while i < b.len() && (is_name(b[i]) || matches!(b[i], b'.' | b'+' | b'-')) {
                    if b[i] == b'.' && b[i..].starts_with(b"...") {
                        break;
                    }
                    i += 1;
                }
            }
            0x80.. => {
                // A BOM is ignored; other non-ASCII outside strings is one (invalid) token each.
                if b[i..].starts_with("\u{feff}".as_bytes()) {
                    i += 3;
                    continue;
                }
                i += 1;
                while i < b.len() && (b[i] & 0xC0) == 0x80 {
                    i += 1;
                }
            }
            _ => i += 1,
        }
        scan.tokens += 1;
        if scan.tokens > max_tokens || scan.nesting > max_nesting {
            break;
        }
    }
    scan
}

/// What a selection set amounts to once its fragment spreads are expanded.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    /// Deepest field nesting (introspection subtrees do not count).
    depth: usize,
    aliases: usize,
    directives: usize,
    fields: usize,
    /// Fields at the top level of this selection set.
    top_fields: usize,
}

struct Walker<'a> {
    doc: &'a ExecutableDocument,
    /// Fragments already measured (each is measured once, whatever the number of spreads).
    done: HashMap<&'a str, Stats>,
    /// Fragments being measured, to stop at cycles (validation reports them later).
    active: Vec<&'a str>,
}

impl<'a> Walker<'a> {
    fn fragment(&mut self, name: &'a str) -> Stats {
        if let Some(s) = self.done.get(name) {
            return *s;
        }
        if self.active.contains(&name) {
            return Stats::default();
        }
        let Some(fragment) = self.doc.fragments.get(name) else {
            return Stats::default();
        };
        self.active.push(name);
        let mut s = self.selection_set(&fragment.node.selection_set);
        s.directives = s.directives.saturating_add(fragment.node.directives.len());
        self.active.pop();
        self.done.insert(name, s);
        s
    }

    fn selection_set(&mut self, set: &'a Positioned<SelectionSet>) -> Stats {
        let mut total = Stats::default();
        for item in &set.node.items {
            let s = match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let inner = self.selection_set(&f.selection_set);
                    let introspection = f.name.node.starts_with("__");
                    Stats {
                        depth: if introspection { 0 } else { inner.depth + 1 },
                        aliases: inner.aliases + usize::from(f.alias.is_some()),
                        directives: inner.directives.saturating_add(f.directives.len()),
                        fields: inner.fields.saturating_add(1),
                        top_fields: 1,
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let mut s = self.fragment(spread.node.fragment_name.node.as_str());
                    s.directives = s.directives.saturating_add(spread.node.directives.len());
                    s
                }
                Selection::InlineFragment(inline) => {
                    let mut s = self.selection_set(&inline.node.selection_set);
                    s.directives = s.directives.saturating_add(inline.node.directives.len());
                    s
                }
            };
            total.depth = total.depth.max(s.depth);
            total.aliases = total.aliases.saturating_add(s.aliases);
            total.directives = total.directives.saturating_add(s.directives);
            total.fields = total.fields.saturating_add(s.fields);
            total.top_fields = total.top_fields.saturating_add(s.top_fields);
        }
        total
    }
}

/// Whether any field of the document (operations and fragments) is `__schema` or `__type`.
fn uses_introspection(doc: &ExecutableDocument) -> bool {
    fn set_uses(set: &Positioned<SelectionSet>) -> bool {
        set.node.items.iter().any(|item| match &item.node {
            Selection::Field(f) => {
                matches!(f.node.name.node.as_str(), "__schema" | "__type")
                    || set_uses(&f.node.selection_set)
            }
            Selection::FragmentSpread(_) => false,
            Selection::InlineFragment(i) => set_uses(&i.node.selection_set),
        })
    }
    doc.operations
        .iter()
        .any(|(_, op)| set_uses(&op.node.selection_set))
        || doc
            .fragments
            .values()
            .any(|f| set_uses(&f.node.selection_set))
}

/// Depth, aliases, root fields, directives and expanded size of every operation in the document;
/// and no introspection when it is off (async-graphql would answer `null` without saying why).
pub fn check_document(doc: &ExecutableDocument, limits: &Limits) -> Result<(), String> {
    if !limits.introspection && uses_introspection(doc) {
        return Err(
            "GraphQL introspection is disabled on this server, but the query asks for __schema or __type"
                .into(),
        );
    }
    let mut walker = Walker {
        doc,
        done: HashMap::new(),
        active: Vec::new(),
    };
    let mut aliases = 0usize;
    let mut directives = 0usize;
    let mut fields = 0usize;
    for (_, op) in doc.operations.iter() {
        let s = walker.selection_set(&op.node.selection_set);
        if s.depth > limits.max_depth {
            return Err(format!(
                "The query is nested {} levels deep; the limit is {}",
                s.depth, limits.max_depth
            ));
        }
        if s.top_fields > limits.max_root_fields {
            return Err(format!(
                "The operation selects {} root fields; the limit is {}",
                s.top_fields, limits.max_root_fields
            ));
        }
        aliases = aliases.saturating_add(s.aliases);
        directives = directives
            .saturating_add(s.directives)
            .saturating_add(op.node.directives.len());
        fields = fields.saturating_add(s.fields);
    }
    if aliases > limits.max_aliases {
        return Err(format!(
            "The document uses {aliases} aliases; the limit is {}",
            limits.max_aliases
        ));
    }
    if directives > limits.max_directives {
        return Err(format!(
            "The document uses {directives} directives; the limit is {}",
            limits.max_directives
        ));
    }
    let max_fields = limits
        .max_complexity
        .saturating_mul(EXPANDED_FIELDS_PER_COMPLEXITY);
    if fields > max_fields {
        return Err(format!(
            "The document selects {fields} fields once its fragments are expanded; the limit is {max_fields}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(q: &str, limits: &Limits) -> Result<(), String> {
        check_text(q, limits)?;
        let doc = async_graphql::parser::parse_query(q).map_err(|e| e.to_string())?;
        check_document(&doc, limits)
    }

    #[test]
    fn counts_tokens_and_nesting() {
        let s = scan_tokens("{ a(x: 1, y: \"s t\") { ...F } } # c\n", 100, 100);
        assert_eq!(s.tokens, 15);
        assert_eq!(s.nesting, 2);
        let s = scan_tokens(
            "query Q($v: [Int!]) { f(a: -1.5e3, b: \"\"\"x\ny\"\"\") }",
            100,
            100,
        );
        assert_eq!(s.tokens, 22);
        assert_eq!(s.nesting, 2);
        // Stops early on huge inputs.
        let huge = "{".repeat(1_000_000);
        assert_eq!(scan_tokens(&huge, 10, 1000).tokens, 11);
        assert_eq!(scan_tokens(&huge, 10_000, 5).nesting, 6);
    }

    #[test]
    fn allows_the_deepest_real_queries() {
        let l = Limits::default();
        check(
            "{ roadmap(slug: \"backend\") { topics { children { children { children { resources { url } } } } } } }",
            &l,
        )
        .unwrap();
        check(
            "{ me { progress(first: 100) { edges { node { roadmap { topics { children { children { children { resources { url } } } } } } } } } } }",
            &l,
        )
        .unwrap();
        // Introspection subtrees do not count towards the depth.
        check(
            "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }",
            &l,
        )
        .unwrap();
    }

    #[test]
    fn rejects_documents_over_the_limits() {
        let l = Limits::default();
        let deep = format!("{}{}", "{ a ".repeat(13), "}".repeat(13));
        assert!(check(&deep, &l).unwrap_err().contains("levels deep"));
        let aliases: String = (0..31).map(|i| format!("a{i}: f ")).collect();
        assert!(check(&format!("{{ r {{ {aliases} }} }}"), &l)
            .unwrap_err()
            .contains("aliases"));
        let roots: String = (0..21).map(|i| format!("f{i} ")).collect();
        assert!(check(&format!("{{ {roots} }}"), &l)
            .unwrap_err()
            .contains("root fields"));
        let dirs = "@include(if: true) ".repeat(51);
        assert!(check(&format!("{{ f {dirs} }}"), &l)
            .unwrap_err()
            .contains("directives"));
        assert!(check(&"x".repeat(15_001), &l)
            .unwrap_err()
            .contains("characters"));
        assert!(check(&"{ a ".repeat(40), &l).unwrap_err().contains("nests"));
        // Aliases inside a fragment count each time it is spread.
        let frag = "fragment F on Q { a: f b: f c: f d: f e: f f: f g: f h: f }";
        let spreads = "x1: r { ...F } x2: r { ...F } x3: r { ...F } x4: r { ...F }";
        assert!(check(&format!("{{ {spreads} }} {frag}"), &l)
            .unwrap_err()
            .contains("aliases"));
    }

    #[test]
    fn fragment_bombs_are_measured_without_expanding_them() {
        let mut q = String::from("{ ...F0 }\n");
        for i in 0..40 {
            q.push_str(&format!(
                "fragment F{i} on Q {{ a {{ ...F{n} }} b {{ ...F{n} }} }}\n",
                n = i + 1
            ));
        }
        q.push_str("fragment F40 on Q { leaf }\n");
        let l = Limits {
            max_depth: 100,
            max_recursion: 100,
            ..Limits::default()
        };
        let err = check(&q, &l).unwrap_err();
        assert!(err.contains("expanded"), "{err}");
        // Cycles do not loop forever (validation rejects them later).
        let off = Limits {
            introspection: false,
            ..Limits::default()
        };
        assert!(check(
            "{ ...F } fragment F on Query { __schema { types { name } } }",
            &off
        )
        .unwrap_err()
        .contains("introspection"));
        check("{ __typename }", &off).unwrap();
        check(
            "{ ...A } fragment A on Q { ...B } fragment B on Q { ...A }",
            &l,
        )
        .unwrap();
    }

    #[test]
    fn page_cost_is_bounded() {
        assert_eq!(page_cost(Some(10), None, 3), 31);
        assert_eq!(page_cost(None, Some(-5), 3), 4);
        assert_eq!(page_cost(None, None, 2), 41);
        assert_eq!(page_cost(Some(i32::MAX), None, usize::MAX), usize::MAX);
    }
}
