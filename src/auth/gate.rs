//! The columns of a roadmap that decide who may read it, as one value. Content (a tree's topics,
//! its resources) is read together with its roadmap's gate in one statement, and the read rule is
//! applied to that gate again before the content is shown: a request that checked the roadmap
//! just before its owner made it private and renamed its topics cannot show those new titles
//! (the check and the content would otherwise come from two moments).
use chrono::{DateTime, Utc};
use entity::enums::{RoadmapStatus, Visibility};
use entity::ids::{TeamId, UserId};
use entity::roadmaps;
use sea_orm::FromQueryResult;

/// Who may read a roadmap, as its row said when the content beside it was read.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct RoadmapGate {
    #[sea_orm(from_alias = "gate_owner_id")]
    pub owner_id: Option<UserId>,
    #[sea_orm(from_alias = "gate_team_id")]
    pub team_id: Option<TeamId>,
    #[sea_orm(from_alias = "gate_status")]
    pub status: RoadmapStatus,
    #[sea_orm(from_alias = "gate_visibility")]
    pub visibility: Visibility,
    #[sea_orm(from_alias = "gate_deleted_at")]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl RoadmapGate {
    /// The column aliases a statement selects the gate under (`from_alias` above).
    pub const COLUMNS: [(roadmaps::Column, &'static str); 5] = [
        (roadmaps::Column::OwnerId, "gate_owner_id"),
        (roadmaps::Column::TeamId, "gate_team_id"),
        (roadmaps::Column::Status, "gate_status"),
        (roadmaps::Column::Visibility, "gate_visibility"),
        (roadmaps::Column::DeletedAt, "gate_deleted_at"),
    ];

    pub fn of(roadmap: &roadmaps::Model) -> Self {
        Self {
            owner_id: roadmap.owner_id,
            team_id: roadmap.team_id,
            status: roadmap.status,
            visibility: roadmap.visibility,
            deleted_at: roadmap.deleted_at,
        }
    }
}
