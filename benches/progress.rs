//! Progress benchmark (not a test): `cargo bench --bench progress`.
//!
//! For SQLite and, when it answers, PostgreSQL (`TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`; set `BENCH_SKIP_POSTGRES=1` to skip it), this
//! starts the real server (release build) on a fresh database, imports 50 generated roadmaps with
//! `roadmap-api import`, and reports:
//!
//! * `setTopicStatus` mutations per second (every call a real change) from concurrent clients,
//!   with their p50/p99 latency;
//! * p50/p99 latency of `me.progress` for a user with progress on all 50 roadmaps, and the SQL
//!   statements one such request costs.
//!
//! Knobs: `BENCH_CLIENTS` (16), `BENCH_MUTATIONS` (4000), `BENCH_QUERIES` (500).
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_roadmap-api");
const ROADMAPS: usize = 50;
const TOPICS_PER_ROADMAP: usize = 40;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run_cli(env: &[(String, String)], args: &[&str]) {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env_remove("DATABASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run roadmap-api");
    assert!(
        out.status.success(),
        "roadmap-api {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn start(env: &[(String, String)]) -> Server {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .env_remove("DATABASE_URL")
        .env_remove("JWT_SECRET")
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn,roadmap_api=info")
        .env("DATABASE_MAX_CONNECTIONS", "16")
        // Every client is 127.0.0.1: the per-address rate limit would measure itself.
        .env("RATE_LIMIT_PER_SECOND", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start server");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let _ = tx.send(rest.trim_end_matches("/graphql").to_owned());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("server did not start");
    Server {
        child,
        url: format!("http://{addr}"),
    }
}

fn document(slug: &str) -> Value {
    // 5 roots × 7 children (+ the roots) = 40 topics.
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

async fn gql(client: &reqwest::Client, url: &str, token: Option<&str>, q: &str, v: Value) -> Value {
    let mut req = client
        .post(format!("{url}/graphql"))
        .json(&json!({ "query": q, "variables": v }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let body: Value = req
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert!(body.get("errors").is_none(), "{q}: {body}");
    body
}

async fn signup(client: &reqwest::Client, url: &str, name: &str) -> String {
    let body = gql(
        client,
        url,
        None,
        "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
        json!({ "i": { "email": format!("{name}@bench.example"), "username": name,
            "password": format!("{name}-bench-Password-1") } }),
    )
    .await;
    body["data"]["signUp"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned()
}

async fn statements(client: &reqwest::Client, url: &str) -> f64 {
    let text = client
        .get(format!("{url}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics body");
    text.lines()
        .find_map(|l| l.strip_prefix("roadmap_db_statements_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

const SET: &str =
    "mutation($id: ID!, $s: ProgressStatus!) { setTopicStatus(topicId: $id, status: $s) { changed progress { done } } }";
const ME_PROGRESS: &str = "{ me { progress(first: 50) { totalCount edges { node {
    roadmap { slug title } done learning skipped pending total percentDone percentComplete updatedAt favorite } } } } }";

fn topic_id(key: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Topic:{key}"))
}

async fn bench(label: &str, env: Vec<(String, String)>) {
    let clients = env_usize("BENCH_CLIENTS", 16);
    let mutations = env_usize("BENCH_MUTATIONS", 4000);
    let queries = env_usize("BENCH_QUERIES", 500);

    // 50 roadmaps through the import CLI.
    let docs = tempfile::tempdir().expect("temp dir");
    for i in 0..ROADMAPS {
        let slug = format!("bench-{i:02}");
        std::fs::write(
            docs.path().join(format!("{slug}.json")),
            serde_json::to_vec(&document(&slug)).expect("json"),
        )
        .expect("write document");
    }
    let started = Instant::now();
    run_cli(&env, &["import", docs.path().to_str().expect("utf-8 path")]);
    let import_time = started.elapsed();
    let server = start(&env);
    let url = server.url.clone();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients * 2)
        .build()
        .expect("client");

    // A learner with progress on all 50 roadmaps (a mix of statuses), then favourites on some.
    let learner = signup(&client, &url, "learner").await;
    let catalogue = gql(
        &client,
        &url,
        Some(&learner),
        "{ roadmaps(first: 100, tag: \"bench\") { edges { node { id slug } } } }",
        json!({}),
    )
    .await;
    let roadmaps: Vec<(String, String)> = catalogue["data"]["roadmaps"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            (
                e["node"]["id"].as_str().expect("id").to_owned(),
                e["node"]["slug"].as_str().expect("slug").to_owned(),
            )
        })
        .collect();
    assert_eq!(roadmaps.len(), ROADMAPS);
    for (n, (id, slug)) in roadmaps.iter().enumerate() {
        let changes: Vec<Value> = (0..TOPICS_PER_ROADMAP)
            .filter(|k| (k + n) % 3 != 0)
            .map(|k| {
                let key = if k < 5 {
                    format!("{slug}-{k}")
                } else {
                    format!("{slug}-{}-{}", (k - 5) / 7, (k - 5) % 7)
                };
                let status = ["DONE", "LEARNING", "SKIPPED"][k % 3];
                json!({ "topicId": topic_id(&key), "status": status })
            })
            .collect();
        gql(
            &client,
            &url,
            Some(&learner),
            "mutation($r: ID!, $c: [TopicStatusInput!]!) { setTopicStatuses(roadmapId: $r, changes: $c) { changedCount } }",
            json!({ "r": id, "c": changes }),
        )
        .await;
    }

    // me.progress latency, sequential.
    let before = statements(&client, &url).await;
    let mut lat = Vec::with_capacity(queries);
    for _ in 0..queries {
        let t = Instant::now();
        let body = gql(&client, &url, Some(&learner), ME_PROGRESS, json!({})).await;
        lat.push(t.elapsed());
        assert_eq!(body["data"]["me"]["progress"]["totalCount"], ROADMAPS);
    }
    let after = statements(&client, &url).await;
    lat.sort();
    let per_request = (after - before) / queries as f64;

    // setTopicStatus throughput: `clients` concurrent learners, each flipping its own topics
    // between DONE and LEARNING so every call writes a row and an event.
    let mut tokens = Vec::new();
    for c in 0..clients {
        tokens.push(signup(&client, &url, &format!("writer{c}")).await);
    }
    let per_client = mutations.div_ceil(clients);
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
                let body = gql(
                    &client,
                    &url,
                    Some(&token),
                    SET,
                    json!({ "id": topic_id(&key), "s": status }),
                )
                .await;
                lat.push(t.elapsed());
                assert_eq!(body["data"]["setTopicStatus"]["changed"], true, "{body}");
            }
            lat
        }));
    }
    let mut wlat = Vec::new();
    for t in tasks {
        wlat.extend(t.await.expect("writer"));
    }
    let elapsed = started.elapsed();
    wlat.sort();
    let rate = wlat.len() as f64 / elapsed.as_secs_f64();

    println!("\n== {label} ==");
    println!(
        "import of {ROADMAPS} roadmaps ({} topics): {:.2} s",
        ROADMAPS * TOPICS_PER_ROADMAP,
        import_time.as_secs_f64()
    );
    println!(
        "setTopicStatus: {} mutations from {clients} concurrent clients in {:.2} s = {rate:.0} mutations/s (p50 {}, p99 {})",
        wlat.len(),
        elapsed.as_secs_f64(),
        ms(percentile(&wlat, 0.50)),
        ms(percentile(&wlat, 0.99)),
    );
    println!(
        "me.progress (50 roadmaps, first: 50): {queries} sequential requests, p50 {}, p99 {}, {per_request:.1} SQL statements per request",
        ms(percentile(&lat, 0.50)),
        ms(percentile(&lat, 0.99)),
    );
    drop(server);
}

