//! `roadmap-api generate`: a deterministic data set at real scale for benchmarks — roadmaps with
//! nested topics and resources, users sharing one password, and learner progress — loaded with
//! batched multi-row inserts (COPY for progress on PostgreSQL).
//!
//! Every generated user's password is [`PASSWORD`]; they share one precomputed argon2 hash
//! (hashing 100,000 passwords would take hours). Generated slugs start with `gen-` and topic ids
//! with `gen`, followed by digits and a dash, so they never collide with seeded or imported content
//! (whose ids are random letters).
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use chrono::{DateTime, TimeZone, Utc};
use entity::{progress, resources, roadmap_relations, roadmap_tags, roadmaps, topics, users};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};

use crate::config::GenerateArgs;

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
fn topic_id(roadmap: usize, topic: usize) -> String {
    format!("gen{roadmap:03}-{topic:04}")
}

/// SQLite refuses statements with more than 32,766 bound parameters; stay well below.
const MAX_PARAMS: usize = 30_000;
/// Rows per transaction for the big tables, so a failure loses little and memory stays flat.
const ROWS_PER_TXN: usize = 200_000;

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
        })
    }
}

/// One generated topic (tree shape and text); ids are derived from the indexes.
struct GenTopic {
    parent: Option<usize>,
    position: i32,
    depth: u8,
    title: String,
    description: String,
    legend: Option<&'static str>,
    resources: u8,
}

struct GenRoadmap {
    topics: Vec<GenTopic>,
}

const WORDS: &[&str] = &[
    "cache",
    "queue",
    "index",
    "schema",
    "thread",
    "socket",
    "router",
    "token",
    "stream",
    "buffer",
    "cluster",
    "replica",
    "shard",
    "proxy",
    "gateway",
    "container",
    "kernel",
    "compiler",
    "parser",
    "lexer",
    "closure",
    "promise",
    "channel",
    "mutex",
    "lock",
    "transaction",
    "snapshot",
    "journal",
    "bundle",
    "module",
    "package",
    "registry",
    "pipeline",
    "runner",
    "artifact",
    "secret",
    "policy",
    "role",
    "session",
    "cookie",
    "header",
    "payload",
    "endpoint",
    "resolver",
    "mutation",
    "query",
    "fragment",
    "directive",
    "schema",
    "migration",
    "backup",
    "restore",
    "metric",
    "trace",
    "span",
    "alert",
    "dashboard",
    "probe",
    "volume",
    "network",
    "subnet",
    "firewall",
    "certificate",
    "cipher",
    "hash",
    "signature",
    "encoder",
    "decoder",
    "codec",
    "protocol",
    "handshake",
    "timeout",
    "retry",
    "backoff",
    "limit",
    "quota",
    "tenant",
    "workspace",
    "branch",
    "commit",
    "merge",
    "rebase",
    "tag",
];

const PHRASES: &[&str] = &[
    "Learn how it works under load and what fails first.",
    "Start with the basics, then read the official documentation.",
    "Practise on a small project before using it in production.",
    "Compare the common approaches and when each one fits.",
    "Measure before and after every change you make.",
    "Most teams meet this early; knowing it well saves hours later.",
    "Understand the trade-offs between simplicity and flexibility.",
    "Read the source of a popular implementation to see the details.",
];

