//! The word index over a set of documents and its ranking, in memory and the same on every
//! database (the differential test holds by construction). A document has up to two fields: the
//! first is its title, the second its description (or a note's text).
//!
//! A query word matches a stored word exactly, as a prefix (the last word only, as the user
//! types), or with typos within [`typo_budget`] (the last word also as a mistyped prefix). Every query word must match. Hits are ranked by
//! typos (fewer first), then exact before prefix, then title before description, then official
//! roadmaps first, then the documents' order keys (by default the order they were added in; so
//! ties are total). Documents can be removed and others added later ([`Matcher::remove`]), so an
//! index can be brought up to date without being built again.
use std::collections::{HashMap, HashSet};

use super::text::{distance_within, prefix_distance_within, tokens, typo_budget};

/// How one document matched a query, and its place in the ranking (`rank`: smaller is better).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matched {
    pub doc: u32,
    pub typos: u32,
    pub prefix: bool,
    /// Some word matched only outside the title.
    pub outside_title: bool,
}

impl Matched {
    /// The score shown with a hit, in (0, 1]: 1 for an exact match in the title of an official
    /// roadmap; each step of the ranking weighs more than all the later ones together.
    pub fn score(&self, official: bool) -> f64 {
        let weight = 3.0 * f64::from(self.typos)
            + if self.prefix { 1.0 } else { 0.0 }
            + if self.outside_title { 0.2 } else { 0.0 }
            + if official { 0.0 } else { 0.1 };
        1.0 / (1.0 + weight)
    }
}

/// What [`Matcher::search`] found.
pub struct Found {
    /// The first hits asked for, best first.
    pub hits: Vec<Matched>,
    /// How many documents matched and were admitted.
    pub total: usize,
    /// The stored words that matched, for [`Matcher::highlight`].
    pub terms: HashSet<u32>,
}

/// A hit's place in the ranking (smaller first): typos, prefix, outside the title, not official,
/// the document's order key, its place among the matches.
type Rank = (u32, bool, bool, bool, u64, usize);

/// One query word's accepted stored words, with how they matched.
struct Candidate {
    term: u32,
    typos: u32,
    prefix: bool,
}

/// The word index of a set of documents.
#[derive(Default, Clone)]
pub struct Matcher {
    ids: HashMap<String, u32>,
    terms: Vec<Vec<char>>,
    /// Term ids by length in characters, for the typo scan.
    by_len: Vec<Vec<u32>>,
    /// Term ids in the order of their words, for prefix ranges.
    sorted: Vec<u32>,
    words: Vec<String>,
    /// Per term: (document, fields it occurs in: bit 0 the title, bit 1 the other field).
    postings: Vec<Vec<(u32, u8)>>,
    docs: u32,
    /// Per document, the key that breaks ranking ties.
    order: Vec<u64>,
    /// Per document, removed (its postings stay until the index is built again).
    removed: Vec<bool>,
    removed_count: u32,
}

impl Matcher {
    /// Adds the next document (its number is the count added before it); it ranks by that number
    /// among equals.
    pub fn add(&mut self, title: &str, other: &str) -> u32 {
        self.add_keyed(u64::from(self.docs), title, other)
    }

    /// Adds the next document, which ranks by `order` among equals.
    pub fn add_keyed(&mut self, order: u64, title: &str, other: &str) -> u32 {
        let doc = self.docs;
        self.docs += 1;
        self.order.push(order);
        self.removed.push(false);
        for (bit, text) in [(1u8, title), (2u8, other)] {
            for t in tokens(text) {
                let term = self.term(t.word);
                let list = &mut self.postings[term as usize];
                match list.last_mut() {
                    Some((d, fields)) if *d == doc => *fields |= bit,
                    _ => list.push((doc, bit)),
                }
            }
        }
        doc
    }

    fn term(&mut self, word: String) -> u32 {
        if let Some(id) = self.ids.get(&word) {
            return *id;
        }
        let id = self.terms.len() as u32;
        let chars: Vec<char> = word.chars().collect();
        if self.by_len.len() <= chars.len() {
            self.by_len.resize(chars.len() + 1, Vec::new());
        }
        self.by_len[chars.len()].push(id);
        self.terms.push(chars);
        self.words.push(word.clone());
        self.postings.push(Vec::new());
        self.ids.insert(word, id);
        id
    }

    /// Call once all documents are added: sorts the words for prefix lookups.
    pub fn finish(&mut self) {
        let mut sorted: Vec<u32> = (0..self.terms.len() as u32).collect();
        sorted.sort_by(|a, b| self.words[*a as usize].cmp(&self.words[*b as usize]));
        self.sorted = sorted;
    }

