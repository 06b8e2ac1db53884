use sea_orm::entity::prelude::*;

use crate::ids::{TopicKey, UserId};

/// One review as a learner made it (the source the cards are computed from).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: UserId,
    pub topic_id: TopicKey,
    /// 1 again, 2 hard, 3 good, 4 easy.
    pub rating: i16,
    /// When the learner reviewed, by their device's clock.
    pub at: DateTimeUtc,
    /// When the server received the review.
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
