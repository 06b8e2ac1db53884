//! The servers of `roadmap-bench sockets`: one on a fresh SQLite directory, or several on one
//! PostgreSQL database, where a change made on one reaches the others' sockets by LISTEN/NOTIFY.
//! The first migrates and seeds; the others start once it answers, with `NO_SEED`. They share a
//! JWT secret, so a token signed by the first is accepted by every one.
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::bail;
use tempfile::TempDir;

use crate::run::client::Client;
use crate::run::procs::{start_server, Proc};

pub struct Servers {
    procs: Vec<Proc>,
    _dirs: Vec<TempDir>,
}

impl Servers {
    /// Starts `count` servers, their socket limits raised above `sockets`; on `database_url`
    /// (PostgreSQL) when given, else on SQLite (then `count` is 1).
    pub async fn start(
        bin: &Path,
        count: usize,
        database_url: Option<&str>,
        sockets: usize,
        client: &Client,
    ) -> anyhow::Result<Servers> {
        let many = (sockets + 10).to_string();
        let limits = [
            ("WS_MAX_SOCKETS_PER_USER", many.as_str()),
            ("WS_MAX_SOCKETS_PER_ADDRESS", many.as_str()),
            ("SIGNIN_MAX_FAILURES", "100000"),
            // Thousands of `connection_init`s check their tokens at once on a busy machine.
            ("DATABASE_ACQUIRE_TIMEOUT_SECS", "30"),
        ];
        let secret = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let probe = br#"{"query":"{ __typename }"}"#;
        let mut servers = Servers {
            procs: Vec::with_capacity(count),
            _dirs: Vec::with_capacity(count),
        };
        for k in 0..count {
            let dir = tempfile::tempdir()?;
            let mut env = vec![
                ("DATA_DIR".to_owned(), dir.path().display().to_string()),
                // Empty: SQLite in DATA_DIR, whatever the caller's environment holds.
                (
                    "DATABASE_URL".to_owned(),
                    database_url.unwrap_or_default().to_owned(),
                ),
            ];
            if database_url.is_some() {
                env.push(("JWT_SECRET".to_owned(), secret.clone()));
            }
            if k > 0 {
                env.push(("NO_SEED".to_owned(), "true".to_owned()));
            }
            let server = start_server(bin, &env, &limits, probe, client).await?;
            servers.procs.push(server);
            servers._dirs.push(dir);
        }
        Ok(servers)
    }

    pub fn procs(&self) -> &[Proc] {
        &self.procs
    }

    /// Each server's RSS in MiB, once it stops moving.
    pub async fn settle_rss(&self) -> Vec<f64> {
        let mut rss = Vec::with_capacity(self.procs.len());
        for server in &self.procs {
            rss.push(settle_rss(server).await);
        }
        rss
    }

    pub fn stop(self) {
        for server in self.procs {
            server.stop();
        }
    }
}

/// The server's RSS in MiB once it stops moving (allocators hand memory back lazily).
async fn settle_rss(server: &Proc) -> f64 {
    let mut last = server.rss_mib();
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = server.rss_mib();
        if (now - last).abs() < 0.1 {
            return now;
        }
        last = now;
    }
    last
}

/// Until the server counts `n` open subscriptions (`roadmap_active_subscriptions`).
pub async fn wait_for(client: &Client, server: &Proc, n: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let text = client.metrics(&server.url("")).await?;
        let open: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("roadmap_active_subscriptions "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0);
        if open as usize >= n {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "{}: the server counts {open} subscriptions of {n} after 120 s",
                server.addr
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
