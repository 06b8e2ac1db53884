//! The processes under load: the release server, the static ceiling and, for comparison,
//! PostGraphile, each started on a free port and waited for by polling (no sleeps of a guessed
//! length).
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

use super::client::Client;

/// A child process killed when dropped, so a failed run leaves nothing listening.
pub struct Proc {
    child: Child,
    pub addr: SocketAddr,
    /// Spawn to first good answer.
    pub cold_start: Duration,
}

impl Proc {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Peak resident set size (VmHWM) in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        proc_status_kib(self.child.id(), "VmHWM:") as f64 / 1024.0
    }

    pub fn rss_mib(&self) -> f64 {
        proc_status_kib(self.child.id(), "VmRSS:") as f64 / 1024.0
    }

    /// CPU time the process has used so far.
    pub fn cpu_time(&self) -> Duration {
        cpu_time(self.child.id())
    }

    /// SIGTERM, then SIGKILL if it has not exited within 10 s.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// CPU time process `pid` has used so far (user + system), from /proc/PID/stat.
pub fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command (which may hold spaces), in clock ticks of USER_HZ = 100.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: u64 = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

fn proc_status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A port nobody listens on now (the child binds it a moment later).
fn free_port() -> anyhow::Result<SocketAddr> {
    let l = TcpListener::bind("127.0.0.1:0").context("no free port")?;
    Ok(l.local_addr()?)
}

/// Forwards the child's error lines to our stderr, so a failing server is not silent.
fn forward_errors(child: &mut Child, who: &'static str) {
    if let Some(stderr) = child.stderr.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("ERROR") || line.contains("error") || line.contains("panicked") {
                    eprintln!("{who}: {line}");
                }
            }
        });
    }
}

/// Starts the server binary and waits until it answers `probe` (a GraphQL body) with 200.
pub async fn start_server(
    bin: &Path,
    env: &[(String, String)],
    extra_env: &[(&str, &str)],
    probe: &[u8],
    client: &Client,
) -> anyhow::Result<Proc> {
    let addr = free_port()?;
    let started = Instant::now();
    let mut cmd = Command::new(bin);
    cmd.arg("serve")
        .env("LISTEN_ADDR", addr.to_string())
        // One client address sends everything: the per-address limit would measure itself.
        .env("RATE_LIMIT_PER_SECOND", "0")
        // Budgets stay on (every signed-in request pays for its charge) but too large to run out:
        // a few users send thousands of requests a second.
        .env("RATE_LIMIT_USER_POINTS", "1000000000")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let child = cmd
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    watch(child, "server", addr, started, client, "/graphql", probe).await
}

/// Starts `roadmap-bench static` (this very binary) serving the bytes in `body`.
pub async fn start_static(body: &Path, client: &Client) -> anyhow::Result<Proc> {
    let addr = free_port()?;
    let started = Instant::now();
    let exe: PathBuf = std::env::current_exe().context("cannot find roadmap-bench itself")?;
    let child = Command::new(exe)
        .arg("static")
        .arg("--body")
        .arg(body)
        .arg("--listen")
        .arg(addr.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start the static server")?;
    watch(child, "static", addr, started, client, "/static", b"{}").await
}

/// Starts the PostGraphile v4 CLI (`bin`, from npm) on `database_url` with `workers` processes
/// and waits until it answers `probe` (a GraphQL body) with 200.
pub async fn start_postgraphile(
    bin: &Path,
    database_url: &str,
    workers: usize,
    probe: &[u8],
    client: &Client,
) -> anyhow::Result<Proc> {
    let addr = free_port()?;
    let started = Instant::now();
    let child = Command::new(bin)
        .arg("--connection")
        .arg(database_url)
        .arg("--host")
        .arg(addr.ip().to_string())
        .arg("--port")
        .arg(addr.port().to_string())
        .arg("--cluster-workers")
        .arg(workers.to_string())
        .arg("--disable-query-log")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    watch(
        child,
        "postgraphile",
        addr,
        started,
        client,
        "/graphql",
        probe,
    )
    .await
}

/// Forwards the started child's errors and waits until it answers `probe` on `path`; its cold
/// start is counted from `started`.
async fn watch(
    mut child: Child,
    who: &'static str,
    addr: SocketAddr,
    started: Instant,
    client: &Client,
    path: &str,
    probe: &[u8],
) -> anyhow::Result<Proc> {
    forward_errors(&mut child, who);
    let mut proc = Proc {
        child,
        addr,
        cold_start: Duration::ZERO,
    };
    wait_until(&mut proc, client, path, probe).await?;
    proc.cold_start = started.elapsed();
    Ok(proc)
}

/// Polls `path` until it answers 200, for at most two minutes (migrations on a big data set).
async fn wait_until(
    proc: &mut Proc,
    client: &Client,
    path: &str,
    body: &[u8],
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    let url = proc.url(path);
    loop {
        if let Ok((200, _)) = client.post_raw(&url, body.to_vec(), None).await {
            return Ok(());
        }
        if let Ok(Some(status)) = proc.child.try_wait() {
            bail!("{url}: the process exited ({status}) before answering");
        }
        if Instant::now() > deadline {
            bail!("{url} did not answer within 120 s");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
