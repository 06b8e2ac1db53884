//! Who may do what in a team. A [`Membership`] is read once per operation (after locking the
//! team row, for writes) and then answers every "may they" question, so the team rules live here
//! and nowhere else. Admins have no say in teams they do not belong to: for them, as for any
//! outsider, the team does not exist.
use std::sync::Arc;

use entity::enums::TeamRole;
use entity::ids::{TeamId, UserId};
use entity::team_members;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::Learner;
use crate::db::lock::lock_rows;
use crate::error::{AppError, Input};

/// The roles that edit the roadmaps a team owns.
pub(super) const EDITING_ROLES: [TeamRole; 2] = [TeamRole::Owner, TeamRole::Manager];

/// Every team a signed-in user belongs to, with their role: read once when the request is
/// authenticated (with the user's row, `accounts::authenticate`), so the in-memory catalogue checks know which team roadmaps the user reads and
/// edits. Writes do not trust it: their SQL asks `team_members` inside the transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TeamSeats(Arc<[(TeamId, TeamRole)]>);

impl TeamSeats {
    /// The user's teams (one statement on the `team_members` user index), for a viewer built
    /// outside a request (the read-rule test); requests read them with the user's row.
    pub async fn load(conn: &impl ConnectionTrait, user_id: UserId) -> Result<Self, AppError> {
        let rows: Vec<(TeamId, TeamRole)> = team_members::Entity::find()
            .select_only()
            .column(team_members::Column::TeamId)
            .column(team_members::Column::Role)
            .filter(team_members::Column::UserId.eq(user_id))
            .into_tuple()
            .all(conn)
            .await?;
        Ok(Self::from_pairs(rows))
    }

    /// Seats as (team id, role) pairs.
    pub fn from_pairs(pairs: Vec<(TeamId, TeamRole)>) -> Self {
        Self(pairs.into())
    }

    fn role_in(&self, team_id: TeamId) -> Option<TeamRole> {
        self.0.iter().find(|(t, _)| *t == team_id).map(|(_, r)| *r)
    }

    /// Whether the user belongs to the team.
    /// How many teams.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn member_of(&self, team_id: TeamId) -> bool {
        self.role_in(team_id).is_some()
    }

    /// Whether the user edits the team's roadmaps (owners and managers).
    pub fn edits(&self, team_id: TeamId) -> bool {
        self.role_in(team_id)
            .is_some_and(|r| EDITING_ROLES.contains(&r))
    }
}

/// A signed-in user's membership of one team, with their role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Membership {
    team_id: TeamId,
    user_id: UserId,
    role: TeamRole,
}

impl Membership {
    /// The learner's membership of the team; `None` when they are not a member (or there is no
    /// such team). One statement; for reads.
    pub async fn of(
        conn: &impl ConnectionTrait,
        learner: Learner,
        team_id: TeamId,
    ) -> Result<Option<Self>, AppError> {
        let row = team_members::Entity::find_by_id((team_id, learner.user_id()))
            .one(conn)
            .await?;
        Ok(row.map(|m| Self::from_row(&m)))
    }

    /// Locks the team's row for the rest of the transaction, then reads the learner's membership.
    /// Every write to a team's members, roles or invites starts here, so two owners demoting or
    /// leaving at once run one after the other and the second sees what the first did (on
    /// PostgreSQL a row lock; on SQLite the write takes the database's write lock at once).
    pub async fn lock(
        txn: &impl ConnectionTrait,
        learner: Learner,
        team_id: TeamId,
    ) -> Result<Option<Self>, AppError> {
        lock_team(txn, team_id).await?;
        Self::of(txn, learner, team_id).await
    }

    /// The founder of a team being created: its first owner.
    pub fn founder(learner: Learner, team_id: TeamId) -> Self {
        Self {
            team_id,
            user_id: learner.user_id(),
            role: TeamRole::Owner,
        }
    }

    /// A membership as stored (for listing the viewer's own teams).
    pub fn from_row(row: &team_members::Model) -> Self {
        Self {
            team_id: row.team_id,
            user_id: row.user_id,
            role: row.role,
        }
    }

    pub fn team_id(&self) -> TeamId {
        self.team_id
    }

    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    pub fn role(&self) -> TeamRole {
        self.role
    }

    pub fn is_owner(&self) -> bool {
        self.role == TeamRole::Owner
    }

    /// Renaming or deleting the team, changing roles, transferring ownership: owners.
    pub fn may_manage_team(&self) -> bool {
        self.is_owner()
    }

    /// Owners invite with any role; managers invite members only.
    pub fn may_invite(&self, role: TeamRole) -> bool {
        match self.role {
            TeamRole::Owner => true,
            TeamRole::Manager => role == TeamRole::Member,
            TeamRole::Member => false,
        }
    }

    /// Cancelling an invite follows the same rule as making it.
    pub fn may_cancel_invite(&self, role: TeamRole) -> bool {
        self.may_invite(role)
    }

    /// Owners remove anyone but themselves (they leave instead); managers remove members.
    pub fn may_remove(&self, user_id: UserId, role: TeamRole) -> bool {
        match self.role {
            TeamRole::Owner => user_id != self.user_id,
            TeamRole::Manager => role == TeamRole::Member,
            TeamRole::Member => false,
        }
    }

    /// Choosing the team's roadmaps and hidden topics, making roadmaps for it: owners and
    /// managers.
    pub fn may_curate_roadmaps(&self) -> bool {
        EDITING_ROLES.contains(&self.role)
    }

    /// The pending invites of a team: owners and managers.
    pub fn sees_invites(&self) -> bool {
        matches!(self.role, TeamRole::Owner | TeamRole::Manager)
    }
}

/// What every refusal on a team the caller does not belong to answers: the team does not exist
/// for them (never FORBIDDEN, which would say it does).
pub fn no_such_team() -> AppError {
    AppError::not_found_in(Input::Team, "No such team")
}

/// Locks a team's row for the rest of the transaction (see [`Membership::lock`]); false when
/// there is no such team.
pub async fn lock_team(txn: &impl ConnectionTrait, team_id: TeamId) -> Result<bool, AppError> {
    let locked = lock_rows::<entity::teams::Entity>(
        txn,
        entity::teams::Column::UpdatedAt,
        entity::teams::Column::Id.eq(team_id),
    )
    .await?;
    Ok(locked > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(role: TeamRole) -> Membership {
        Membership {
            team_id: TeamId(1),
            user_id: UserId(7),
            role,
        }
    }

    #[test]
    fn owners_run_the_team_and_managers_handle_members() {
        let (owner, manager, member) = (
            m(TeamRole::Owner),
            m(TeamRole::Manager),
            m(TeamRole::Member),
        );
        assert!(owner.may_manage_team());
        assert!(!manager.may_manage_team() && !member.may_manage_team());
        for role in [TeamRole::Owner, TeamRole::Manager, TeamRole::Member] {
            assert!(owner.may_invite(role));
            assert_eq!(manager.may_invite(role), role == TeamRole::Member);
            assert!(!member.may_invite(role));
        }
        assert!(
            !owner.may_remove(UserId(7), TeamRole::Owner),
            "owners leave instead"
        );
        assert!(owner.may_remove(UserId(8), TeamRole::Owner));
        assert!(manager.may_remove(UserId(8), TeamRole::Member));
        assert!(!manager.may_remove(UserId(8), TeamRole::Manager));
        assert!(!member.may_remove(UserId(8), TeamRole::Member));
        assert!(owner.sees_invites() && manager.sees_invites() && !member.sees_invites());
    }
}