    /// How many documents were added and not removed.
    pub fn documents(&self) -> u32 {
        self.docs - self.removed_count
    }

    /// How many documents were removed (they still take room).
    pub fn removed(&self) -> u32 {
        self.removed_count
    }

    /// Removes a document: it no longer matches. Call [`Matcher::finish`] after the changes.
    pub fn remove(&mut self, doc: u32) {
        if let Some(r) = self.removed.get_mut(doc as usize) {
            if !*r {
                *r = true;
                self.removed_count += 1;
            }
        }
    }

    fn candidates(&self, word: &str, last: bool) -> Vec<Candidate> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        if let Some(id) = self.ids.get(word) {
            seen.insert(*id);
            out.push(Candidate {
                term: *id,
                typos: 0,
                prefix: false,
            });
        }
        if last {
            let from = self
                .sorted
                .partition_point(|t| self.words[*t as usize].as_str() < word);
            for t in &self.sorted[from..] {
                if !self.words[*t as usize].starts_with(word) {
                    break;
                }
                if seen.insert(*t) {
                    out.push(Candidate {
                        term: *t,
                        typos: 0,
                        prefix: true,
                    });
                }
            }
        }
        let chars: Vec<char> = word.chars().collect();
        let budget = typo_budget(chars.len());
        if budget > 0 {
            let lengths = chars.len().saturating_sub(budget)..=chars.len() + budget;
            for len in lengths {
                for t in self.by_len.get(len).into_iter().flatten() {
                    if seen.contains(t) {
                        continue;
                    }
                    if let Some(d) = distance_within(&chars, &self.terms[*t as usize], budget) {
                        seen.insert(*t);
                        out.push(Candidate {
                            term: *t,
                            typos: d as u32,
                            prefix: false,
                        });
                    }
                }
            }
        }
        if last && budget > 0 {
            // The word being typed, mistyped: the start of a longer word within the budget. Every
            // word at least as long is tried; most are left after a row or two of the distance.
            for len in chars.len().saturating_sub(budget)..self.by_len.len() {
                for t in &self.by_len[len] {
                    if seen.contains(t) {
                        continue;
                    }
                    let term = &self.terms[*t as usize];
                    if let Some(d) = prefix_distance_within(&chars, term, budget) {
                        seen.insert(*t);
                        out.push(Candidate {
                            term: *t,
                            typos: d as u32,
                            prefix: true,
                        });
                    }
                }
            }
        }
        out
    }

    /// The documents that match every word of `words` and that `admit` lets through: the first
    /// `wanted` of them, best first, how many there are in all, and the stored words that matched
    /// (for [`Matcher::highlight`]). Only the page is sorted: a common word matches tens of
    /// thousands of documents on a large catalogue, and a page is 20.
    pub fn search(
        &self,
        words: &[String],
        admit: impl Fn(u32) -> bool,
        official: impl Fn(u32) -> bool,
        wanted: usize,
    ) -> Found {
        let mut matched_terms = HashSet::new();
        // Per query word and document, the best way it matched as one byte ordered like the
        // ranking (typos * 4 + prefix * 2 + outside the title; NONE: no match), and the documents
        // touched. Dense arrays: a common prefix touches much of the catalogue.
        let mut per_word: Vec<(Vec<u8>, Vec<u32>)> = Vec::with_capacity(words.len());
        for (i, word) in words.iter().enumerate() {
            let mut best = vec![NONE; self.docs as usize];
            let mut touched = Vec::new();
            for c in self.candidates(word, i + 1 == words.len()) {
                matched_terms.insert(c.term);
                let base = (c.typos as u8) * 4 + u8::from(c.prefix) * 2;
                for (doc, fields) in &self.postings[c.term as usize] {
                    let way = base + u8::from(fields & 1 == 0);
                    let slot = &mut best[*doc as usize];
                    if *slot == NONE {
                        touched.push(*doc);
                    }
                    *slot = (*slot).min(way);
                }
            }
            per_word.push((best, touched));
        }
        let Some(smallest) = per_word.iter().min_by_key(|(_, touched)| touched.len()) else {
            return Found {
                hits: Vec::new(),
                total: 0,
                terms: matched_terms,
            };
        };
        let mut ranked: Vec<(Rank, Matched)> = smallest
            .1
            .iter()
            .filter_map(|doc| {
                let mut m = Matched {
                    doc: *doc,
                    typos: 0,
                    prefix: false,
                    outside_title: false,
                };
                for (best, _) in &per_word {
                    let way = best[*doc as usize];
                    if way == NONE {
                        return None;
                    }
                    m.typos += u32::from(way / 4);
                    m.prefix |= way & 2 != 0;
                    m.outside_title |= way & 1 != 0;
                }
                Some(m)
            })
            .filter(|m| !self.removed[m.doc as usize] && admit(m.doc))
            .enumerate()
            .map(|(i, m)| {
                let rank = (
                    m.typos,
                    m.prefix,
                    m.outside_title,
                    !official(m.doc),
                    self.order[m.doc as usize],
                    i,
                );
                (rank, m)
            })
            .collect();
        let total = ranked.len();
        if wanted == 0 {
            ranked.clear();
        } else if wanted < ranked.len() {
            ranked.select_nth_unstable_by_key(wanted - 1, |(rank, _)| *rank);
            ranked.truncate(wanted);
        }
        ranked.sort_unstable_by_key(|(rank, _)| *rank);
        Found {
            hits: ranked.into_iter().map(|(_, m)| m).collect(),
            total,
            terms: matched_terms,
        }
    }

    /// Where the stored words `matched` stand in `text`, in characters (start, end excluded).
    pub fn highlight(&self, text: &str, matched: &HashSet<u32>) -> Vec<(usize, usize)> {
        tokens(text)
            .into_iter()
            .filter(|t| self.ids.get(&t.word).is_some_and(|id| matched.contains(id)))
            .map(|t| (t.start, t.end))
            .collect()
    }
}

