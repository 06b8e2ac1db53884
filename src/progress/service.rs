//! The progress operations the API calls. Each takes the [`Learner`] whose progress it changes and
//! the [`CatalogAccess`] it looks roadmaps up with, so it cannot touch another user's data or a
//! roadmap the caller may not see; writes in one transaction; and, once that committed, announces
//! the change on the [`ProgressBus`] (here only, so no caller can forget it).
//!
//! "Not found" (a topic or roadmap missing, deleted, or a draft the caller may not see) is `None`:
//! the caller names what it was asked for in its own terms.
use chrono::Utc;
use entity::roadmaps;
use sea_orm::DatabaseConnection;
use serde_json::Value;

use super::bus::{NoteNotice, Notice, ProgressBus};
use super::import::ImportOutcome;
use super::lookups::{live_topic, live_topics, roadmap};
use super::notes::check_note;
use super::status_writes::{self, Wanted};
use super::types::{Counts, ProgressChangeKind, ProgressStatus, WriteOutcome};
use super::{export, export_rows, favorites, import, notes};
use crate::auth::{CatalogAccess, Learner};
use crate::error::AppError;

/// Most changes one `setTopicStatuses` call may carry.
pub const MAX_BATCH: usize = 500;

/// A learner's progress, over one database, announcing changes on `bus` (when there is one).
#[derive(Clone, Copy)]
pub struct Progress<'a> {
    db: &'a DatabaseConnection,
    bus: Option<&'a ProgressBus>,
}

/// What a status write did on one roadmap.
pub struct RoadmapWrite {
    pub roadmap: roadmaps::Model,
    /// The topics the call named, in its order (none for a reset).
    pub topic_keys: Vec<String>,
    pub outcome: WriteOutcome,
}

/// What `set_note` did.
pub struct NoteWrite {
    pub roadmap_id: i32,
    /// The note now stored; `None` when cleared.
    pub note: Option<String>,
    pub changed: bool,
}

/// What `set_favorite` did.
pub struct FavoriteWrite {
    pub roadmap: roadmaps::Model,
    pub changed: bool,
    pub counts: Counts,
}

impl<'a> Progress<'a> {
    pub fn new(db: &'a DatabaseConnection, bus: Option<&'a ProgressBus>) -> Self {
        Self { db, bus }
    }

    /// The one place a committed change is announced.
    fn announce(&self, notice: Notice) {
        if let Some(bus) = self.bus {
            bus.publish(notice);
        }
    }

    /// Announces the statuses a write changed, if any.
    fn announce_write(&self, learner: &Learner, kind: ProgressChangeKind, out: &WriteOutcome) {
        if !out.changes.is_empty() {
            self.announce(Notice {
                user_id: learner.user_id(),
                kind,
                roadmap_id: Some(out.roadmap_id),
                changes: out.changes.clone(),
                note: None,
                counts: Some(out.counts),
                at: out.at,
            });
        }
    }

    /// Sets the learner's status on a topic (`PENDING` clears it); `None` when there is no such
    /// topic for the caller.
    pub async fn set_status(
        &self,
        learner: &Learner,
        access: &CatalogAccess,
        topic_key: &str,
        status: ProgressStatus,
    ) -> Result<Option<RoadmapWrite>, AppError> {
        let Some((topic, roadmap)) = live_topic(self.db, access, topic_key).await? else {
            return Ok(None);
        };
        let out =
            status_writes::set_status(self.db, learner.user_id(), &roadmap, &topic, status).await?;
        self.announce_write(learner, ProgressChangeKind::Status, &out);
        Ok(Some(RoadmapWrite {
            roadmap,
            topic_keys: vec![topic.id],
            outcome: out,
        }))
    }

    /// Sets several statuses on one roadmap, all or nothing; `None` when there is no such roadmap
    /// for the caller.
    ///
    /// `changes` yields each change's topic key (or the error of decoding it, named after its
    /// input field `changes[i].topicId`) and status, in input order. It is read lazily, so the
    /// first fault in input order is the one reported, after the roadmap and the batch size.
    pub async fn set_statuses<I>(
        &self,
        learner: &Learner,
        access: &CatalogAccess,
        roadmap_id: i32,
        changes: I,
    ) -> Result<Option<RoadmapWrite>, AppError>
    where
        I: ExactSizeIterator<Item = Result<(String, ProgressStatus), AppError>>,
    {
        let Some(roadmap) = roadmap(self.db, access, roadmap_id).await? else {
            return Ok(None);
        };
        if changes.len() > MAX_BATCH {
            return Err(AppError::bad_input(
                "changes",
                format!(
                    "at most {MAX_BATCH} changes per call ({} given)",
                    changes.len()
                ),
            ));
        }
        let mut keys = Vec::with_capacity(changes.len());
        let mut statuses = Vec::with_capacity(changes.len());
        let mut seen = std::collections::HashSet::new();
        for (i, change) in changes.enumerate() {
            let (key, status) = change?;
            if !seen.insert(key.clone()) {
                let field = topic_field(i);
                return Err(AppError::bad_input(
                    &field,
                    format!("{field}: topic `{key}` appears twice"),
                ));
            }
            keys.push(key);
            statuses.push(status);
        }
        let found = live_topics(self.db, Some(roadmap.id), &keys).await?;
        let mut wanted = Vec::with_capacity(keys.len());
        for (i, (key, status)) in keys.iter().zip(statuses).enumerate() {
            let Some(topic) = found.get(key) else {
                let field = topic_field(i);
                return Err(AppError::bad_input(
                    &field,
                    format!(
                        "{field}: topic `{key}` is not a topic of roadmap `{}`",
                        roadmap.slug
                    ),
                ));
            };
            wanted.push(Wanted {
                topic,
                status,
                at: None,
            });
        }
        let out =
            status_writes::set_statuses(self.db, learner.user_id(), &roadmap, &wanted).await?;
        self.announce_write(learner, ProgressChangeKind::Status, &out);
        Ok(Some(RoadmapWrite {
            roadmap,
            topic_keys: keys,
            outcome: out,
        }))
    }

