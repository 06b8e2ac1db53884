use sea_orm::entity::prelude::*;

use crate::ids::{TeamId, TeamInviteId, UserId};

use crate::enums::TeamRole;

/// A pending invitation to a team, by email (normalised lower-case; one per team and email).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "team_invites")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: TeamInviteId,
    pub team_id: TeamId,
    pub email: String,
    /// The role the invitee gets on accepting.
    pub role: TeamRole,
    /// Who invited; null once their account is gone.
    pub invited_by: Option<UserId>,
    pub created_at: DateTimeUtc,
    /// Seven days after it was made (or last renewed); an expired invite cannot be accepted.
    pub expires_at: DateTimeUtc,
    /// SHA-256 of the token mailed with the invite (null for invites made before tokens).
    pub token_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