/// No match (see [`Matcher::search`]).
const NONE: u8 = u8::MAX;

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &str) -> Vec<String> {
        tokens(q).into_iter().map(|t| t.word).collect()
    }

    fn index(docs: &[(&str, &str)]) -> Matcher {
        let mut m = Matcher::default();
        for (t, d) in docs {
            m.add(t, d);
        }
        m.finish();
        m
    }

    fn found(m: &Matcher, q: &str) -> Vec<u32> {
        m.search(&words(q), |_| true, |_| false, usize::MAX)
            .hits
            .iter()
            .map(|h| h.doc)
            .collect()
    }

    #[test]
    fn exact_before_prefix_before_typo_and_title_before_description() {
        let m = index(&[
            ("Borrow checker", ""),       // 0: exact in the title
            ("Intro", "about borrowing"), // 1: prefix in description
            ("Borrowing rules", ""),      // 2: prefix in title
            ("Ownership", "borrow it"),   // 3: exact in description
            ("borow", ""),                // 4: one typo
        ]);
        assert_eq!(found(&m, "borrow"), [0, 3, 2, 1, 4]);
    }

    #[test]
    fn typo_budgets_by_length() {
        let m = index(&[
            ("graph", ""),
            ("javascript", ""),
            ("rust", ""),
            ("graph rust", ""),
        ]);
        assert_eq!(found(&m, "grahp ru"), [3], "a swap is one typo");
        assert_eq!(found(&m, "grxhx ru"), Vec::<u32>::new(), "two typos at 5");
        assert_eq!(found(&m, "grapf ru"), [3]);
        assert_eq!(
            found(&m, "grahp"),
            [0, 3],
            "being typed: one edit from `grap`"
        );
        assert_eq!(found(&m, "javasrcipt"), [1], "two typos from 9 characters");
        assert_eq!(found(&m, "rest"), Vec::<u32>::new(), "no typo below 5");
        assert_eq!(found(&m, "ru"), [2, 3], "prefix on the last word");
        assert_eq!(
            found(&m, "ru graph"),
            Vec::<u32>::new(),
            "only the last word is a prefix"
        );
    }

    #[test]
    fn every_word_must_match_and_official_breaks_ties() {
        let m = index(&[("Rust basics", ""), ("Rust basics", ""), ("Rust", "")]);
        let hits = m
            .search(&words("rust basics"), |_| true, |d| d == 1, 10)
            .hits;
        let order: Vec<u32> = hits.iter().map(|h| h.doc).collect();
        assert_eq!(order, [1, 0]);
        assert!(hits[0].score(true) > hits[1].score(false));
    }

    #[test]
    fn a_removed_document_no_longer_matches_and_keys_order_ties() {
        let mut m = Matcher::default();
        m.add_keyed(20, "Rust", "");
        m.add_keyed(30, "Rust", "");
        m.finish();
        m.remove(0);
        m.add_keyed(10, "Rust", "");
        m.finish();
        assert_eq!(found(&m, "rust"), [2, 1]);
        assert_eq!((m.documents(), m.removed()), (2, 1));
    }

    #[test]
    fn highlights_are_character_ranges() {
        let m = index(&[("Été Rust, rust!", "")]);
        let matched = m.search(&words("rust"), |_| true, |_| false, 10).terms;
        assert_eq!(m.highlight("Été Rust, rust!", &matched), [(4, 8), (10, 14)]);
    }
}
