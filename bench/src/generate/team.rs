//! One team for the team-progress scenario (`--team-members N`): users 1..=N (user 1 its owner,
//! the rest members), following `--team-roadmaps` roadmaps (`gen-001` …), each member having
//! marked a random run of each roadmap's topics (0 to all of them, statuses as elsewhere). Rows a
//! member already had from the main progress are kept (`ON CONFLICT DO NOTHING`). Uses its own
//! random stream, so the rest of the data set does not change with N.
use entity::enums::{TeamKind, TeamRole};
use entity::{progress, team_members, team_roadmaps, teams};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::OnConflict;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, TransactionTrait};

use super::shape::GenRoadmap;
use super::{bar, epoch, load::stored, topic_id, Plan, MAX_PARAMS};

/// Name of the generated team (the runner finds it through `me.teams`).
pub const TEAM_NAME: &str = "Bench team";

/// Writes the team; returns the progress rows added.
pub async fn insert_team(
    db: &DatabaseConnection,
    plan: &Plan,
    trees: &[GenRoadmap],
    roadmap_ids: &[i32],
    user_ids: &[i32],
) -> anyhow::Result<u64> {
    let members = plan.team_members.min(plan.users);
    let followed = plan.team_roadmaps.min(plan.roadmaps.saturating_sub(1));
    if members == 0 {
        return Ok(0);
    }
    let mut rng = StdRng::seed_from_u64(plan.seed ^ 0x5445_414d);
    let now = epoch();
    let txn = db.begin().await?;
    let team = teams::ActiveModel {
        id: NotSet,
        name: Set(TEAM_NAME.to_owned()),
        kind: Set(TeamKind::Company),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    for chunk in user_ids[1..=members].chunks(MAX_PARAMS / 4) {
        let rows = chunk.iter().map(|&user_id| team_members::ActiveModel {
            team_id: Set(team.id),
            user_id: Set(entity::ids::UserId(user_id)),
            role: Set(if user_id == user_ids[1] {
                TeamRole::Owner
            } else {
                TeamRole::Member
            }),
            joined_at: Set(now),
        });
        team_members::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    let listed = (1..=followed).map(|r| team_roadmaps::ActiveModel {
        team_id: Set(team.id),
        roadmap_id: Set(entity::ids::RoadmapId(roadmap_ids[r])),
        added_at: Set(now),
    });
    if followed > 0 {
        team_roadmaps::Entity::insert_many(listed)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;

    let pb = bar(members as u64, "team");
    let mut added = 0u64;
    let mut rows: Vec<progress::ActiveModel> = Vec::new();
    for &user_id in &user_ids[1..=members] {
        for r in 1..=followed {
            let size = trees[r].topics.len();
            let take = rng.gen_range(0..=size);
            let start = rng.gen_range(0..size.max(1));
            for k in 0..take {
                let status = match rng.gen_range(0..10) {
                    0..=5 => "DONE",
                    6..=8 => "LEARNING",
                    _ => "SKIPPED",
                };
                rows.push(progress::ActiveModel {
                    user_id: Set(entity::ids::UserId(user_id)),
                    topic_id: Set(entity::ids::TopicKey(topic_id(r, (start + k) % size))),
                    roadmap_id: Set(entity::ids::RoadmapId(roadmap_ids[r])),
                    status: Set(stored(status)),
                    updated_at: Set(now + chrono::Duration::seconds(rng.gen_range(0..86_400 * 300))),
                    changed_at: NotSet,
                    archived_at: Set(None),
                });
            }
        }
        if rows.len() > 100_000 {
            added += flush(db, &mut rows).await?;
        }
        pb.inc(1);
    }
    added += flush(db, &mut rows).await?;
    pb.finish();
    Ok(added)
}

/// Inserts the buffered rows (those a member already had are kept as they were).
async fn flush(
    db: &DatabaseConnection,
    rows: &mut Vec<progress::ActiveModel>,
) -> anyhow::Result<u64> {
    let txn = db.begin().await?;
    let mut added = 0u64;
    let keep = OnConflict::columns([progress::Column::UserId, progress::Column::TopicId])
        .do_nothing()
        .to_owned();
    for chunk in rows.chunks(MAX_PARAMS / 6) {
        added += progress::Entity::insert_many(chunk.to_vec())
            .on_conflict(keep.clone())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    rows.clear();
    Ok(added)
}
