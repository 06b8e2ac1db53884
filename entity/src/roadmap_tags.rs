use sea_orm::entity::prelude::*;

use crate::ids::RoadmapId;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roadmap_tags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub roadmap_id: RoadmapId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub tag: String,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::roadmaps::Entity",
        from = "Column::RoadmapId",
        to = "super::roadmaps::Column::Id"
    )]
    Roadmap,
}

impl Related<super::roadmaps::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Roadmap.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
