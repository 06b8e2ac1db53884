//! Inputs and payloads of the progress mutations.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::objects::RoadmapProgress;
use super::*;
use crate::graphql::catalog::roadmap::Roadmap;
use crate::graphql::catalog::topic::Topic;
use crate::graphql::enums::ProgressStatus;
use crate::graphql::error::ApiResult;
use crate::graphql::ids::GlobalId;

pub struct SetTopicStatusPayload {
    pub(super) roadmap_id: i32,
    pub(super) topic_key: String,
    pub(super) status: ProgressStatus,
    pub(super) changed: bool,
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
    /// Your status on the topic now.
    async fn status(&self) -> ProgressStatus {
        self.status
    }
    /// False when the topic already had this status (nothing was written).
    async fn changed(&self) -> bool {
        self.changed
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
}

/// The result of `setTopicStatuses`.
#[derive(SimpleObject)]
pub struct SetTopicStatusesPayload {
    /// The roadmap the statuses were set on.
    pub roadmap: Roadmap,
    /// The topics named in the call, in order, with their new `myStatus`.
    pub topics: Vec<Topic>,
    /// How many statuses actually changed.
    pub changed_count: i32,
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
    /// The note now stored; null when cleared.
    pub note: Option<String>,
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
