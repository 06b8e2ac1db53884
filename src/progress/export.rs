//! The progress document (`roadmap-api/progress@1`): what `exportMyProgress` writes and
//! `importMyProgress` reads back. Roadmaps are matched by slug and topics by their stable key, so a
//! document moves between servers that carry the same roadmaps.
//!
//! ```json
//! { "format": "roadmap-api/progress@1", "exportedAt": "2026-11-21T12:00:00Z",
//!   "roadmaps": [ { "slug": "backend", "title": "Backend Developer", "favorite": true,
//!     "topics": [ { "key": "internet", "title": "Internet", "status": "DONE",
//!                   "updatedAt": "…", "note": "markdown", "noteUpdatedAt": "…",
//!                   "reviews": [ { "rating": "GOOD", "at": "…" } ] } ] } ] }
//! ```
//!
//! `reviews` is the topic's review log (spaced repetition), oldest first, at most
//! [`MAX_REVIEWS_PER_TOPIC`] per topic; the schedule is not in the document: an import recomputes
//! it from the log.
use entity::ids::TopicKey;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::roadmaps;
use sea_orm::ActiveEnum;
use serde_json::{json, Map, Value};

use super::export_rows::ExportRow;
use super::notes::check_note;
use super::review::{rating_name, rating_named, Rating, MAX_REVIEWS_PER_TOPIC};
use super::types::{stored_status, ProgressStatus};
use crate::error::{AppError, Field, Input, Words};

pub const FORMAT: &str = "roadmap-api/progress@1";
/// Most topic entries one document may carry.
pub const MAX_ENTRIES: usize = 20_000;
/// Most reviews one document may carry, over all its topics.
pub const MAX_DOC_REVIEWS: usize = 200_000;

/// Adds each topic's reviews (`reviews`, by topic key) to a document [`build`] made.
pub fn add_reviews(doc: &mut Value, reviews: &HashMap<TopicKey, Vec<(Rating, DateTime<Utc>)>>) {
    let Some(roadmaps) = doc.get_mut("roadmaps").and_then(Value::as_array_mut) else {
        return;
    };
    for topic in roadmaps
        .iter_mut()
        .filter_map(|r| r.get_mut("topics").and_then(Value::as_array_mut))
        .flatten()
    {
        let Some(log) = topic
            .get("key")
            .and_then(Value::as_str)
            .and_then(|k| reviews.get(k))
        else {
            continue;
        };
        let entries: Vec<Value> = log
            .iter()
            .map(|(r, at)| json!({ "rating": rating_name(*r), "at": at.to_rfc3339() }))
            .collect();
        topic["reviews"] = Value::Array(entries);
    }
}

/// Builds the document from the rows of `export_rows::export_rows`. A stored status this server
/// does not know fails the export (internal) rather than being written as `PENDING`.
pub fn build(
    rows: &[ExportRow],
    favorites: &[roadmaps::Model],
    at: DateTime<Utc>,
) -> Result<Value, AppError> {
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
        // No progress row is PENDING; a row's status is read strictly.
        let status = match row.status.as_deref() {
            Some(s) => stored_status(s)?,
            None => ProgressStatus::Pending,
        };
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
    Ok(json!({ "format": FORMAT, "exportedAt": at.to_rfc3339(), "roadmaps": roadmaps }))
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
    pub key: TopicKey,
    /// `None`: leave the status as it is.
    pub status: Option<ProgressStatus>,
    pub updated_at: Option<DateTime<Utc>>,
    /// `None`: leave the note as it is; `Some(None)`: clear it.
    pub note: Option<Option<String>>,
    pub note_updated_at: Option<DateTime<Utc>>,
    /// The topic's reviews, in document order.
    pub reviews: Vec<(Rating, DateTime<Utc>)>,
}

/// A refusal of the place `path` (relative, `.roadmaps[0]`) inside the document.
fn bad(path: &str, message: impl std::fmt::Display) -> AppError {
    let field = Field::inside(Input::Document, path);
    AppError::bad_input(&field, Words::named(&field).then(format!(": {message}")))
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
                .map_err(|e| bad("", format!("is not valid JSON: {e}")))?;
            &parsed
        }
        other => other,
    };
    let obj = doc
        .as_object()
        .ok_or_else(|| bad("", "must be a JSON object"))?;
    match obj.get("format") {
        Some(Value::String(f)) if f == FORMAT => {}
        Some(Value::String(f)) => {
            return Err(bad(".format", format!("expected `{FORMAT}`, found `{f}`")))
        }
        _ => return Err(bad(".format", format!("must be `{FORMAT}`"))),
    }
    let list = obj
        .get("roadmaps")
        .and_then(Value::as_array)
        .ok_or_else(|| bad(".roadmaps", "must be a list"))?;
    let mut seen = Seen::default();
    list.iter()
        .enumerate()
        .map(|(i, r)| parse_roadmap(format!(".roadmaps[{i}]"), r, &mut seen))
        .collect()
}

