//! The progress operations the API calls. Each takes the [`Learner`] whose progress it changes and
//! the [`CatalogAccess`] it looks roadmaps up with, so it cannot touch another user's data or a
//! roadmap the caller may not see; writes in one transaction; and, once that committed, announces
//! the change on the [`ProgressBus`] (here only, so no caller can forget it).
//!
//! "Not found" (a topic or roadmap missing, deleted, or a draft the caller may not see) is `None`:
//! the caller names what it was asked for in its own terms.
use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TopicKey};
use entity::roadmaps;
use sea_orm::DatabaseConnection;
use serde_json::Value;

use super::bus::{Notice, ProgressBus};
use super::import::ImportOutcome;
use super::lookups::{live_topic, live_topics, readable, roadmap};
use super::merge::{check_at, micros};
use super::notes::{check_note, NoteMerge};
use super::review::{self, ReviewOutcome};
use super::status_writes::{self, Wanted};
use super::types::{
    Counts, LinkedWrite, ProgressChangeKind, ProgressStatus, Skipped, WriteOutcome,
};
use super::{export, export_rows, favorites, import, notes};
use crate::auth::{CatalogAccess, Learner};
use crate::error::{AppError, Field, Input, Words};

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
    pub topic_keys: Vec<TopicKey>,
    pub outcome: WriteOutcome,
}

/// One change of `set_statuses`, as the caller decoded it.
pub struct StatusInput {
    pub topic_key: TopicKey,
    pub status: ProgressStatus,
    /// When the learner made the change, by their device's clock; `None` means now.
    pub at: Option<DateTime<Utc>>,
}

/// What `set_note` did.
pub struct NoteWrite {
    pub roadmap_id: RoadmapId,
    /// The note now stored; `None` when there is none (the caller's note, or, when it was
    /// skipped, the newer note that won).
    pub note: Option<String>,
    pub changed: bool,
    /// Set when the change was not applied because a newer note is stored.
    pub skipped: Option<Skipped>,
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

    /// Announces the statuses a write changed, if any: on its roadmap, and on each roadmap it
    /// changed through linked topics that the learner may see.
    async fn announce_write(
        &self,
        learner: &Learner,
        access: &CatalogAccess,
        kind: ProgressChangeKind,
        out: &WriteOutcome,
    ) {
        if !out.changes.is_empty() {
            self.announce(Notice::statuses(
                learner.user_id(),
                kind,
                out.roadmap_id,
                out.changes.clone(),
                out.counts,
                out.at,
            ));
        }
        self.announce_linked(learner, access, kind, &out.linked, out.at)
            .await;
    }

    /// Announces what a write changed on other roadmaps through links: one notice per roadmap,
    /// for those the learner may see (the others stay unnamed). The write has committed: a
    /// failure to look the roadmaps up only loses the notices (subscribers refetch on the next).
    async fn announce_linked(
        &self,
        learner: &Learner,
        access: &CatalogAccess,
        kind: ProgressChangeKind,
        linked: &[LinkedWrite],
        at: DateTime<Utc>,
    ) {
        if self.bus.is_none() || linked.iter().all(|l| l.changes.is_empty()) {
            return;
        }
        let ids: Vec<RoadmapId> = linked.iter().map(|l| l.roadmap_id).collect();
        let shown = match readable(self.db, access, &ids).await {
            Ok(shown) => shown,
            Err(e) => {
                tracing::warn!(error = %crate::error::chain(&e), "linked roadmaps not announced");
                return;
            }
        };
        for l in linked
            .iter()
            .filter(|l| !l.changes.is_empty() && shown.contains(&l.roadmap_id))
        {
            self.announce(Notice::statuses(
                learner.user_id(),
                kind,
                l.roadmap_id,
                l.changes.clone(),
                l.counts,
                at,
            ));
        }
    }

    /// Sets the learner's status on a topic (`PENDING` clears it); `None` when there is no such
    /// topic for the caller. `at` is when the learner made the change (their device's clock,
    /// input field `at`; `None` means now): more than [`super::merge::MAX_CLOCK_AHEAD`] ahead
    /// fails, and older than the stored change it is skipped (in `outcome.skipped`).
    pub async fn set_status(
        &self,
        learner: &Learner,
        access: &CatalogAccess,
        topic_key: &TopicKey,
        status: ProgressStatus,
        at: Option<DateTime<Utc>>,
    ) -> Result<Option<RoadmapWrite>, AppError> {
        let at = check_at(at, Utc::now(), Input::At)?;
        let Some((topic, roadmap, out)) =
            status_writes::set_status(self.db, learner.user_id(), access, topic_key, status, at)
                .await?
        else {
            return Ok(None);
        };
        self.announce_write(learner, access, ProgressChangeKind::Status, &out)
            .await;
        Ok(Some(RoadmapWrite {
            roadmap,
            topic_keys: vec![topic.id],
            outcome: out,
        }))
    }

