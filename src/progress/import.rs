//! `importMyProgress`: matching a parsed `roadmap-api/progress@1` document against the roadmaps
//! the caller may read and their live topics, then applying it in one transaction.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TopicKey, UserId};
use entity::{roadmaps, topics};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};

use super::counts::counts;
use super::export::DocRoadmap;
use super::favorites;
use super::locks::{lock_user, write_turn};
use super::lookups::{live_topics, roadmaps_by_slug};
use super::merge::micros;
use super::notes::set_note;
use super::review::{self, Rating};
use super::status_writes::{apply_in, Timing, Wanted};
use super::types::{Counts, LinkedWrite, WriteOutcome};
use crate::auth::CatalogAccess;
use crate::error::{AppError, Field, Input, Words};

/// Matches and applies a parsed document: all or nothing. The first roadmap or topic the caller
/// cannot find fails the whole import, naming its place in the document.
pub(super) async fn import(
    db: &DatabaseConnection,
    user_id: UserId,
    access: &CatalogAccess,
    doc: &[DocRoadmap],
) -> Result<ImportOutcome, AppError> {
    let slugs: Vec<String> = doc.iter().map(|r| r.slug.clone()).collect();
    let roadmaps_found = roadmaps_by_slug(db, access, &slugs).await?;
    let keys: Vec<TopicKey> = doc
        .iter()
        .flat_map(|r| r.topics.iter().map(|t| t.key.clone()))
        .collect();
    let topics_found = live_topics(db, None, &keys).await?;
    let parts = match_document(doc, &roadmaps_found, &topics_found)?;
    write(db, user_id, &parts).await
}

/// Pairs each entry of the document with its roadmap and topic, in document order.
fn match_document<'a>(
    doc: &'a [DocRoadmap],
    roadmaps_found: &'a HashMap<String, roadmaps::Model>,
    topics_found: &'a HashMap<TopicKey, topics::Model>,
) -> Result<Vec<ImportPart<'a>>, AppError> {
    let mut parts = Vec::with_capacity(doc.len());
    for r in doc {
        let roadmap = roadmaps_found.get(&r.slug).ok_or_else(|| {
            let field = Field::inside(Input::Document, format!("{}.slug", r.path));
            let words = Words::named(&field).then(format!(": unknown roadmap `{}`", r.slug));
            AppError::bad_input(&field, words)
        })?;
        let mut part = ImportPart {
            roadmap,
            favorite: r.favorite,
            statuses: Vec::new(),
            notes: Vec::new(),
            reviews: Vec::new(),
        };
        for t in &r.topics {
            // A key of another roadmap is as unknown here as a key of none.
            let topic = topics_found
                .get(&t.key)
                .filter(|m| m.roadmap_id == roadmap.id)
                .ok_or_else(|| {
                    let field = Field::inside(Input::Document, format!("{}.key", t.path));
                    let words = Words::named(&field).then(format!(
                        ": unknown topic `{}` in roadmap `{}`",
                        t.key, r.slug
                    ));
                    AppError::bad_input(&field, words)
                })?;
            if let Some(status) = t.status {
                part.statuses.push(Wanted {
                    topic,
                    status,
                    at: t.updated_at,
                });
            }
            if !t.reviews.is_empty() {
                part.reviews.push(ReviewsWanted {
                    topic,
                    reviews: &t.reviews,
                    field: Field::inside(Input::Document, format!("{}.reviews", t.path)),
                });
            }
            if let Some(note) = &t.note {
                part.notes.push(NoteWanted {
                    topic,
                    note: note.clone(),
                    at: t.note_updated_at,
                });
            }
        }
        parts.push(part);
    }
    Ok(parts)
}

/// One roadmap's share of a validated import.
struct ImportPart<'a> {
    roadmap: &'a roadmaps::Model,
    favorite: bool,
    statuses: Vec<Wanted<'a>>,
    notes: Vec<NoteWanted<'a>>,
    reviews: Vec<ReviewsWanted<'a>>,
}

/// A topic's reviews in the document, and where they are in it.
struct ReviewsWanted<'a> {
    topic: &'a topics::Model,
    reviews: &'a [(Rating, DateTime<Utc>)],
    field: Field,
}

struct NoteWanted<'a> {
    topic: &'a topics::Model,
    /// The note to set, or `None` to clear it.
    note: Option<String>,
    at: Option<DateTime<Utc>>,
}

