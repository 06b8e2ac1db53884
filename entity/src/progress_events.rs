use sea_orm::entity::prelude::*;

use crate::ids::{ProgressEventId, RoadmapId, TopicKey, UserId};

use crate::enums::ProgressStatus;

/// Append-only history of status changes (`PENDING` stands for "no row").
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "progress_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: ProgressEventId,
    pub user_id: UserId,
    pub roadmap_id: RoadmapId,
    pub topic_id: TopicKey,
    pub from_status: ProgressStatus,
    pub to_status: ProgressStatus,
    pub created_at: DateTimeUtc,
    /// Titles when the event was written (the history falls back to them if a row is gone).
    pub topic_title: Option<String>,
    pub roadmap_title: Option<String>,
    /// Why the status changed: `None` for the learner's own change, `LINKED` when a topic's
    /// editor pointed it at another topic (`setTopicSameAs`) and it took that topic's status.
    pub cause: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
