//! Inputs and payloads of the progress mutations.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TopicKey};

use super::objects::RoadmapProgress;
use super::*;
use crate::graphql::catalog::roadmap::Roadmap;
use crate::graphql::catalog::topic::Topic;
use crate::graphql::device_time::DeviceTime;
use crate::graphql::enums::{ProgressStatus, SkipReason};
use crate::graphql::error::ApiResult;
use crate::graphql::ids::GlobalId;
use crate::progress::Skipped;

/// A change that was not applied because what is stored was set by a change made later (offline
/// merge: the newest change wins, by the changes' `at`). Nothing was written for it, nothing was
/// added to your history, and no `myProgressChanged` notification was sent.
#[derive(SimpleObject, Clone)]
pub struct SkippedChange {
    /// The topic's global id (`Topic.id`).
    pub topic_id: ID,
    /// When the change was made: its `at`, or the server's time when it had none.
    pub at: DateTime<Utc>,
    /// When the stored change that won was made (the `at` of that change).
    pub stored_at: DateTime<Utc>,
    /// Why the change was not applied.
    pub reason: SkipReason,
}

impl From<&Skipped> for SkippedChange {
    fn from(s: &Skipped) -> Self {
        Self {
            topic_id: GlobalId::Topic(s.topic_id.clone()).encode(),
            at: s.at,
            stored_at: s.stored_at,
            reason: s.reason.into(),
        }
    }
}

pub struct SetTopicStatusPayload {
    pub(super) roadmap_id: RoadmapId,
    pub(super) topic_key: TopicKey,
    pub(super) status: ProgressStatus,
    pub(super) changed: bool,
    pub(super) skipped: Vec<SkippedChange>,
    pub(super) progress: RoadmapProgress,
}

/// The result of `setTopicStatus`.
#[Object]
impl SetTopicStatusPayload {
    /// The topic; its `myStatus` is the new status.
    async fn topic(&self, ctx: &Context<'_>) -> ApiResult<Topic> {
        // Resolved only when asked for: it needs the roadmap's tree, which a client that only
        // wants `changed` should not pay for on every click.
        topic_in(ctx, self.roadmap_id, &self.topic_key)
            .await?
            .ok_or_else(|| not_found_topic(&GlobalId::Topic(self.topic_key.clone()).encode()))
    }
    /// Your status on the topic now (the stored one when your change was skipped).
    async fn status(&self) -> ProgressStatus {
        self.status
    }
    /// False when nothing was written: the topic already had this status, or your change was
    /// older than the stored one (then it is in `skipped`).
    async fn changed(&self) -> bool {
        self.changed
    }
    /// Your change, when it was not applied because the stored status was set by a change made
    /// later (by its `at`); empty otherwise.
    async fn skipped(&self) -> Vec<SkippedChange> {
        self.skipped.clone()
    }
    /// Your counts on the topic's roadmap after the change.
    async fn progress(&self) -> RoadmapProgress {
        self.progress.clone()
    }
}

/// One change of `setTopicStatuses`.
#[derive(InputObject)]
pub struct TopicStatusInput {
    /// The topic's global id; it must belong to the call's roadmap.
    pub topic_id: ID,
    /// Your new status on it (`PENDING` clears it).
    pub status: ProgressStatus,
    /// When you made the change, by your device's clock (RFC 3339); default now. A change older
    /// than the stored status's is not applied and is listed in `skipped`; more than 5 minutes
    /// ahead of the server's clock fails with `BAD_USER_INPUT` (field `changes[i].at`).
    pub at: Option<DeviceTime>,
}

/// The result of `setTopicStatuses`.
#[derive(SimpleObject)]
pub struct SetTopicStatusesPayload {
    /// The roadmap the statuses were set on.
    pub roadmap: Roadmap,
    /// The topics named in the call, in order, with their `myStatus` now.
    pub topics: Vec<Topic>,
    /// How many statuses actually changed.
    pub changed_count: i32,
    /// The changes not applied because the stored status was set by a change made later (by
    /// their `at`), in input order; the others were applied.
    pub skipped: Vec<SkippedChange>,
    /// Your counts on the roadmap after the change.
    pub progress: RoadmapProgress,
}

/// The result of `resetRoadmapProgress`.
#[derive(SimpleObject)]
pub struct ResetRoadmapProgressPayload {
    /// The roadmap that was reset.
    pub roadmap: Roadmap,
    /// How many statuses were cleared.
    pub cleared_count: i32,
    /// Your counts on the roadmap now (all pending).
    pub progress: RoadmapProgress,
}

/// The result of `setTopicNote`.
#[derive(SimpleObject)]
pub struct SetTopicNotePayload {
    /// The topic; its `myNote` is the new note.
    pub topic: Topic,
    /// The note now stored; null when there is none. When your change was skipped, the stored
    /// note that won.
    pub note: Option<String>,
    /// Your change, when it was not applied because the stored note was written later (by its
    /// `at`); empty otherwise.
    pub skipped: Vec<SkippedChange>,
}

/// The result of `favoriteRoadmap` and `unfavoriteRoadmap`.
#[derive(SimpleObject)]
pub struct FavoriteRoadmapPayload {
    /// The roadmap.
    pub roadmap: Roadmap,
    /// Whether the roadmap is among your favourites now.
    pub favorite: bool,
    /// False when it already was (or was not) a favourite.
    pub changed: bool,
    /// Your counts on the roadmap, with `favorite` updated.
    pub progress: RoadmapProgress,
}

/// The result of `importMyProgress`.
#[derive(SimpleObject)]
pub struct ImportMyProgressPayload {
    /// Roadmaps named by the document.
    pub roadmap_count: i32,
    /// How many of your topic statuses the import changed.
    pub statuses_changed: i32,
    /// How many of your notes the import set or cleared.
    pub notes_changed: i32,
    /// How many roadmaps the import added to your favourites.
    pub favorites_added: i32,

    /// Your counts on each roadmap of the document, after the import.
    pub progress: Vec<RoadmapProgress>,
}
