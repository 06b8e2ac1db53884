//! The markdown form of a roadmap document: a folder that people can edit and review.
//!
//! ```text
//! roadmap.md                      YAML front matter (the metadata) + the description as markdown
//! tree.json                       order, nesting, kind and legend of every topic (one per line)
//! content/<slug>@<topic id>.md    "# Title", the description, "- [@type@Title](url)" resources
//! ```
//!
//! Reading checks everything before anything is written and names `file:line` in every error.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::document::{
    self, DimensionsDoc, QuestionDoc, ResourceDoc, RoadmapDocument, RoadmapMeta, SeoDoc,
    SitemapDoc, SponsorDoc, StructuredDataDoc, TopicNode, FORMAT,
};
use super::{LegendMark, ResourceKind, TopicKind};
use super::{RoadmapKind, RoadmapStatus};
use crate::error::AppError;

pub const ROADMAP_FILE: &str = "roadmap.md";
pub const TREE_FILE: &str = "tree.json";
pub const CONTENT_DIR: &str = "content";
pub const TREE_FORMAT: &str = "roadmap-api/tree@1";
const RESOURCES_HEADER: &str = "Visit the following resources to learn more:";

/// One file of the folder: a `/`-separated path relative to the folder, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoadmapFile {
    pub path: String,
    pub content: String,
}

/// `roadmap.md`'s front matter: the metadata without the description (which is the body).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FrontMatter {
    format: String,
    slug: String,
    title: String,
    brief_title: String,
    brief_description: String,
    order: i32,
    kind: RoadmapKind,
    #[serde(default = "published")]
    status: RoadmapStatus,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    is_forkable: bool,
    #[serde(default = "yes")]
    has_topics: bool,
    #[serde(default)]
    dimensions: Option<DimensionsDoc>,
    #[serde(default)]
    question: Option<QuestionDoc>,
    #[serde(default)]
    seo: SeoDoc,
    #[serde(default)]
    structured_data: StructuredDataFm,
    #[serde(default)]
    sitemap: Option<SitemapDoc>,
    #[serde(default)]
    pdf_url: Option<String>,
    #[serde(default)]
    json_url: Option<String>,
    #[serde(default)]
    sponsor: Option<SponsorFm>,
    #[serde(default)]
    related_roadmaps: Vec<String>,
    #[serde(default)]
    related_questions: Vec<String>,
}

/// Timestamps as RFC 3339 text (YAML has no timestamp type we could rely on).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StructuredDataFm {
    headline: Option<String>,
    description: Option<String>,
    image_url: Option<String>,
    date_published: Option<NaiveDate>,
    #[serde(default)]
    date_modified: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SponsorFm {
    url: String,
    title: String,
    image_url: Option<String>,
    description: Option<String>,
    #[serde(default)]
    expires_at: Option<String>,
}

fn published() -> RoadmapStatus {
    RoadmapStatus::Published
}

fn yes() -> bool {
    true
}

fn ts_text(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn ts_parse(text: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    let Some(text) = text else { return Ok(None) };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| Some(d.and_utc()))
        .ok_or_else(|| format!("`{text}` is not a date (YYYY-MM-DD) or an RFC 3339 timestamp"))
}

impl FrontMatter {
    fn of(m: &RoadmapMeta) -> Self {
        let sd = &m.structured_data;
        Self {
            format: FORMAT.to_owned(),
            slug: m.slug.clone(),
            title: m.title.clone(),
            brief_title: m.brief_title.clone(),
            brief_description: m.brief_description.clone(),
            order: m.order,
            kind: m.kind,
            status: m.status,
            tags: m.tags.clone(),
            is_forkable: m.is_forkable,
            has_topics: m.has_topics,
            dimensions: m.dimensions.clone(),
            question: m.question.clone(),
            seo: m.seo.clone(),
            structured_data: StructuredDataFm {
                headline: sd.headline.clone(),
                description: sd.description.clone(),
                image_url: sd.image_url.clone(),
                date_published: sd.date_published,
                date_modified: ts_text(sd.date_modified),
            },
            sitemap: m.sitemap.clone(),
            pdf_url: m.pdf_url.clone(),
            json_url: m.json_url.clone(),
            sponsor: m.sponsor.as_ref().map(|s| SponsorFm {
                url: s.url.clone(),
                title: s.title.clone(),
                image_url: s.image_url.clone(),
                description: s.description.clone(),
                expires_at: ts_text(s.expires_at),
            }),
            related_roadmaps: m.related_roadmaps.clone(),
            related_questions: m.related_questions.clone(),
        }
    }