/// What the roadmaps parsed so far hold: a slug or key may appear once in a document, and the
/// topic entries of all its roadmaps count towards [`MAX_ENTRIES`].
#[derive(Default)]
struct Seen {
    slugs: HashSet<String>,
    keys: HashSet<TopicKey>,
    entries: usize,
    reviews: usize,
}

/// One entry of `roadmaps`, at `rpath`.
fn parse_roadmap(rpath: String, r: &Value, seen: &mut Seen) -> Result<DocRoadmap, AppError> {
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
    if !seen.slugs.insert(slug.to_owned()) {
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
    seen.entries += topics.len();
    if seen.entries > MAX_ENTRIES {
        return Err(bad(
            ".roadmaps",
            format!("more than {MAX_ENTRIES} topic entries"),
        ));
    }
    let topics = topics
        .iter()
        .enumerate()
        .map(|(j, t)| parse_topic(format!("{rpath}.topics[{j}]"), t, seen))
        .collect::<Result<_, _>>()?;
    Ok(DocRoadmap {
        path: rpath,
        slug: slug.to_owned(),
        favorite,
        topics,
    })
}

/// One entry of a roadmap's `topics`, at `tpath`; `keys` are the topic keys seen so far.
fn parse_topic(tpath: String, t: &Value, seen: &mut Seen) -> Result<DocTopic, AppError> {
    let keys = &mut seen.keys;
    let t = t
        .as_object()
        .ok_or_else(|| bad(&tpath, "must be an object"))?;
    let key_path = format!("{tpath}.key");
    let key = t
        .get("key")
        .and_then(Value::as_str)
        .filter(|k| crate::catalog::is_valid_topic_key(k))
        .map(TopicKey::new)
        .ok_or_else(|| bad(&key_path, "must be a topic key"))?;
    if !keys.insert(key.clone()) {
        return Err(bad(&key_path, format!("topic `{key}` appears twice")));
    }
    let status = match t.get("status") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(ProgressStatus::try_from_value(s).map_err(|_| {
            bad(
                &format!("{tpath}.status"),
                format!("`{s}` is not one of PENDING, LEARNING, DONE, SKIPPED"),
            )
        })?),
        Some(_) => return Err(bad(&format!("{tpath}.status"), "must be a string")),
    };
    let note_path = format!("{tpath}.note");
    let note = match t.get("note") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(check_note(
            Some(s.clone()),
            Field::inside(Input::Document, &note_path),
        )?),
        Some(_) => return Err(bad(&note_path, "must be a string")),
    };
    let reviews = parse_reviews(&format!("{tpath}.reviews"), t.get("reviews"))?;
    seen.reviews += reviews.len();
    if seen.reviews > MAX_DOC_REVIEWS {
        return Err(bad(
            ".roadmaps",
            format!("more than {MAX_DOC_REVIEWS} reviews"),
        ));
    }
    Ok(DocTopic {
        reviews,
        key,
        status,
        updated_at: time(t.get("updatedAt"), &format!("{tpath}.updatedAt"))?,
        note,
        note_updated_at: time(t.get("noteUpdatedAt"), &format!("{tpath}.noteUpdatedAt"))?,
        path: tpath,
    })
}

/// A topic's `reviews`, at `path`: a list of `{ rating, at }`.
fn parse_reviews(path: &str, v: Option<&Value>) -> Result<Vec<(Rating, DateTime<Utc>)>, AppError> {
    let list = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(bad(path, "must be a list")),
    };
    if list.len() > MAX_REVIEWS_PER_TOPIC as usize {
        return Err(bad(
            path,
            format!("at most {MAX_REVIEWS_PER_TOPIC} reviews per topic"),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, e)| {
            let rpath = format!("{path}[{i}]");
            let rating = e
                .get("rating")
                .and_then(Value::as_str)
                .and_then(rating_named)
                .ok_or_else(|| {
                    bad(
                        &format!("{rpath}.rating"),
                        "must be one of AGAIN, HARD, GOOD, EASY",
                    )
                })?;
            let at = time(e.get("at"), &format!("{rpath}.at"))?
                .ok_or_else(|| bad(&format!("{rpath}.at"), "is required"))?;
            Ok((rating, at))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(e: AppError) -> String {
        match e {
            AppError::BadInput { field, .. } => field.map(|f| f.to_string()).unwrap_or_default(),
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
