//! The progress document (`roadmap-api/progress@1`): what `exportMyProgress` writes and
//! `importMyProgress` reads back. Roadmaps are matched by slug and topics by their stable key, so a
//! document moves between servers that carry the same roadmaps.
//!
//! ```json
//! { "format": "roadmap-api/progress@1", "exportedAt": "2026-11-21T12:00:00Z",
//!   "roadmaps": [ { "slug": "backend", "title": "Backend Developer", "favorite": true,
//!     "topics": [ { "key": "internet", "title": "Internet", "status": "DONE",
//!                   "updatedAt": "…", "note": "markdown", "noteUpdatedAt": "…" } ] } ] }
//! ```
use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use entity::roadmaps;
use sea_orm::ActiveEnum;
use serde_json::{json, Map, Value};

use super::export_rows::ExportRow;
use super::notes::check_note;
use super::types::ProgressStatus;
use crate::error::AppError;

pub const FORMAT: &str = "roadmap-api/progress@1";
/// Most topic entries one document may carry.
pub const MAX_ENTRIES: usize = 20_000;

/// Builds the document from the rows of `export_rows::export_rows`.
pub fn build(rows: &[ExportRow], favorites: &[roadmaps::Model], at: DateTime<Utc>) -> Value {
    let fav_slugs: HashSet<&str> = favorites.iter().map(|r| r.slug.as_str()).collect();
    // slug -> (title, topics), in slug order.
    let mut by_slug: BTreeMap<&str, (&str, Vec<Value>)> = BTreeMap::new();
    for r in favorites {
        by_slug.entry(&r.slug).or_insert((&r.title, Vec::new()));
    }
    for row in rows {
        let mut topic = Map::new();
        topic.insert("key".into(), json!(row.topic_id));
        topic.insert("title".into(), json!(row.topic_title));
        let status = row
            .status
            .as_deref()
            .and_then(|s| ProgressStatus::try_from_value(&s.to_owned()).ok())
            .unwrap_or(ProgressStatus::Pending);
        topic.insert("status".into(), json!(status.to_value()));
        if let Some(at) = row.updated_at {
            topic.insert("updatedAt".into(), json!(at.to_rfc3339()));
        }
        if let Some(note) = &row.note {
            topic.insert("note".into(), json!(note));
            if let Some(at) = row.note_updated_at {
                topic.insert("noteUpdatedAt".into(), json!(at.to_rfc3339()));
            }
        }
        by_slug
            .entry(&row.slug)
            .or_insert((&row.roadmap_title, Vec::new()))
            .1
            .push(Value::Object(topic));
    }
    let roadmaps: Vec<Value> = by_slug
        .into_iter()
        .map(|(slug, (title, topics))| {
            json!({ "slug": slug, "title": title, "favorite": fav_slugs.contains(slug), "topics": topics })
        })
        .collect();
    json!({ "format": FORMAT, "exportedAt": at.to_rfc3339(), "roadmaps": roadmaps })
}

/// One roadmap of a parsed document; `path` names it in errors.
#[derive(Debug)]
pub struct DocRoadmap {
    pub path: String,
    pub slug: String,
    pub favorite: bool,
    pub topics: Vec<DocTopic>,
}

#[derive(Debug)]
pub struct DocTopic {
    pub path: String,
    pub key: String,
    /// `None`: leave the status as it is.
    pub status: Option<ProgressStatus>,
    pub updated_at: Option<DateTime<Utc>>,
    /// `None`: leave the note as it is; `Some(None)`: clear it.
    pub note: Option<Option<String>>,
    pub note_updated_at: Option<DateTime<Utc>>,
}

fn bad(path: &str, message: impl std::fmt::Display) -> AppError {
    AppError::bad_input(path, format!("{path}: {message}"))
}

fn time(v: Option<&Value>, path: &str) -> Result<Option<DateTime<Utc>>, AppError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| bad(path, format!("`{s}` is not an RFC 3339 date-time"))),
        Some(_) => Err(bad(path, "must be an RFC 3339 date-time string")),
    }
}

