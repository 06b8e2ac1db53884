use sea_orm::entity::prelude::*;

use crate::ids::{RoadmapId, TopicKey};

use crate::enums::{LegendMark, TopicKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "topics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: TopicKey,
    pub roadmap_id: RoadmapId,
    pub parent_id: Option<TopicKey>,
    pub kind: TopicKind,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub position: i32,
    pub legend: Option<LegendMark>,
    pub version: i32,
    pub deleted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The topic this one was copied from by a fork.
    pub forked_from_id: Option<TopicKey>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::roadmaps::Entity",
        from = "Column::RoadmapId",
        to = "super::roadmaps::Column::Id"
    )]
    Roadmap,
    #[sea_orm(belongs_to = "Entity", from = "Column::ParentId", to = "Column::Id")]
    Parent,
    #[sea_orm(has_many = "super::resources::Entity")]
    Resources,
}

impl Related<super::roadmaps::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Roadmap.def()
    }
}

impl Related<super::resources::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Resources.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
