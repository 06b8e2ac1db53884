//! What a team's members see of its learning: the team's roadmaps, each member's counts on them
//! (without the topics the team hides) and the members' recent status changes on them. Only the
//! team's roadmaps that the reader can read are shown, never a member's other roadmaps. Each
//! read is a fixed number of statements whatever the team's size.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TeamId, TopicKey, UserId};
use entity::{roadmaps, team_roadmaps};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
};

use crate::auth::{CatalogAccess, Membership};
use crate::catalog::links::{uncounted_topics, REPEATED_TOPICS};
use crate::db::sql::Sql;
use crate::error::AppError;

/// One of the team's roadmaps, as the team sees it.
pub struct TeamRoadmap {
    pub roadmap: roadmaps::Model,
    pub added_at: DateTime<Utc>,
    /// Live topics the team hides, in no particular order.
    pub hidden_topic_ids: Vec<TopicKey>,
    /// Live topics the team counts (hidden ones left out).
    pub topic_count: i64,
}

#[derive(FromQueryResult)]
struct TopicCount {
    roadmap_id: RoadmapId,
    n: i64,
}

/// The team's roadmaps the reader can read, in the order they were added (three statements, a
/// fourth when any is listed).
pub async fn roadmaps(
    db: &impl ConnectionTrait,
    membership: Membership,
    access: &CatalogAccess,
) -> Result<Vec<TeamRoadmap>, AppError> {
    let team = membership.team_id();
    let listed = team_roadmaps::Entity::find()
        .filter(team_roadmaps::Column::TeamId.eq(team))
        .order_by_asc(team_roadmaps::Column::AddedAt)
        .order_by_asc(team_roadmaps::Column::RoadmapId)
        .all(db)
        .await?;
    if listed.is_empty() {
        return Ok(Vec::new());
    }
    let mut models: HashMap<RoadmapId, roadmaps::Model> = roadmaps::Entity::find()
        .filter(roadmaps::Column::Id.is_in(listed.iter().map(|l| l.roadmap_id)))
        .filter(access.condition())
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut hidden: HashMap<RoadmapId, Vec<TopicKey>> = HashMap::new();
    let mut q = Sql::new(db.get_database_backend());
    q.push(
        "SELECT h.roadmap_id AS roadmap_id, h.topic_id AS topic_id FROM team_hidden_topics h \
         JOIN topics t ON t.id = h.topic_id WHERE t.deleted_at IS NULL AND h.team_id = ",
    )
    .bind(team);
    for row in HiddenRow::find_by_statement(q.build()).all(db).await? {
        hidden.entry(row.roadmap_id).or_default().push(row.topic_id);
    }
    let mut q = Sql::new(db.get_database_backend());
    q.push("SELECT x.roadmap_id AS roadmap_id, ");
    push_counted_topics(&mut q, team, "x.roadmap_id");
    q.push(" AS n FROM team_roadmaps x WHERE x.team_id = ")
        .bind(team);
    let counts: HashMap<RoadmapId, i64> = TopicCount::find_by_statement(q.build())
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.roadmap_id, c.n))
        .collect();
    Ok(listed
        .into_iter()
        .filter_map(|l| {
            let roadmap = models.remove(&l.roadmap_id)?;
            Some(TeamRoadmap {
                topic_count: counts.get(&roadmap.id).copied().unwrap_or(0),
                hidden_topic_ids: hidden.remove(&roadmap.id).unwrap_or_default(),
                added_at: l.added_at,
                roadmap,
            })
        })
        .collect())
}

#[derive(FromQueryResult)]
struct HiddenRow {
    roadmap_id: RoadmapId,
    topic_id: TopicKey,
}

/// Pushes the number of topics team `team` counts on the roadmap whose id is the column
/// `roadmap`: its live topics less the hidden ones and the repeats (a scalar subquery).
fn push_counted_topics(q: &mut Sql, team: TeamId, roadmap: &'static str) {
    q.push("(SELECT COUNT(*) FROM topics t WHERE t.roadmap_id = ")
        .push(roadmap)
        .push(" AND t.deleted_at IS NULL AND t.id NOT IN (")
        .push(REPEATED_TOPICS)
        .push(") AND ");
    push_not_hidden(q, team, "t.id");
    q.push(")");
}

/// Pushes "the topic whose id is the column `topic` is not hidden by team `team`", the team's id
/// bound. A list subquery, read once per statement (a hash or an ephemeral index), not a probe
/// per row.
fn push_not_hidden(q: &mut Sql, team: TeamId, topic: &'static str) {
    q.push(topic)
        .push(" NOT IN (SELECT topic_id FROM team_hidden_topics WHERE team_id = ")
        .bind(team)
        .push(")");
}

