//! `roadmap-bench sockets`: what idle `myProgressChanged` sockets cost the server, and how fast a
//! change reaches them. Starts `--servers` server processes: one on a fresh SQLite directory, or
//! several on a fresh PostgreSQL database (`--database-url`), where changes cross processes by
//! LISTEN/NOTIFY (servers.rs). Signs up `--learners` learners, reads each server's RSS
//! (/proc/PID/status), then opens `--sockets` `graphql-transport-ws` sockets from client
//! processes of at most `--per-client` sockets each (fleet.rs, client.rs), spread over the
//! learners and the servers (`placement`), from several loopback source addresses so 50,000 do not
//! run out of ports, each subscribed. It waits until every server counts its subscriptions, reads
//! the RSS again; then each learner changes one topic's status at once, on the servers in turn,
//! and the time until every socket in every client process has its event is the delivery time.
//!
//! Several processes because each socket is a descriptor in the server and in the client that hold
//! it, and one process may hold no more than its open-file limit (`ulimit -n`, at most
//! `ulimit -Hn`): a server holds sockets / servers, a client at most `--per-client`.
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use serde_json::json;

use crate::run::client::Client;
use crate::scratch_pg;

mod client;
mod fleet;
mod servers;

pub use client::{run as run_client, ClientArgs};
use fleet::Fleet;
use servers::{wait_for, Servers};

#[derive(Debug, clap::Args)]
pub struct SocketsArgs {
    /// The server binary (a release build for figures).
    #[arg(long, default_value = "target/release/roadmap-api")]
    pub server_bin: PathBuf,
    /// Subscribed sockets to open.
    #[arg(long, default_value_t = 5_000)]
    pub sockets: usize,
    /// Learners the sockets are spread over (each makes one change).
    #[arg(long, default_value_t = 20)]
    pub learners: usize,
    /// Sockets opened at once (over all client processes).
    #[arg(long, default_value_t = 200)]
    pub concurrency: usize,
    /// Server processes sharing the sockets; more than one needs `--database-url`.
    #[arg(long, default_value_t = 1)]
    pub servers: usize,
    /// A PostgreSQL admin URL (e.g. postgres://postgres@127.0.0.1:5432/postgres): the servers run
    /// on a fresh database created there, dropped after the run. Unset: SQLite.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Most sockets one client process holds (one descriptor each, under its open-file limit).
    #[arg(long, default_value_t = 15_000)]
    pub per_client: usize,
}

const SET_STATUS: &str =
    "mutation Set($id: ID!) { setTopicStatus(topicId: $id, status: DONE) { changed } }";

/// Where socket `i` goes: to learner `i % learners` and server `(i / learners) % servers`, so each
/// learner has sockets on every server (whatever the two counts) and most changes cross processes.
pub fn placement(i: usize, learners: usize, servers: usize) -> (usize, usize) {
    (i % learners, (i / learners) % servers)
}

pub async fn run(args: SocketsArgs) -> anyhow::Result<()> {
    check(&args)?;
    let db = match &args.database_url {
        Some(admin) => Some(scratch_pg::create(admin).await?),
        None => None,
    };
    let result = measure(&args, db.as_ref().map(|d| d.url.as_str())).await;
    if let Some(db) = db {
        db.drop_now().await;
    }
    result
}

/// Refuses what cannot work before starting anything.
fn check(args: &SocketsArgs) -> anyhow::Result<()> {
    if args.sockets == 0 || args.learners == 0 || args.servers == 0 || args.per_client == 0 {
        bail!("--sockets, --learners, --servers and --per-client must be at least 1");
    }
    if args.servers > 1 && args.database_url.is_none() {
        bail!("--servers above 1 needs --database-url (PostgreSQL carries changes between them)");
    }
    // Children inherit this process's limit; a few dozen descriptors besides the sockets.
    let limit = open_file_limit().context("cannot read the open-file limit")?;
    let server_share = args.sockets.div_ceil(args.servers);
    let most = server_share.max(args.per_client.min(args.sockets)) + 100;
    if most > limit {
        bail!(
            "one process would hold about {most} descriptors but `ulimit -n` is {limit}: raise it, \
             or use more --servers / a smaller --per-client"
        );
    }
    Ok(())
}

/// The soft limit on open files (`Max open files` in /proc/self/limits).
fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line.split_whitespace().nth(3)?;
    Some(soft.parse().unwrap_or(usize::MAX))
}

