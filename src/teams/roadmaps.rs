//! What a team learns: the roadmaps it follows (official ones, public community ones, and its
//! own) and the topics it hides from its views. Owners and managers choose; each write is one
//! transaction that locks the team first, so two managers editing the list run one after the
//! other. Members' own progress is never touched: hiding a topic changes only the team's counts.
use std::collections::HashSet;

use entity::enums::{RoadmapStatus, Visibility};
use entity::ids::{RoadmapId, TeamId, TopicKey};
use entity::{roadmaps, team_hidden_topics, team_roadmaps, topics};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};

use super::service::{find_team, member, TeamView};
use crate::auth::{CatalogAccess, Learner, Membership};
use crate::error::{AppError, Field, Input};

/// Most topics one team may hide on one roadmap (a roadmap of one's own holds at most 2,000).
pub const MAX_HIDDEN_TOPICS: usize = 2_000;

/// Adds a roadmap to the team's list (again is a no-op): an official or community roadmap that is
/// published and PUBLIC, or one the team owns. `access` is the caller's: a roadmap they cannot
/// read is not found.
pub async fn add_roadmap(
    db: &DatabaseConnection,
    learner: Learner,
    access: &CatalogAccess,
    team_id: TeamId,
    roadmap_id: RoadmapId,
) -> Result<TeamView, AppError> {
    let txn = db.begin().await?;
    let membership = curator(&txn, learner, team_id).await?;
    let roadmap = roadmaps::Entity::find_by_id(roadmap_id)
        .one(&txn)
        .await?
        .filter(|r| access.can_read(r))
        .ok_or_else(|| no_such_roadmap(roadmap_id))?;
    if !may_follow(&roadmap, team_id) {
        return Err(AppError::bad_input(
            Input::Roadmap,
            format!(
                "`{}` is not public: a team follows published PUBLIC roadmaps and the roadmaps \
                 it owns",
                roadmap.slug
            ),
        ));
    }
    let listed = team_roadmaps::Entity::find_by_id((team_id, roadmap_id))
        .one(&txn)
        .await?;
    if listed.is_none() {
        crate::catalog::roadmap_editing::list_on_team(&txn, team_id, roadmap_id).await?;
    }
    let team = find_team(&txn, team_id).await?;
    txn.commit().await?;
    Ok(TeamView { team, membership })
}

/// Whether a team may follow this roadmap: its own, or any published PUBLIC one.
fn may_follow(roadmap: &roadmaps::Model, team_id: TeamId) -> bool {
    roadmap.deleted_at.is_none()
        && (roadmap.team_id == Some(team_id)
            || (roadmap.status == RoadmapStatus::Published
                && roadmap.visibility == Visibility::Public))
}

/// Takes a roadmap off the team's list, with the topics the team hid on it. A roadmap the team
/// owns stays the team's (delete it with `deleteRoadmap`).
pub async fn remove_roadmap(
    db: &DatabaseConnection,
    learner: Learner,
    team_id: TeamId,
    roadmap_id: RoadmapId,
) -> Result<TeamView, AppError> {
    let txn = db.begin().await?;
    let membership = curator(&txn, learner, team_id).await?;
    let gone = team_roadmaps::Entity::delete_by_id((team_id, roadmap_id))
        .exec(&txn)
        .await?;
    if gone.rows_affected == 0 {
        return Err(not_listed());
    }
    team_hidden_topics::Entity::delete_many()
        .filter(team_hidden_topics::Column::TeamId.eq(team_id))
        .filter(team_hidden_topics::Column::RoadmapId.eq(roadmap_id))
        .exec(&txn)
        .await?;
    let team = find_team(&txn, team_id).await?;
    txn.commit().await?;
    Ok(TeamView { team, membership })
}

/// Replaces the topics the team hides on one of its roadmaps (an empty list shows them all). Each
/// must be a live topic of that roadmap (`BAD_USER_INPUT` naming `topicIds[i]` otherwise).
pub async fn set_hidden_topics(
    db: &DatabaseConnection,
    learner: Learner,
    team_id: TeamId,
    roadmap_id: RoadmapId,
    topic_ids: Vec<TopicKey>,
) -> Result<TeamView, AppError> {
    if topic_ids.len() > MAX_HIDDEN_TOPICS {
        return Err(AppError::bad_input(
            Input::HiddenTopics,
            format!("a team hides at most {MAX_HIDDEN_TOPICS} topics per roadmap"),
        ));
    }
    let txn = db.begin().await?;
    let membership = curator(&txn, learner, team_id).await?;
    team_roadmaps::Entity::find_by_id((team_id, roadmap_id))
        .one(&txn)
        .await?
        .ok_or_else(not_listed)?;
    let wanted: Vec<TopicKey> = {
        let mut seen = HashSet::new();
        topic_ids
            .into_iter()
            .filter(|t| seen.insert(t.clone()))
            .collect()
    };
    let found: HashSet<TopicKey> = if wanted.is_empty() {
        HashSet::new()
    } else {
        topics::Entity::find()
            .filter(topics::Column::Id.is_in(wanted.iter().cloned()))
            .filter(topics::Column::RoadmapId.eq(roadmap_id))
            .filter(topics::Column::DeletedAt.is_null())
            .all(&txn)
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect()
    };
    if let Some(i) = wanted.iter().position(|t| !found.contains(t)) {
        return Err(AppError::bad_input(
            Field::item(Input::HiddenTopics, i),
            "not a topic of this roadmap",
        ));
    }
    team_hidden_topics::Entity::delete_many()
        .filter(team_hidden_topics::Column::TeamId.eq(team_id))
        .filter(team_hidden_topics::Column::RoadmapId.eq(roadmap_id))
        .exec(&txn)
        .await?;
    if !wanted.is_empty() {
        team_hidden_topics::Entity::insert_many(wanted.into_iter().map(|topic_id| {
            team_hidden_topics::ActiveModel {
                team_id: Set(team_id),
                roadmap_id: Set(roadmap_id),
                topic_id: Set(topic_id),
            }
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    let team = find_team(&txn, team_id).await?;
    txn.commit().await?;
    Ok(TeamView { team, membership })
}

/// Locks the team and returns the caller's membership when they choose its roadmaps.
async fn curator(
    txn: &impl ConnectionTrait,
    learner: Learner,
    team_id: TeamId,
) -> Result<Membership, AppError> {
    let m = member(txn, learner, team_id).await?;
    if !m.may_curate_roadmaps() {
        return Err(AppError::Forbidden(
            "Only the team's owners and managers choose its roadmaps".to_owned(),
        ));
    }
    Ok(m)
}

fn no_such_roadmap(id: RoadmapId) -> AppError {
    AppError::not_found_in(Input::Roadmap, format!("roadmap {id} not found"))
}

fn not_listed() -> AppError {
    AppError::not_found_in(Input::Roadmap, "not one of the team's roadmaps")
}
