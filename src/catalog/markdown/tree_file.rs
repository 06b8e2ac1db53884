//! `tree.json`: the order, nesting, kind, legend, `sameAs` and prerequisites of every topic, one
//! topic a line so that a change to one topic is a one-line diff.
use entity::ids::TopicKey;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::locate::Errs;
use super::{TREE_FILE, TREE_FORMAT};
use crate::catalog::document::TopicNode;
use crate::catalog::{LegendMark, TopicKind};
use crate::error::AppError;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TreeFile {
    format: String,
    topics: Vec<TreeEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TreeEntry {
    pub(super) id: TopicKey,
    pub(super) parent: Option<TopicKey>,
    pub(super) kind: TopicKind,
    #[serde(default)]
    pub(super) legend: Option<LegendMark>,
    /// The key of the topic of this roadmap that this one repeats (the document's `sameAs`).
    #[serde(default, rename = "sameAs", skip_serializing_if = "Option::is_none")]
    pub(super) same_as: Option<TopicKey>,
    /// The keys of the topics best learned before this one (the document's `prerequisites`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) prerequisites: Vec<TopicKey>,
}

/// The text of `tree.json` for the topics in document order (`RoadmapDocument::flatten`).
pub(super) fn render(flat: &[(Option<&TopicKey>, i32, &TopicNode)]) -> Result<String, AppError> {
    let mut tree = format!("{{\n  \"format\": \"{TREE_FORMAT}\",\n  \"topics\": [\n");
    for (i, (parent, _, n)) in flat.iter().enumerate() {
        let entry = TreeEntry {
            id: n.id.clone(),
            parent: parent.cloned(),
            kind: n.kind,
            legend: n.legend,
            same_as: n.same_as.clone(),
            prerequisites: n.prerequisites.clone(),
        };
        let line = serde_json::to_string(&entry).map_err(AppError::internal)?;
        let comma = if i + 1 < flat.len() { "," } else { "" };
        tree.push_str(&format!("    {line}{comma}\n"));
    }
    tree.push_str("  ]\n}\n");
    Ok(tree)
}

/// The entries of `tree.json` in order, each with its line; ids are valid and unique, and every
/// parent is listed before its children.
pub(super) fn parse(text: &str, errs: &Errs) -> Result<Vec<(TreeEntry, usize)>, AppError> {
    let tree: TreeFile = serde_json::from_str(text)
        .map_err(|e| errs.at(TREE_FILE, e.line(), format!("not a valid tree file: {e}")))?;
    let tree_line = |path: &str| crate::catalog::jsonpos::line_of(text, path).unwrap_or(1);
    if tree.format != TREE_FORMAT {
        return Err(errs.at(
            TREE_FILE,
            tree_line("format"),
            format!(
                "unknown format `{}` (expected `{TREE_FORMAT}`)",
                tree.format
            ),
        ));
    }
    let mut lines = Vec::with_capacity(tree.topics.len());
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, e) in tree.topics.iter().enumerate() {
        let line = tree_line(&format!("topics[{i}]"));
        if !crate::catalog::is_valid_topic_key(e.id.as_str()) {
            return Err(errs.at(
                TREE_FILE,
                line,
                format!(
                    "topic id `{}` must be 1-64 letters, digits, `-` or `_`",
                    e.id
                ),
            ));
        }
        if let Some(first) = seen.get(e.id.as_str()) {
            return Err(errs.at(
                TREE_FILE,
                line,
                format!(
                    "duplicate topic id `{}` (first listed on line {first})",
                    e.id
                ),
            ));
        }
        if let Some(p) = &e.parent {
            if !seen.contains_key(p.as_str()) {
                let later = tree.topics.iter().any(|t| &t.id == p);
                let why = if later {
                    format!("parent `{p}` must be listed before its children")
                } else {
                    format!("dangling parent `{p}`: no topic with that id is listed")
                };
                return Err(errs.at(TREE_FILE, line, why));
            }
        }
        seen.insert(e.id.as_str(), line);
        lines.push(line);
    }
    Ok(tree.topics.into_iter().zip(lines).collect())
}