    /// Clears all the learner's statuses on a roadmap (notes stay); `None` when there is no such
    /// roadmap for the caller.
    pub async fn reset(
        &self,
        learner: &Learner,
        access: &CatalogAccess,
        roadmap_id: i32,
    ) -> Result<Option<RoadmapWrite>, AppError> {
        let Some(roadmap) = roadmap(self.db, access, roadmap_id).await? else {
            return Ok(None);
        };
        let out = status_writes::reset_roadmap(self.db, learner.user_id(), &roadmap).await?;
        self.announce_write(learner, ProgressChangeKind::Reset, &out);
        Ok(Some(RoadmapWrite {
            roadmap,
            topic_keys: Vec::new(),
            outcome: out,
        }))
    }

    /// Sets or clears (null, empty or blank) the learner's note on a topic; `None` when there is
    /// no such topic for the caller. The note is checked first, as input field `note`.
    pub async fn set_note(
        &self,
        learner: &Learner,
        access: &CatalogAccess,
        topic_key: &str,
        note: Option<String>,
    ) -> Result<Option<NoteWrite>, AppError> {
        let note = check_note(note, "note")?;
        let Some((topic, roadmap)) = live_topic(self.db, access, topic_key).await? else {
            return Ok(None);
        };
        let now = Utc::now();
        let changed =
            notes::set_note(self.db, learner.user_id(), &topic, note.as_deref(), now).await?;
        if changed {
            self.announce(Notice {
                user_id: learner.user_id(),
                kind: ProgressChangeKind::Note,
                roadmap_id: Some(roadmap.id),
                changes: Vec::new(),
                note: Some(NoteNotice {
                    topic_id: topic.id,
                    note: note.clone(),
                }),
                counts: None,
                at: now,
            });
        }
        Ok(Some(NoteWrite {
            roadmap_id: roadmap.id,
            note,
            changed,
        }))
    }

    /// Adds a roadmap to the learner's favourites, or removes it; `None` when there is no such
    /// roadmap for the caller.
    pub async fn set_favorite(
        &self,
        learner: &Learner,
        access: &CatalogAccess,
        roadmap_id: i32,
        favorite: bool,
    ) -> Result<Option<FavoriteWrite>, AppError> {
        let Some(roadmap) = roadmap(self.db, access, roadmap_id).await? else {
            return Ok(None);
        };
        let (changed, counts) =
            favorites::set_favorite(self.db, learner.user_id(), roadmap.id, favorite).await?;
        if changed {
            self.announce(Notice {
                user_id: learner.user_id(),
                kind: ProgressChangeKind::Favorite,
                roadmap_id: Some(roadmap.id),
                changes: Vec::new(),
                note: None,
                counts: Some(counts),
                at: Utc::now(),
            });
        }
        Ok(Some(FavoriteWrite {
            roadmap,
            changed,
            counts,
        }))
    }

    /// Imports a `roadmap-api/progress@1` document, all or nothing (see [`import`]).
    pub async fn import(
        &self,
        learner: &Learner,
        access: &CatalogAccess,
        document: &Value,
    ) -> Result<ImportOutcome, AppError> {
        let doc = export::parse(document)?;
        let out = import::import(self.db, learner.user_id(), access, &doc).await?;
        for w in out
            .writes
            .iter()
            .filter(|w| out.touched.contains(&w.roadmap_id))
        {
            // Announced even when only a note or the favourite changed, unlike a status write.
            self.announce(Notice {
                user_id: learner.user_id(),
                kind: ProgressChangeKind::Import,
                roadmap_id: Some(w.roadmap_id),
                changes: w.changes.clone(),
                note: None,
                counts: Some(w.counts),
                at: w.at,
            });
        }
        Ok(out)
    }

    /// The learner's whole progress as a `roadmap-api/progress@1` document.
    pub async fn export(&self, learner: &Learner) -> Result<Value, AppError> {
        let (rows, favorites) = export_rows::export_rows(self.db, learner.user_id()).await?;
        Ok(export::build(&rows, &favorites, Utc::now()))
    }
}

/// The input field of the `i`th change of `setTopicStatuses`.
fn topic_field(i: usize) -> String {
    format!("changes[{i}].topicId")
}