async fn postgres_env() -> Option<(Vec<(String, String)>, String, String)> {
    use sea_orm::ConnectionTrait;
    if std::env::var("BENCH_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        return None;
    }
    let admin_url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let admin = tokio::time::timeout(
        Duration::from_secs(5),
        sea_orm::Database::connect(&admin_url),
    )
    .await
    .ok()?
    .ok()?;
    let name = format!("rmbench_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .ok()?;
    admin.close().await.ok();
    let root = admin_url
        .rsplit_once('/')
        .map(|(r, _)| r.to_owned())
        .unwrap_or(admin_url.clone());
    Some((
        vec![("DATABASE_URL".to_owned(), format!("{root}/{name}"))],
        admin_url,
        name,
    ))
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; there is nothing to filter.
    let data = tempfile::tempdir().expect("temp dir");
    let sqlite_env = vec![("DATA_DIR".to_owned(), data.path().display().to_string())];
    bench("SQLite (embedded, WAL)", sqlite_env).await;

    match postgres_env().await {
        Some((mut env, admin_url, name)) => {
            let pg_data = tempfile::tempdir().expect("temp dir");
            env.push(("DATA_DIR".to_owned(), pg_data.path().display().to_string()));
            bench("PostgreSQL", env).await;
            use sea_orm::ConnectionTrait;
            if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
            }
        }
        None => println!("\n== PostgreSQL: not reachable, skipped =="),
    }
}
