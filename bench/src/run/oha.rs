//! Load from `oha` (https://github.com/hatoo/oha), one process per load: its JSON summary gives
//! requests, latency percentiles and errors. oha only sees HTTP status codes, so GraphQL errors
//! (HTTP 200 with `errors`) are ruled out by checking every distinct request once beforehand.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context as _};
use serde::Deserialize;
use tokio::process::Command;

/// What oha sends.
#[derive(Clone, Debug)]
pub struct Load {
    pub url: String,
    pub conns: usize,
    pub token: Option<String>,
    pub body: Body,
    /// oha's runtime threads (default: one per core); 1 when many oha processes run at once.
    pub threads: Option<usize>,
}

#[derive(Clone, Debug)]
pub enum Body {
    /// The same body on every request (`-D file`).
    Fixed(PathBuf),
    /// A line of the file, picked at random per request (`-Z file`).
    Lines(PathBuf),
}

/// One load's figures.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    /// Completed responses (any status) per second.
    pub rps: f64,
    pub p50_ms: f64,
    /// NaN when the tool did not report it.
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub requests: u64,
    /// Non-2xx responses and transport errors (requests cut by the end of the run not counted).
    pub errors: u64,
    pub first_error: Option<String>,
    pub bytes_per_request: f64,
}

#[derive(Deserialize)]
struct Json {
    summary: Summary,
    metrics: Metrics,
    #[serde(rename = "statusCodeDistribution", default)]
    status_codes: BTreeMap<String, u64>,
    #[serde(rename = "errorDistribution", default)]
    errors: BTreeMap<String, u64>,
}

#[derive(Deserialize)]
struct Summary {
    total: f64,
    #[serde(rename = "sizePerRequest")]
    size_per_request: Option<f64>,
}

#[derive(Deserialize)]
struct Metrics {
    latency_ms: Latency,
}

#[derive(Deserialize)]
struct Latency {
    p50: f64,
    #[serde(default = "not_reported")]
    p95: f64,
    p99: f64,
}

fn not_reported() -> f64 {
    f64::NAN
}

/// oha counts the requests in flight when `-z` runs out as "aborted due to deadline"; they are
/// the end of the run, not failures of the server.
const DEADLINE: &str = "aborted due to deadline";

fn command(oha: &Path, load: &Load, duration: Duration, db: Option<&Path>) -> Command {
    let mut cmd = Command::new(oha);
    cmd.args(["--no-tui", "--output-format", "json"])
        // The server and the ceiling answer uncompressed, as the old driver asked: compression
        // would measure gzip, not the server.
        .arg("--disable-compression")
        .arg("-z")
        .arg(format!("{}ms", duration.as_millis()))
        .arg("-c")
        .arg(load.conns.to_string())
        .args(["-m", "POST", "-T", "application/json"]);
    if let Some(n) = load.threads {
        cmd.arg("--worker-threads").arg(n.to_string());
    }
    if let Some(t) = &load.token {
        cmd.arg("-H").arg(format!("authorization: Bearer {t}"));
    }
    match &load.body {
        Body::Fixed(p) => cmd.arg("-D").arg(p),
        Body::Lines(p) => cmd.arg("-Z").arg(p),
    };
    if let Some(db) = db {
        // Each request's duration, so several processes' percentiles can be merged exactly.
        cmd.arg("--db-url").arg(db);
    }
    cmd.arg(&load.url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

fn parse(out: &[u8]) -> anyhow::Result<Figures> {
    let j: Json = serde_json::from_slice(out).with_context(|| {
        format!(
            "oha printed no JSON: {}",
            String::from_utf8_lossy(&out[..out.len().min(500)])
        )
    })?;
    let requests: u64 = j.status_codes.values().sum();
    let mut errors = 0;
    let mut first_error = None;
    for (code, n) in &j.status_codes {
        if !code.starts_with('2') {
            errors += n;
            first_error.get_or_insert_with(|| format!("HTTP {code}"));
        }
    }
    for (what, n) in &j.errors {
        if what != DEADLINE {
            errors += n;
            first_error.get_or_insert_with(|| what.clone());
        }
    }
    Ok(Figures {
        rps: requests as f64 / j.summary.total.max(1e-9),
        p50_ms: j.metrics.latency_ms.p50,
        p95_ms: j.metrics.latency_ms.p95,
        p99_ms: j.metrics.latency_ms.p99,
        requests,
        errors,
        first_error,
        bytes_per_request: j.summary.size_per_request.unwrap_or(0.0),
    })
}

async fn output(mut cmd: Command) -> anyhow::Result<Vec<u8>> {
    let out = cmd.output().await.context("cannot run oha")?;
    if !out.status.success() {
        bail!(
            "oha failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out.stdout)
}

/// Runs the loads side by side for `duration`; returns each one's figures.
pub async fn run(oha: &Path, loads: &[Load], duration: Duration) -> anyhow::Result<Vec<Figures>> {
    side_by_side(oha, loads, duration, &[]).await
}

/// Starts every load at once (each its own oha process) and waits for all of them.
async fn side_by_side(
    oha: &Path,
    loads: &[Load],
    duration: Duration,
    dbs: &[PathBuf],
) -> anyhow::Result<Vec<Figures>> {
    let runs: Vec<_> = loads
        .iter()
        .enumerate()
        .map(|(i, l)| {
            tokio::spawn(output(command(
                oha,
                l,
                duration,
                dbs.get(i).map(|p| p.as_path()),
            )))
        })
        .collect();
    let mut figures = Vec::with_capacity(runs.len());
    for r in runs {
        figures.push(parse(&r.await.context("oha task")??)?);
    }
    Ok(figures)
}

/// Runs the loads side by side and reports them as one: throughput summed, percentiles over every
/// request of every process (each oha writes its requests to a SQLite file of its own).
pub async fn run_merged(
    oha: &Path,
    loads: &[Load],
    duration: Duration,
    work_dir: &Path,
) -> anyhow::Result<Figures> {
    let dbs: Vec<PathBuf> = (0..loads.len())
        .map(|i| work_dir.join(format!("oha-{i}.db")))
        .collect();
    for db in &dbs {
        // oha appends to an existing file: start from none.
        let _ = std::fs::remove_file(db);
    }
    let mut total = Figures::default();
    for f in side_by_side(oha, loads, duration, &dbs).await? {
        total.rps += f.rps;
        total.requests += f.requests;
        total.errors += f.errors;
        total.bytes_per_request = f.bytes_per_request;
        if total.first_error.is_none() {
            total.first_error = f.first_error;
        }
    }
    let mut durations = Vec::new();
    for db in &dbs {
        durations.extend(read_durations(db).await?);
        let _ = std::fs::remove_file(db);
    }
    durations.sort_by(f64::total_cmp);
    total.p50_ms = percentile(&durations, 0.50) * 1000.0;
    total.p95_ms = percentile(&durations, 0.95) * 1000.0;
    total.p99_ms = percentile(&durations, 0.99) * 1000.0;
    Ok(total)
}

async fn read_durations(db: &Path) -> anyhow::Result<Vec<f64>> {
    use sea_orm::sqlx::{Connection as _, Row as _};
    let url = format!("sqlite://{}?mode=ro", db.display());
    let mut conn = sea_orm::sqlx::SqliteConnection::connect(&url)
        .await
        .with_context(|| format!("open {}", db.display()))?;
    let rows = sea_orm::sqlx::query("SELECT duration FROM oha")
        .fetch_all(&mut conn)
        .await?;
    rows.iter()
        .map(|r| r.try_get::<f64, _>(0).map_err(anyhow::Error::from))
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}
