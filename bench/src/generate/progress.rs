//! Learner progress: who marks what (the heavy user, then everyone else on a few roadmaps), and
//! how the rows reach the database (COPY on PostgreSQL, multi-row INSERTs on SQLite).
use chrono::{DateTime, Utc};
use entity::progress;
use rand::rngs::StdRng;
use rand::Rng;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, TransactionTrait};

use super::shape::GenRoadmap;
use super::{bar, epoch, topic_id, Plan, HEAVY_USER, MAX_PARAMS, ROWS_PER_TXN};

const STATUSES: [&str; 3] = ["DONE", "LEARNING", "SKIPPED"];

fn status_for(rng: &mut StdRng) -> &'static str {
    match rng.gen_range(0..10) {
        0..=5 => STATUSES[0],
        6..=8 => STATUSES[1],
        _ => STATUSES[2],
    }
}

struct ProgressRow {
    user_id: i32,
    topic_id: String,
    roadmap_id: i32,
    status: &'static str,
    updated_at: DateTime<Utc>,
}

/// Produces the progress rows user by user: the heavy user marks a third of the topics of
/// `heavy_roadmaps` roadmaps; the others share the rest of the budget, each on a few roadmaps.
struct ProgressGen<'a> {
    plan: &'a Plan,
    trees: &'a [GenRoadmap],
    roadmap_ids: &'a [i32],
    user_ids: &'a [i32],
    next_user: usize,
    remaining: u64,
    others_left: u64,
}

impl<'a> ProgressGen<'a> {
    fn heavy_rows(&self) -> u64 {
        (0..self.plan.heavy_roadmaps)
            .map(|r| self.trees[r].topics.len().div_ceil(3) as u64)
            .sum()
    }

    fn new(
        plan: &'a Plan,
        trees: &'a [GenRoadmap],
        roadmap_ids: &'a [i32],
        user_ids: &'a [i32],
    ) -> Self {
        let mut g = Self {
            plan,
            trees,
            roadmap_ids,
            user_ids,
            next_user: 1,
            remaining: 0,
            others_left: 0,
        };
        let total_topics: u64 = trees.iter().map(|t| t.topics.len() as u64).sum();
        let others = plan.users.saturating_sub(1) as u64;
        let budget = plan.progress.saturating_sub(g.heavy_rows());
        // Nobody can mark more topics than exist.
        g.remaining = budget.min(others * total_topics);
        g.others_left = others;
        g
    }

    fn total(&self) -> u64 {
        let heavy = if self.plan.users >= HEAVY_USER {
            self.heavy_rows()
        } else {
            0
        };
        heavy + self.remaining
    }

    /// The rows of the next user, or `None` when every user is done.
    fn next(&mut self, rng: &mut StdRng, out: &mut Vec<ProgressRow>) -> bool {
        if self.next_user > self.plan.users {
            return false;
        }
        let u = self.next_user;
        self.next_user += 1;
        let user_id = self.user_ids[u];
        let base = epoch();
        let stamp =
            |rng: &mut StdRng| base + chrono::Duration::seconds(rng.gen_range(0..86_400 * 300));
        if u == HEAVY_USER {
            for r in 0..self.plan.heavy_roadmaps {
                for ti in (0..self.trees[r].topics.len()).step_by(3) {
                    out.push(ProgressRow {
                        user_id,
                        topic_id: topic_id(r, ti),
                        roadmap_id: self.roadmap_ids[r],
                        status: status_for(rng),
                        updated_at: stamp(rng),
                    });
                }
            }
            return true;
        }
        if self.others_left == 0 {
            return true;
        }
        let mut quota = self.remaining / self.others_left;
        if !self.remaining.is_multiple_of(self.others_left) {
            quota += 1;
        }
        self.others_left -= 1;
        self.remaining -= quota;
        // Contiguous runs of topics in a few random roadmaps (a roadmap at most once).
        let n = self.trees.len();
        let mut r = rng.gen_range(0..n);
        let mut visited = 0;
        while quota > 0 && visited < n {
            let size = self.trees[r].topics.len();
            let take = (quota as usize)
                .min(size.max(1))
                .min(rng.gen_range(size / 3..=size).max(1));
            let take = if visited + 1 == n {
                (quota as usize).min(size)
            } else {
                take
            };
            let start = rng.gen_range(0..size);
            for k in 0..take {
                out.push(ProgressRow {
                    user_id,
                    topic_id: topic_id(r, (start + k) % size),
                    roadmap_id: self.roadmap_ids[r],
                    status: status_for(rng),
                    updated_at: stamp(rng),
                });
            }
            quota -= take as u64;
            visited += 1;
            r = (r + 1 + rng.gen_range(0..3)) % n;
        }
        // Whatever did not fit goes back into the pool of the users still to come.
        self.remaining += quota;
        true
    }
}

