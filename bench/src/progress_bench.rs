//! `roadmap-bench progress` (was `cargo bench --bench progress`): a small, self-contained
//! write/read benchmark. For SQLite and, when it answers, PostgreSQL, it starts the server on a
//! fresh database, imports 50 generated roadmaps with `roadmap-api import`, and reports:
//!
//! * `setTopicStatus` mutations per second (every call a real change, checked per response) from
//!   concurrent clients, with p50/p99;
//! * p50/p99 of `me.progress` for a user with progress on all 50 roadmaps, and its SQL statements.
//!
//! It checks every answer, which oha cannot, so it uses its own client; its figures compare builds
//! with each other, not with a ceiling (that is `run`).
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context as _};
use clap::Args;
use serde_json::{json, Value};

use crate::run::client::Client;
use crate::run::procs;
use crate::scratch_pg;

const ROADMAPS: usize = 50;
const TOPICS_PER_ROADMAP: usize = 40;

#[derive(Debug, Clone, Args)]
pub struct ProgressArgs {
    /// The server binary (its `import` and `serve` commands are used).
    #[arg(long, default_value = "target/release/roadmap-api")]
    pub server_bin: PathBuf,
    /// Concurrent writers.
    #[arg(long, env = "BENCH_CLIENTS", default_value_t = 16)]
    pub clients: usize,
    /// setTopicStatus calls in all.
    #[arg(long, env = "BENCH_MUTATIONS", default_value_t = 4000)]
    pub mutations: usize,
    /// Sequential me.progress requests.
    #[arg(long, env = "BENCH_QUERIES", default_value_t = 500)]
    pub queries: usize,
    /// PostgreSQL server for a throwaway database.
    #[arg(
        long,
        env = "TEST_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub pg_url: String,
    /// SQLite only.
    #[arg(long, env = "BENCH_SKIP_POSTGRES", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false)]
    pub skip_postgres: bool,
}

const SET: &str = "mutation($id: ID!, $s: ProgressStatus!) { setTopicStatus(topicId: $id, status: $s) { changed progress { done } } }";
const ME_PROGRESS: &str = "{ me { progress(first: 50) { totalCount edges { node {
    roadmap { slug title } done learning skipped pending total percentDone percentComplete updatedAt favorite } } } } }";
const BATCH: &str = "mutation($r: ID!, $c: [TopicStatusInput!]!) { setTopicStatuses(roadmapId: $r, changes: $c) { changedCount } }";

pub async fn run(args: ProgressArgs) -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let sqlite = vec![("DATA_DIR".to_owned(), data.path().display().to_string())];
    bench(&args, "SQLite (embedded, WAL)", sqlite).await?;
    if args.skip_postgres {
        return Ok(());
    }
    match scratch_pg::create(&args.pg_url).await.ok() {
        Some(db) => {
            let pg_data = tempfile::tempdir()?;
            let env = vec![
                ("DATABASE_URL".to_owned(), db.url.clone()),
                ("DATA_DIR".to_owned(), pg_data.path().display().to_string()),
            ];
            let result = bench(&args, "PostgreSQL", env).await;
            db.drop_now().await;
            result?;
        }
        None => println!("\n== PostgreSQL: not reachable, skipped =="),
    }
    Ok(())
}

/// A roadmap of 5 roots × 7 children (+ the roots) = 40 topics, in the import format.
fn document(slug: &str) -> Value {
    let topics: Vec<Value> = (0..5)
        .map(|i| {
            let children: Vec<Value> = (0..7)
                .map(|j| {
                    json!({ "id": format!("{slug}-{i}-{j}"), "kind": "SUBTOPIC",
                    "title": format!("Subtopic {i}.{j}"), "description": "Generated." })
                })
                .collect();
            json!({ "id": format!("{slug}-{i}"), "kind": "TOPIC", "title": format!("Topic {i}"),
                "description": "Generated.", "children": children })
        })
        .collect();
    json!({ "format": "roadmap-api/roadmap@1",
        "roadmap": { "slug": slug, "title": format!("Bench {slug}"), "briefTitle": slug,
            "description": "Generated for the benchmark.", "briefDescription": "Generated.",
            "order": 100, "kind": "SKILL", "tags": ["bench"], "relatedRoadmaps": [] },
        "topics": topics })
}

fn topic_id(key: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Topic:{key}"))
}