    /// Sets several statuses on one roadmap, all or nothing; `None` when there is no such roadmap
    /// for the caller.
    ///
    /// `changes` yields each change (or the error of decoding it, named after its input field,
    /// e.g. `changes[i].topicId` or `changes[i].at`), in input order. It is read lazily, so the
    /// first fault in input order is the one reported, after the roadmap and the batch size. An
    /// `at` more than [`super::merge::MAX_CLOCK_AHEAD`] ahead fails as `changes[i].at`; a change
    /// older than the stored one is skipped (in `outcome.skipped`), the others applied.
    pub async fn set_statuses<I>(
        &self,
        learner: &Learner,
        access: &CatalogAccess,
        roadmap_id: RoadmapId,
        changes: I,
    ) -> Result<Option<RoadmapWrite>, AppError>
    where
        I: ExactSizeIterator<Item = Result<StatusInput, AppError>>,
    {
        let Some(roadmap) = roadmap(self.db, access, roadmap_id).await? else {
            return Ok(None);
        };
        if changes.len() > MAX_BATCH {
            return Err(AppError::bad_input(
                Input::StatusChanges,
                format!(
                    "at most {MAX_BATCH} changes per call ({} given)",
                    changes.len()
                ),
            ));
        }
        let now = Utc::now();
        let mut keys = Vec::with_capacity(changes.len());
        let mut statuses = Vec::with_capacity(changes.len());
        let mut seen = std::collections::HashSet::new();
        for (i, change) in changes.enumerate() {
            let StatusInput {
                topic_key: key,
                status,
                at,
            } = change?;
            if !seen.insert(key.clone()) {
                let field = topic_field(i);
                return Err(AppError::bad_input(
                    &field,
                    Words::named(&field).then(format!(": topic `{key}` appears twice")),
                ));
            }
            let at = check_at(
                at,
                now,
                Field::item(Input::StatusChanges, i).part(Input::At),
            )?;
            keys.push(key);
            statuses.push((status, at));
        }
        let found = live_topics(self.db, Some(roadmap.id), &keys).await?;
        let mut wanted = Vec::with_capacity(keys.len());
        for (i, (key, (status, at))) in keys.iter().zip(statuses).enumerate() {
            let Some(topic) = found.get(key) else {
                let field = topic_field(i);
                return Err(AppError::bad_input(
                    &field,
                    Words::named(&field).then(format!(
                        ": topic `{key}` is not a topic of roadmap `{}`",
                        roadmap.slug
                    )),
                ));
            };
            wanted.push(Wanted { topic, status, at });
        }
        let out =
            status_writes::set_statuses(self.db, learner.user_id(), &roadmap, &wanted).await?;
        self.announce_write(learner, access, ProgressChangeKind::Status, &out)
            .await;
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
        roadmap_id: RoadmapId,
    ) -> Result<Option<RoadmapWrite>, AppError> {
        let Some(roadmap) = roadmap(self.db, access, roadmap_id).await? else {
            return Ok(None);
        };
        let out = status_writes::reset_roadmap(self.db, learner.user_id(), &roadmap).await?;
        self.announce_write(learner, access, ProgressChangeKind::Reset, &out)
            .await;
        Ok(Some(RoadmapWrite {
            roadmap,
            topic_keys: Vec::new(),
            outcome: out,
        }))
    }