/// The order of the rows of [`progress_page`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressOrder {
    /// Most done first (ties: by username, then roadmap).
    PercentDoneDesc,
    /// Most done or skipped first, as the learners' own figure counts (same ties).
    PercentCompleteDesc,
    /// By username, then roadmap.
    Username,
    /// Most recently active first; members with nothing counted last.
    UpdatedAtDesc,
}

/// One member's counts on one of the team's roadmaps, without the topics the team hides.
#[derive(Debug, FromQueryResult)]
pub struct MemberProgress {
    pub user_id: UserId,
    pub roadmap_id: RoadmapId,
    pub done: i64,
    pub learning: i64,
    pub skipped: i64,
    pub total: i64,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

/// `WITH tr AS (…)`: the team's roadmaps the reader can read (only `roadmap` when given), each
/// with the number of topics the team counts. Materialised, so the counts are computed once per
/// roadmap rather than once per member (SQLite would otherwise inline them).
/// `with_totals`: also the topic counts (a count of rows does not need them).
fn push_team_roadmaps(
    q: &mut Sql,
    team: TeamId,
    access: &CatalogAccess,
    roadmap: Option<RoadmapId>,
    with_totals: bool,
) {
    q.push("WITH tr AS MATERIALIZED (SELECT r.id AS roadmap_id");
    if with_totals {
        q.push(", ");
        push_counted_topics(q, team, "r.id");
        q.push(" AS total");
    }
    q.push(" FROM team_roadmaps x JOIN roadmaps r ON r.id = x.roadmap_id WHERE x.team_id = ")
        .bind(team)
        .push(" AND ")
        .push(&access.sql_filter("r"));
    if let Some(id) = roadmap {
        q.push(" AND r.id = ").bind(id);
    }
    q.push(")");
}

/// How many rows [`progress_page`] has in all: members × readable team roadmaps (one statement).
pub async fn progress_count(
    db: &impl ConnectionTrait,
    membership: Membership,
    access: &CatalogAccess,
    roadmap: Option<RoadmapId>,
) -> Result<u64, AppError> {
    let team = membership.team_id();
    let mut q = Sql::new(db.get_database_backend());
    push_team_roadmaps(&mut q, team, access, roadmap, false);
    q.push(" SELECT (SELECT COUNT(*) FROM team_members WHERE team_id = ")
        .bind(team)
        .push(") * (SELECT COUNT(*) FROM tr) AS n");
    let n = Count::find_by_statement(q.build()).one(db).await?;
    Ok(n.map_or(0, |c| c.n.max(0) as u64))
}

/// A window of members' counts on the team's roadmaps, one row per member and roadmap, in
/// `order`: one statement. It aggregates the team's members' rows on the team's roadmaps once
/// (`c`, materialised: an index range per roadmap, not a lookup per member), then ranks every
/// (member, roadmap) pair, since ordering by progress needs all of them.
pub async fn progress_page(
    db: &impl ConnectionTrait,
    membership: Membership,
    access: &CatalogAccess,
    roadmap: Option<RoadmapId>,
    order: ProgressOrder,
    offset: u64,
    limit: u64,
) -> Result<Vec<MemberProgress>, AppError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let team = membership.team_id();
    let mut q = Sql::new(db.get_database_backend());
    push_team_roadmaps(&mut q, team, access, roadmap, true);
    q.push(
        ", c AS MATERIALIZED (SELECT p.user_id AS user_id, p.roadmap_id AS roadmap_id, \
         SUM(CASE WHEN p.status = 'DONE' THEN 1 ELSE 0 END) AS done, \
         SUM(CASE WHEN p.status = 'LEARNING' THEN 1 ELSE 0 END) AS learning, \
         SUM(CASE WHEN p.status = 'SKIPPED' THEN 1 ELSE 0 END) AS skipped, \
         MAX(p.updated_at) AS updated_at FROM progress p WHERE ",
    );
    // One roadmap by its value, so the planner knows how many rows it reads.
    match roadmap {
        Some(id) => q.push("p.roadmap_id = ").bind(id),
        None => q.push("p.roadmap_id IN (SELECT roadmap_id FROM tr)"),
    };
    q.push(
        " AND p.archived_at IS NULL AND p.user_id IN (SELECT user_id FROM team_members WHERE team_id = ",
    )
    .bind(team)
    .push(") AND p.topic_id NOT IN (")
    .push(&uncounted_topics())
    .push(") AND ");
    push_not_hidden(&mut q, team, "p.topic_id");
    q.push(
        " GROUP BY p.user_id, p.roadmap_id) \
         SELECT m.user_id AS user_id, tr.roadmap_id AS roadmap_id, \
         CAST(COALESCE(c.done, 0) AS BIGINT) AS done, \
         CAST(COALESCE(c.learning, 0) AS BIGINT) AS learning, \
         CAST(COALESCE(c.skipped, 0) AS BIGINT) AS skipped, \
         CAST(tr.total AS BIGINT) AS total, c.updated_at AS updated_at \
         FROM team_members m CROSS JOIN tr \
         LEFT JOIN c ON c.user_id = m.user_id AND c.roadmap_id = tr.roadmap_id \
         JOIN users u ON u.id = m.user_id WHERE m.team_id = ",
    )
    .bind(team)
    .push(" ORDER BY ")
    .push(match order {
        ProgressOrder::PercentDoneDesc => {
            "CASE WHEN tr.total = 0 THEN 0 ELSE COALESCE(c.done, 0) * 1.0 / tr.total END DESC, "
        }
        ProgressOrder::PercentCompleteDesc => {
            "CASE WHEN tr.total = 0 THEN 0 \
             ELSE (COALESCE(c.done, 0) + COALESCE(c.skipped, 0)) * 1.0 / tr.total END DESC, "
        }
        ProgressOrder::Username => "",
        ProgressOrder::UpdatedAtDesc => {
            "CASE WHEN c.updated_at IS NULL THEN 1 ELSE 0 END, c.updated_at DESC, "
        }
    })
    .push("u.username, tr.roadmap_id LIMIT ")
    .bind(limit as i64)
    .push(" OFFSET ")
    .bind(offset as i64);
    Ok(MemberProgress::find_by_statement(q.build()).all(db).await?)
}