/// Parses and checks a document (shape, enum values, note sizes, duplicates). Whether its slugs and
/// keys exist is checked against the database afterwards, in document order.
pub fn parse(doc: &Value) -> Result<Vec<DocRoadmap>, AppError> {
    // A client that kept the file as text may send it as a JSON string.
    let parsed;
    let doc = match doc {
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s)
                .map_err(|e| bad("document", format!("is not valid JSON: {e}")))?;
            &parsed
        }
        other => other,
    };
    let obj = doc
        .as_object()
        .ok_or_else(|| bad("document", "must be a JSON object"))?;
    match obj.get("format") {
        Some(Value::String(f)) if f == FORMAT => {}
        Some(Value::String(f)) => {
            return Err(bad(
                "document.format",
                format!("expected `{FORMAT}`, found `{f}`"),
            ))
        }
        _ => return Err(bad("document.format", format!("must be `{FORMAT}`"))),
    }
    let list = obj
        .get("roadmaps")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("document.roadmaps", "must be a list"))?;
    let mut slugs = HashSet::new();
    let mut keys = HashSet::new();
    let mut entries = 0usize;
    let mut out = Vec::with_capacity(list.len());
    for (i, r) in list.iter().enumerate() {
        let rpath = format!("document.roadmaps[{i}]");
        let r = r
            .as_object()
            .ok_or_else(|| bad(&rpath, "must be an object"))?;
        let slug_path = format!("{rpath}.slug");
        let slug = r
            .get("slug")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad(&slug_path, "must be a non-empty string"))?;
        if !slugs.insert(slug.to_owned()) {
            return Err(bad(&slug_path, format!("roadmap `{slug}` appears twice")));
        }
        let favorite = match r.get("favorite") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(bad(&format!("{rpath}.favorite"), "must be a boolean")),
        };
        let topics = match r.get("topics") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(_) => return Err(bad(&format!("{rpath}.topics"), "must be a list")),
        };
        entries += topics.len();
        if entries > MAX_ENTRIES {
            return Err(bad(
                "document.roadmaps",
                format!("more than {MAX_ENTRIES} topic entries"),
            ));
        }
        let mut parsed_topics = Vec::with_capacity(topics.len());
        for (j, t) in topics.iter().enumerate() {
            let tpath = format!("{rpath}.topics[{j}]");
            let t = t
                .as_object()
                .ok_or_else(|| bad(&tpath, "must be an object"))?;
            let key_path = format!("{tpath}.key");
            let key = t
                .get("key")
                .and_then(Value::as_str)
                .filter(|k| crate::catalog::is_valid_topic_key(k))
                .ok_or_else(|| bad(&key_path, "must be a topic key"))?;
            if !keys.insert(key.to_owned()) {
                return Err(bad(&key_path, format!("topic `{key}` appears twice")));
            }
            let status = match t.get("status") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => {
                    Some(ProgressStatus::try_from_value(s).map_err(|_| {
                        bad(
                            &format!("{tpath}.status"),
                            format!("`{s}` is not one of PENDING, LEARNING, DONE, SKIPPED"),
                        )
                    })?)
                }
                Some(_) => return Err(bad(&format!("{tpath}.status"), "must be a string")),
            };
            let note_path = format!("{tpath}.note");
            let note = match t.get("note") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(check_note(Some(s.clone()), &note_path)?),
                Some(_) => return Err(bad(&note_path, "must be a string")),
            };
            parsed_topics.push(DocTopic {
                key: key.to_owned(),
                status,
                updated_at: time(t.get("updatedAt"), &format!("{tpath}.updatedAt"))?,
                note,
                note_updated_at: time(t.get("noteUpdatedAt"), &format!("{tpath}.noteUpdatedAt"))?,
                path: tpath,
            });
        }
        out.push(DocRoadmap {
            path: rpath,
            slug: slug.to_owned(),
            favorite,
            topics: parsed_topics,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(e: AppError) -> String {
        match e {
            AppError::BadInput { field, .. } => field.unwrap_or_default(),
            other => panic!("not bad input: {other}"),
        }
    }

    #[test]
    fn names_the_first_bad_entry() {
        assert_eq!(field(parse(&json!([])).unwrap_err()), "document");
        assert_eq!(
            field(parse(&json!({"format": "x", "roadmaps": []})).unwrap_err()),
            "document.format"
        );
        let doc = json!({ "format": FORMAT, "roadmaps": [
            { "slug": "a", "topics": [ { "key": "t1", "status": "DONE" }, { "key": "t2", "status": "NOPE" } ] } ] });
        assert_eq!(
            field(parse(&doc).unwrap_err()),
            "document.roadmaps[0].topics[1].status"
        );
        let doc = json!({ "format": FORMAT, "roadmaps": [
            { "slug": "a", "topics": [ { "key": "t1" } ] }, { "slug": "b", "topics": [ { "key": "t1" } ] } ] });
        assert_eq!(
            field(parse(&doc).unwrap_err()),
            "document.roadmaps[1].topics[0].key"
        );
        let long = "x".repeat(10_001);
        let doc = json!({ "format": FORMAT, "roadmaps": [ { "slug": "a", "topics": [ { "key": "t1", "note": long } ] } ] });
        assert_eq!(
            field(parse(&doc).unwrap_err()),
            "document.roadmaps[0].topics[0].note"
        );
    }

    #[test]
    fn accepts_a_document_given_as_text() {
        let doc = json!({ "format": FORMAT, "roadmaps": [ { "slug": "a", "favorite": true,
            "topics": [ { "key": "t1", "status": "SKIPPED", "note": "", "updatedAt": "2026-11-01T10:00:00Z" } ] } ] });
        let parsed = parse(&Value::String(doc.to_string())).unwrap();
        assert_eq!(parsed.len(), 1);
        assert!(parsed[0].favorite);
        let t = &parsed[0].topics[0];
        assert_eq!(t.status, Some(ProgressStatus::Skipped));
        assert_eq!(t.note, Some(None));
        assert!(t.updated_at.is_some());
    }
}
