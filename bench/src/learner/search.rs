//! Row `s8`: `search(query: …)` over HTTP against the generated catalogue, anonymous, with wrk
//! picking one of several queries per request. The queries come from the titles of the tree
//! of (a), so each one finds something: a word cut short as typed (prefix), a word with one
//! letter changed (typo), two or three words of one title, the last one cut short (multi-word).
//! Every query's answer is checked in full once before the load (hits, each with a cursor, a
//! score in (0, 1], a node of a search kind and highlight ranges inside their text); under load
//! every answer is checked by the script (HTTP 200, no `errors`, a first hit).
use std::path::PathBuf;

use anyhow::{bail, Context as _};
use serde_json::{json, Value};

use super::Bench;
use crate::run::client::check_answer;
use crate::run::scenarios::{body, write};

pub const SEARCH_QUERY: &str = "query Search($q: String!) { search(query: $q, first: 20) { \
edges { cursor score node { __typename ... on Roadmap { slug title } ... on Topic { key title } \
... on Resource { title url } } highlights { field text ranges { start end } } } totalCount } }";

/// What every good answer starts with: a first hit.
pub const MARKER: &str = "{\"search\":{\"edges\":[{\"cursor\":\"";

/// Queries of each kind.
const PER_KIND: usize = 6;

/// The queries of the load, each with its kind.
pub struct Queries {
    pub list: Vec<(&'static str, String)>,
    pub bodies: PathBuf,
}

/// Every title in the tree of (a), in tree order.
fn titles(topics: &Value, out: &mut Vec<String>) {
    for t in topics.as_array().into_iter().flatten() {
        if let Some(s) = t["title"].as_str() {
            out.push(s.to_owned());
        }
        titles(&t["children"], out);
    }
}

/// The lower-case words of a title that are letters only (the generated titles end in a number).
fn words(title: &str) -> Vec<String> {
    title
        .split_whitespace()
        .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
        .map(str::to_lowercase)
        .collect()
}

/// One letter of `w` changed, in the middle: one typo, as a person makes it.
fn typo(w: &str) -> String {
    let mut chars: Vec<char> = w.chars().collect();
    let at = chars.len() / 2;
    chars[at] = if chars[at] == 'x' { 'z' } else { 'x' };
    chars.into_iter().collect()
}

/// [`PER_KIND`] queries of each kind from the titles, each distinct.
pub fn build(tree_topics: &Value) -> Vec<(&'static str, String)> {
    let mut all = Vec::new();
    titles(tree_topics, &mut all);
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let push = |kind: &'static str, q: String, out: &mut Vec<(&'static str, String)>| {
        let n = out.iter().filter(|(k, _)| *k == kind).count();
        if n < PER_KIND && !out.iter().any(|(_, seen)| *seen == q) {
            out.push((kind, q));
        }
    };
    for title in &all {
        let w = words(title);
        // As typed: the first four letters of a long word.
        if let Some(long) = w.iter().find(|x| x.len() >= 6) {
            push("prefix", long[..4].to_owned(), &mut out);
        }
        // One typo in a word of 5 to 8 letters (one is allowed there).
        if let Some(mid) = w.iter().find(|x| (5..=8).contains(&x.len())) {
            push("typo", typo(mid), &mut out);
        }
        if w.len() >= 3 && w[2].len() >= 4 {
            push(
                "multi-word",
                format!("{} {} {}", w[0], w[1], &w[2][..3]),
                &mut out,
            );
        } else if w.len() >= 2 {
            push("multi-word", format!("{} {}", w[0], w[1]), &mut out);
        }
    }
    out
}

/// One answer in full: hits, each well formed (see the module docs).
fn check(q: &str, v: &Value) -> anyhow::Result<usize> {
    let search = &v["data"]["search"];
    let edges = search["edges"]
        .as_array()
        .with_context(|| format!("search `{q}`: no edges: {v}"))?;
    if edges.is_empty() {
        bail!("search `{q}` found nothing");
    }
    let total = search["totalCount"].as_u64().unwrap_or(0);
    if total < edges.len() as u64 {
        bail!("search `{q}`: totalCount {total} < {} edges", edges.len());
    }
    for e in edges {
        let score = e["score"].as_f64().unwrap_or(-1.0);
        let kind = e["node"]["__typename"].as_str().unwrap_or("");
        let well_formed = e["cursor"].is_string()
            && score > 0.0
            && score <= 1.0
            && ["Roadmap", "Topic", "Resource"].contains(&kind);
        if !well_formed {
            bail!("search `{q}`: a malformed hit: {e}");
        }
        for h in e["highlights"].as_array().into_iter().flatten() {
            let len = h["text"].as_str().map_or(0, |t| t.chars().count()) as u64;
            for r in h["ranges"].as_array().into_iter().flatten() {
                let (s, end) = (r["start"].as_u64(), r["end"].as_u64());
                if !matches!((s, end), (Some(s), Some(end)) if s < end && end <= len) {
                    bail!("search `{q}`: a highlight range outside its text: {h}");
                }
            }
        }
    }
    Ok(edges.len())
}

/// Builds the queries, checks each answer once, and writes wrk's bodies (one a line).
pub async fn prepare(b: &Bench, url: &str, tree_topics: &Value) -> anyhow::Result<Queries> {
    let list = build(tree_topics);
    for kind in ["prefix", "typo", "multi-word"] {
        if !list.iter().any(|(k, _)| *k == kind) {
            bail!(
                "no {kind} query could be made from the titles of {}",
                b.args.slug
            );
        }
    }
    let mut lines = Vec::with_capacity(list.len());
    for (kind, q) in &list {
        let one = body(SEARCH_QUERY, json!({ "q": q }));
        let (status, bytes) = b.client.post_raw(url, one.clone(), None).await?;
        let v = check_answer(status, &bytes).with_context(|| format!("({kind}) search `{q}`"))?;
        check(q, &v)?;
        if !String::from_utf8_lossy(&bytes).contains(MARKER) {
            bail!("search `{q}`: the answer does not start as the load expects");
        }
        lines.push(String::from_utf8(one).context("a query body")?);
    }
    Ok(Queries {
        list,
        bodies: write(&b.dir, "search.lines", lines.join("\n").as_bytes())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_of_each_kind_from_titles() {
        let tree = json!([{ "title": "Cache Replica Stream 3", "children": [
            { "title": "Kernel Mutex 4", "children": [] }] }]);
        let q = build(&tree);
        assert!(q.contains(&("prefix", "repl".to_owned())), "{q:?}");
        assert!(q.contains(&("typo", "caxhe".to_owned())), "{q:?}");
        assert!(
            q.contains(&("multi-word", "cache replica str".to_owned())),
            "{q:?}"
        );
        assert!(
            q.contains(&("multi-word", "kernel mutex".to_owned())),
            "{q:?}"
        );
        let answer = json!({ "data": { "search": { "totalCount": 1, "edges": [{ "cursor": "c",
            "score": 0.5, "node": { "__typename": "Topic" },
            "highlights": [{ "field": "TITLE", "text": "Cache", "ranges": [{ "start": 0, "end": 5 }] }] }] } } });
        assert_eq!(check("cache", &answer).unwrap(), 1);
        let mut bad = answer.clone();
        bad["data"]["search"]["edges"][0]["highlights"][0]["ranges"][0]["end"] = json!(9);
        assert!(check("cache", &bad).is_err());
    }
}
