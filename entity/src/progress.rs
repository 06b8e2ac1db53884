use sea_orm::entity::prelude::*;

use crate::ids::{RoadmapId, TopicKey, UserId};

use crate::enums::ProgressStatus;

/// One learner's status on one topic (no row = PENDING).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "progress")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: UserId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub topic_id: TopicKey,
    pub roadmap_id: RoadmapId,
    pub status: ProgressStatus,
    /// Server time of the last write of the row.
    pub updated_at: DateTimeUtc,
    /// When the learner made the stored change, by their device's clock (offline merge: an older
    /// change is not applied). Null only on rows written before it existed: read
    /// `COALESCE(changed_at, updated_at)`.
    pub changed_at: Option<DateTimeUtc>,
    /// Set when the roadmap was deleted with `force`: the row is kept but counts nowhere.
    pub archived_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::topics::Entity",
        from = "Column::TopicId",
        to = "super::topics::Column::Id"
    )]
    Topic,
    #[sea_orm(
        belongs_to = "super::roadmaps::Entity",
        from = "Column::RoadmapId",
        to = "super::roadmaps::Column::Id"
    )]
    Roadmap,
}

impl Related<super::topics::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Topic.def()
    }
}

impl Related<super::roadmaps::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Roadmap.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
