//! Creating, renaming and deleting teams. Each is one transaction; every write to an existing
//! team locks its row first ([`Membership::lock`]).
use chrono::Utc;
use entity::ids::{TeamId, UserId};
use entity::{progress, roadmaps, team_members, teams};
use sea_orm::sea_query::{IntoCondition, Query};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};

use super::{check_name, no_such_team, TeamChanges, TeamInput, TeamRole};
use crate::accounts::revocations::Revocations;
use crate::auth::{Learner, Membership};
use crate::catalog::roadmap_editing::{archive_progress, soft_delete};
use crate::error::{AppError, Input};

/// A team and the caller's membership of it.
#[derive(Debug, Clone)]
pub struct TeamView {
    pub team: teams::Model,
    pub membership: Membership,
}

/// Creates a team; its creator is its first owner.
pub async fn create_team(
    db: &DatabaseConnection,
    seats: &Revocations,
    learner: Learner,
    input: TeamInput,
) -> Result<TeamView, AppError> {
    let name = check_name(Input::TeamName, &input.name)?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let team = teams::ActiveModel {
        name: Set(name),
        kind: Set(input.kind),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    team_members::ActiveModel {
        team_id: Set(team.id),
        user_id: Set(learner.user_id()),
        role: Set(TeamRole::Owner),
        joined_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    seats.changed(learner.user_id());
    Ok(TeamView {
        membership: Membership::founder(learner, team.id),
        team,
    })
}

/// Renames a team or changes its kind (only what is given changes): owners.
pub async fn update_team(
    db: &DatabaseConnection,
    learner: Learner,
    team_id: TeamId,
    changes: TeamChanges,
) -> Result<TeamView, AppError> {
    let name = changes
        .name
        .map(|n| check_name(Input::TeamName, &n))
        .transpose()?;
    let txn = db.begin().await?;
    let membership = owner(&txn, learner, team_id).await?;
    let team = find_team(&txn, team_id).await?;
    let mut active: teams::ActiveModel = team.into();
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(kind) = changes.kind {
        active.kind = Set(kind);
    }
    active.updated_at = Set(Utc::now());
    let team = active.update(&txn).await?;
    txn.commit().await?;
    Ok(TeamView { team, membership })
}

/// Deletes a team with its memberships, invites and lists (cascade): owners. The roadmaps the team
/// owned are deleted with it, their learners' progress archived (as `deleteRoadmap(force:
/// true)` does): nobody could edit them any more, and they must not become official.
pub async fn delete_team(
    db: &DatabaseConnection,
    seats: &Revocations,
    learner: Learner,
    team_id: TeamId,
) -> Result<(), AppError> {
    let txn = db.begin().await?;
    owner(&txn, learner, team_id).await?;
    let members: Vec<UserId> = team_members::Entity::find()
        .select_only()
        .column(team_members::Column::UserId)
        .filter(team_members::Column::TeamId.eq(team_id))
        .into_tuple()
        .all(&txn)
        .await?;
    retire_roadmaps(&txn, team_id).await?;
    teams::Entity::delete_by_id(team_id).exec(&txn).await?;
    txn.commit().await?;
    seats.changed_many(&members);
    Ok(())
}

/// Locks the team and returns the caller's membership: `NOT_FOUND` (field `teamId`) when they
/// are not a member.
pub(super) async fn member(
    txn: &impl sea_orm::ConnectionTrait,
    learner: Learner,
    team_id: TeamId,
) -> Result<Membership, AppError> {
    Membership::lock(txn, learner, team_id)
        .await?
        .ok_or_else(no_such_team)
}

/// As [`member`], and `FORBIDDEN` unless they own the team.
pub(super) async fn owner(
    txn: &impl sea_orm::ConnectionTrait,
    learner: Learner,
    team_id: TeamId,
) -> Result<Membership, AppError> {
    let m = member(txn, learner, team_id).await?;
    if !m.may_manage_team() {
        return Err(AppError::Forbidden(
            "Only the team's owners may do this".to_owned(),
        ));
    }
    Ok(m)
}

pub(super) async fn find_team(
    conn: &impl sea_orm::ConnectionTrait,
    team_id: TeamId,
) -> Result<teams::Model, AppError> {
    teams::Entity::find_by_id(team_id)
        .one(conn)
        .await?
        .ok_or_else(no_such_team)
}

/// Soft-deletes the team's live roadmaps and archives the progress on them.
async fn retire_roadmaps(
    txn: &impl sea_orm::ConnectionTrait,
    team_id: TeamId,
) -> Result<(), AppError> {
    let now = Utc::now();
    let owned = Query::select()
        .column(roadmaps::Column::Id)
        .from(roadmaps::Entity)
        .and_where(roadmaps::Column::TeamId.eq(team_id))
        .to_owned();
    archive_progress(txn, progress::Column::RoadmapId.in_subquery(owned), now).await?;
    let theirs = roadmaps::Column::TeamId.eq(team_id).into_condition();
    soft_delete(txn, theirs, now).await?;
    Ok(())
}