pub async fn insert_progress(
    db: &DatabaseConnection,
    plan: &Plan,
    trees: &[GenRoadmap],
    roadmap_ids: &[i32],
    user_ids: &[i32],
    rng: &mut StdRng,
) -> anyhow::Result<u64> {
    let mut gen = ProgressGen::new(plan, trees, roadmap_ids, user_ids);
    let pb = bar(gen.total(), "progress");
    let mut written = 0u64;
    let mut buf: Vec<ProgressRow> = Vec::with_capacity(ROWS_PER_TXN + 20_000);
    let mut more = true;
    while more {
        while buf.len() < ROWS_PER_TXN {
            if !gen.next(rng, &mut buf) {
                more = false;
                break;
            }
        }
        if buf.is_empty() {
            break;
        }
        match db.get_database_backend() {
            DbBackend::Postgres => copy_progress(db, &buf).await?,
            _ => insert_progress_rows(db, &buf).await?,
        }
        written += buf.len() as u64;
        pb.inc(buf.len() as u64);
        buf.clear();
    }
    pb.finish();
    Ok(written)
}

/// Multi-row INSERTs in one transaction (SQLite, or any backend).
async fn insert_progress_rows(db: &DatabaseConnection, rows: &[ProgressRow]) -> anyhow::Result<()> {
    let txn = db.begin().await?;
    for chunk in rows.chunks(MAX_PARAMS / 6) {
        let models = chunk.iter().map(|r| progress::ActiveModel {
            user_id: Set(entity::ids::UserId(r.user_id)),
            topic_id: Set(entity::ids::TopicKey(r.topic_id.clone())),
            roadmap_id: Set(entity::ids::RoadmapId(r.roadmap_id)),
            status: Set(super::load::stored(r.status)),
            updated_at: Set(r.updated_at),
            // Left out (NULL): read as `COALESCE(changed_at, updated_at)`.
            changed_at: NotSet,
            archived_at: Set(None),
        });
        progress::Entity::insert_many(models)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// `COPY … FROM STDIN` in PostgreSQL's text format: an order of magnitude faster than INSERTs.
async fn copy_progress(db: &DatabaseConnection, rows: &[ProgressRow]) -> anyhow::Result<()> {
    use std::fmt::Write;
    let pool = db.get_postgres_connection_pool();
    let mut copy = sea_orm::sqlx::postgres::PgPoolCopyExt::copy_in_raw(
        pool,
        "COPY progress (user_id, topic_id, roadmap_id, status, updated_at) FROM STDIN",
    )
    .await?;
    let mut text = String::with_capacity(1 << 20);
    for r in rows {
        // Ids and statuses are generated from [A-Za-z0-9-]: nothing to escape.
        let _ = writeln!(
            text,
            "{}\t{}\t{}\t{}\t{}",
            r.user_id,
            r.topic_id,
            r.roadmap_id,
            r.status,
            r.updated_at.format("%Y-%m-%d %H:%M:%S+00")
        );
        if text.len() > (1 << 20) {
            copy.send(text.as_bytes()).await?;
            text.clear();
        }
    }
    if !text.is_empty() {
        copy.send(text.as_bytes()).await?;
    }
    copy.finish().await?;
    Ok(())
}
