use sea_orm::entity::prelude::*;

/// Membership of a topic in a link group: topics that teach one subject on several roadmaps.
/// A learner's status on any topic of a group is their status on all of them.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "topic_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub topic_id: String,
    /// Opaque id shared by the group's topics.
    pub group_id: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
