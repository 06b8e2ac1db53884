use sea_orm::entity::prelude::*;

use crate::ids::{RevisionId, RoadmapId, UserId};

/// One admin change to a roadmap (or a topic or resource in it): who, when, which mutation, and a
/// JSON diff (`{"before": …, "after": …}` of the fields that changed). Append-only.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roadmap_revisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: RevisionId,
    pub roadmap_id: RoadmapId,
    /// Null for changes made by the CLI or the seeding at start.
    pub user_id: Option<UserId>,
    /// The username at the time of the change, or `cli` / `seed`.
    pub actor: String,
    pub mutation: String,
    /// `ROADMAP`, `TOPIC` or `RESOURCE`.
    pub entity_type: String,
    pub entity_id: String,
    pub diff: Json,
    /// Bytes of `diff` as JSON text: what the retention rule counts.
    pub bytes: i64,
    pub created_at: DateTimeUtc,
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

impl ActiveModelBehavior for ActiveModel {}