    /// The metadata; `Err((yaml key path, message))` for a bad timestamp.
    fn into_meta(self, description: String) -> Result<RoadmapMeta, (&'static str, String)> {
        let sd = self.structured_data;
        let date_modified = ts_parse(sd.date_modified.as_deref())
            .map_err(|e| ("structuredData.dateModified", e))?;
        let sponsor = match self.sponsor {
            Some(s) => Some(SponsorDoc {
                expires_at: ts_parse(s.expires_at.as_deref())
                    .map_err(|e| ("sponsor.expiresAt", e))?,
                url: s.url,
                title: s.title,
                image_url: s.image_url,
                description: s.description,
            }),
            None => None,
        };
        Ok(RoadmapMeta {
            slug: self.slug,
            title: self.title,
            brief_title: self.brief_title,
            description,
            brief_description: self.brief_description,
            order: self.order,
            kind: self.kind,
            status: self.status,
            tags: self.tags,
            is_forkable: self.is_forkable,
            has_topics: self.has_topics,
            dimensions: self.dimensions,
            question: self.question,
            seo: self.seo,
            structured_data: StructuredDataDoc {
                headline: sd.headline,
                description: sd.description,
                image_url: sd.image_url,
                date_published: sd.date_published,
                date_modified,
            },
            sitemap: self.sitemap,
            pdf_url: self.pdf_url,
            json_url: self.json_url,
            sponsor,
            related_roadmaps: self.related_roadmaps,
            related_questions: self.related_questions,
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TreeFile {
    format: String,
    topics: Vec<TreeEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TreeEntry {
    id: String,
    parent: Option<String>,
    kind: TopicKind,
    #[serde(default)]
    legend: Option<LegendMark>,
}

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

pub fn topic_file_name(node: &TopicNode) -> String {
    format!("{CONTENT_DIR}/{}@{}.md", title_slug(&node.title), node.id)
}

fn escape_link_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn topic_markdown(n: &TopicNode) -> String {
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
                r.kind.as_str().to_lowercase(),
                escape_link_text(&r.title),
                r.url
            ));
        }
    }
    out
}

/// The folder for a document, files sorted by path.
pub fn write(doc: &RoadmapDocument) -> Result<Vec<RoadmapFile>, AppError> {
    let yaml = serde_yaml_ng::to_string(&FrontMatter::of(&doc.roadmap))
        .map_err(|e| AppError::internal(format!("cannot write the front matter: {e}")))?;
    let mut roadmap_md = format!("---\n{yaml}---\n");
    if !doc.roadmap.description.is_empty() {
        roadmap_md.push('\n');
        roadmap_md.push_str(&doc.roadmap.description);
        roadmap_md.push('\n');
    }
    let mut files = vec![RoadmapFile {
        path: ROADMAP_FILE.to_owned(),
        content: roadmap_md,
    }];
    let mut tree = format!("{{\n  \"format\": \"{TREE_FORMAT}\",\n  \"topics\": [\n");
    let flat = doc.flatten();
    for (i, (parent, _, n)) in flat.iter().enumerate() {
        let entry = TreeEntry {
            id: n.id.clone(),
            parent: parent.map(str::to_owned),
            kind: n.kind,
            legend: n.legend,
        };
        let line = serde_json::to_string(&entry).map_err(AppError::internal)?;
        let comma = if i + 1 < flat.len() { "," } else { "" };
        tree.push_str(&format!("    {line}{comma}\n"));
        files.push(RoadmapFile {
            path: topic_file_name(n),
            content: topic_markdown(n),
        });
    }
    tree.push_str("  ]\n}\n");
    files.push(RoadmapFile {
        path: TREE_FILE.to_owned(),
        content: tree,
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Builds `file:line: message` errors. `base` prefixes file names (the folder, for the CLI).
struct Errs<'a> {
    base: &'a str,
    field: &'a str,
}

impl Errs<'_> {
    fn at(&self, file: &str, line: usize, message: impl std::fmt::Display) -> AppError {
        let name = if self.base.is_empty() {
            file.to_owned()
        } else {
            format!("{}/{file}", self.base.trim_end_matches('/'))
        };
        AppError::bad_input(self.field, format!("{name}:{line}: {message}"))
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Where each topic came from, to point validation errors at the right line.
struct TopicSource {
    file: String,
    tree_line: usize,
    resource_lines: Vec<usize>,
    description_line: usize,
}

struct ParsedTopic {
    title: String,
    description: String,
    resources: Vec<ResourceDoc>,
    resource_lines: Vec<usize>,
    description_line: usize,
}

fn parse_resource(line: &str) -> Result<ResourceDoc, String> {
    let bad = || format!("a resource line must read `- [@type@Title](https://…)`, not `{line}`");
    let rest = line.strip_prefix("- [@").ok_or_else(bad)?;
    let (kind, rest) = rest.split_once('@').ok_or_else(bad)?;
    let kind = ResourceKind::parse(&kind.to_uppercase()).ok_or_else(|| {
        let known: Vec<String> = ResourceKind::ALL
            .iter()
            .map(|k| k.as_str().to_lowercase())
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

/// Splits `roadmap.md` into front matter (and the line it starts on) and body.
fn split_front_matter<'t>(
    text: &'t str,
    errs: &Errs,
) -> Result<(&'t str, usize, &'t str), AppError> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or_else(|| {
            errs.at(
                ROADMAP_FILE,
                1,
                "roadmap.md must start with YAML front matter between `---` lines",
            )
        })?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Ok((&rest[..offset], 2, &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    Err(errs.at(
        ROADMAP_FILE,
        1,
        "the front matter of roadmap.md is not closed by a `---` line",
    ))
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

/// Reads a markdown folder. `base` names the folder in errors; `field` is the input at fault.
pub fn read(files: &[RoadmapFile], base: &str, field: &str) -> Result<RoadmapDocument, AppError> {
    let errs = Errs { base, field };
    // `roadmap.md` and `tree.json` sit at the top of the folder (a common prefix is fine).
    let find = |name: &str| {
        files
            .iter()
            .find(|f| file_name(&f.path) == name && !f.path.contains(&format!("{CONTENT_DIR}/")))
    };
    let roadmap_md = find(ROADMAP_FILE)
        .ok_or_else(|| errs.at(ROADMAP_FILE, 1, "the folder has no roadmap.md"))?;
    let tree_file =
        find(TREE_FILE).ok_or_else(|| errs.at(TREE_FILE, 1, "the folder has no tree.json"))?;

    // roadmap.md
    let (yaml, yaml_start, body) = split_front_matter(&roadmap_md.content, &errs)?;
    let fm: FrontMatter = serde_yaml_ng::from_str(yaml).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(0) + yaml_start - 1;
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg);
        errs.at(
            ROADMAP_FILE,
            line.max(1),
            format!("bad front matter: {msg}"),
        )
    })?;
    let yaml_at = |path: &str| {
        yaml_line(yaml, path)
            .map(|l| l + yaml_start - 1)
            .unwrap_or(1)
    };
    if fm.format != FORMAT {
        return Err(errs.at(
            ROADMAP_FILE,
            yaml_at("format"),
            format!("unknown format `{}` (expected `{FORMAT}`)", fm.format),
        ));
    }
    let body_line = roadmap_md.content[..roadmap_md.content.len() - body.len()]
        .lines()
        .count()
        + 1;
    let meta = fm
        .into_meta(body.trim().to_owned())
        .map_err(|(path, m)| errs.at(ROADMAP_FILE, yaml_at(path), m))?;

    // tree.json
    let tree_text = &tree_file.content;
    let tree: TreeFile = serde_json::from_str(tree_text)
        .map_err(|e| errs.at(TREE_FILE, e.line(), format!("not a valid tree file: {e}")))?;
    let tree_line = |path: &str| super::jsonpos::line_of(tree_text, path).unwrap_or(1);
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
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, e) in tree.topics.iter().enumerate() {
        let line = tree_line(&format!("topics[{i}]"));
        if !crate::catalog::is_valid_topic_key(&e.id) {
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
        seen.insert(&e.id, line);
    }

    // content/*.md
    let mut parsed: HashMap<String, (String, ParsedTopic)> = HashMap::new();
    let mut topic_files: Vec<&RoadmapFile> = files
        .iter()
        .filter(|f| {
            let name = file_name(&f.path);
            name.ends_with(".md") && f.path != roadmap_md.path
        })
        .collect();
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
        if !seen.contains_key(id) {
            return Err(errs.at(
                &f.path,
                1,
                format!("topic `{id}` is not listed in {TREE_FILE}"),
            ));
        }
        let topic = parse_topic(&f.path, &f.content, &errs)?;
        parsed.insert(id.to_owned(), (f.path.clone(), topic));
    }

    // Assemble the nested document, keeping where each topic came from.
    let mut sources: HashMap<String, TopicSource> = HashMap::new();
    let mut nodes: HashMap<String, TopicNode> = HashMap::new();
    let mut children: HashMap<Option<String>, Vec<String>> = HashMap::new();
    for e in &tree.topics {
        let line = seen.get(e.id.as_str()).copied().unwrap_or(1);
        let (file, topic) = parsed.remove(&e.id).ok_or_else(|| {
            errs.at(
                TREE_FILE,
                line,
                format!(
                    "topic `{}` has no file {CONTENT_DIR}/<slug>@{}.md",
                    e.id, e.id
                ),
            )
        })?;
        sources.insert(
            e.id.clone(),
            TopicSource {
                file,
                tree_line: line,
                resource_lines: topic.resource_lines,
                description_line: topic.description_line,
            },
        );
        nodes.insert(
            e.id.clone(),
            TopicNode {
                id: e.id.clone(),
                kind: e.kind,
                title: topic.title,
                description: topic.description,
                legend: e.legend,
                resources: topic.resources,
                children: Vec::new(),
            },
        );
        children
            .entry(e.parent.clone())
            .or_default()
            .push(e.id.clone());
    }
    fn build(
        parent: Option<String>,
        nodes: &mut HashMap<String, TopicNode>,
        children: &HashMap<Option<String>, Vec<String>>,
        depth: usize,
    ) -> Vec<TopicNode> {
        let ids = children.get(&parent).cloned().unwrap_or_default();
        ids.into_iter()
            .filter_map(|id| {
                let mut n = nodes.remove(&id)?;
                if depth <= document::MAX_DEPTH + 1 {
                    n.children = build(Some(id), nodes, children, depth + 1);
                }
                Some(n)
            })
            .collect()
    }
    let mut doc = RoadmapDocument {
        format: FORMAT.to_owned(),
        roadmap: meta,
        topics: build(None, &mut nodes, &children, 1),
    };
    document::normalize(&mut doc);
    document::validate(&doc).map_err(|e| match e {
        AppError::BadInput {
            message,
            field: Some(path),
        } => {
            let (file, line) = locate(&doc, &path, &sources, yaml, yaml_start, body_line);
            errs.at(&file, line, message)
        }
        other => other,
    })?;
    Ok(doc)
}

/// Maps a document path (`roadmap.slug`, `topics[0].children[2].resources[1].url`) to a file and
/// line of the folder.
fn locate(
    doc: &RoadmapDocument,
    path: &str,
    sources: &HashMap<String, TopicSource>,
    yaml: &str,
    yaml_start: usize,
    body_line: usize,
) -> (String, usize) {
    if let Some(key) = path.strip_prefix("roadmap.") {
        if key == "description" {
            return (ROADMAP_FILE.to_owned(), body_line);
        }
        let line = yaml_line(yaml, key)
            .map(|l| l + yaml_start - 1)
            .unwrap_or(1);
        return (ROADMAP_FILE.to_owned(), line);
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

/// Files of a folder on disk, as `RoadmapFile`s with `/`-separated relative paths.
pub fn read_dir(dir: &std::path::Path) -> Result<Vec<RoadmapFile>, String> {
    fn walk(
        root: &std::path::Path,
        dir: &std::path::Path,
        out: &mut Vec<RoadmapFile>,
        depth: usize,
    ) -> Result<(), String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                if depth < 2 {
                    walk(root, &path, out, depth + 1)?;
                }
            } else if name.ends_with(".md") || name == TREE_FILE {
                let content = std::fs::read_to_string(&path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let rel = path
                    .strip_prefix(root)
                    .map_err(|e| e.to_string())?
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push(RoadmapFile { path: rel, content });
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out, 0)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Writes the files into `dir`, removing topic files of an earlier export that are gone now.
/// Refuses a non-empty folder that does not look like an export.
pub fn write_dir(dir: &std::path::Path, files: &[RoadmapFile]) -> Result<(), String> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let non_empty = entries.next().is_some();
        if non_empty && !dir.join(ROADMAP_FILE).exists() {
            return Err(format!(
                "{} is not empty and holds no roadmap.md: refusing to write into it",
                dir.display()
            ));
        }
        let content = dir.join(CONTENT_DIR);
        if content.is_dir() {
            let keep: HashSet<String> = files.iter().map(|f| f.path.clone()).collect();
            for entry in std::fs::read_dir(&content).map_err(|e| e.to_string())? {
                let entry = entry.map_err(|e| e.to_string())?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(".md") && !keep.contains(&format!("{CONTENT_DIR}/{name}")) {
                    std::fs::remove_file(entry.path())
                        .map_err(|e| format!("{}: {e}", entry.path().display()))?;
                }
            }
        }
    }
    for f in files {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &f.content).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
            id: "abc".into(),
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

    #[test]
    fn whole_documents_round_trip_through_the_folder() {
        let mut doc = document::parse_json(
            r##"{"format":"roadmap-api/roadmap@1","roadmap":{"slug":"x","title":"null","briefTitle":"yes",
            "description":"Line one.\n\n  indented: code\n- list","briefDescription":"'quoted' \"too\" # not a comment",
            "order":3,"kind":"SKILL","status":"DRAFT","tags":["a","true"],
            "question":{"title":"Why: because?","description":"multi\nline"},
            "seo":{"title":"1.0","description":null,"keywords":["~","@at"]},
            "structuredData":{"headline":"h","description":null,"imageUrl":"/img.png","datePublished":"2024-02-29","dateModified":"2025-01-01T10:20:30Z"},
            "sitemap":{"priority":0.5,"changeFrequency":"WEEKLY"},
            "sponsor":{"url":"https://s.example","title":"S: [x]","imageUrl":null,"description":"d","expiresAt":"2030-01-01"},
            "relatedRoadmaps":["backend"],"relatedQuestions":["q"]},
            "topics":[{"id":"a1","kind":"TOPIC","title":"# Hash [x]","description":"","legend":"RECOMMENDED","children":[
              {"id":"b_1","kind":"SUBTOPIC","title":"B","description":"Desc","resources":[
                {"kind":"OPENSOURCE","title":"]tricky[ \\","url":"https://e.org/a_(b)"}]}]},
              {"id":"c-2","kind":"TOPIC","title":"C"}]}"##,
        )
        .unwrap();
        document::normalize(&mut doc);
        let files = write(&doc).unwrap();
        let back = read(&files, "", "files").unwrap();
        assert_eq!(back, doc);
        assert_eq!(write(&back).unwrap(), files);
    }

    #[test]
    fn yaml_lines() {
        let y = "format: x\nslug: a\nsponsor:\n  title: t\n  url: u\nseo:\n  url: z\n";
        assert_eq!(yaml_line(y, "slug"), Some(2));
        assert_eq!(yaml_line(y, "sponsor.url"), Some(5));
        assert_eq!(yaml_line(y, "seo.url"), Some(7));
    }
}
