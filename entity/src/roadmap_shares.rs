use sea_orm::entity::prelude::*;

use crate::ids::{RoadmapId, UserId};

/// An UNLISTED roadmap a learner opened by its share link while signed in: they may record
/// progress on it until its token is regenerated.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roadmap_shares")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub roadmap_id: RoadmapId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: UserId,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
