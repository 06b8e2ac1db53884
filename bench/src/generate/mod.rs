//! `roadmap-bench generate`: a deterministic data set at real scale for benchmarks — roadmaps with
//! nested topics and resources, users sharing one password, and learner progress — loaded with
//! batched multi-row inserts (COPY for progress on PostgreSQL).
//!
//! Every generated user's password is [`PASSWORD`]; they share one precomputed argon2 hash
//! (hashing 100,000 passwords would take hours). Generated slugs start with `gen-` and topic ids
//! with `gen`, followed by digits and a dash, so they never collide with seeded or imported content
//! (whose ids are random letters).
//!
//! Moved unchanged from the server (`roadmap-api generate`): one seed still gives the same rows.
mod load;
mod profiles;
mod team;

pub use team::TEAM_NAME;
mod progress;
mod shape;

use std::time::{Duration, Instant};

use anyhow::bail;
use chrono::{DateTime, TimeZone, Utc};
use clap::Args;
use entity::roadmaps;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::rngs::StdRng;
use rand::SeedableRng;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
};

use crate::server_api::{self, DbArgs};
use shape::{gen_roadmap, split, GenRoadmap};

/// The size of a generated data set. The defaults are the full scale; scale any part down.
#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// Seed of the random generator: one seed, one data set.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of roadmaps.
    #[arg(long, default_value_t = 91)]
    pub roadmaps: usize,
    /// Number of topics over all roadmaps.
    #[arg(long, default_value_t = 10_400)]
    pub topics: usize,
    /// Topics of the largest roadmap (`gen-000`).
    #[arg(long, default_value_t = 301)]
    pub largest: usize,
    /// Number of resources over all topics.
    #[arg(long, default_value_t = 24_700)]
    pub resources: usize,
    /// Resources of the largest roadmap.
    #[arg(long, default_value_t = 692)]
    pub largest_resources: usize,
    /// Number of users (`user1@bench.example` …), all with the password `bench-password-123`.
    #[arg(long, default_value_t = 100_000)]
    pub users: usize,
    /// Number of progress rows over all users.
    #[arg(long, default_value_t = 10_000_000)]
    pub progress: u64,
    /// Roadmaps on which `user1@bench.example` has progress.
    #[arg(long, default_value_t = 50)]
    pub heavy_roadmaps: usize,
    /// Users (the first ones) with a public profile and dated activity, for the leaderboard.
    #[arg(long, default_value_t = 0)]
    pub profiles: usize,
    /// Members of the generated team (users 1..=N, user 1 its owner), for team progress.
    #[arg(long, default_value_t = 0)]
    pub team_members: usize,
    /// Roadmaps the generated team follows (`gen-001` …), each partly marked by every member.
    #[arg(long, default_value_t = 10)]
    pub team_roadmaps: usize,
}

/// The password of every generated user (and of the generated admin).
pub const PASSWORD: &str = "bench-password-123";
/// Email of the generated user `n` (1-based).
pub fn user_email(n: usize) -> String {
    format!("user{n}@bench.example")
}
/// The generated admin.
pub const ADMIN_EMAIL: &str = "admin@bench.example";
/// The user with progress on many roadmaps (`--heavy-roadmaps`), for `me.progress` benchmarks.
pub const HEAVY_USER: usize = 1;
/// Slug of the generated roadmap `i`; `gen-000` is the largest.
pub fn roadmap_slug(i: usize) -> String {
    format!("gen-{i:03}")
}
pub(crate) fn topic_id(roadmap: usize, topic: usize) -> String {
    format!("gen{roadmap:03}-{topic:04}")
}

/// SQLite refuses statements with more than 32,766 bound parameters; stay well below.
pub(crate) const MAX_PARAMS: usize = 30_000;
/// Rows per transaction for the big tables, so a failure loses little and memory stays flat.
pub(crate) const ROWS_PER_TXN: usize = 200_000;

/// The shape of the data set, after scaling.
#[derive(Debug, Clone)]
pub struct Plan {
    pub seed: u64,
    pub roadmaps: usize,
    pub topics: usize,
    pub largest: usize,
    pub resources: usize,
    pub largest_resources: usize,
    pub users: usize,
    pub progress: u64,
    pub heavy_roadmaps: usize,
    pub profiles: usize,
    pub team_members: usize,
    pub team_roadmaps: usize,
}

impl Plan {
    pub fn from_args(a: &GenerateArgs) -> anyhow::Result<Self> {
        if a.roadmaps == 0 || a.topics < a.roadmaps || a.users == 0 {
            bail!("need at least one roadmap, one topic per roadmap and one user");
        }
        let largest = a.largest.min(a.topics - (a.roadmaps - 1)).max(1);
        let largest_resources = a.largest_resources.min(a.resources);
        Ok(Self {
            seed: a.seed,
            roadmaps: a.roadmaps,
            topics: a.topics,
            largest,
            resources: a.resources,
            largest_resources,
            users: a.users,
            progress: a.progress,
            heavy_roadmaps: a.heavy_roadmaps.min(a.roadmaps),
            profiles: a.profiles,
            team_members: a.team_members,
            team_roadmaps: a.team_roadmaps,
        })
    }
}

