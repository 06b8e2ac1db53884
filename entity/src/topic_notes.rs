use sea_orm::entity::prelude::*;

use crate::ids::{RoadmapId, TopicKey, UserId};

/// A learner's private markdown note on a topic.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "topic_notes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: UserId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub topic_id: TopicKey,
    pub roadmap_id: RoadmapId,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// Server time of the last write of the note.
    pub updated_at: DateTimeUtc,
    /// When the learner wrote the stored note, by their device's clock (offline merge: an older
    /// edit is not applied). Null only on rows written before it existed: read
    /// `COALESCE(changed_at, updated_at)`.
    pub changed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
