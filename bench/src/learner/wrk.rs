//! Load from `wrk` with a Lua script (`load.lua`): unlike oha, wrk can send a different
//! `Authorization` header on every request, so one process rotates hundreds of learners, and the
//! script checks every answer (status, no `errors`, a marker of the expected shape) as it comes.
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context as _};
use serde::Deserialize;
use tokio::process::Command;

use crate::run::Figures;

/// The hooks, written next to the bodies at start.
pub const SCRIPT: &str = include_str!("load.lua");

/// What one wrk process sends.
pub struct Load {
    pub url: String,
    pub conns: usize,
    /// One access token a line, one picked per request; `None` for anonymous requests.
    pub tokens: Option<PathBuf>,
    /// One JSON body a line, one picked per request.
    pub bodies: PathBuf,
    /// A string every good answer contains.
    pub marker: String,
}

#[derive(Deserialize)]
struct Summary {
    requests: u64,
    duration_us: u64,
    bytes: u64,
    p50_us: u64,
    p95_us: u64,
    p99_us: u64,
    bad: u64,
    connect: u64,
    read: u64,
    write: u64,
    status: u64,
    timeout: u64,
}

/// Runs `load` for `duration` and returns its figures (any bad answer counts as an error).
pub async fn run(
    wrk: &Path,
    script: &Path,
    load: &Load,
    duration: Duration,
) -> anyhow::Result<Figures> {
    let tokens = load
        .tokens
        .as_ref()
        .map_or_else(|| "-".to_owned(), |p| p.display().to_string());
    let out = Command::new(wrk)
        .arg("-t")
        .arg(load.conns.clamp(1, 2).to_string())
        .arg("-c")
        .arg(load.conns.to_string())
        .arg("-d")
        .arg(format!("{}s", duration.as_secs().max(1)))
        .arg("--timeout")
        .arg("10s")
        .arg("-s")
        .arg(script)
        .arg(&load.url)
        .arg("--")
        .arg(tokens)
        .arg(&load.bodies)
        .arg(&load.marker)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .await
        .with_context(|| format!("cannot run {} (apt-get install wrk)", wrk.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let Some(json) = text.lines().find_map(|l| l.strip_prefix("WRK-JSON ")) else {
        bail!("wrk printed no figures: {text}");
    };
    let s: Summary = serde_json::from_str(json).with_context(|| format!("wrk: {json}"))?;
    let transport = s.connect + s.read + s.write + s.timeout;
    // A non-2xx answer is counted by wrk (`status`) and by the script (`bad`): count it once.
    let errors = s.bad.max(s.status) + transport;
    let first_error = text
        .lines()
        .find_map(|l| l.strip_prefix("WRK-FIRST-BAD "))
        .map(str::to_owned);
    let secs = (s.duration_us as f64 / 1e6).max(1e-9);
    Ok(Figures {
        rps: s.requests as f64 / secs,
        p50_ms: s.p50_us as f64 / 1000.0,
        p95_ms: s.p95_us as f64 / 1000.0,
        p99_ms: s.p99_us as f64 / 1000.0,
        requests: s.requests,
        errors,
        first_error,
        bytes_per_request: s.bytes as f64 / s.requests.max(1) as f64,
    })
}