fn import(bin: &Path, env: &[(String, String)], dir: &Path) -> anyhow::Result<()> {
    let out = Command::new(bin)
        .arg("import")
        .arg(dir)
        .env_remove("DATABASE_URL")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .with_context(|| format!("run {}", bin.display()))?;
    ensure!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

async fn bench(args: &ProgressArgs, label: &str, env: Vec<(String, String)>) -> anyhow::Result<()> {
    let docs = tempfile::tempdir()?;
    for i in 0..ROADMAPS {
        let slug = format!("bench-{i:02}");
        std::fs::write(
            docs.path().join(format!("{slug}.json")),
            document(&slug).to_string(),
        )?;
    }
    let started = Instant::now();
    import(&args.server_bin, &env, docs.path())?;
    let import_time = started.elapsed();
    let client = Client::new()?;
    let env_plus: Vec<(String, String)> = env
        .iter()
        .cloned()
        .chain([("DATABASE_MAX_CONNECTIONS".to_owned(), "16".to_owned())])
        .collect();
    let probe = br#"{"query":"{ __typename }"}"#;
    let server = procs::start_server(&args.server_bin, &env_plus, &[], probe, &client).await?;
    let url = server.url("/graphql");

    // A learner with progress on all 50 roadmaps, two statuses in three topics.
    let learner = client.sign_up(&url, "learner").await?;
    let catalogue = client
        .gql(
            &url,
            Some(&learner),
            "{ roadmaps(first: 100, tag: \"bench\") { edges { node { id slug } } } }",
            json!({}),
        )
        .await?;
    let edges = catalogue["data"]["roadmaps"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(
        edges.len() == ROADMAPS,
        "imported {} roadmaps, not {ROADMAPS}",
        edges.len()
    );
    for (n, e) in edges.iter().enumerate() {
        let (id, slug) = (
            e["node"]["id"].as_str().unwrap_or(""),
            e["node"]["slug"].as_str().unwrap_or(""),
        );
        let changes: Vec<Value> = (0..TOPICS_PER_ROADMAP)
            .filter(|k| (k + n) % 3 != 0)
            .map(|k| {
                let key = if k < 5 {
                    format!("{slug}-{k}")
                } else {
                    format!("{slug}-{}-{}", (k - 5) / 7, (k - 5) % 7)
                };
                {
                    let status = ["DONE", "LEARNING", "SKIPPED"][k % 3];
                    json!({ "topicId": topic_id(&key), "status": status })
                }
            })
            .collect();
        client
            .gql(
                &url,
                Some(&learner),
                BATCH,
                json!({ "r": id, "c": changes }),
            )
            .await?;
    }

    // me.progress latency, sequential.
    let base = server.url("");
    let before = client.statements(&base).await?;
    let mut lat = Vec::with_capacity(args.queries);
    for _ in 0..args.queries {
        let t = Instant::now();
        let v = client
            .gql(&url, Some(&learner), ME_PROGRESS, json!({}))
            .await?;
        lat.push(t.elapsed());
        ensure!(v["data"]["me"]["progress"]["totalCount"] == ROADMAPS, "{v}");
    }
    let per_request = (client.statements(&base).await? - before) / args.queries.max(1) as f64;
    lat.sort();

    // setTopicStatus: concurrent learners, each flipping its own topics between DONE and
    // LEARNING so every call writes a row and an event.
    let mut tokens = Vec::new();
    for c in 0..args.clients {
        tokens.push(client.sign_up(&url, &format!("writer{c}")).await?);
    }
    let per_client = args.mutations.div_ceil(args.clients.max(1));
    let client = Arc::new(client);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (c, token) in tokens.into_iter().enumerate() {
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per_client);
            for i in 0..per_client {
                let key = format!("bench-{:02}-{}-{}", (c + i) % ROADMAPS, i % 5, (i / 5) % 7);
                let status = if (i / 35) % 2 == 0 {
                    "DONE"
                } else {
                    "LEARNING"
                };
                let t = Instant::now();
                let v = client
                    .gql(
                        &url,
                        Some(&token),
                        SET,
                        json!({ "id": topic_id(&key), "s": status }),
                    )
                    .await?;
                lat.push(t.elapsed());
                if v["data"]["setTopicStatus"]["changed"] != true {
                    bail!("a write changed nothing: {v}");
                }
            }
            anyhow::Ok(lat)
        }));
    }
    let mut wlat = Vec::new();
    for t in tasks {
        wlat.extend(t.await??);
    }
    let elapsed = started.elapsed();
    wlat.sort();
    server.stop();

    println!("\n== {label} ==");
    println!(
        "import of {ROADMAPS} roadmaps ({} topics): {:.2} s",
        ROADMAPS * TOPICS_PER_ROADMAP,
        import_time.as_secs_f64()
    );
    println!(
        "setTopicStatus: {} mutations from {} concurrent clients in {:.2} s = {:.0} mutations/s (p50 {:.2} ms, p99 {:.2} ms)",
        wlat.len(), args.clients, elapsed.as_secs_f64(), wlat.len() as f64 / elapsed.as_secs_f64(),
        percentile(&wlat, 0.50), percentile(&wlat, 0.99),
    );
    println!(
        "me.progress (50 roadmaps, first: 50): {} sequential requests, p50 {:.2} ms, p99 {:.2} ms, {per_request:.1} SQL statements per request",
        args.queries, percentile(&lat, 0.50), percentile(&lat, 0.99),
    );
    Ok(())
}
