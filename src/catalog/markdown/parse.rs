//! Topic files back into titles, descriptions and resources, keeping the line of each part so
//! that validation errors can point at it.
use sea_orm::{ActiveEnum, Iterable};
use std::collections::HashMap;

use entity::ids::TopicKey;

use super::locate::Errs;
use super::{file_name, RoadmapFile, RESOURCES_HEADER, TREE_FILE};
use crate::catalog::document::ResourceDoc;
use crate::catalog::ResourceKind;
use crate::error::AppError;

pub(super) struct ParsedTopic {
    pub(super) title: String,
    pub(super) description: String,
    pub(super) resources: Vec<ResourceDoc>,
    pub(super) resource_lines: Vec<usize>,
    pub(super) description_line: usize,
}

/// The topic files of the folder by topic id, each with its path. Every one must be named
/// `<slug>@<topic id>.md` and its id listed in `tree.json` (`listed`).
pub(super) fn read_topics(
    files: &[RoadmapFile],
    roadmap_md: &str,
    listed: &HashMap<&str, usize>,
    errs: &Errs,
) -> Result<HashMap<TopicKey, (String, ParsedTopic)>, AppError> {
    let mut parsed: HashMap<TopicKey, (String, ParsedTopic)> = HashMap::new();
    let mut topic_files: Vec<&RoadmapFile> = files
        .iter()
        .filter(|f| {
            let name = file_name(&f.path);
            name.ends_with(".md") && f.path != roadmap_md
        })
        .collect();
    // Sorted, so that of two files with one id the error always names the same one.
    topic_files.sort_by(|a, b| a.path.cmp(&b.path));
    for f in topic_files {
        let name = file_name(&f.path);
        let id = name
            .strip_suffix(".md")
            .and_then(|n| n.rsplit_once('@'))
            .map(|(_, id)| id)
            .filter(|id| crate::catalog::is_valid_topic_key(id))
            .ok_or_else(|| {
                errs.at(
                    &f.path,
                    1,
                    "a topic file must be named `<slug>@<topic id>.md`",
                )
            })?;
        if let Some((other, _)) = parsed.get(id) {
            return Err(errs.at(
                &f.path,
                1,
                format!("duplicate topic id `{id}`: {other} has it too"),
            ));
        }
        if !listed.contains_key(id) {
            return Err(errs.at(
                &f.path,
                1,
                format!("topic `{id}` is not listed in {TREE_FILE}"),
            ));
        }
        let topic = parse_topic(&f.path, &f.content, errs)?;
        parsed.insert(TopicKey::new(id), (f.path.clone(), topic));
    }
    Ok(parsed)
}

fn parse_resource(line: &str) -> Result<ResourceDoc, String> {
    let bad = || format!("a resource line must read `- [@type@Title](https://…)`, not `{line}`");
    let rest = line.strip_prefix("- [@").ok_or_else(bad)?;
    let (kind, rest) = rest.split_once('@').ok_or_else(bad)?;
    let kind = ResourceKind::try_from_value(&kind.to_uppercase()).map_err(|_| {
        let known: Vec<String> = ResourceKind::iter()
            .map(|k| k.to_value().to_lowercase())
            .collect();
        format!(
            "unknown resource type `{kind}` (expected one of {})",
            known.join(", ")
        )
    })?;
    let mut title = String::new();
    let mut chars = rest.char_indices();
    let mut end = None;
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, n)) = chars.next() {
                    title.push(n);
                }
            }
            ']' => {
                end = Some(i);
                break;
            }
            _ => title.push(c),
        }
    }
    let end = end.ok_or_else(bad)?;
    let url = rest[end + 1..]
        .strip_prefix('(')
        .and_then(|u| u.strip_suffix(')'))
        .ok_or_else(bad)?;
    Ok(ResourceDoc {
        kind,
        title: title.trim().to_owned(),
        url: url.trim().to_owned(),
    })
}

fn parse_topic(file: &str, text: &str, errs: &Errs) -> Result<ParsedTopic, AppError> {
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    let title = lines
        .first()
        .and_then(|l| l.strip_prefix("# "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| errs.at(file, 1, "a topic file must start with a `# Title` line"))?;
    // Resources are the run of `- [@…` lines at the end (after an optional header line).
    let mut end = lines.len();
    while end > 1 && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    let mut start = end;
    while start > 1 && lines[start - 1].starts_with("- [@") {
        start -= 1;
    }
    let mut resources = Vec::new();
    let mut resource_lines = Vec::new();
    for (i, line) in lines.iter().enumerate().take(end).skip(start) {
        let r = parse_resource(line.trim_end()).map_err(|m| errs.at(file, i + 1, m))?;
        resources.push(r);
        resource_lines.push(i + 1);
    }
    let mut desc_end = start;
    if start < end {
        while desc_end > 1 && lines[desc_end - 1].trim().is_empty() {
            desc_end -= 1;
        }
        if desc_end > 1 && lines[desc_end - 1].trim() == RESOURCES_HEADER {
            desc_end -= 1;
        }
    }
    let mut desc_start = 1;
    while desc_start < desc_end && lines[desc_start].trim().is_empty() {
        desc_start += 1;
    }
    let description = lines[desc_start.min(desc_end)..desc_end]
        .join("\n")
        .trim()
        .to_owned();
    Ok(ParsedTopic {
        title: title.to_owned(),
        description,
        resources,
        resource_lines,
        description_line: desc_start + 1,
    })
}

#[cfg(test)]
mod tests {
    use super::super::render::{escape_link_text, title_slug, topic_file_name, topic_markdown};
    use super::*;
    use crate::catalog::document::TopicNode;
    use crate::catalog::TopicKind;

    #[test]
    fn resource_lines_round_trip() {
        let r = ResourceDoc {
            kind: ResourceKind::Article,
            title: "Shard [db] (Wikipedia) \\o/".into(),
            url: "https://en.wikipedia.org/wiki/Shard_(database_architecture)".into(),
        };
        let line = format!("- [@article@{}]({})", escape_link_text(&r.title), r.url);
        assert_eq!(parse_resource(&line).unwrap(), r);
        let e = parse_resource("- [@blog@X](https://x.org)").unwrap_err();
        assert!(e.contains("unknown resource type `blog`"), "{e}");
        assert!(parse_resource("- [@video@X] https://x.org").is_err());
    }

    #[test]
    fn topic_files_round_trip() {
        let n = TopicNode {
            id: TopicKey::new("abc"),
            kind: TopicKind::Topic,
            title: "HTTP & TLS".into(),
            description: "Line one.\n\n- a list item\n- [not a resource](https://x.org)".into(),
            legend: None,
            resources: vec![ResourceDoc {
                kind: ResourceKind::Video,
                title: "Talk".into(),
                url: "https://x.org/v".into(),
            }],
            children: vec![],
            same_as: None,
            prerequisites: Vec::new(),
        };
        let errs = Errs {
            base: "",
            field: "files",
        };
        let text = topic_markdown(&n);
        let p = parse_topic("t.md", &text, &errs).unwrap();
        assert_eq!(p.title, n.title);
        assert_eq!(p.description, n.description);
        assert_eq!(p.resources, n.resources);
        assert_eq!(p.resource_lines, vec![10]);
        assert_eq!(title_slug("HTTP & TLS"), "http-tls");
        assert_eq!(topic_file_name(&n), "content/http-tls@abc.md");
    }
}
