//! The raw ceiling of (c): the least a status change must write — the upsert of the progress row
//! and one history row, in one transaction — without the server. On PostgreSQL it is pgbench
//! running `bench/upsert.sql`; on SQLite (no pgbench) the same statements from this process,
//! through the server's own connection settings, one task per connection.
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use rand::Rng;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait, Value};
use tokio::process::Command;

use crate::run::Figures;

/// Users the raw writes pick from (as `bench/upsert.sql`).
const USERS: i64 = 1000;
/// Topics `gen000-0000` … `gen000-0300` of the largest roadmap.
const TOPICS: u32 = 301;

/// Ids the statements need: the first generated user's id less one, and `gen-000`'s id.
pub async fn ids(db: &DatabaseConnection) -> anyhow::Result<(i64, i64)> {
    let backend = db.get_database_backend();
    let one = |sql: &str| Statement::from_string(backend, sql.to_owned());
    let base = db
        .query_one(one(
            "SELECT CAST(MIN(id) - 1 AS BIGINT) AS v FROM users WHERE email LIKE '%@bench.example'",
        ))
        .await?
        .context("no generated users")?
        .try_get::<i64>("", "v")?;
    let roadmap = db
        .query_one(one(
            "SELECT CAST(id AS BIGINT) AS v FROM roadmaps WHERE slug = 'gen-000'",
        ))
        .await?
        .context("no roadmap gen-000")?
        .try_get::<i64>("", "v")?;
    Ok((base, roadmap))
}

/// pgbench with `script`, `conns` clients, for `duration`; latencies from its per-transaction log.
pub async fn pgbench(
    url: &str,
    script: &Path,
    conns: usize,
    duration: Duration,
    (base, roadmap): (i64, i64),
    dir: &Path,
) -> anyhow::Result<Figures> {
    let prefix = dir.join("pgbench");
    let out = Command::new("pgbench")
        .args(["-n", "-c", &conns.to_string(), "-j", "2"])
        .args(["-T", &duration.as_secs().max(1).to_string()])
        .args([
            "-D",
            &format!("base={base}"),
            "-D",
            &format!("roadmap={roadmap}"),
        ])
        .arg("-l")
        .arg(format!("--log-prefix={}", prefix.display()))
        .arg("-f")
        .arg(script)
        .arg(url)
        .current_dir(dir)
        .output()
        .await
        .context("cannot run pgbench")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "pgbench failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let failed = text
        .lines()
        .find_map(|l| l.strip_prefix("number of failed transactions: "))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    // Log lines: client_id transaction_no latency_us script_no epoch epoch_us.
    let mut lat = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !name.starts_with("pgbench.") {
            continue;
        }
        for line in std::fs::read_to_string(&path)?.lines() {
            if let Some(us) = line
                .split_whitespace()
                .nth(2)
                .and_then(|v| v.parse::<f64>().ok())
            {
                lat.push(us / 1000.0);
            }
        }
        std::fs::remove_file(&path)?;
    }
    Ok(figures(lat, duration, failed))
}

/// The same upsert and history row as `bench/upsert.sql`, from `conns` tasks for `duration`.
pub async fn direct(
    db: &DatabaseConnection,
    conns: usize,
    duration: Duration,
    (base, roadmap): (i64, i64),
) -> anyhow::Result<Figures> {
    let db = Arc::new(db.clone());
    let deadline = Instant::now() + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..conns {
        let db = db.clone();
        tasks.spawn(async move {
            let mut lat = Vec::new();
            let mut failed = 0u64;
            while Instant::now() < deadline {
                let (user, topic) = {
                    let mut rng = rand::thread_rng();
                    (base + rng.gen_range(1..=USERS), rng.gen_range(0..TOPICS))
                };
                let started = Instant::now();
                match one_write(&db, user, &format!("gen000-{topic:04}"), roadmap).await {
                    Ok(()) => lat.push(started.elapsed().as_secs_f64() * 1000.0),
                    Err(_) => failed += 1,
                }
            }
            (lat, failed)
        });
    }
    let mut lat = Vec::new();
    let mut failed = 0;
    while let Some(done) = tasks.join_next().await {
        let (l, f) = done?;
        lat.extend(l);
        failed += f;
    }
    Ok(figures(lat, duration, failed))
}

async fn one_write(
    db: &DatabaseConnection,
    user: i64,
    topic: &str,
    roadmap: i64,
) -> anyhow::Result<()> {
    let backend = db.get_database_backend();
    let now = chrono::Utc::now();
    let stmt = |sql: &str, values: Vec<Value>| {
        let sql = if backend == DbBackend::Postgres {
            sql.to_owned()
        } else {
            // $n → ?n for SQLite.
            sql.replace('$', "?")
        };
        Statement::from_sql_and_values(backend, sql, values)
    };
    let txn = db.begin().await?;
    txn.execute(stmt(
        "INSERT INTO progress (user_id, topic_id, roadmap_id, status, updated_at) \
         VALUES ($1, $2, $3, 'DONE', $4) ON CONFLICT (user_id, topic_id) DO UPDATE \
         SET status = excluded.status, updated_at = excluded.updated_at",
        vec![user.into(), topic.into(), roadmap.into(), now.into()],
    ))
    .await?;
    txn.execute(stmt(
        "INSERT INTO progress_events (user_id, roadmap_id, topic_id, from_status, to_status, \
         created_at) VALUES ($1, $2, $3, 'PENDING', 'DONE', $4)",
        vec![user.into(), roadmap.into(), topic.into(), now.into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(())
}

fn figures(mut lat: Vec<f64>, duration: Duration, failed: u64) -> Figures {
    lat.sort_by(f64::total_cmp);
    let pick = |p: f64| {
        if lat.is_empty() {
            f64::NAN
        } else {
            lat[((lat.len() - 1) as f64 * p).round() as usize]
        }
    };
    Figures {
        rps: lat.len() as f64 / duration.as_secs_f64(),
        p50_ms: pick(0.50),
        p95_ms: pick(0.95),
        p99_ms: pick(0.99),
        requests: lat.len() as u64,
        errors: failed,
        first_error: None,
        bytes_per_request: 0.0,
    }
}
