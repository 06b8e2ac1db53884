//! Public profiles with activity, for the leaderboard scenario (`--profiles N`): the first N
//! generated users become `PUBLIC`, each with a recent run of active days (ending today, yesterday
//! or up to 20 days ago), an older run before it, and one DONE history event per active day (a
//! few more on the last one). Their leaderboard statistics are computed from those events with
//! the server's own code ([`server_api::Runs`]) and written with one `UPDATE … FROM` a `VALUES` list
//! per chunk, as the server's status writes would have left them. Uses its own random stream, so
//! the rest of the data set does not change with N.
use chrono::{DateTime, Duration, Utc};
use entity::progress_events;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Statement, TransactionTrait};

use super::{bar, topic_id, Plan, MAX_PARAMS};
use crate::server_api::{utc_day, Runs};

/// Days in a run: 1 + a geometric number of further days (mean 1 / p − 1), capped.
fn run_len(rng: &mut StdRng, p: f64, cap: i64) -> i64 {
    let mut n = 1;
    while n < cap && !rng.gen_bool(p) {
        n += 1;
    }
    n
}

pub async fn insert_profiles(
    db: &DatabaseConnection,
    plan: &Plan,
    roadmap_id: i32,
    user_ids: &[i32],
    now: DateTime<Utc>,
) -> anyhow::Result<u64> {
    let n = plan.profiles.min(plan.users);
    if n == 0 {
        return Ok(0);
    }
    let mut rng = StdRng::seed_from_u64(plan.seed ^ 0x5052_4f46);
    let pb = bar(n as u64, "profiles");
    let window = now - Duration::days(30);
    let per_stmt = MAX_PARAMS / 9;
    let mut events_total = 0u64;
    let mut stats: Vec<(i32, Runs, i32)> = Vec::with_capacity(n);
    let mut events: Vec<progress_events::ActiveModel> = Vec::new();
    let mut txn = db.begin().await?;
    for (k, &user_id) in user_ids.iter().skip(1).take(n).enumerate() {
        let last = match rng.gen_range(0..100) {
            0..=34 => 0,
            35..=59 => 1,
            _ => rng.gen_range(2..=20),
        };
        let recent = run_len(&mut rng, 0.3, 60);
        let gap = rng.gen_range(2..=10);
        let older = run_len(&mut rng, 0.2, 200);
        let mut days: Vec<i64> = (last..last + recent).collect();
        let older_end = last + recent + gap;
        days.extend(older_end..older_end + older);
        let extra = rng.gen_range(0..=3);
        let mut times: Vec<DateTime<Utc>> = days
            .iter()
            .map(|d| now - Duration::days(*d) - Duration::seconds(rng.gen_range(0..600)))
            .collect();
        for _ in 0..extra {
            times.push(now - Duration::days(last) - Duration::seconds(rng.gen_range(0..600)));
        }
        let runs = Runs::default().extend(times.iter().map(|t| utc_day(*t)));
        let done = times.iter().filter(|t| **t >= window).count() as i32;
        stats.push((user_id, runs, done));
        for (i, at) in times.iter().enumerate() {
            events.push(progress_events::ActiveModel {
                id: NotSet,
                user_id: Set(entity::ids::UserId(user_id)),
                roadmap_id: Set(entity::ids::RoadmapId(roadmap_id)),
                topic_id: Set(entity::ids::TopicKey(topic_id(0, 1 + (k + i) % 300))),
                from_status: Set(entity::enums::ProgressStatus::Pending),
                to_status: Set(entity::enums::ProgressStatus::Done),
                created_at: Set(*at),
                topic_title: Set(None),
                roadmap_title: Set(None),
                cause: Set(None),
            });
        }
        if events.len() >= per_stmt {
            events_total += events.len() as u64;
            progress_events::Entity::insert_many(std::mem::take(&mut events))
                .exec_without_returning(&txn)
                .await?;
        }
        if stats.len() >= 5000 {
            update_stats(&txn, &std::mem::take(&mut stats)).await?;
            txn.commit().await?;
            txn = db.begin().await?;
        }
        pb.inc(1);
    }
    if !events.is_empty() {
        events_total += events.len() as u64;
        progress_events::Entity::insert_many(events)
            .exec_without_returning(&txn)
            .await?;
    }
    update_stats(&txn, &stats).await?;
    txn.commit().await?;
    pb.finish();
    Ok(events_total)
}

/// Makes the users public and stores their statistics, one statement for the whole chunk.
async fn update_stats(db: &impl ConnectionTrait, rows: &[(i32, Runs, i32)]) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = rows
        .iter()
        .map(|(id, r, done)| {
            format!(
                "({id}, {}, {}, {}, {done})",
                r.run,
                r.longest,
                r.last_day.unwrap_or(0)
            )
        })
        .collect();
    let sql = format!(
        "WITH v(id, run, longest, last_day, done) AS (VALUES {}) \
         UPDATE users SET profile_visibility = 'PUBLIC', streak_run = v.run, \
         streak_longest = v.longest, streak_last_day = v.last_day, done_30d = v.done, \
         stats_version = 1 FROM v WHERE users.id = v.id",
        values.join(", ")
    );
    db.execute(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    Ok(())
}
