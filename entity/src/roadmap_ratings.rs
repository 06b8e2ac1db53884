use sea_orm::entity::prelude::*;

use crate::ids::{RoadmapId, UserId};

/// One learner's rating of a community roadmap (rating again replaces it).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roadmap_ratings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub roadmap_id: RoadmapId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: UserId,
    /// 1 to 5.
    pub rating: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub feedback: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