    /// Sets or clears (null, empty or blank) the learner's note on a topic; `None` when there is
    /// no such topic for the caller. The note is checked first, as input field `note`, then `at`
    /// (as for [`Self::set_status`]); a change older than the stored note is skipped.
    pub async fn set_note(
        &self,
        learner: &Learner,
        access: &CatalogAccess,
        topic_key: &TopicKey,
        note: Option<String>,
        at: Option<DateTime<Utc>>,
    ) -> Result<Option<NoteWrite>, AppError> {
        let note = check_note(note, Input::Note)?;
        let at = check_at(at, Utc::now(), Input::At)?;
        let Some((topic, roadmap)) = live_topic(self.db, access, topic_key).await? else {
            return Ok(None);
        };
        let merged =
            notes::merge_note(self.db, learner.user_id(), &topic, note.as_deref(), at).await?;
        let changed = match merged {
            NoteMerge::Written { changed } => changed,
            NoteMerge::Skipped { stored, skipped } => {
                // Nothing written: nothing to announce.
                return Ok(Some(NoteWrite {
                    roadmap_id: roadmap.id,
                    note: Some(stored),
                    changed: false,
                    skipped: Some(skipped),
                }));
            }
        };
        if changed {
            self.announce(Notice::note(
                learner.user_id(),
                roadmap.id,
                topic.id,
                note.clone(),
                Utc::now(),
            ));
        }
        Ok(Some(NoteWrite {
            roadmap_id: roadmap.id,
            note,
            changed,
            skipped: None,
        }))
    }

    /// Adds a roadmap to the learner's favourites, or removes it; `None` when there is no such
    /// roadmap for the caller.
    pub async fn set_favorite(
        &self,
        learner: &Learner,
        access: &CatalogAccess,
        roadmap_id: RoadmapId,
        favorite: bool,
    ) -> Result<Option<FavoriteWrite>, AppError> {
        let Some(roadmap) = roadmap(self.db, access, roadmap_id).await? else {
            return Ok(None);
        };
        let (changed, counts) =
            favorites::set_favorite(self.db, learner.user_id(), roadmap.id, favorite).await?;
        if changed {
            self.announce(Notice::favorite(
                learner.user_id(),
                roadmap.id,
                counts,
                Utc::now(),
            ));
        }
        Ok(Some(FavoriteWrite {
            roadmap,
            changed,
            counts,
        }))
    }

    /// Records the learner's review of a topic rated `rating` and reschedules it (see
    /// [`review`]); `None` when there is no such topic for the caller. `at` as for
    /// [`Self::set_status`] (default now). A topic not DONE fails as the topic's input.
    pub async fn review(
        &self,
        learner: &Learner,
        access: &CatalogAccess,
        topic_key: &TopicKey,
        rating: rs_fsrs::Rating,
        at: Option<DateTime<Utc>>,
    ) -> Result<Option<ReviewOutcome>, AppError> {
        let at = check_at(at, Utc::now(), Input::At)?.unwrap_or_else(|| micros(Utc::now()));
        let Some((topic, _)) = live_topic(self.db, access, topic_key).await? else {
            return Ok(None);
        };
        let out = review::review(self.db, learner.user_id(), &topic, rating, at).await?;
        if out.changed && self.bus.is_some() {
            // On every roadmap of the group the learner may see (the others stay unnamed). The
            // review has committed: a failed lookup only loses the notices.
            match readable(self.db, access, &out.roadmap_ids).await {
                Ok(shown) => {
                    for id in out.roadmap_ids.iter().filter(|id| shown.contains(id)) {
                        self.announce(Notice::review(
                            learner.user_id(),
                            *id,
                            topic.id.clone(),
                            Utc::now(),
                        ));
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %crate::error::chain(&e), "review not announced");
                }
            }
        }
        Ok(Some(out))
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
            self.announce(Notice::statuses(
                learner.user_id(),
                ProgressChangeKind::Import,
                w.roadmap_id,
                w.changes.clone(),
                w.counts,
                w.at,
            ));
        }
        for w in &out.writes {
            self.announce_linked(learner, access, ProgressChangeKind::Import, &w.linked, w.at)
                .await;
        }
        Ok(out)
    }

    /// The learner's whole progress as a `roadmap-api/progress@1` document, on the roadmaps
    /// `access` may track.
    pub async fn export(
        &self,
        learner: &Learner,
        access: &CatalogAccess,
    ) -> Result<Value, AppError> {
        let (rows, favorites) =
            export_rows::export_rows(self.db, learner.user_id(), access).await?;
        let mut doc = export::build(&rows, &favorites, Utc::now())?;
        export::add_reviews(
            &mut doc,
            &review::log_by_topic(self.db, learner.user_id()).await?,
        );
        Ok(doc)
    }
}

/// The input field of the `i`th change of `setTopicStatuses`.
fn topic_field(i: usize) -> Field {
    Field::item(Input::StatusChanges, i).part(Input::Topic)
}
