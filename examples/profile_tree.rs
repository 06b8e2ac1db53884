//! Where a whole-tree request spends its time, without HTTP: runs the query of benchmark (a) in
//! process, many times, and times its phases (SQL loads, GraphQL execution, JSON serialisation).
//! Run it under a profiler for the detail:
//!
//! ```sh
//! DATA_DIR=/tmp/bench/sqlite-small cargo run --release --example profile_tree -- 300
//! perf record -F 999 -g target/release/examples/profile_tree 300 && perf report
//! ```
use std::time::{Duration, Instant};

use async_graphql::dataloader::Loader;
use clap::Parser;
use roadmap_api::auth::Viewer;
use roadmap_api::cache::CacheScope;
use roadmap_api::config::{Cli, Command, Config};
use roadmap_api::graphql::catalog::topic_list::RawJson;
use roadmap_api::graphql::loaders::topics::{ResourcesLoader, TreeLoader};
use roadmap_api::graphql::loaders::Loaders;

const TREE_QUERY: &str = "query RoadmapPage($slug: String!) { roadmap(slug: $slug) { id slug \
title description topicCount topics { ...T children { ...T children { ...T } } } } } \
fragment T on Topic { id key title description kind position legend resources { id kind title url } }";

/// CPU time (user + system) of this process so far.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, r)| r.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i).and_then(|v| v.parse::<u64>().ok()))
        .sum();
    Duration::from_millis(ticks * 10)
}

/// CPU used since `since` (which it moves on).
fn cpu_used(since: &mut Duration) -> Duration {
    let now = cpu_time();
    let used = now.saturating_sub(*since);
    *since = now;
    used
}

fn per(d: Duration, n: u32) -> String {
    format!("{:8.3} ms", d.as_secs_f64() * 1000.0 / f64::from(n))
}

#[tokio::main]
async fn main() {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let slug = std::env::args().nth(2).unwrap_or_else(|| "gen-000".into());
    let cli = Cli::parse_from(["roadmap-api", "serve"]);
    let Some(Command::Serve(mut serve)) = cli.command else {
        unreachable!("parsed `serve`")
    };
    serve.no_seed = true;
    let state = roadmap_api::http::prepare(Config { db: cli.db, serve })
        .await
        .expect("prepare");
    let roadmap = roadmap_api::catalog::roadmaps::by_slug(&state.db, &slug)
        .await
        .expect("by_slug")
        .expect("roadmap exists");

    // 1. The two bulk loads alone.
    let loads = if std::env::var_os("PROFILE_CACHED_ONLY").is_some()
        || std::env::var_os("PROFILE_FAST_ONLY").is_some()
    {
        1
    } else {
        n
    };
    let t = Instant::now();
    for _ in 0..loads {
        TreeLoader::uncached(state.db.clone())
            .load(&[roadmap.id])
            .await
            .expect("tree");
    }
    let tree_load = t.elapsed();
    let t = Instant::now();
    for _ in 0..loads {
        ResourcesLoader::uncached(state.db.clone())
            .load(&[roadmap.id])
            .await
            .expect("resources");
    }
    let res_load = t.elapsed();

    // 2. The whole request as the HTTP handler runs it, then its serialisation.
    let request = |cached: bool, raw: Option<RawJson>| {
        let scope = cached.then(|| CacheScope::new(state.caches.clone(), None));
        let mut r = async_graphql::Request::new(TREE_QUERY)
            .variables(async_graphql::Variables::from_json(
                serde_json::json!({ "slug": slug }),
            ))
            .data(Loaders::with_cache(&state.db, scope))
            .data(Viewer::default());
        if let Some(raw) = raw {
            r = r.data(raw);
        }
        r
    };
    println!("whole-tree request of `{slug}`, {n} runs, per request:");
    println!(
        "  SQL: load topics                 {}",
        per(tree_load, loads)
    );
    println!(
        "  SQL: load resources              {}",
        per(res_load, loads)
    );
    // PROFILE_CACHED_ONLY=1 skips the uncached runs; PROFILE_FAST_ONLY=1 runs the fast path alone
    // (and skips the comparison), for a profile of it.
    let fast_only = std::env::var_os("PROFILE_FAST_ONLY").is_some();
    let modes: &[(&str, bool, bool)] = if fast_only {
        &[("fast path", true, true)]
    } else if std::env::var_os("PROFILE_CACHED_ONLY").is_some() {
        &[("tree cache", true, false), ("fast path", true, true)]
    } else {
        &[
            ("no cache", false, false),
            ("tree cache", true, false),
            ("fast path", true, true),
        ]
    };
    // Compared as JSON: async-graphql orders an object's keys as its fields finish (a field that
    // awaits a loader can come after its next sibling), the fast path in selection order.
    let mut reference: Option<serde_json::Value> = None;
    let mut cpu = cpu_time();
    for &(what, cached, fast) in modes {
        let mut bytes = 0;
        let mut exec = Duration::ZERO;
        let mut ser = Duration::ZERO;
        let mut drop_time = Duration::ZERO;
        for _ in 0..n {
            let raw = fast.then(RawJson::default);
            let t = Instant::now();
            let resp = state.schema.execute(request(cached, raw.clone())).await;
            exec += t.elapsed();
            assert!(resp.errors.is_empty(), "{:?}", resp.errors);
            let t = Instant::now();
            let mut body = serde_json::to_vec(&resp).expect("json");
            if let Some(raw) = &raw {
                body = raw.splice(body);
            }
            ser += t.elapsed();
            bytes = body.len();
            if fast_only {
                continue;
            }
            let json: serde_json::Value = serde_json::from_slice(&body).expect("valid JSON");
            match &reference {
                None => reference = Some(json),
                Some(r) => assert!(r == &json, "{what}: the answer differs"),
            }
            let t = Instant::now();
            drop(resp);
            drop(body);
            drop_time += t.elapsed();
        }
        println!("  execute ({what:>10})            {}", per(exec, n));
        println!(
            "  CPU of the process               {}",
            per(cpu_used(&mut cpu), n)
        );
        println!("  serialise to JSON ({bytes} B) {}", per(ser, n));
        println!("  free the response                {}", per(drop_time, n));
    }
}
