use sea_orm::entity::prelude::*;

use crate::enums::TeamRole;

/// A pending invitation to a team, by email (normalised lower-case; one per team and email).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "team_invites")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub team_id: i32,
    pub email: String,
    /// The role the invitee gets on accepting.
    pub role: TeamRole,
    /// Who invited; null once their account is gone.
    pub invited_by: Option<i32>,
    pub created_at: DateTimeUtc,
    /// Seven days after it was made (or last renewed); an expired invite cannot be accepted.
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