/// One status change by a member on one of the team's roadmaps.
#[derive(Debug, FromQueryResult)]
pub struct MemberActivity {
    pub id: i64,
    pub user_id: UserId,
    pub roadmap_slug: String,
    pub topic_title: Option<String>,
    pub from_status: String,
    pub to_status: String,
    pub created_at: DateTime<Utc>,
}

/// `FROM … WHERE …` of the members' history on the team's roadmaps the reader may read now,
/// hidden topics left out. `with_titles` joins the topics, for events written before title
/// snapshots existed.
fn push_activity_source(q: &mut Sql, team: TeamId, access: &CatalogAccess, with_titles: bool) {
    q.push(" FROM progress_events e JOIN team_members m ON m.user_id = e.user_id AND m.team_id = ")
        .bind(team)
        .push(" JOIN team_roadmaps x ON x.roadmap_id = e.roadmap_id AND x.team_id = ")
        .bind(team)
        .push(" JOIN roadmaps r ON r.id = e.roadmap_id");
    if with_titles {
        q.push(" LEFT JOIN topics t ON t.id = e.topic_id");
    }
    q.push(" WHERE ")
        .push(&access.sql_filter("r"))
        .push(" AND ");
    push_not_hidden(q, team, "e.topic_id");
}

/// How many entries the team's activity has (one statement).
pub async fn activity_count(
    db: &impl ConnectionTrait,
    membership: Membership,
    access: &CatalogAccess,
) -> Result<u64, AppError> {
    let mut q = Sql::new(db.get_database_backend());
    q.push("SELECT COUNT(*) AS n");
    push_activity_source(&mut q, membership.team_id(), access, false);
    let n = Count::find_by_statement(q.build()).one(db).await?;
    Ok(n.map_or(0, |c| c.n.max(0) as u64))
}

/// A window of the team's activity, newest first (one statement).
pub async fn activity_page(
    db: &impl ConnectionTrait,
    membership: Membership,
    access: &CatalogAccess,
    offset: u64,
    limit: u64,
) -> Result<Vec<MemberActivity>, AppError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(db.get_database_backend());
    q.push(
        "SELECT e.id AS id, e.user_id AS user_id, r.slug AS roadmap_slug, \
         COALESCE(e.topic_title, t.title) AS topic_title, e.from_status AS from_status, \
         e.to_status AS to_status, e.created_at AS created_at",
    );
    // The title as it was when the change was made (the roadmap is readable, so the live title is
    // only a fallback for events older than snapshots).
    push_activity_source(&mut q, membership.team_id(), access, true);
    q.push(" ORDER BY e.id DESC LIMIT ")
        .bind(limit as i64)
        .push(" OFFSET ")
        .bind(offset as i64);
    Ok(MemberActivity::find_by_statement(q.build()).all(db).await?)
}