async fn measure(args: &SocketsArgs, database_url: Option<&str>) -> anyhow::Result<()> {
    let client = Client::new()?;
    let servers = Servers::start(
        &args.server_bin,
        args.servers,
        database_url,
        args.sockets,
        &client,
    )
    .await?;
    let procs = servers.procs();
    let graphql = procs[0].url("/graphql");
    let tokens = sign_up(&client, &graphql, args.learners).await?;
    let topic = first_topic(&client, &graphql).await?;
    let before = servers.settle_rss().await;
    let opened = Instant::now();
    let addrs: Vec<_> = procs.iter().map(|p| p.addr).collect();
    let mut fleet = Fleet::spawn(
        &addrs,
        &tokens,
        args.sockets,
        args.per_client,
        args.concurrency,
    )?;
    fleet
        .wait_subscribed(opened + Duration::from_secs(600))
        .await?;
    let counts = per_server(args);
    for (server, &n) in procs.iter().zip(&counts) {
        wait_for(&client, server, n).await?;
    }
    let open_time = opened.elapsed();
    let after = servers.settle_rss().await;
    let grown: f64 = after.iter().zip(&before).map(|(a, b)| a - b).sum();
    let per_socket_kib = grown * 1024.0 / args.sockets as f64;
    let cpu_before: Vec<Duration> = procs.iter().map(|p| p.cpu_time()).collect();
    let clients_before = fleet.cpu_time();
    let start = Instant::now();
    let writes = tokens.iter().enumerate().map(|(j, t)| {
        let url = procs[j % procs.len()].url("/graphql");
        let client = &client;
        let topic = &topic;
        async move {
            client
                .gql(&url, Some(t), SET_STATUS, json!({ "id": topic }))
                .await
        }
    });
    for w in futures_util::future::join_all(writes).await {
        w?;
    }
    let written = start.elapsed();
    fleet.wait_delivered(start, Duration::from_secs(60)).await?;
    let delivery = start.elapsed();
    // What the servers spent from the writes to the last event (the clients' share is the rest).
    let server_cpu: Duration = procs
        .iter()
        .zip(&cpu_before)
        .map(|(p, b)| p.cpu_time().saturating_sub(*b))
        .sum();
    let client_cpu = fleet.cpu_time().saturating_sub(clients_before);
    let on = match (args.servers, database_url) {
        (1, None) => String::new(),
        (1, Some(_)) => ", 1 server on PostgreSQL".to_owned(),
        (n, _) => format!(", {n} servers on PostgreSQL"),
    };
    println!(
        "| {} sockets over {} learners{on} | RSS {:.1} → {:.1} MiB | {:.1} KiB per subscribed socket | \
         opened in {:.1} s | {} changes delivered to every socket in {} ms (writes answered in {} \
         ms; CPU: servers {} ms, clients {} ms) |",
        args.sockets,
        args.learners,
        before.iter().sum::<f64>(),
        after.iter().sum::<f64>(),
        per_socket_kib,
        open_time.as_secs_f64(),
        args.learners,
        delivery.as_millis(),
        written.as_millis(),
        server_cpu.as_millis(),
        client_cpu.as_millis()
    );
    if args.servers > 1 {
        for (k, n) in counts.iter().enumerate() {
            println!(
                "  server {}: {n} sockets, RSS {:.1} → {:.1} MiB, {:.1} KiB per socket",
                k + 1,
                before[k],
                after[k],
                (after[k] - before[k]) * 1024.0 / (*n).max(1) as f64
            );
        }
    }
    fleet.stop().await;
    servers.stop();
    Ok(())
}

/// How many sockets each server holds (`placement`).
fn per_server(args: &SocketsArgs) -> Vec<usize> {
    let mut counts = vec![0; args.servers];
    for i in 0..args.sockets {
        counts[placement(i, args.learners, args.servers).1] += 1;
    }
    counts
}

async fn sign_up(client: &Client, url: &str, n: usize) -> anyhow::Result<Vec<String>> {
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        tokens.push(client.sign_up(url, &format!("live{i}")).await?);
    }
    Ok(tokens)
}

async fn first_topic(client: &Client, url: &str) -> anyhow::Result<String> {
    let answer = client
        .gql(
            url,
            None,
            "{ roadmap(slug: \"backend\") { topics { id } } }",
            json!({}),
        )
        .await?;
    answer["data"]["roadmap"]["topics"][0]["id"]
        .as_str()
        .map(str::to_owned)
        .context("no topic in the seeded roadmap")
}

#[cfg(test)]
mod tests {
    use super::placement;

    #[test]
    fn every_learner_has_sockets_on_every_server() {
        for (learners, servers) in [(20, 3), (20, 2), (20, 4), (3, 3)] {
            let mut seen = vec![vec![false; servers]; learners];
            for i in 0..learners * servers {
                let (l, s) = placement(i, learners, servers);
                seen[l][s] = true;
            }
            assert!(seen.iter().flatten().all(|s| *s), "{learners} × {servers}");
        }
    }
}