fn pick<'a>(rng: &mut StdRng, from: &'a [&'a str]) -> &'a str {
    from[rng.gen_range(0..from.len())]
}

fn title_case(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn gen_title(rng: &mut StdRng, n: usize) -> String {
    let words = rng.gen_range(2..=4);
    let mut t: Vec<String> = (0..words).map(|_| title_case(pick(rng, WORDS))).collect();
    t.push(format!("{n}"));
    t.join(" ")
}

/// About 200 characters of markdown on average.
fn gen_description(rng: &mut StdRng) -> String {
    let mut s = format!(
        "**{}** and {} in practice. ",
        title_case(pick(rng, WORDS)),
        pick(rng, WORDS)
    );
    for _ in 0..rng.gen_range(1..=3) {
        s.push_str(pick(rng, PHRASES));
        s.push(' ');
    }
    s.truncate(s.trim_end().len());
    s
}

/// Splits `total` into `n` parts of at least 1 and at most `cap`, randomly around the mean.
fn split(rng: &mut StdRng, total: usize, n: usize, cap: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let mean = total as f64 / n as f64;
    let mut parts: Vec<usize> = (0..n)
        .map(|_| ((mean * rng.gen_range(0.4..1.6)).round() as usize).clamp(1, cap))
        .collect();
    // Nudge parts one by one until the sum is exact.
    let mut sum: usize = parts.iter().sum();
    let mut guard = 0usize;
    while sum != total && guard < total.saturating_mul(20) + 1000 {
        let i = rng.gen_range(0..n);
        if sum < total && parts[i] < cap {
            parts[i] += 1;
            sum += 1;
        } else if sum > total && parts[i] > 1 {
            parts[i] -= 1;
            sum -= 1;
        }
        guard += 1;
    }
    parts
}

/// A tree of `n` topics nesting up to 3 levels, with `res` resources spread over them.
fn gen_roadmap(rng: &mut StdRng, n: usize, res: usize) -> GenRoadmap {
    let roots = (n / 20).max(1).min(n);
    let depth1 = ((n - roots) / 3).max(usize::from(n > roots));
    let mut topics: Vec<GenTopic> = Vec::with_capacity(n);
    let mut children_count = vec![0i32; n];
    for i in 0..n {
        let (parent, depth) = if i < roots {
            (None, 0)
        } else if i < roots + depth1 {
            (Some(rng.gen_range(0..roots)), 1)
        } else {
            (Some(rng.gen_range(roots..roots + depth1)), 2)
        };
        let position = match parent {
            Some(p) => {
                children_count[p] += 1;
                children_count[p] - 1
            }
            None => i as i32,
        };
        let legend = match rng.gen_range(0..20) {
            0..=3 => Some("RECOMMENDED"),
            4..=5 => Some("ALTERNATIVE"),
            6 => Some("ORDER_NOT_STRICT"),
            _ => None,
        };
        topics.push(GenTopic {
            parent,
            position,
            depth,
            title: gen_title(rng, i),
            description: gen_description(rng),
            legend,
            resources: 0,
        });
    }
    // Resources: an even spread, then random moves so some topics have many and some none.
    let base = res / n;
    let mut extra = res % n;
    for t in topics.iter_mut() {
        t.resources = base.min(8) as u8;
        if extra > 0 && rng.gen_bool(0.5) && t.resources < 8 {
            t.resources += 1;
            extra -= 1;
        }
    }
    let mut i = 0;
    while extra > 0 {
        if topics[i % n].resources < 8 {
            topics[i % n].resources += 1;
            extra -= 1;
        }
        i += 1;
        if i > n * 10 {
            break;
        }
    }
    for _ in 0..n {
        let (a, b) = (rng.gen_range(0..n), rng.gen_range(0..n));
        if topics[a].resources > 0 && topics[b].resources < 8 {
            topics[a].resources -= 1;
            topics[b].resources += 1;
        }
    }
    GenRoadmap { topics }
}

fn bar(len: u64, prefix: &'static str) -> ProgressBar {
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
    pub elapsed: Duration,
}

/// A fixed instant, so two runs with one seed write identical rows.
fn epoch() -> DateTime<Utc> {
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

    let roadmap_ids = insert_catalogue(db, &trees, &mut report).await?;
    let user_ids = insert_users(db, plan, &mut report).await?;
    report.progress = insert_progress(db, plan, &trees, &roadmap_ids, &user_ids, &mut rng).await?;
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

async fn insert_catalogue(
    db: &DatabaseConnection,
    trees: &[GenRoadmap],
    report: &mut Report,
) -> anyhow::Result<Vec<i32>> {
    let now = epoch();
    let total_topics: usize = trees.iter().map(|t| t.topics.len()).sum();
    let pb = bar(total_topics as u64, "topics");
    let txn = db.begin().await?;
    let mut ids = Vec::with_capacity(trees.len());
    for (ri, tree) in trees.iter().enumerate() {
        let slug = roadmap_slug(ri);
        let title = format!("Generated Roadmap {ri}");
        // Columns added by later migrations keep their defaults.
        #[allow(clippy::needless_update)]
        let model = roadmaps::ActiveModel {
            id: NotSet,
            slug: Set(slug.clone()),
            title: Set(title.clone()),
            brief_title: Set(format!("Gen {ri}")),
            description: Set(format!(
                "A generated roadmap with {} topics for benchmarks.",
                tree.topics.len()
            )),
            brief_description: Set("Generated for benchmarks.".into()),
            sort_order: Set(1000 + ri as i32),
            kind: Set(if ri % 3 == 0 { "ROLE" } else { "SKILL" }.into()),
            status: Set("PUBLISHED".into()),
            is_forkable: Set(true),
            has_topics: Set(true),
            width: Set(Some(968.0)),
            height: Set(Some(2800.0)),
            question_title: Set(Some(format!("What is {title}?"))),
            question_description: Set(Some("A roadmap made up for load tests.".into())),
            seo_title: Set(Some(title.clone())),
            seo_description: Set(Some("Generated roadmap.".into())),
            seo_keywords: Set(serde_json::json!(["generated", slug])),
            schema_headline: Set(Some(title)),
            schema_description: Set(None),
            schema_image_url: Set(None),
            schema_date_published: Set(None),
            schema_date_modified: Set(None),
            sitemap_priority: Set(Some(0.5)),
            sitemap_change_frequency: Set(Some("MONTHLY".into())),
            pdf_url: Set(None),
            json_url: Set(None),
            sponsor_url: Set(None),
            sponsor_title: Set(None),
            sponsor_image_url: Set(None),
            sponsor_description: Set(None),
            sponsor_expires_at: Set(None),
            related_questions: Set(serde_json::json!([])),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let id = roadmaps::Entity::insert(model)
            .exec(&txn)
            .await?
            .last_insert_id;
        ids.push(id);
        roadmap_tags::Entity::insert_many([
            roadmap_tags::ActiveModel {
                roadmap_id: Set(id),
                tag: Set("generated".into()),
                position: Set(0),
            },
            roadmap_tags::ActiveModel {
                roadmap_id: Set(id),
                tag: Set(format!("group-{}", ri % 7)),
                position: Set(1),
            },
        ])
        .exec_without_returning(&txn)
        .await?;

        let rows: Vec<topics::ActiveModel> = tree
            .topics
            .iter()
            .enumerate()
            .map(|(ti, t)| topics::ActiveModel {
                id: Set(topic_id(ri, ti)),
                roadmap_id: Set(id),
                parent_id: Set(t.parent.map(|p| topic_id(ri, p))),
                kind: Set(if t.depth == 0 { "TOPIC" } else { "SUBTOPIC" }.into()),
                title: Set(t.title.clone()),
                description: Set(t.description.clone()),
                position: Set(t.position),
                legend: Set(t.legend.map(str::to_owned)),
                version: Set(1),
                deleted_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .collect();
        // Parents come before children in `rows`, so chunks in order satisfy the parent key.
        for chunk in rows.chunks(MAX_PARAMS / 12) {
            topics::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
            pb.inc(chunk.len() as u64);
        }
        let kinds = [
            "ARTICLE",
            "VIDEO",
            "OFFICIAL",
            "COURSE",
            "BOOK",
            "OPENSOURCE",
        ];
        let res: Vec<resources::ActiveModel> = tree
            .topics
            .iter()
            .enumerate()
            .flat_map(|(ti, t)| {
                (0..t.resources).map(move |k| resources::ActiveModel {
                    id: NotSet,
                    topic_id: Set(topic_id(ri, ti)),
                    kind: Set(kinds[(ti + k as usize) % kinds.len()].into()),
                    title: Set(format!("{} — part {}", t.title, k + 1)),
                    url: Set(format!(
                        "https://docs.example.com/learn/{}/{}/{}",
                        roadmap_slug(ri),
                        topic_id(ri, ti),
                        k + 1
                    )),
                    position: Set(i32::from(k)),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
            })
            .collect();
        report.resources += res.len();
        for chunk in res.chunks(MAX_PARAMS / 8) {
            resources::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        report.topics += tree.topics.len();
    }
    // Each roadmap relates to the next two, like "see also" links.
    let n = ids.len();
    let relations: Vec<roadmap_relations::ActiveModel> = (0..n)
        .flat_map(|i| {
            let ids = &ids;
            [1usize, 2]
                .into_iter()
                .filter(move |d| *d < n)
                .enumerate()
                .map(move |(pos, d)| roadmap_relations::ActiveModel {
                    roadmap_id: Set(ids[i]),
                    related_id: Set(ids[(i + d) % n]),
                    position: Set(pos as i32),
                })
        })
        .collect();
    for chunk in relations.chunks(MAX_PARAMS / 3) {
        roadmap_relations::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    pb.finish();
    report.roadmaps = ids.len();
    Ok(ids)
}

/// Inserts the users (and one admin) with a shared hash; returns user ids by index (1-based, so
/// `ids[0]` is unused).
async fn insert_users(
    db: &DatabaseConnection,
    plan: &Plan,
    report: &mut Report,
) -> anyhow::Result<Vec<i32>> {
    let hash = crate::accounts::password::hash(PASSWORD.to_owned())
        .await
        .context("hashing the shared password")?;
    let now = epoch();
    let pb = bar(plan.users as u64, "users");
    let make = |email: String, username: String, role: &str| users::ActiveModel {
        id: NotSet,
        email: Set(email),
        username_key: Set(username.to_lowercase()),
        display_name: Set(username.clone()),
        username: Set(username),
        password_hash: Set(hash.clone()),
        role: Set(role.to_owned()),
        token_version: Set(0),
        time_zone: Set("UTC".into()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let per_stmt = MAX_PARAMS / 10;
    let mut n = 1usize;
    while n <= plan.users {
        let txn = db.begin().await?;
        let end = (n + ROWS_PER_TXN / 4).min(plan.users + 1);
        while n < end {
            let to = (n + per_stmt).min(end);
            let rows: Vec<users::ActiveModel> = (n..to)
                .map(|i| make(user_email(i), format!("user{i}"), "USER"))
                .collect();
            users::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await?;
            pb.inc((to - n) as u64);
            n = to;
        }
        txn.commit().await?;
    }
    users::Entity::insert(make(ADMIN_EMAIL.into(), "benchadmin".into(), "ADMIN"))
        .exec_without_returning(db)
        .await?;
    pb.finish();
    report.users = plan.users;

    // Ids by index: read them back rather than assume the sequence started at 1.
    let mut ids = vec![0i32; plan.users + 1];
    let rows: Vec<(i32, String)> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::Username)
        .filter(users::Column::Email.like("%@bench.example"))
        .into_tuple()
        .all(db)
        .await?;
    for (id, username) in rows {
        if let Some(i) = username
            .strip_prefix("user")
            .and_then(|s| s.parse::<usize>().ok())
        {
            if i <= plan.users {
                ids[i] = id;
            }
        }
    }
    Ok(ids)
}

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

async fn insert_progress(
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
            user_id: Set(r.user_id),
            topic_id: Set(r.topic_id.clone()),
            roadmap_id: Set(r.roadmap_id),
            status: Set(r.status.to_owned()),
            updated_at: Set(r.updated_at),
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

/// The `generate` command: migrate, load, print what was written.
pub async fn run(
    mut db_args: crate::config::DbArgs,
    args: &GenerateArgs,
) -> std::process::ExitCode {
    // One connection: SQLite pragmas then apply to every statement of the load.
    db_args.database_max_connections = 1;
    let result = async {
        let plan = Plan::from_args(args)?;
        let (db, _) = crate::db::connect(&db_args).await?;
        crate::db::migrate(&db).await?;
        let report = generate(&db, &plan).await?;
        db.close().await?;
        anyhow::Ok(report)
    }
    .await;
    match result {
        Ok(r) => {
            println!(
                "generated {} roadmaps, {} topics, {} resources, {} users (+1 admin), {} progress rows in {:.1} s; \
                 every user's password is `{PASSWORD}`",
                r.roadmaps,
                r.topics,
                r.resources,
                r.users,
                r.progress,
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
