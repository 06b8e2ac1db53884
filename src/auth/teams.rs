//! Who may do what in a team. A [`Membership`] is read once per operation (after locking the
//! team row, for writes) and then answers every "may they" question, so the team rules live here
//! and nowhere else. Admins have no say in teams they do not belong to: for them, as for any
//! outsider, the team does not exist.
use entity::enums::TeamRole;
use entity::team_members;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::Learner;
use crate::error::AppError;

/// A signed-in user's membership of one team, with their role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Membership {
    team_id: i32,
    user_id: i32,
    role: TeamRole,
}

impl Membership {
    /// The learner's membership of the team; `None` when they are not a member (or there is no
    /// such team). One statement; for reads.
    pub async fn of(
        conn: &impl ConnectionTrait,
        learner: Learner,
        team_id: i32,
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
        team_id: i32,
    ) -> Result<Option<Self>, AppError> {
        lock_team(txn, team_id).await?;
        Self::of(txn, learner, team_id).await
    }

    /// The founder of a team being created: its first owner.
    pub fn founder(learner: Learner, team_id: i32) -> Self {
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

    pub fn team_id(&self) -> i32 {
        self.team_id
    }

    pub fn user_id(&self) -> i32 {
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
    pub fn may_remove(&self, user_id: i32, role: TeamRole) -> bool {
        match self.role {
            TeamRole::Owner => user_id != self.user_id,
            TeamRole::Manager => role == TeamRole::Member,
            TeamRole::Member => false,
        }
    }

    /// The pending invites of a team: owners and managers.
    pub fn sees_invites(&self) -> bool {
        matches!(self.role, TeamRole::Owner | TeamRole::Manager)
    }
}

/// Locks a team's row for the rest of the transaction (see [`Membership::lock`]); false when
/// there is no such team.
async fn lock_team(txn: &impl ConnectionTrait, team_id: i32) -> Result<bool, AppError> {
    let done = entity::teams::Entity::update_many()
        .col_expr(
            entity::teams::Column::UpdatedAt,
            Expr::col(entity::teams::Column::UpdatedAt).into(),
        )
        .filter(entity::teams::Column::Id.eq(team_id))
        .exec(txn)
        .await?;
    Ok(done.rows_affected > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(role: TeamRole) -> Membership {
        Membership {
            team_id: 1,
            user_id: 7,
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
            !owner.may_remove(7, TeamRole::Owner),
            "owners leave instead"
        );
        assert!(owner.may_remove(8, TeamRole::Owner));
        assert!(manager.may_remove(8, TeamRole::Member));
        assert!(!manager.may_remove(8, TeamRole::Manager));
        assert!(!member.may_remove(8, TeamRole::Member));
        assert!(owner.sees_invites() && manager.sees_invites() && !member.sees_invites());
    }
}
