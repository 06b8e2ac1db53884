//! Load driver for `bench/run.sh`: starts the release server on a generated data set, drives it
//! over HTTP/1.1 keep-alive connections from this separate process, and prints requests/s, p50,
//! p99, SQL statements per request and the server's peak RSS for each scenario, each as a ratio to
//! the static ceiling (a plain route returning the same bytes).
//!
//! `cargo run --release --example loadgen -- --help` lists the options; bench/README.md explains
//! the scenarios.
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpStream;

const USAGE: &str = "\
loadgen: drive a roadmap-api server with the benchmark scenarios

  --bin PATH            server binary (default target/release/roadmap-api)
  --env K=V             environment for the server (repeatable), e.g. DATABASE_URL=…
  --duration SECS       measured seconds per scenario (default 10)
  --warmup SECS         unmeasured seconds before each scenario (default 2)
  --slug SLUG           roadmap of the tree scenarios (default gen-000)
  --users N             distinct users for setTopicStatus (default 1000)
  --only LIST           comma-separated scenario ids to run (default: all)
  --label TEXT          printed above the table (database, scale)
";

/// Scenario (a): the whole tree of a roadmap with resources, as a roadmap page asks for it.
pub const TREE_QUERY: &str = "query RoadmapPage($slug: String!) { roadmap(slug: $slug) { id slug \
title description topicCount topics { ...T children { ...T children { ...T } } } } } \
fragment T on Topic { id key title description kind position legend resources { id kind title url } }";

/// Scenario (b): the same with the viewer's status on every topic and their progress.
pub const TREE_MINE_QUERY: &str = "query RoadmapPageMine($slug: String!) { roadmap(slug: $slug) { \
id slug title description topicCount myProgress { done learning skipped pending total percentDone } \
topics { ...T children { ...T children { ...T } } } } } \
fragment T on Topic { id key title description kind position legend myStatus resources { id kind title url } }";

/// Scenario (d): the viewer's progress over all their roadmaps (one page of 50).
pub const ME_PROGRESS_QUERY: &str = "query MyProgress { me { id progress(first: 50) { totalCount \
edges { node { roadmap { id slug title } done learning skipped pending total percentDone updatedAt } } } } }";

/// Scenario (c).
pub const SET_STATUS_MUTATION: &str =
    "mutation SetStatus($topicId: ID!, $status: ProgressStatus!) { \
setTopicStatus(topicId: $topicId, status: $status) { status changed } }";

pub const SIGN_IN_MUTATION: &str =
    "mutation SignIn($input: SignInInput!) { signIn(input: $input) { accessToken } }";

pub const PASSWORD: &str = "bench-password-123";

struct Opts {
    bin: String,
    env: Vec<(String, String)>,
    duration: Duration,
    warmup: Duration,
    slug: String,
    users: usize,
    only: Option<Vec<String>>,
    label: String,
}