/// What an import did.
pub struct ImportOutcome {
    /// One per roadmap of the document, in document order, with the counts after.
    pub writes: Vec<WriteOutcome>,
    pub notes_changed: u64,
    pub favorites_added: u64,
    /// Roadmaps on which anything changed (a status, a note, the favourite): each is announced.
    pub(super) touched: HashSet<RoadmapId>,
}

/// Applies a matched import in one transaction, under the user's lock: each roadmap's part in
/// document order, then the note quota, then the counts after the whole import.
async fn write(
    db: &DatabaseConnection,
    user_id: UserId,
    parts: &[ImportPart<'_>],
) -> Result<ImportOutcome, AppError> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    lock_user(&txn, user_id).await?;
    let now = micros(Utc::now());
    let mut outcome = ImportOutcome {
        writes: Vec::new(),
        notes_changed: 0,
        favorites_added: 0,
        touched: HashSet::new(),
    };
    for part in parts {
        write_part(&txn, user_id, part, now, &mut outcome).await?;
    }
    if outcome.notes_changed > 0 {
        super::notes::check_quota(&txn, user_id, Input::Document).await?;
    }
    fill_counts(&txn, user_id, &mut outcome.writes).await?;
    txn.commit().await?;
    Ok(outcome)
}

/// Writes one roadmap's statuses, notes and favourite, and adds what changed to `outcome`
/// (its counts are filled in by [`fill_counts`]).
async fn write_part(
    txn: &impl ConnectionTrait,
    user_id: UserId,
    part: &ImportPart<'_>,
    now: DateTime<Utc>,
    outcome: &mut ImportOutcome,
) -> Result<(), AppError> {
    // An import replaces what is stored, as a change made now (offline merge does not apply:
    // the document's times only set `updated_at`, as they always did).
    let applied = apply_in(
        txn,
        user_id,
        part.roadmap,
        &part.statuses,
        now,
        Timing::Replace,
    )
    .await?;
    let changes = applied.changes;
    let linked: Vec<LinkedWrite> = applied
        .linked
        .into_iter()
        .map(|(roadmap_id, changes)| LinkedWrite {
            roadmap_id,
            changes,
            counts: Counts::default(),
        })
        .collect();
    for n in &part.notes {
        let at = n.at.unwrap_or(now).min(now);
        if set_note(txn, user_id, n.topic, n.note.as_deref(), at, now).await? {
            outcome.notes_changed += 1;
            outcome.touched.insert(part.roadmap.id);
        }
    }
    // After the statuses, so the topics the document marks DONE are DONE when reviewed.
    for r in &part.reviews {
        let field = r.field.clone();
        if review::import_reviews(txn, user_id, r.topic, r.reviews, now, field).await? {
            outcome.touched.insert(part.roadmap.id);
        }
    }
    if part.favorite {
        let added = favorites::add(txn, user_id, part.roadmap.id, now).await?;
        if added > 0 {
            outcome.favorites_added += added;
            outcome.touched.insert(part.roadmap.id);
        }
    }
    if !changes.is_empty() {
        outcome.touched.insert(part.roadmap.id);
    }
    outcome.writes.push(WriteOutcome {
        roadmap_id: part.roadmap.id,
        changes,
        skipped: Vec::new(),
        counts: Counts::default(),
        at: now,
        linked,
    });
    Ok(())
}

/// The counts after the whole import, of the document's roadmaps and of those changed through
/// links, in one statement.
async fn fill_counts(
    txn: &impl ConnectionTrait,
    user_id: UserId,
    writes: &mut [WriteOutcome],
) -> Result<(), AppError> {
    let mut ids: Vec<RoadmapId> = writes.iter().map(|w| w.roadmap_id).collect();
    ids.extend(
        writes
            .iter()
            .flat_map(|w| w.linked.iter().map(|l| l.roadmap_id)),
    );
    ids.sort_unstable();
    ids.dedup();
    let all = counts(txn, user_id, &ids).await?;
    for w in writes {
        w.counts = all.get(&w.roadmap_id).copied().unwrap_or_default();
        for l in &mut w.linked {
            l.counts = all.get(&l.roadmap_id).copied().unwrap_or_default();
        }
    }
    Ok(())
}
