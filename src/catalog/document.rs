//! The roadmap document: the JSON form in which roadmaps are seeded, imported and exported.
//! `validate` checks a whole document before anything is written, naming the first bad entry.
use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use entity::ids::TopicKey;
use serde::{Deserialize, Serialize};

use super::{is_valid_topic_key, LegendMark, ResourceKind, TopicKind};
use super::{ChangeFrequency, RoadmapKind, RoadmapStatus};
use crate::error::{AppError, Field, Input};

pub use super::limits::{
    check_resource, check_resources, check_topic_description, check_topic_title, is_http_url,
    is_valid_slug, need_line, need_text, validate_meta,
};

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
    pub id: TopicKey,
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
    /// The key of another topic of this document that this one repeats (`same_as_doc`).
    #[serde(default, rename = "sameAs", skip_serializing_if = "Option::is_none")]
    pub same_as: Option<TopicKey>,
    /// Keys of the topics best learned before this one, in key order (`prerequisites_doc`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prerequisites: Vec<TopicKey>,
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
    parse_json_named(text, &Input::Document.domain_name(), Input::Document)
}

/// Parses and validates a JSON document read from `file`; every error reads `file:line: …` and
/// carries `field` (the argument or option the document came through).
pub fn parse_json_named(
    text: &str,
    file: &str,
    field: impl Into<Field>,
) -> Result<RoadmapDocument, AppError> {
    let field = field.into();
    let mut doc: RoadmapDocument = serde_json::from_str(text).map_err(|e| {
        AppError::bad_input(
            &field,
            format!(
                "{file}:{}: the roadmap document is not valid: {e}",
                e.line()
            ),
        )
    })?;
    normalize(&mut doc);
    validate(&doc).map_err(|e| locate_json(e, text, file, &field))?;
    Ok(doc)
}

/// Rewrites a validation error (whose field is a path into the document) as `file:line: …`.
pub fn locate_json(err: AppError, text: &str, file: &str, field: impl Into<Field>) -> AppError {
    match err {
        AppError::BadInput {
            message,
            field: Some(path),
        } => {
            let line = super::jsonpos::line_of(text, &path.to_string()).unwrap_or(1);
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
            trim(&mut n.id.0);
            trim(&mut n.title);
            trim(&mut n.description);
            for r in &mut n.resources {
                trim(&mut r.title);
                trim(&mut r.url);
            }
            // Stored as a set, read back in key order.
            for p in &mut n.prerequisites {
                trim(&mut p.0);
            }
            n.prerequisites.sort_unstable();
            n.prerequisites.dedup();
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
    validate_topics(&doc.topics, "topics", 1, &mut ids, &mut count)?;
    super::same_as_doc::validate(doc)?;
    super::prerequisites_doc::validate(doc)?;
    super::limits::check_document_size(Input::Document, doc)
}

fn validate_topics(
    nodes: &[TopicNode],
    path: &str,
    depth: usize,
    ids: &mut HashSet<TopicKey>,
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
        if !is_valid_topic_key(t.id.as_str()) {
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
        check_resources(&format!("{here}.resources"), &t.resources)?;
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
    pub fn flatten(&self) -> Vec<(Option<&TopicKey>, i32, &TopicNode)> {
        fn walk<'a>(
            nodes: &'a [TopicNode],
            parent: Option<&'a TopicKey>,
            out: &mut Vec<(Option<&'a TopicKey>, i32, &'a TopicNode)>,
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
            .map(|(p, i, n)| (p.map(TopicKey::as_str), *i, n.id.as_str()))
            .collect();
        assert_eq!(flat, [(None, 0, "a1"), (Some("a1"), 0, "b1")]);
        assert_eq!(d.roadmap.status, RoadmapStatus::Published);
    }

    #[test]
    fn rejects_bad_entries_by_path() {
        let mut d = doc();
        d.topics[0].children[0].id = TopicKey::new("a1");
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
