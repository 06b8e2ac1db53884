//! Topic files: their names (`content/<slug>@<topic id>.md`) and their markdown text.
use super::{CONTENT_DIR, RESOURCES_HEADER};
use crate::catalog::document::TopicNode;
use sea_orm::ActiveEnum;

/// A file-name slug from a title: lower-case ASCII letters and digits joined by dashes.
pub fn title_slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "topic".to_owned()
    } else {
        out.to_owned()
    }
}

/// The file of a topic. The id, not the slug, is what reading relies on: titles may change.
pub fn topic_file_name(node: &TopicNode) -> String {
    format!("{CONTENT_DIR}/{}@{}.md", title_slug(&node.title), node.id)
}

/// Escapes what would end a link's text early, so any title survives the round trip.
pub(super) fn escape_link_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `# Title`, the description, then the resources as `- [@type@Title](url)` lines.
pub(super) fn topic_markdown(n: &TopicNode) -> String {
    let mut out = format!("# {}\n", n.title);
    if !n.description.is_empty() {
        out.push('\n');
        out.push_str(&n.description);
        out.push('\n');
    }
    if !n.resources.is_empty() {
        out.push('\n');
        out.push_str(RESOURCES_HEADER);
        out.push_str("\n\n");
        for r in &n.resources {
            out.push_str(&format!(
                "- [@{}@{}]({})\n",
                r.kind.to_value().to_lowercase(),
                escape_link_text(&r.title),
                r.url
            ));
        }
    }
    out
}
