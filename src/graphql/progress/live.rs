//! What `myProgressChanged` pushes: `ProgressChange` and its parts.
use std::sync::Arc;

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use entity::ids::RoadmapId;

use super::*;
use crate::graphql::catalog::roadmap::{self as roadmaps, Roadmap};
use crate::graphql::catalog::topic::Topic;
use crate::graphql::enums::{ProgressChangeKind, ProgressStatus};
use crate::graphql::error::ApiResult;
use crate::graphql::ids::GlobalId;
use crate::progress::bus::{NoteNotice, Notice};
use crate::progress::StatusChange;

/// A change to your progress, pushed by `myProgressChanged`.
pub struct ProgressChange(pub(super) Arc<Notice>);

/// A change to your progress, pushed by `myProgressChanged`.
#[Object]
impl ProgressChange {
    /// What changed.
    async fn kind(&self) -> ProgressChangeKind {
        self.0.kind.into()
    }
    /// The roadmap concerned (null for `RESYNC`).
    async fn roadmap_id(&self) -> Option<ID> {
        self.0.roadmap_id.map(|id| GlobalId::Roadmap(id).encode())
    }
    /// The roadmap concerned; null for `RESYNC` or when you can no longer see it.
    async fn roadmap(&self, ctx: &Context<'_>) -> ApiResult<Option<Roadmap>> {
        match self.0.roadmap_id {
            Some(id) => roadmaps::trackable_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
    /// The statuses that changed (empty for notes and favourites).
    async fn changes(&self) -> Vec<TopicStatusChange> {
        let roadmap_id = self.0.roadmap_id.unwrap_or(RoadmapId(0));
        self.0
            .changes
            .iter()
            .map(|c| TopicStatusChange {
                roadmap_id,
                change: c.clone(),
            })
            .collect()
    }
    /// For `NOTE`: the topic and its note now.
    async fn note(&self) -> Option<NoteChange> {
        self.0.note.clone().map(|n| NoteChange {
            roadmap_id: self.0.roadmap_id.unwrap_or(RoadmapId(0)),
            notice: n,
        })
    }
    /// Your counts on the roadmap after the change; null for `RESYNC`.
    async fn progress(&self) -> Option<RoadmapProgress> {
        match (self.0.roadmap_id, self.0.counts) {
            (Some(roadmap_id), Some(counts)) => Some(RoadmapProgress { roadmap_id, counts }),
            _ => None,
        }
    }
    /// For `REVIEW`: the topic you reviewed (on this roadmap, or linked to one of its topics);
    /// the schedule of its link group changed.
    async fn reviewed_topic_id(&self) -> Option<ID> {
        self.0
            .reviewed
            .clone()
            .map(|key| GlobalId::Topic(key).encode())
    }
    /// When the change was committed.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

pub struct TopicStatusChange {
    roadmap_id: RoadmapId,
    change: StatusChange,
}

/// One topic's status change inside a `ProgressChange`.
#[Object]
impl TopicStatusChange {
    /// The topic's global id.
    async fn topic_id(&self) -> ID {
        GlobalId::Topic(self.change.topic_id.clone()).encode()
    }
    /// The topic's stable key.
    async fn key(&self) -> &str {
        self.change.topic_id.as_str()
    }
    /// Null when the topic is no longer part of the tree.
    async fn topic(&self, ctx: &Context<'_>) -> ApiResult<Option<Topic>> {
        topic_in(ctx, self.roadmap_id, &self.change.topic_id).await
    }
    /// The status before the change.
    async fn from(&self) -> ProgressStatus {
        self.change.from.into()
    }
    /// The status after the change.
    async fn to(&self) -> ProgressStatus {
        self.change.to.into()
    }
}

pub struct NoteChange {
    roadmap_id: RoadmapId,
    notice: NoteNotice,
}

/// A note change inside a `ProgressChange` of kind `NOTE`.
#[Object]
impl NoteChange {
    /// The topic's global id.
    async fn topic_id(&self) -> ID {
        GlobalId::Topic(self.notice.topic_id.clone()).encode()
    }
    /// The topic; null when it is no longer part of the tree.
    async fn topic(&self, ctx: &Context<'_>) -> ApiResult<Option<Topic>> {
        topic_in(ctx, self.roadmap_id, &self.notice.topic_id).await
    }
    /// Your note now; null when it was cleared.
    async fn note(&self) -> Option<&str> {
        self.notice.note.as_deref()
    }
}