fn parse_opts() -> Result<Opts, String> {
    let mut o = Opts {
        bin: "target/release/roadmap-api".into(),
        env: Vec::new(),
        duration: Duration::from_secs(10),
        warmup: Duration::from_secs(2),
        slug: "gen-000".into(),
        users: 1000,
        only: None,
        label: String::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--bin" => o.bin = val()?,
            "--env" => {
                let v = val()?;
                let (k, v) = v.split_once('=').ok_or("--env wants K=V")?;
                o.env.push((k.to_owned(), v.to_owned()));
            }
            "--duration" => {
                o.duration = Duration::from_secs_f64(val()?.parse().map_err(|_| "bad --duration")?)
            }
            "--warmup" => {
                o.warmup = Duration::from_secs_f64(val()?.parse().map_err(|_| "bad --warmup")?)
            }
            "--slug" => o.slug = val()?,
            "--users" => o.users = val()?.parse().map_err(|_| "bad --users")?,
            "--only" => o.only = Some(val()?.split(',').map(str::to_owned).collect()),
            "--label" => o.label = val()?,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

// ---------------------------------------------------------------------------------------------
// The server process.

struct Server {
    child: Child,
    addr: SocketAddr,
    /// Spawn to first successful answer of the tree query.
    cold_start: Duration,
}

impl Server {
    async fn start(opts: &Opts, extra_env: &[(&str, &str)], first_query: &Value) -> Server {
        let started = Instant::now();
        let mut cmd = Command::new(&opts.bin);
        cmd.arg("serve")
            .env("LISTEN_ADDR", "127.0.0.1:0")
            // One client address sends everything: the per-address limit would measure itself.
            .env("RATE_LIMIT_PER_SECOND", "0")
            .env("RUST_LOG", "warn,roadmap_api=info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in &opts.env {
            cmd.env(k, v);
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", opts.bin));
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let _ = tx.send(rest.trim_end_matches("/graphql").to_owned());
                } else if line.contains("ERROR") || line.contains("error:") {
                    eprintln!("server: {line}");
                }
            }
        });
        let addr: SocketAddr = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("server did not start")
            .parse()
            .expect("listen address");
        let body = Bytes::from(serde_json::to_vec(first_query).expect("json"));
        let mut conn = Conn::open(addr).await;
        loop {
            let (status, _) = conn.send(&Req::post("/graphql", body.clone(), None)).await;
            if status == StatusCode::OK {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Server {
            child,
            addr,
            cold_start: started.elapsed(),
        }
    }

    /// Peak resident set size (VmHWM) in MiB.
    fn peak_rss_mib(&self) -> f64 {
        proc_status_kib(self.child.id(), "VmHWM:") as f64 / 1024.0
    }

    fn rss_mib(&self) -> f64 {
        proc_status_kib(self.child.id(), "VmRSS:") as f64 / 1024.0
    }

    fn stop(mut self) {
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
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 client: one keep-alive connection per worker, like wrk.

#[derive(Clone)]
struct Req {
    method: Method,
    path: &'static str,
    body: Bytes,
    token: Option<Arc<str>>,
}

impl Req {
    fn post(path: &'static str, body: Bytes, token: Option<Arc<str>>) -> Req {
        Req {
            method: Method::POST,
            path,
            body,
            token,
        }
    }
}

struct Conn {
    addr: SocketAddr,
    sender: SendRequest<Full<Bytes>>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Conn {
        let mut tries = 0;
        loop {
            match Self::try_open(addr).await {
                Ok(sender) => return Conn { addr, sender },
                Err(e) if tries < 100 => {
                    tries += 1;
                    if tries == 100 {
                        panic!("cannot connect to {addr}: {e}");
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(e) => panic!("cannot connect to {addr}: {e}"),
            }
        }
    }

    async fn try_open(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
        let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }

    /// Sends one request; a failed connection is reopened and reported as status 599.
    async fn send(&mut self, r: &Req) -> (StatusCode, Bytes) {
        let mut b = Request::builder()
            .method(r.method.clone())
            .uri(r.path)
            .header("host", self.addr.to_string())
            .header("accept", "application/json");
        if !r.body.is_empty() {
            b = b.header("content-type", "application/json");
        }
        if let Some(t) = &r.token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        let req = b.body(Full::new(r.body.clone())).expect("request");
        if self.sender.ready().await.is_err() {
            *self = Conn::open(self.addr).await;
        }
        match self.sender.send_request(req).await {
            Ok(resp) => {
                let status = resp.status();
                match resp.into_body().collect().await {
                    Ok(body) => (status, body.to_bytes()),
                    Err(_) => (StatusCode::from_u16(599).expect("599"), Bytes::new()),
                }
            }
            Err(_) => {
                *self = Conn::open(self.addr).await;
                (StatusCode::from_u16(599).expect("599"), Bytes::new())
            }
        }
    }
}

/// GraphQL errors sit at the end of a response (`data` is serialised first).
fn has_graphql_errors(body: &[u8]) -> bool {
    let tail = &body[body.len().saturating_sub(4096)..];
    tail.windows(9).any(|w| w == b"\"errors\":")
}

// ---------------------------------------------------------------------------------------------
// Load: groups of connections, each connection sending its requests back to back.

type MakeReq = Arc<dyn Fn(usize, u64) -> Req + Send + Sync>;

struct Group {
    conns: usize,
    make: MakeReq,
}

#[derive(Default, Clone)]
struct Stats {
    requests: u64,
    errors: u64,
    bytes: u64,
    secs: f64,
    lat_us: Vec<u32>,
    first_error: Option<String>,
}

impl Stats {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.secs
    }
    fn pct(&self, p: f64) -> f64 {
        if self.lat_us.is_empty() {
            return f64::NAN;
        }
        let i = ((self.lat_us.len() as f64 - 1.0) * p).round() as usize;
        self.lat_us[i] as f64 / 1000.0
    }
}

async fn run_groups(
    addr: SocketAddr,
    groups: Vec<Group>,
    warmup: Duration,
    duration: Duration,
) -> Vec<Stats> {
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        for w in 0..g.conns {
            let make = g.make.clone();
            let measuring = measuring.clone();
            let stop = stop.clone();
            let counter = counter.clone();
            handles.push(tokio::spawn(async move {
                let mut conn = Conn::open(addr).await;
                let mut s = Stats::default();
                while !stop.load(Ordering::Relaxed) {
                    let req = make(w, counter.fetch_add(1, Ordering::Relaxed));
                    let t = Instant::now();
                    let (status, body) = conn.send(&req).await;
                    let us = t.elapsed().as_micros().min(u32::MAX as u128) as u32;
                    if measuring.load(Ordering::Relaxed) && !stop.load(Ordering::Relaxed) {
                        s.requests += 1;
                        s.bytes += body.len() as u64;
                        s.lat_us.push(us);
                        if status != StatusCode::OK || has_graphql_errors(&body) {
                            s.errors += 1;
                            if s.first_error.is_none() {
                                let text = String::from_utf8_lossy(&body);
                                s.first_error = Some(format!(
                                    "{status}: {}",
                                    &text[text.len().saturating_sub(300)..]
                                ));
                            }
                        }
                    }
                }
                (gi, s)
            }));
        }
    }
    tokio::time::sleep(warmup).await;
    measuring.store(true, Ordering::Relaxed);
    let t = Instant::now();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let secs = t.elapsed().as_secs_f64();
    let mut out: Vec<Stats> = groups.iter().map(|_| Stats::default()).collect();
    for h in handles {
        let (gi, s) = h.await.expect("worker");
        let o = &mut out[gi];
        o.requests += s.requests;
        o.errors += s.errors;
        o.bytes += s.bytes;
        o.lat_us.extend(s.lat_us);
        if o.first_error.is_none() {
            o.first_error = s.first_error;
        }
    }
    for o in &mut out {
        o.secs = secs;
        o.lat_us.sort_unstable();
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Helpers that talk GraphQL once (setup, checks, metrics).

async fn gql(addr: SocketAddr, token: Option<&str>, query: &str, variables: Value) -> Value {
    let mut conn = Conn::open(addr).await;
    let body = Bytes::from(
        serde_json::to_vec(&json!({ "query": query, "variables": variables })).expect("json"),
    );
    let (_, bytes) = conn
        .send(&Req::post("/graphql", body, token.map(Arc::from)))
        .await;
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

async fn statements(addr: SocketAddr) -> f64 {
    let mut conn = Conn::open(addr).await;
    let req = Req {
        method: Method::GET,
        path: "/metrics",
        body: Bytes::new(),
        token: None,
    };
    let (_, body) = conn.send(&req).await;
    String::from_utf8_lossy(&body)
        .lines()
        .find_map(|l| {
            l.strip_prefix("roadmap_db_statements_total ")
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(f64::NAN)
}

/// Signs `emails` in with `conns` parallel connections; returns their access tokens in order.
async fn sign_in_all(addr: SocketAddr, emails: Vec<String>, conns: usize) -> Vec<Arc<str>> {
    let emails = Arc::new(emails);
    let next = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    for _ in 0..conns {
        let emails = emails.clone();
        let next = next.clone();
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            let mut got = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                let Some(email) = emails.get(i) else { break };
                let body = Bytes::from(
                    serde_json::to_vec(&json!({ "query": SIGN_IN_MUTATION,
                        "variables": { "input": { "email": email, "password": PASSWORD } } }))
                    .expect("json"),
                );
                let (_, bytes) = conn.send(&Req::post("/graphql", body, None)).await;
                let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                let token = v["data"]["signIn"]["accessToken"]
                    .as_str()
                    .unwrap_or_else(|| panic!("sign-in of {email} failed: {v}"))
                    .to_owned();
                got.push((i, Arc::<str>::from(token)));
            }
            got
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.expect("sign-in worker"));
    }
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, t)| t).collect()
}

fn gql_body(query: &str, variables: Value) -> Bytes {
    Bytes::from(
        serde_json::to_vec(&json!({ "query": query, "variables": variables })).expect("json"),
    )
}

fn fixed(req: Req) -> MakeReq {
    Arc::new(move |_, _| req.clone())
}

// ---------------------------------------------------------------------------------------------
// The report.

struct Row {
    id: String,
    what: String,
    conns: usize,
    stats: Stats,
    sql_per_req: f64,
    note: String,
}

struct Report {
    rows: Vec<Row>,
    notes: Vec<String>,
}

impl Report {
    fn ceiling(&self, conns: usize) -> Option<f64> {
        self.rows
            .iter()
            .filter(|r| r.id.starts_with('f'))
            .min_by_key(|r| r.conns.abs_diff(conns))
            .map(|r| r.stats.rps())
    }

    fn print(&self, label: &str) {
        println!();
        if !label.is_empty() {
            println!("{label}");
            println!();
        }
        println!("| id | scenario | conns | req/s | p50 ms | p99 ms | × static (f) | SQL/req | errors | notes |");
        println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
        for r in &self.rows {
            let ratio = self
                .ceiling(r.conns)
                .map(|c| format!("{:.3}", r.stats.rps() / c))
                .unwrap_or_else(|| "–".into());
            let sql = if r.sql_per_req.is_finite() {
                format!("{:.2}", r.sql_per_req)
            } else {
                "–".into()
            };
            println!(
                "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {} | {} | {} | {} |",
                r.id,
                r.what,
                r.conns,
                r.stats.rps(),
                r.stats.pct(0.5),
                r.stats.pct(0.99),
                ratio,
                sql,
                r.stats.errors,
                r.note
            );
        }
        println!();
        for n in &self.notes {
            println!("- {n}");
        }
    }
}

async fn measure(
    report: &mut Report,
    server: &Server,
    opts: &Opts,
    id: &str,
    what: &str,
    conns: usize,
    make: MakeReq,
) {
    if let Some(only) = &opts.only {
        if !only.iter().any(|o| id.starts_with(o.as_str())) {
            return;
        }
    }
    let before = statements(server.addr).await;
    let stats = run_groups(
        server.addr,
        vec![Group { conns, make }],
        opts.warmup,
        opts.duration,
    )
    .await
    .remove(0);
    let after = statements(server.addr).await;
    let sql = (after - before) / stats.requests.max(1) as f64;
    eprintln!(
        "{id:>4} {what:<48} c={conns:<3} {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  {} errors  {:.1} KB/resp",
        stats.rps(),
        stats.pct(0.5),
        stats.pct(0.99),
        stats.errors,
        stats.bytes as f64 / stats.requests.max(1) as f64 / 1024.0
    );
    if let Some(e) = &stats.first_error {
        eprintln!("     first error: {e}");
    }
    eprintln!(
        "     server RSS {:.1} MiB, peak {:.1} MiB",
        server.rss_mib(),
        server.peak_rss_mib()
    );
    report.rows.push(Row {
        id: id.into(),
        what: what.into(),
        conns,
        stats,
        sql_per_req: sql,
        note: String::new(),
    });
}

fn wanted(opts: &Opts, id: &str) -> bool {
    opts.only
        .as_ref()
        .is_none_or(|o| o.iter().any(|x| id.starts_with(x.as_str())))
}

#[tokio::main]
async fn main() {
    let opts = match parse_opts() {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprint!("{USAGE}");
            std::process::exit(2);
        }
    };
    let mut report = Report {
        rows: Vec::new(),
        notes: Vec::new(),
    };
    let slug_vars = json!({ "slug": opts.slug });
    let tree_body = gql_body(TREE_QUERY, slug_vars.clone());
    let first = json!({ "query": TREE_QUERY, "variables": slug_vars });

    // Phase 1: the server as deployed (caches on), plus the static route for the ceiling.
    let server = Server::start(&opts, &[("BENCH_STATIC_ROUTE", "1")], &first).await;
    report.notes.push(format!(
        "cold start (spawn → first answer of (a)): {:.0} ms",
        server.cold_start.as_secs_f64() * 1000.0
    ));
    let addr = server.addr;
    let tree = gql(addr, None, TREE_QUERY, slug_vars.clone()).await;
    let tree_bytes = serde_json::to_vec(&tree).expect("json");
    assert!(
        tree["errors"].is_null() && tree["data"]["roadmap"].is_object(),
        "the tree query failed: {}",
        String::from_utf8_lossy(&tree_bytes[..tree_bytes.len().min(500)])
    );
    let topics = count_topics(&tree["data"]["roadmap"]["topics"]);
    report.notes.push(format!(
        "(a) answers {} topics and {} resources in {:.1} KB of JSON",
        topics.0,
        topics.1,
        tree_bytes.len() as f64 / 1024.0
    ));

    // (f) the static ceiling: the bytes of (a) from a plain route of the same server.
    {
        let mut conn = Conn::open(addr).await;
        let (_, exact) = conn
            .send(&Req::post("/graphql", tree_body.clone(), None))
            .await;
        let (status, _) = conn
            .send(&Req {
                method: Method::PUT,
                path: "/__bench/static",
                body: exact,
                token: None,
            })
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "static route not enabled");
    }
    let static_req = Req::post("/__bench/static", tree_body.clone(), None);
    for c in [8, 64] {
        measure(
            &mut report,
            &server,
            &opts,
            &format!("f{c}"),
            "static ceiling: same bytes, plain route",
            c,
            fixed(static_req.clone()),
        )
        .await;
    }
    let tree_req = Req::post("/graphql", tree_body.clone(), None);
    for c in [8, 64] {
        measure(
            &mut report,
            &server,
            &opts,
            &format!("a{c}"),
            "whole tree, anonymous (response cache)",
            c,
            fixed(tree_req.clone()),
        )
        .await;
    }

    let progress_api = has_progress_api(addr).await;
    if !progress_api {
        report.notes.push(
            "(b)–(d) skipped: this build has no progress API (setTopicStatus, myStatus, me.progress)"
                .into(),
        );
    }
    if progress_api && (wanted(&opts, "b") || wanted(&opts, "c") || wanted(&opts, "d")) {
        let heavy = sign_in_all(addr, vec!["user1@bench.example".into()], 1).await;
        let heavy = heavy[0].clone();
        let mine = Req::post(
            "/graphql",
            gql_body(TREE_MINE_QUERY, slug_vars.clone()),
            Some(heavy.clone()),
        );
        measure(
            &mut report,
            &server,
            &opts,
            "b8",
            "whole tree + myStatus + myProgress, signed in",
            8,
            fixed(mine),
        )
        .await;
        let me = Req::post(
            "/graphql",
            gql_body(ME_PROGRESS_QUERY, json!({})),
            Some(heavy.clone()),
        );
        measure(
            &mut report,
            &server,
            &opts,
            "d8",
            "me.progress of a user on 50 roadmaps",
            8,
            fixed(me),
        )
        .await;
        if wanted(&opts, "c") {
            let t = Instant::now();
            let emails: Vec<String> = (2..opts.users + 2)
                .map(|i| format!("user{i}@bench.example"))
                .collect();
            let tokens = Arc::new(sign_in_all(addr, emails, 4).await);
            report.notes.push(format!(
                "signed {} users in for (c) in {:.1} s",
                tokens.len(),
                t.elapsed().as_secs_f64()
            ));
            let topic_ids = Arc::new(all_topic_ids(&tree["data"]["roadmap"]["topics"]));
            let statuses = ["DONE", "LEARNING", "SKIPPED", "PENDING"];
            let make: MakeReq = Arc::new(move |_, n| {
                let user = (n as usize) % tokens.len();
                let topic = &topic_ids[(n as usize * 7919) % topic_ids.len()];
                let status = statuses[(n as usize / tokens.len()) % statuses.len()];
                Req::post(
                    "/graphql",
                    gql_body(
                        SET_STATUS_MUTATION,
                        json!({ "topicId": topic, "status": status }),
                    ),
                    Some(tokens[user].clone()),
                )
            });
            measure(
                &mut report,
                &server,
                &opts,
                "c8",
                "setTopicStatus, 1,000 users",
                8,
                make,
            )
            .await;
        }
    }

    // (e) sign-ins (argon2) running beside (a): reads must keep their latency.
    if wanted(&opts, "e") {
        let emails: Arc<Vec<String>> = Arc::new(
            (2..opts.users + 2)
                .map(|i| format!("user{i}@bench.example"))
                .collect(),
        );
        let sign_in: MakeReq = Arc::new(move |_, n| {
            let email = &emails[n as usize % emails.len()];
            Req::post(
                "/graphql",
                gql_body(
                    SIGN_IN_MUTATION,
                    json!({ "input": { "email": email, "password": PASSWORD } }),
                ),
                None,
            )
        });
        let before = statements(addr).await;
        let mut stats = run_groups(
            addr,
            vec![
                Group {
                    conns: 8,
                    make: fixed(tree_req.clone()),
                },
                Group {
                    conns: 4,
                    make: sign_in,
                },
            ],
            opts.warmup,
            opts.duration,
        )
        .await;
        let after = statements(addr).await;
        let total: u64 = stats.iter().map(|s| s.requests).sum();
        let signin = stats.remove(1);
        let reads = stats.remove(0);
        eprintln!(
            "   e tree beside sign-ins: {:.0} req/s p50 {:.2} p99 {:.2}; sign-ins {:.1}/s p50 {:.0} ms",
            reads.rps(),
            reads.pct(0.5),
            reads.pct(0.99),
            signin.rps(),
            signin.pct(0.5)
        );
        let sql = (after - before) / total.max(1) as f64;
        report.rows.push(Row {
            id: "e8".into(),
            what: "(a) while 4 connections sign in".into(),
            conns: 8,
            stats: reads,
            sql_per_req: sql,
            note: String::new(),
        });
        report.rows.push(Row {
            id: "e-signin".into(),
            what: "signIn (argon2id) beside (a)".into(),
            conns: 4,
            note: String::new(),
            stats: signin,
            sql_per_req: f64::NAN,
        });
    }
    report.notes.push(format!(
        "server peak RSS (VmHWM) with caches on, after (a)–(f): {:.1} MiB (RSS now {:.1} MiB)",
        server.peak_rss_mib(),
        server.rss_mib()
    ));
    server.stop();

    // Phase 2: the same server without the response cache: every request resolves the tree.
    if wanted(&opts, "r") {
        let server = Server::start(&opts, &[("RESPONSE_CACHE_MB", "0")], &first).await;
        for c in [8, 64] {
            measure(
                &mut report,
                &server,
                &opts,
                &format!("r{c}"),
                "whole tree, resolved per request (no response cache)",
                c,
                fixed(tree_req.clone()),
            )
            .await;
        }
        report.notes.push(format!(
            "server peak RSS without the response cache: {:.1} MiB",
            server.peak_rss_mib()
        ));
        server.stop();
    }
    // Phase 3: no caches at all: every request reads the tree from the database.
    if wanted(&opts, "n") {
        let server = Server::start(
            &opts,
            &[("RESPONSE_CACHE_MB", "0"), ("TREE_CACHE", "false")],
            &first,
        )
        .await;
        for c in [8, 64] {
            measure(
                &mut report,
                &server,
                &opts,
                &format!("n{c}"),
                "whole tree, no caches (SQL + resolvers per request)",
                c,
                fixed(tree_req.clone()),
            )
            .await;
        }
        server.stop();
    }
    report.print(&opts.label);
}

fn count_topics(topics: &Value) -> (usize, usize) {
    let mut t = 0;
    let mut r = 0;
    for topic in topics.as_array().into_iter().flatten() {
        t += 1;
        r += topic["resources"].as_array().map_or(0, Vec::len);
        let (ct, cr) = count_topics(&topic["children"]);
        t += ct;
        r += cr;
    }
    (t, r)
}

fn all_topic_ids(topics: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for topic in topics.as_array().into_iter().flatten() {
        if let Some(id) = topic["id"].as_str() {
            out.push(id.to_owned());
        }
        out.extend(all_topic_ids(&topic["children"]));
    }
    out
}

/// Whether the schema has the progress API: builds from before it had none, and the driver still
/// measures them (for before/after comparisons).
async fn has_progress_api(addr: SocketAddr) -> bool {
    let v = gql(
        addr,
        None,
        "{ __type(name: \"Mutation\") { fields { name } } }",
        json!({}),
    )
    .await;
    v["data"]["__type"]["fields"]
        .as_array()
        .is_some_and(|f| f.iter().any(|x| x["name"] == "setTopicStatus"))
}
