use sea_orm::entity::prelude::*;

use crate::ids::{RoadmapId, TopicKey, UserId};

/// One learner's spaced-repetition schedule of one topic (an FSRS card); the same card on every
/// topic of a link group. Recomputable from `review_log`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "review_cards")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: UserId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub topic_id: TopicKey,
    pub roadmap_id: RoadmapId,
    pub due: DateTimeUtc,
    pub stability: f64,
    pub difficulty: f64,
    pub elapsed_days: i64,
    pub scheduled_days: i64,
    pub reps: i32,
    pub lapses: i32,
    /// 0 new, 1 learning, 2 review, 3 relearning.
    pub state: i16,
    pub last_reviewed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
