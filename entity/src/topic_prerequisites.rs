use sea_orm::entity::prelude::*;

use crate::ids::{RoadmapId, TopicKey};

/// A prerequisite: `topic_id` is best learned after `prerequisite_id` (a topic of any roadmap).
/// Set by the editors of `topic_id`'s roadmap; the edges never form a cycle.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "topic_prerequisites")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub topic_id: TopicKey,
    #[sea_orm(primary_key, auto_increment = false)]
    pub prerequisite_id: TopicKey,
    /// The roadmap of `topic_id` (a topic never changes roadmap).
    pub topic_roadmap_id: RoadmapId,
    /// The roadmap of `prerequisite_id`.
    pub prerequisite_roadmap_id: RoadmapId,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
