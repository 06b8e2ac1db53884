//! Changing who is in a team and with which role: roles, removals, leaving, handing the team
//! over. Each is one transaction that locks the team's row first, so "a team always has an
//! owner" holds however many owners act at once.
use entity::ids::{TeamId, UserId};
use entity::team_members;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait,
};

use super::service::{find_team, member, owner, TeamView};
use super::TeamRole;
use crate::accounts::revocations::Revocations;
use crate::auth::{Learner, Membership};
use crate::error::{AppError, Input, Operation, Words};

/// Gives a member another role: owners. Demoting the last owner (themselves included) is refused
/// with `CONFLICT` (field `role`): transfer the team or promote someone first.
pub async fn update_member_role(
    db: &DatabaseConnection,
    seats: &Revocations,
    learner: Learner,
    team_id: TeamId,
    user_id: UserId,
    role: TeamRole,
) -> Result<TeamView, AppError> {
    let txn = db.begin().await?;
    let mut me = owner(&txn, learner, team_id).await?;
    let target = target(&txn, team_id, user_id).await?;
    if target.role == TeamRole::Owner
        && role != TeamRole::Owner
        && owners(&txn, team_id).await? <= 1
    {
        return Err(AppError::conflict(
            Input::Role,
            "This is the team's last owner; make someone else an owner first",
        ));
    }
    set_role(&txn, team_id, user_id, role).await?;
    if user_id == learner.user_id() {
        me = reread(&txn, learner, team_id).await?;
    }
    let team = find_team(&txn, team_id).await?;
    txn.commit().await?;
    seats.changed(user_id);
    Ok(TeamView {
        team,
        membership: me,
    })
}

/// Removes someone from the team: owners remove anyone but themselves (they use
/// [`leave_team`]), managers remove members. Refused with `FORBIDDEN` otherwise.
pub async fn remove_member(
    db: &DatabaseConnection,
    seats: &Revocations,
    learner: Learner,
    team_id: TeamId,
    user_id: UserId,
) -> Result<TeamView, AppError> {
    let txn = db.begin().await?;
    let me = member(&txn, learner, team_id).await?;
    if user_id == learner.user_id() {
        return Err(AppError::bad_input(
            Input::User,
            Words::from("To leave the team yourself, use ").then_operation(Operation::LeaveTeam),
        ));
    }
    let target = target(&txn, team_id, user_id).await?;
    if !me.may_remove(user_id, target.role) {
        return Err(AppError::Forbidden(
            "Owners remove anyone; managers remove members only".to_owned(),
        ));
    }
    team_members::Entity::delete_by_id((team_id, user_id))
        .exec(&txn)
        .await?;
    let team = find_team(&txn, team_id).await?;
    txn.commit().await?;
    seats.changed(user_id);
    Ok(TeamView {
        team,
        membership: me,
    })
}

/// Leaves a team. The last owner cannot (`CONFLICT`, field `teamId`): they transfer the team,
/// make someone else an owner, or delete it.
pub async fn leave_team(
    db: &DatabaseConnection,
    seats: &Revocations,
    learner: Learner,
    team_id: TeamId,
) -> Result<(), AppError> {
    let txn = db.begin().await?;
    let me = member(&txn, learner, team_id).await?;
    if me.is_owner() && owners(&txn, team_id).await? <= 1 {
        return Err(AppError::conflict(
            Input::Team,
            "You are the team's last owner; transfer it or delete it instead",
        ));
    }
    team_members::Entity::delete_by_id((team_id, learner.user_id()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    seats.changed(learner.user_id());
    Ok(())
}

/// Hands the team over: the member `user_id` becomes an owner and the caller (an owner) a
/// manager.
pub async fn transfer_ownership(
    db: &DatabaseConnection,
    seats: &Revocations,
    learner: Learner,
    team_id: TeamId,
    user_id: UserId,
) -> Result<TeamView, AppError> {
    let txn = db.begin().await?;
    owner(&txn, learner, team_id).await?;
    if user_id == learner.user_id() {
        return Err(AppError::bad_input(
            Input::User,
            "You already own this team",
        ));
    }
    target(&txn, team_id, user_id).await?;
    set_role(&txn, team_id, user_id, TeamRole::Owner).await?;
    set_role(&txn, team_id, learner.user_id(), TeamRole::Manager).await?;
    let me = reread(&txn, learner, team_id).await?;
    let team = find_team(&txn, team_id).await?;
    txn.commit().await?;
    seats.changed_many(&[user_id, learner.user_id()]);
    Ok(TeamView {
        team,
        membership: me,
    })
}

/// The membership of `user_id`: `NOT_FOUND` (field `userId`) when they are not in the team.
async fn target(
    txn: &impl ConnectionTrait,
    team_id: TeamId,
    user_id: UserId,
) -> Result<team_members::Model, AppError> {
    team_members::Entity::find_by_id((team_id, user_id))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found_in(Input::User, "No such member of this team"))
}

async fn reread(
    txn: &impl ConnectionTrait,
    learner: Learner,
    team_id: TeamId,
) -> Result<Membership, AppError> {
    Membership::of(txn, learner, team_id)
        .await?
        .ok_or_else(super::no_such_team)
}

/// How many owners the team has (read under the team's lock).
pub(super) async fn owners(txn: &impl ConnectionTrait, team_id: TeamId) -> Result<u64, AppError> {
    Ok(team_members::Entity::find()
        .filter(team_members::Column::TeamId.eq(team_id))
        .filter(team_members::Column::Role.eq(TeamRole::Owner))
        .count(txn)
        .await?)
}

async fn set_role(
    txn: &impl ConnectionTrait,
    team_id: TeamId,
    user_id: UserId,
    role: TeamRole,
) -> Result<(), AppError> {
    team_members::Entity::update_many()
        .col_expr(team_members::Column::Role, Expr::value(role))
        .filter(team_members::Column::TeamId.eq(team_id))
        .filter(team_members::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    Ok(())
}
