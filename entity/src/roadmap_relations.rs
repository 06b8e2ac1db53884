use sea_orm::entity::prelude::*;

use crate::ids::RoadmapId;

/// Ordered many-to-many "related roadmaps" edge.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roadmap_relations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub roadmap_id: RoadmapId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub related_id: RoadmapId,
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
    #[sea_orm(
        belongs_to = "super::roadmaps::Entity",
        from = "Column::RelatedId",
        to = "super::roadmaps::Column::Id"
    )]
    Related,
}

impl ActiveModelBehavior for ActiveModel {}

/// From an edge, "related" means the roadmap it points to (not the one it belongs to).
impl Related<super::roadmaps::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Related.def()
    }
}