pub(crate) fn bar(len: u64, prefix: &'static str) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr_with_hz(4));
    pb.set_style(
        ProgressStyle::with_template(
            "{prefix:>10} [{bar:40}] {human_pos}/{human_len} {per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb.set_prefix(prefix);
    pb
}

/// What was written.
#[derive(Debug, Default)]
pub struct Report {
    pub roadmaps: usize,
    pub topics: usize,
    pub resources: usize,
    pub users: usize,
    pub progress: u64,
    /// History events of the public profiles.
    pub events: u64,
    /// Progress rows added for the team's members on the team's roadmaps.
    pub team_progress: u64,
    pub elapsed: Duration,
}

/// A fixed instant, so two runs with one seed write identical rows.
pub(crate) fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

pub async fn generate(db: &DatabaseConnection, plan: &Plan) -> anyhow::Result<Report> {
    let started = Instant::now();
    if roadmaps::Entity::find()
        .filter(roadmaps::Column::Slug.eq(roadmap_slug(0)))
        .one(db)
        .await?
        .is_some()
    {
        bail!(
            "this database already holds generated data (roadmap `{}`); use a fresh database",
            roadmap_slug(0)
        );
    }
    if db.get_database_backend() == DbBackend::Sqlite {
        // A bulk load into a fresh file: durability per statement buys nothing here.
        db.execute_unprepared("PRAGMA synchronous = OFF").await?;
        db.execute_unprepared("PRAGMA cache_size = -262144").await?;
    }
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let mut report = Report::default();

    // The catalogue: sizes first (roadmap 0 is the largest), then trees.
    let mut sizes = vec![plan.largest];
    sizes.extend(split(
        &mut rng,
        plan.topics - plan.largest,
        plan.roadmaps - 1,
        plan.largest,
    ));
    let other_res = plan.resources - plan.largest_resources;
    let other_topics: usize = sizes[1..].iter().sum();
    let mut res_sizes = vec![plan.largest_resources];
    let mut assigned = 0usize;
    for (i, n) in sizes[1..].iter().enumerate() {
        let share = if i + 2 == sizes.len() {
            other_res - assigned
        } else {
            (other_res * n / other_topics.max(1)).min(other_res - assigned)
        };
        assigned += share;
        res_sizes.push(share);
    }
    let trees: Vec<GenRoadmap> = sizes
        .iter()
        .zip(&res_sizes)
        .map(|(n, r)| gen_roadmap(&mut rng, *n, *r))
        .collect();

    let roadmap_ids = load::insert_catalogue(db, &trees, &mut report).await?;
    let user_ids = load::insert_users(db, plan, &mut report).await?;
    report.progress =
        progress::insert_progress(db, plan, &trees, &roadmap_ids, &user_ids, &mut rng).await?;
    report.events =
        profiles::insert_profiles(db, plan, roadmap_ids[0], &user_ids, Utc::now()).await?;
    report.team_progress = team::insert_team(db, plan, &trees, &roadmap_ids, &user_ids).await?;
    if db.get_database_backend() == DbBackend::Postgres {
        // VACUUM too: a bulk load leaves no visibility map, so until autovacuum gets there every
        // index-only scan (live topic counts, say) would visit the heap.
        db.execute_unprepared("VACUUM ANALYZE").await?;
    } else {
        db.execute_unprepared("PRAGMA synchronous = FULL").await?;
        db.execute_unprepared("ANALYZE").await?;
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The `generate` command: migrate, load, print what was written.
pub async fn run(mut db_args: DbArgs, args: &GenerateArgs) -> std::process::ExitCode {
    // One connection: SQLite pragmas then apply to every statement of the load.
    db_args.database_max_connections = 1;
    let result = async {
        let plan = Plan::from_args(args)?;
        let db = server_api::connect(&db_args).await?;
        server_api::migrate(&db).await?;
        let report = generate(&db, &plan).await?;
        db.close().await?;
        anyhow::Ok(report)
    }
    .await;
    match result {
        Ok(r) => {
            println!(
                "generated {} roadmaps, {} topics, {} resources, {} users (+1 admin), {} progress rows, \
                 {} profile history events, {} team progress rows in {:.1} s; every user's \
                 password is `{PASSWORD}`",
                r.roadmaps,
                r.topics,
                r.resources,
                r.users,
                r.progress,
                r.events,
                r.team_progress,
                r.elapsed.as_secs_f64()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
