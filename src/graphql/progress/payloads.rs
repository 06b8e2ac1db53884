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

#[derive(InputObject)]
pub struct TopicStatusInput {
    pub topic_id: ID,
    pub status: ProgressStatus,
}

#[derive(SimpleObject)]
pub struct SetTopicStatusesPayload {
    pub roadmap: Roadmap,
    /// The topics named in the call, in order, with their new `myStatus`.
    pub topics: Vec<Topic>,
    /// How many statuses actually changed.
    pub changed_count: i32,
    pub progress: RoadmapProgress,
}

#[derive(SimpleObject)]
pub struct ResetRoadmapProgressPayload {
    pub roadmap: Roadmap,
    /// How many statuses were cleared.
    pub cleared_count: i32,
    pub progress: RoadmapProgress,
}

#[derive(SimpleObject)]
pub struct SetTopicNotePayload {
    pub topic: Topic,
    /// The note now stored; null when cleared.
    pub note: Option<String>,
}

#[derive(SimpleObject)]
pub struct FavoriteRoadmapPayload {
    pub roadmap: Roadmap,
    pub favorite: bool,
    /// False when it already was (or was not) a favourite.
    pub changed: bool,
    pub progress: RoadmapProgress,
}

#[derive(SimpleObject)]
pub struct ImportMyProgressPayload {
    /// Roadmaps named by the document.
    pub roadmap_count: i32,
    pub statuses_changed: i32,
    pub notes_changed: i32,
    pub favorites_added: i32,
    /// Your counts on each roadmap of the document, after the import.
    pub progress: Vec<RoadmapProgress>,
}
