//! Where things are in the folder, for errors that name `file:line`: the error builder, the line
//! of a key in the YAML front matter, and the file and line behind a document path that
//! validation complains about.
use entity::ids::TopicKey;
use std::collections::HashMap;

use super::{ROADMAP_FILE, TREE_FILE};
use crate::catalog::document::{RoadmapDocument, TopicNode};
use crate::error::AppError;

/// Builds `file:line: message` errors. `base` prefixes file names (the folder, for the CLI).
pub(super) struct Errs<'a> {
    pub(super) base: &'a str,
    pub(super) field: &'a str,
}

impl Errs<'_> {
    pub(super) fn at(&self, file: &str, line: usize, message: impl std::fmt::Display) -> AppError {
        let name = if self.base.is_empty() {
            file.to_owned()
        } else {
            format!("{}/{file}", self.base.trim_end_matches('/'))
        };
        AppError::bad_input(self.field, format!("{name}:{line}: {message}"))
    }
}

/// Where the parts of `roadmap.md` are: the front matter text and its first line, and the line
/// the description (the body) starts on.
pub(super) struct MetaLines<'t> {
    pub(super) yaml: &'t str,
    pub(super) yaml_start: usize,
    pub(super) body_line: usize,
}

impl MetaLines<'_> {
    /// The line of `roadmap.md` holding a front-matter key path (`sponsor.url`); 1 when unknown.
    pub(super) fn key(&self, path: &str) -> usize {
        yaml_line(self.yaml, path)
            .map(|l| l + self.yaml_start - 1)
            .unwrap_or(1)
    }
}

/// Line of a `a.b.c` key path in simple block YAML (what `write` produces and people edit).
fn yaml_line(yaml: &str, path: &str) -> Option<usize> {
    let keys: Vec<&str> = path
        .split('.')
        .map(|k| k.split('[').next().unwrap_or(k))
        .collect();
    let mut found = None;
    let mut min_indent = 0usize;
    let mut want = 0usize;
    for (i, line) in yaml.lines().enumerate() {
        if want >= keys.len() {
            break;
        }
        let indent = line.len() - line.trim_start().len();
        let body = line.trim_start().trim_start_matches("- ");
        if indent >= min_indent && body.starts_with(&format!("{}:", keys[want])) {
            found = Some(i + 1);
            min_indent = indent + 1;
            want += 1;
        }
    }
    found
}

/// Where each topic came from, to point validation errors at the right line.
pub(super) struct TopicSource {
    pub(super) file: String,
    pub(super) tree_line: usize,
    pub(super) resource_lines: Vec<usize>,
    pub(super) description_line: usize,
}

/// Maps a document path (`roadmap.slug`, `topics[0].children[2].resources[1].url`) to a file and
/// line of the folder.
pub(super) fn locate(
    doc: &RoadmapDocument,
    path: &str,
    sources: &HashMap<TopicKey, TopicSource>,
    meta: &MetaLines,
) -> (String, usize) {
    if let Some(key) = path.strip_prefix("roadmap.") {
        if key == "description" {
            return (ROADMAP_FILE.to_owned(), meta.body_line);
        }
        return (ROADMAP_FILE.to_owned(), meta.key(key));
    }
    // Walk `topics[i].children[j]…` down to the topic, then look at what is left.
    let mut list = &doc.topics;
    let mut node: Option<&TopicNode> = None;
    let mut rest = path;
    loop {
        let seg = rest
            .strip_prefix("topics[")
            .or_else(|| rest.strip_prefix("children["));
        let Some(seg) = seg else { break };
        let Some((idx, after)) = seg.split_once(']') else {
            break;
        };
        let Some(n) = idx.parse::<usize>().ok().and_then(|i| list.get(i)) else {
            break;
        };
        node = Some(n);
        list = &n.children;
        rest = after.strip_prefix('.').unwrap_or(after);
    }
    let Some(src) = node.and_then(|n| sources.get(&n.id)) else {
        return (TREE_FILE.to_owned(), 1);
    };
    if rest.starts_with("title") {
        (src.file.clone(), 1)
    } else if rest.starts_with("description") {
        (src.file.clone(), src.description_line)
    } else if let Some(r) = rest.strip_prefix("resources[") {
        let line = r
            .split(']')
            .next()
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| src.resource_lines.get(i).copied())
            .unwrap_or(1);
        (src.file.clone(), line)
    } else {
        (TREE_FILE.to_owned(), src.tree_line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_lines() {
        let y = "format: x\nslug: a\nsponsor:\n  title: t\n  url: u\nseo:\n  url: z\n";
        assert_eq!(yaml_line(y, "slug"), Some(2));
        assert_eq!(yaml_line(y, "sponsor.url"), Some(5));
        assert_eq!(yaml_line(y, "seo.url"), Some(7));
    }
}
