//! The roadmap document: the JSON form in which roadmaps are seeded, imported and exported.
//! `validate` checks a whole document before anything is written, naming the first bad entry.
use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{is_valid_topic_key, LegendMark, ResourceKind, TopicKind};
use super::{ChangeFrequency, RoadmapKind, RoadmapStatus};
use crate::error::AppError;

pub const FORMAT: &str = "roadmap-api/roadmap@1";
pub const MAX_TOPICS: usize = 5_000;
pub const MAX_DEPTH: usize = 8;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoadmapDocument {
    pub format: String,
    pub roadmap: RoadmapMeta,
    pub topics: Vec<TopicNode>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoadmapMeta {
    pub slug: String,
    pub title: String,
    pub brief_title: String,
    pub description: String,
    pub brief_description: String,
    pub order: i32,
    pub kind: RoadmapKind,
    #[serde(default = "published")]
    pub status: RoadmapStatus,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub is_forkable: bool,
    #[serde(default = "yes")]
    pub has_topics: bool,
    #[serde(default)]
    pub dimensions: Option<DimensionsDoc>,
    #[serde(default)]
    pub question: Option<QuestionDoc>,
    #[serde(default)]
    pub seo: SeoDoc,
    #[serde(default)]
    pub structured_data: StructuredDataDoc,
    #[serde(default)]
    pub sitemap: Option<SitemapDoc>,
    #[serde(default)]
    pub pdf_url: Option<String>,
    #[serde(default)]
    pub json_url: Option<String>,
    #[serde(default)]
    pub sponsor: Option<SponsorDoc>,
    #[serde(default)]
    pub related_roadmaps: Vec<String>,
    #[serde(default)]
    pub related_questions: Vec<String>,
}

fn published() -> RoadmapStatus {
    RoadmapStatus::Published
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DimensionsDoc {
    pub width: f64,
    pub height: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QuestionDoc {
    pub title: String,
    pub description: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SeoDoc {
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StructuredDataDoc {
    pub headline: Option<String>,
    pub description: Option<String>,
    pub image_url: Option<String>,
    pub date_published: Option<NaiveDate>,
    #[serde(default, with = "flex_datetime")]
    pub date_modified: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SitemapDoc {
    pub priority: f64,
    pub change_frequency: ChangeFrequency,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SponsorDoc {
    pub url: String,
    pub title: String,
    pub image_url: Option<String>,
    pub description: Option<String>,
    #[serde(default, with = "flex_datetime")]
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TopicNode {
    pub id: String,
    pub kind: TopicKind,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub legend: Option<LegendMark>,
    #[serde(default)]
    pub resources: Vec<ResourceDoc>,
    #[serde(default)]
    pub children: Vec<TopicNode>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ResourceDoc {
    pub kind: ResourceKind,
    pub title: String,
    pub url: String,
}

impl ResourceDoc {
    /// Title and URL without surrounding white space, as an edit stores them.
    pub fn trimmed(self) -> Self {
        Self {
            kind: self.kind,
            title: self.title.trim().to_owned(),
            url: self.url.trim().to_owned(),
        }
    }
}

/// Dates written by people are often just `YYYY-MM-DD`; accept that or RFC 3339, write RFC 3339.
mod flex_datetime {
    use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(dt) => s.serialize_str(&dt.to_rfc3339_opts(SecondsFormat::Secs, true)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        if let Ok(dt) = DateTime::parse_from_rfc3339(&text) {
            return Ok(Some(dt.with_timezone(&Utc)));
        }
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|dt| Some(dt.and_utc()))
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "`{text}` is not a date (YYYY-MM-DD) or an RFC 3339 timestamp"
                ))
            })
    }
}

/// Parses a JSON document, turning serde's message into one a person can act on.
pub fn parse_json(text: &str) -> Result<RoadmapDocument, AppError> {
    parse_json_named(text, "document", "document")
}

/// Parses and validates a JSON document read from `file`; every error reads `file:line: …` and
/// carries `field` (the argument or option the document came through).
pub fn parse_json_named(text: &str, file: &str, field: &str) -> Result<RoadmapDocument, AppError> {
    let mut doc: RoadmapDocument = serde_json::from_str(text).map_err(|e| {
        AppError::bad_input(
            field,
            format!(
                "{file}:{}: the roadmap document is not valid: {e}",
                e.line()
            ),
        )
    })?;
    normalize(&mut doc);
    validate(&doc).map_err(|e| locate_json(e, text, file, field))?;
    Ok(doc)
}

/// Rewrites a validation error (whose field is a path into the document) as `file:line: …`.
pub fn locate_json(err: AppError, text: &str, file: &str, field: &str) -> AppError {
    match err {
        AppError::BadInput {
            message,
            field: Some(path),
        } => {
            let line = super::jsonpos::line_of(text, &path).unwrap_or(1);
            AppError::bad_input(field, format!("{file}:{line}: {message}"))
        }
        other => other,
    }
}

/// Puts a document in the form it is stored in (trimmed text, lower-case tags), so that a document
/// and the roadmap it was imported into compare equal field by field.
pub fn normalize(doc: &mut RoadmapDocument) {
    fn trim(s: &mut String) {
        let t = s.trim();
        if t.len() != s.len() {
            *s = t.to_owned();
        }
    }
    fn topics(nodes: &mut [TopicNode]) {
        for n in nodes {
            trim(&mut n.id);
            trim(&mut n.title);
            trim(&mut n.description);
            for r in &mut n.resources {
                trim(&mut r.title);
                trim(&mut r.url);
            }
            topics(&mut n.children);
        }
    }
    let m = &mut doc.roadmap;
    trim(&mut m.slug);
    trim(&mut m.title);
    trim(&mut m.brief_title);
    trim(&mut m.description);
    trim(&mut m.brief_description);
    for t in &mut m.tags {
        *t = t.trim().to_lowercase();
    }
    if let Some(q) = &mut m.question {
        trim(&mut q.title);
        trim(&mut q.description);
    }
    for s in &mut m.related_roadmaps {
        trim(s);
    }
    // Documents carry timestamps to the second; store them so, or they would never compare equal.
    use chrono::SubsecRound;
    m.structured_data.date_modified = m.structured_data.date_modified.map(|t| t.trunc_subsecs(0));
    if let Some(s) = &mut m.sponsor {
        s.expires_at = s.expires_at.map(|t| t.trunc_subsecs(0));
    }
    topics(&mut doc.topics);
}

pub fn is_valid_slug(slug: &str) -> bool {
    (1..=64).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

pub fn is_http_url(url: &str) -> bool {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    matches!(rest, Some(r) if !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace))
        && url.len() <= 2048
}

/// Site-relative paths (`/pdfs/…`) or absolute http(s) URLs.
fn is_link(url: &str) -> bool {
    (url.starts_with('/') && !url.starts_with("//") && !url.contains(char::is_whitespace))
        || is_http_url(url)
}

/// A one-line title: non-empty, at most `max` characters, no line breaks (titles are headings in
/// the markdown format).
pub fn need_line(path: &str, value: &str, max: usize) -> Result<(), AppError> {
    need_text(path, value, max)?;
    if value.contains(['\n', '\r']) {
        return Err(AppError::bad_input(
            path,
            format!("`{path}` must be a single line"),
        ));
    }
    Ok(())
}

pub fn need_text(path: &str, value: &str, max: usize) -> Result<(), AppError> {
    let len = value.trim().chars().count();
    if len == 0 {
        return Err(AppError::bad_input(
            path,
            format!("`{path}` must not be empty"),
        ));
    }
    if len > max {
        return Err(AppError::bad_input(
            path,
            format!("`{path}` is longer than {max} characters"),
        ));
    }
    Ok(())
}

pub fn validate(doc: &RoadmapDocument) -> Result<(), AppError> {
    if doc.format != FORMAT {
        return Err(AppError::bad_input(
            "format",
            format!(
                "unknown document format `{}` (expected `{FORMAT}`)",
                doc.format
            ),
        ));
    }
    validate_meta(&doc.roadmap, "roadmap.")?;
    let mut ids = HashSet::new();
    let mut count = 0usize;
    validate_topics(&doc.topics, "topics", 1, &mut ids, &mut count)
}

/// Checks roadmap metadata; error fields are `prefix` + the camelCase name (`roadmap.slug` in a
/// document, `slug` in a mutation's input).
pub fn validate_meta(m: &RoadmapMeta, prefix: &str) -> Result<(), AppError> {
    let p = |name: &str| format!("{prefix}{name}");
    if !is_valid_slug(&m.slug) {
        return Err(AppError::bad_input(
            p("slug"),
            format!(
                "`{}` `{}` must be 1-64 lower-case letters, digits and dashes",
                p("slug"),
                m.slug
            ),
        ));
    }
    need_line(&p("title"), &m.title, 200)?;
    need_line(&p("briefTitle"), &m.brief_title, 100)?;
    need_text(&p("description"), &m.description, 10_000)?;
    need_text(&p("briefDescription"), &m.brief_description, 1_000)?;
    for (i, tag) in m.tags.iter().enumerate() {
        if !is_valid_slug(tag) {
            return Err(AppError::bad_input(
                format!("{}[{i}]", p("tags")),
                format!("tag `{tag}` must be lower-case letters, digits and dashes"),
            ));
        }
    }
    let mut seen_tags = HashSet::new();
    if let Some(dup) = m.tags.iter().find(|t| !seen_tags.insert(t.as_str())) {
        return Err(AppError::bad_input(
            p("tags"),
            format!("tag `{dup}` appears twice"),
        ));
    }
    for (path, url) in [
        (p("pdfUrl"), &m.pdf_url),
        (p("jsonUrl"), &m.json_url),
        (p("structuredData.imageUrl"), &m.structured_data.image_url),
    ] {
        if let Some(url) = url {
            if !is_link(url) {
                return Err(AppError::bad_input(
                    &path,
                    format!("`{path}` must be an http(s) URL or a site path"),
                ));
            }
        }
    }
    if let Some(q) = &m.question {
        need_line(&p("question.title"), &q.title, 300)?;
    }
    if let Some(s) = &m.sponsor {
        need_line(&p("sponsor.title"), &s.title, 300)?;
        if !is_http_url(&s.url) {
            return Err(AppError::bad_input(
                p("sponsor.url"),
                format!("`{}` must be an http(s) URL", p("sponsor.url")),
            ));
        }
        if let Some(url) = &s.image_url {
            if !is_link(url) {
                return Err(AppError::bad_input(
                    p("sponsor.imageUrl"),
                    format!(
                        "`{}` must be an http(s) URL or a site path",
                        p("sponsor.imageUrl")
                    ),
                ));
            }
        }
    }
    if let Some(s) = &m.sitemap {
        if !(0.0..=1.0).contains(&s.priority) {
            return Err(AppError::bad_input(
                p("sitemap.priority"),
                format!("`{}` must be between 0.0 and 1.0", p("sitemap.priority")),
            ));
        }
    }
    if let Some(d) = &m.dimensions {
        if !(d.width.is_finite() && d.height.is_finite() && d.width > 0.0 && d.height > 0.0) {
            return Err(AppError::bad_input(
                p("dimensions"),
                format!("`{}` must be positive numbers", p("dimensions")),
            ));
        }
    }
    for (i, slug) in m.related_roadmaps.iter().enumerate() {
        if !is_valid_slug(slug) || slug == &m.slug {
            return Err(AppError::bad_input(
                format!("{}[{i}]", p("relatedRoadmaps")),
                format!("related roadmap `{slug}` is not a valid slug of another roadmap"),
            ));
        }
    }
    Ok(())
}

/// A topic's title: one line of at most 300 characters. `field` names it in the error.
pub fn check_topic_title(field: &str, title: &str) -> Result<(), AppError> {
    need_line(field, title, 300)
}

/// A topic's description: markdown of at most 20000 characters (it may be empty).
pub fn check_topic_description(field: &str, description: &str) -> Result<(), AppError> {
    if description.chars().count() > 20_000 {
        return Err(AppError::bad_input(
            field,
            format!("`{field}` is longer than 20000 characters"),
        ));
    }
    Ok(())
}

/// A resource: a one-line title and an http(s) URL. `prefix` (`resources[2].`, or empty) leads
/// the names of its fields in errors.
pub fn check_resource(prefix: &str, r: &ResourceDoc) -> Result<(), AppError> {
    need_line(&format!("{prefix}title"), &r.title, 300)?;
    if !is_http_url(&r.url) {
        return Err(AppError::bad_input(
            format!("{prefix}url"),
            format!("`{prefix}url` `{}` must be an http(s) URL", r.url),
        ));
    }
    Ok(())
}

fn validate_topics(
    nodes: &[TopicNode],
    path: &str,
    depth: usize,
    ids: &mut HashSet<String>,
    count: &mut usize,
) -> Result<(), AppError> {
    if depth > MAX_DEPTH {
        return Err(AppError::bad_input(
            path,
            format!("topics nest deeper than {MAX_DEPTH} levels at `{path}`"),
        ));
    }
    for (i, t) in nodes.iter().enumerate() {
        let here = format!("{path}[{i}]");
        *count += 1;
        if *count > MAX_TOPICS {
            return Err(AppError::bad_input(
                "topics",
                format!("a roadmap may hold at most {MAX_TOPICS} topics"),
            ));
        }
        if !is_valid_topic_key(&t.id) {
            return Err(AppError::bad_input(
                format!("{here}.id"),
                format!(
                    "`{here}.id` `{}` must be 1-64 letters, digits, `-` or `_`",
                    t.id
                ),
            ));
        }
        if !ids.insert(t.id.clone()) {
            return Err(AppError::bad_input(
                format!("{here}.id"),
                format!("duplicate topic id `{}` at `{here}`", t.id),
            ));
        }
        check_topic_title(&format!("{here}.title"), &t.title)?;
        check_topic_description(&format!("{here}.description"), &t.description)?;
        for (j, r) in t.resources.iter().enumerate() {
            check_resource(&format!("{here}.resources[{j}]."), r)?;
        }
        validate_topics(
            &t.children,
            &format!("{here}.children"),
            depth + 1,
            ids,
            count,
        )?;
    }
    Ok(())
}

impl RoadmapDocument {
    /// Topics in pre-order (parents before children) with their parent id and position.
    pub fn flatten(&self) -> Vec<(Option<&str>, i32, &TopicNode)> {
        fn walk<'a>(
            nodes: &'a [TopicNode],
            parent: Option<&'a str>,
            out: &mut Vec<(Option<&'a str>, i32, &'a TopicNode)>,
        ) {
            for (i, n) in nodes.iter().enumerate() {
                out.push((parent, i as i32, n));
                walk(&n.children, Some(&n.id), out);
            }
        }
        let mut out = Vec::new();
        walk(&self.topics, None, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> RoadmapDocument {
        parse_json(
            r#"{"format":"roadmap-api/roadmap@1","roadmap":{"slug":"x","title":"X","briefTitle":"X",
            "description":"d","briefDescription":"b","order":1,"kind":"SKILL"},
            "topics":[{"id":"a1","kind":"TOPIC","title":"A","children":[
              {"id":"b1","kind":"SUBTOPIC","title":"B","resources":[{"kind":"OFFICIAL","title":"t","url":"https://e.org"}]}]}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn parses_minimal_document_and_flattens_in_preorder() {
        let d = doc();
        let flat: Vec<_> = d
            .flatten()
            .iter()
            .map(|(p, i, n)| (*p, *i, n.id.as_str()))
            .collect();
        assert_eq!(flat, [(None, 0, "a1"), (Some("a1"), 0, "b1")]);
        assert_eq!(d.roadmap.status, RoadmapStatus::Published);
    }

    #[test]
    fn rejects_bad_entries_by_path() {
        let mut d = doc();
        d.topics[0].children[0].id = "a1".into();
        let e = validate(&d).unwrap_err();
        assert!(e.to_string().contains("duplicate topic id `a1`"), "{e}");

        let mut d = doc();
        d.topics[0].children[0].resources[0].url = "javascript:alert(1)".into();
        let e = validate(&d).unwrap_err();
        assert!(
            e.to_string()
                .contains("topics[0].children[0].resources[0].url"),
            "{e}"
        );

        let mut d = doc();
        d.roadmap.slug = "Bad Slug".into();
        assert!(validate(&d).is_err());
        assert!(parse_json("{").is_err());
    }

    #[test]
    fn slugs_and_urls() {
        assert!(is_valid_slug("postgresql-dba"));
        assert!(!is_valid_slug("-x") && !is_valid_slug("") && !is_valid_slug("A"));
        assert!(is_http_url("https://developer.mozilla.org/en-US/"));
        assert!(!is_http_url("ftp://x") && !is_http_url("https://") && !is_http_url("https:///x"));
    }
}
