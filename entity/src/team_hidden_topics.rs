use sea_orm::entity::prelude::*;

use crate::ids::{RoadmapId, TeamId, TopicKey};

/// A topic a team leaves out of its views of a roadmap (members' own counts keep it).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "team_hidden_topics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: TeamId,
    /// The topic's roadmap, kept here so a team's hidden topics of one roadmap read by index.
    pub roadmap_id: RoadmapId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub topic_id: TopicKey,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
