//! The requests of each scenario: GraphQL documents and the bodies oha sends (written to files,
//! since oha reads bodies from files).
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde_json::{json, Value};

/// Scenario (a): the whole tree of a roadmap with resources, as a roadmap page asks for it.
pub const TREE_QUERY: &str = "query RoadmapPage($slug: String!) { roadmap(slug: $slug) { id slug \
title description topicCount topics { ...T children { ...T children { ...T } } } } } \
fragment T on Topic { id key title description kind position legend resources { id kind title url } }";

/// Scenario (b): the same with the viewer's status on every topic and their progress.
pub const TREE_MINE_QUERY: &str = "query RoadmapPageMine($slug: String!) { roadmap(slug: $slug) { \
id slug title description topicCount myProgress { done learning skipped pending total percentDone } \
topics { ...T children { ...T children { ...T } } } } } \
fragment T on Topic { id key title description kind position legend myStatus resources { id kind title url } }";

/// Scenario (d): the viewer's progress over all their roadmaps (one page of 50).
pub const ME_PROGRESS_QUERY: &str = "query MyProgress { me { id progress(first: 50) { totalCount \
edges { node { roadmap { id slug title } done learning skipped pending total percentDone updatedAt } } } } }";

/// Scenario (l): the leaderboard of one kind, 20 entries, anonymous (not response-cached).
pub const LEADERBOARD_QUERY: &str = "query Leaderboard($kind: LeaderboardKind!) { \
leaderboard(kind: $kind, first: 20) { rank value user { id username displayName } } }";

/// Scenario (c).
pub const SET_STATUS_MUTATION: &str =
    "mutation SetStatus($topicId: ID!, $status: ProgressStatus!) { \
setTopicStatus(topicId: $topicId, status: $status) { status changed } }";

pub const SIGN_IN_MUTATION: &str =
    "mutation SignIn($input: SignInInput!) { signIn(input: $input) { accessToken } }";

/// The generator's shared password and user emails (see `generate`).
pub use crate::generate::{user_email, HEAVY_USER, PASSWORD};

pub const STATUSES: [&str; 4] = ["DONE", "LEARNING", "SKIPPED", "PENDING"];

pub fn body(query: &str, variables: Value) -> Vec<u8> {
    // Serialising a json! value cannot fail.
    serde_json::to_vec(&json!({ "query": query, "variables": variables })).unwrap_or_default()
}

pub fn sign_in_body(email: &str) -> Vec<u8> {
    body(
        SIGN_IN_MUTATION,
        json!({ "input": { "email": email, "password": PASSWORD } }),
    )
}

/// Writes `bytes` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).with_context(|| format!("write {}", path.display()))?;
    Ok(path)
}

/// Every (topic, status) pair as one body per line, for oha's `-Z` (a random line per request):
/// three picks in four change the stored status, so most requests write.
pub fn set_status_lines(topic_ids: &[String]) -> String {
    let mut out = String::new();
    for t in topic_ids {
        for s in STATUSES {
            let b = body(SET_STATUS_MUTATION, json!({ "topicId": t, "status": s }));
            let _ = writeln!(out, "{}", String::from_utf8_lossy(&b));
        }
    }
    out
}

pub fn count_topics(topics: &Value) -> (usize, usize) {
    let mut t = 0;
    let mut r = 0;
    for topic in topics.as_array().into_iter().flatten() {
        t += 1;
        r += topic["resources"].as_array().map_or(0, Vec::len);
        let (ct, cr) = count_topics(&topic["children"]);
        t += ct;
        r += cr;
    }
    (t, r)
}

pub fn all_topic_ids(topics: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for topic in topics.as_array().into_iter().flatten() {
        if let Some(id) = topic["id"].as_str() {
            out.push(id.to_owned());
        }
        out.extend(all_topic_ids(&topic["children"]));
    }
    out
}
