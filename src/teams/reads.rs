//! What members read of their teams: the team, its members a page at a time, and the teams a user
//! belongs to. A team exists only for its members (see [`Membership`]).
use entity::ids::TeamId;
use entity::{team_members, teams};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::service::TeamView;
use crate::auth::{Learner, Membership};
use crate::error::AppError;

/// The team, when the caller is a member of it (two statements); `None` otherwise.
pub async fn team_for(
    db: &impl ConnectionTrait,
    learner: Learner,
    team_id: TeamId,
) -> Result<Option<TeamView>, AppError> {
    let Some(membership) = Membership::of(db, learner, team_id).await? else {
        return Ok(None);
    };
    let team = teams::Entity::find_by_id(team_id).one(db).await?;
    Ok(team.map(|team| TeamView { team, membership }))
}

/// The teams the caller belongs to, by name (two statements).
pub async fn teams_of(
    db: &impl ConnectionTrait,
    learner: Learner,
) -> Result<Vec<TeamView>, AppError> {
    let rows = team_members::Entity::find()
        .filter(team_members::Column::UserId.eq(learner.user_id()))
        .all(db)
        .await?;
    let teams = teams::Entity::find()
        .filter(teams::Column::Id.is_in(rows.iter().map(|r| r.team_id)))
        .order_by_asc(teams::Column::Name)
        .order_by_asc(teams::Column::Id)
        .all(db)
        .await?;
    Ok(teams
        .into_iter()
        .filter_map(|team| {
            let row = rows.iter().find(|r| r.team_id == team.id)?;
            Some(TeamView {
                membership: Membership::from_row(row),
                team,
            })
        })
        .collect())
}

/// How many members the team has (the membership proves the caller may ask).
pub async fn member_count(
    db: &impl ConnectionTrait,
    membership: Membership,
) -> Result<u64, AppError> {
    Ok(team_members::Entity::find()
        .filter(team_members::Column::TeamId.eq(membership.team_id()))
        .count(db)
        .await?)
}

/// A window of the team's members, earliest to join first (one statement).
pub async fn members_page(
    db: &impl ConnectionTrait,
    membership: Membership,
    offset: u64,
    limit: u64,
) -> Result<Vec<team_members::Model>, AppError> {
    Ok(team_members::Entity::find()
        .filter(team_members::Column::TeamId.eq(membership.team_id()))
        .order_by_asc(team_members::Column::JoinedAt)
        .order_by_asc(team_members::Column::UserId)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?)
}
