use sea_orm::entity::prelude::*;

/// An UNLISTED roadmap a learner opened by its share link while signed in: they may record
/// progress on it until its token is regenerated.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roadmap_shares")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub roadmap_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
