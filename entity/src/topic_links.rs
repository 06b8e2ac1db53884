use sea_orm::entity::prelude::*;

use crate::ids::TopicKey;

/// A topic's claim to be "the same as" another: `topic_id` points at `group_id`, the key of the
/// group's root (canonical topic). A row whose `group_id` is its own `topic_id` marks a root and
/// exists while some topic points at it. Roots point nowhere, so there are no chains. A
/// learner's status on any topic of a group (the root and the topics pointing at it) is their
/// status on all of them.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "topic_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub topic_id: TopicKey,
    /// The key of the root topic this one is the same as (its own key for a root).
    pub group_id: TopicKey,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
