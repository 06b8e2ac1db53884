//! `roadmap-bench run`: starts the release server on a generated data set and the static ceiling
//! beside it, drives each scenario with oha, reads SQL statements per request from the server's
//! `/metrics` and its peak RSS from /proc, and prints the table (bench/README.md explains it).
pub(crate) mod client;
mod oha;
pub(crate) mod procs;
pub(crate) mod report;
pub(crate) mod scenarios;
mod teams;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Args;
use serde_json::json;

use client::{check_answer, Client};
use oha::{Body, Load};
use procs::Proc;
use report::{Report, Row};
use scenarios::*;

pub(crate) use oha::Figures;

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// The server binary to measure (any build with `serve`, e.g. an older one for "before").
    #[arg(long, default_value = "target/release/roadmap-api")]
    pub server_bin: PathBuf,
    /// Environment for the server (repeatable), e.g. `--env DATABASE_URL=…`.
    #[arg(long = "env", value_name = "K=V", value_parser = parse_env)]
    pub env: Vec<(String, String)>,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Unmeasured seconds of the same load before each scenario.
    #[arg(long, default_value_t = 2.0)]
    pub warmup: f64,
    /// Roadmap of the tree scenarios.
    #[arg(long, default_value = "gen-000")]
    pub slug: String,
    /// Users in the data set (`generate --users`): writers and sign-ins are picked among them.
    #[arg(long, default_value_t = 1000)]
    pub dataset_users: usize,
    /// Concurrent writers of (c), one user and one connection each.
    #[arg(long, default_value_t = 8)]
    pub writers: usize,
    /// Comma-separated scenario ids to run (prefixes: `a`, `c8`, …); default all.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Printed above the table (database, scale, machine).
    #[arg(long, default_value = "")]
    pub label: String,
    /// The oha binary.
    #[arg(long, default_value = "oha")]
    pub oha: PathBuf,
}

/// A server configuration: id prefix, description, extra environment.
type Phase = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

pub(crate) fn parse_env(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("`{s}`: want K=V"))
}

/// What every scenario needs.
struct Bench {
    args: RunArgs,
    client: Client,
    dir: PathBuf,
    report: Report,
    warmup: Duration,
    duration: Duration,
}

impl Bench {
    fn wanted(&self, id: &str) -> bool {
        self.args.only.is_empty() || self.args.only.iter().any(|o| id.starts_with(o.as_str()))
    }

    fn load(&self, url: String, conns: usize, token: Option<&str>, body: Body) -> Load {
        Load {
            url,
            conns,
            token: token.map(str::to_owned),
            body,
            threads: None,
        }
    }

    /// Runs one load against `server`, counting its SQL statements, and adds the row.
    async fn measure(
        &mut self,
        server: Option<&Proc>,
        id: &str,
        what: &str,
        load: Load,
    ) -> anyhow::Result<()> {
        if !self.wanted(id) {
            return Ok(());
        }
        let conns = load.conns;
        let loads = [load];
        self.warm(&loads).await?;
        let before = self.statements(server).await?;
        let mut f = oha::run(&self.args.oha, &loads, self.duration).await?;
        let figures = f.pop().context("oha gave no figures")?;
        let sql = self.per_request(server, before, figures.requests).await?;
        self.report.push(Row {
            id: id.into(),
            what: what.into(),
            conns,
            figures,
            sql_per_req: sql,
        });
        Ok(())
    }

    /// The same loads, unmeasured, so caches and connections are warm when counting starts.
    async fn warm(&self, loads: &[Load]) -> anyhow::Result<()> {
        if !self.warmup.is_zero() {
            oha::run(&self.args.oha, loads, self.warmup).await?;
        }
        Ok(())
    }

    async fn statements(&self, server: Option<&Proc>) -> anyhow::Result<f64> {
        match server {
            Some(s) => self.client.statements(&s.url("")).await,
            None => Ok(f64::NAN),
        }
    }

    /// Statements since `before`, per measured request.
    async fn per_request(
        &self,
        server: Option<&Proc>,
        before: f64,
        requests: u64,
    ) -> anyhow::Result<f64> {
        let after = self.statements(server).await?;
        Ok((after - before) / requests.max(1) as f64)
    }
}

pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    if !args.server_bin.exists() {
        bail!("no server binary at {}", args.server_bin.display());
    }
    let dir = tempfile::Builder::new()
        .prefix("roadmap-bench-")
        .tempdir()?;
    let mut b = Bench {
        warmup: Duration::from_secs_f64(args.warmup),
        duration: Duration::from_secs_f64(args.duration),
        args,
        client: Client::new()?,
        dir: dir.path().to_owned(),
        report: Report::default(),
    };
    b.report
        .notes
        .push(format!("load: {}", oha_version(&b.args.oha)?));
    let tree_body = body(TREE_QUERY, json!({ "slug": b.args.slug }));
    let tree_file = write(&b.dir, "tree.json", &tree_body)?;

    // Phase 1: the server as deployed (caches on), and the ceiling beside it.
    let server =
        procs::start_server(&b.args.server_bin, &b.args.env, &[], &tree_body, &b.client).await?;
    b.report.notes.push(format!(
        "cold start of the server (spawn → first answer of (a)): {:.0} ms",
        server.cold_start.as_secs_f64() * 1000.0
    ));
    let gql_url = server.url("/graphql");
    let (status, exact) = b.client.post_raw(&gql_url, tree_body.clone(), None).await?;
    let tree = check_answer(status, &exact).context("the tree query failed")?;
    let (topics, resources) = count_topics(&tree["data"]["roadmap"]["topics"]);
    if topics == 0 {
        bail!(
            "roadmap {} has no topics: is the data set generated?",
            b.args.slug
        );
    }
    b.report.notes.push(format!(
        "(a) answers {topics} topics and {resources} resources in {:.1} KB of JSON",
        exact.len() as f64 / 1024.0
    ));

    // (f) the ceiling: the exact bytes of (a) from a separate minimal process, same tool.
    let static_body = write(&b.dir, "static-body.json", &exact)?;
    let ceiling = procs::start_static(&static_body, &b.client).await?;
    for c in [8, 64] {
        let load = b.load(
            ceiling.url("/static"),
            c,
            None,
            Body::Fixed(tree_file.clone()),
        );
        b.measure(
            None,
            &format!("f{c}"),
            "static ceiling: same bytes, separate minimal process",
            load,
        )
        .await?;
    }
    b.report.notes.push(format!(
        "static process peak RSS: {:.1} MiB",
        ceiling.peak_rss_mib()
    ));
    ceiling.stop();

    for c in [8, 64] {
        let load = b.load(gql_url.clone(), c, None, Body::Fixed(tree_file.clone()));
        b.measure(
            Some(&server),
            &format!("a{c}"),
            "whole tree, anonymous (response cache)",
            load,
        )
        .await?;
    }
    signed_in(&mut b, &server, &tree).await?;
    beside_sign_ins(&mut b, &server, &tree_file).await?;
    leaderboards(&mut b, &server).await?;
    teams::team_progress(&mut b, &server).await?;
    b.report.notes.push(format!(
        "server peak RSS (VmHWM) with caches on, after (a)–(f): {:.1} MiB (RSS now {:.1} MiB)",
        server.peak_rss_mib(),
        server.rss_mib()
    ));
    server.stop();

    // Phase 2: no response cache (every request resolves the tree); phase 3: no caches at all.
    let phases: [Phase; 2] = [
        (
            "r",
            "whole tree, resolved per request (no response cache)",
            &[("RESPONSE_CACHE_MB", "0")],
        ),
        (
            "n",
            "whole tree, no caches (SQL + resolvers per request)",
            &[("RESPONSE_CACHE_MB", "0"), ("TREE_CACHE", "false")],
        ),
    ];
    for (id, what, env) in phases {
        if !b.wanted(id) {
            continue;
        }
        let server =
            procs::start_server(&b.args.server_bin, &b.args.env, env, &tree_body, &b.client)
                .await?;
        for c in [8, 64] {
            let load = b.load(
                server.url("/graphql"),
                c,
                None,
                Body::Fixed(tree_file.clone()),
            );
            b.measure(Some(&server), &format!("{id}{c}"), what, load)
                .await?;
        }
        b.report.notes.push(format!(
            "({id}) server peak RSS: {:.1} MiB",
            server.peak_rss_mib()
        ));
        server.stop();
    }
    b.report.print(&b.args.label);
    Ok(())
}

fn oha_version(oha: &Path) -> anyhow::Result<String> {
    let out = std::process::Command::new(oha)
        .arg("--version")
        .output()
        .with_context(|| format!("cannot run {} (cargo install --locked oha)", oha.display()))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

async fn sign_in(b: &Bench, url: &str, n: usize) -> anyhow::Result<String> {
    let email = user_email(n);
    let (status, bytes) = b.client.post_raw(url, sign_in_body(&email), None).await?;
    let v = check_answer(status, &bytes).with_context(|| format!("sign-in of {email}"))?;
    v["data"]["signIn"]["accessToken"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("sign-in of {email}: no token in {v}"))
}

/// (b), (d) as the heavy user; (c) from several users at once.
/// (l): `leaderboard(kind, first: 20)` of each kind over the public profiles, anonymous.
async fn leaderboards(b: &mut Bench, server: &Proc) -> anyhow::Result<()> {
    let url = server.url("/graphql");
    let kinds = [
        ("l-cur8", "CURRENT_STREAK"),
        ("l-long8", "LONGEST_STREAK"),
        ("l-done8", "DONE_LAST_30_DAYS"),
    ];
    for (id, kind) in kinds {
        if !b.wanted(id) {
            continue;
        }
        let bytes = body(LEADERBOARD_QUERY, json!({ "kind": kind }));
        let (status, answer) = b.client.post_raw(&url, bytes.clone(), None).await?;
        let v = check_answer(status, &answer).with_context(|| format!("({id}) failed"))?;
        let entries = v["data"]["leaderboard"].as_array().map_or(0, Vec::len);
        if entries == 0 {
            b.report.notes.push(format!(
                "({id}) the leaderboard is empty: generate the data set with --profiles"
            ));
        }
        let file = write(&b.dir, &format!("{id}.json"), &bytes)?;
        let load = b.load(url.clone(), 8, None, Body::Fixed(file));
        b.measure(
            Some(server),
            id,
            &format!("leaderboard {kind}, first 20"),
            load,
        )
        .await?;
    }
    Ok(())
}

async fn signed_in(b: &mut Bench, server: &Proc, tree: &serde_json::Value) -> anyhow::Result<()> {
    if !(b.wanted("b") || b.wanted("c") || b.wanted("d")) {
        return Ok(());
    }
    let url = server.url("/graphql");
    let heavy = sign_in(b, &url, HEAVY_USER).await?;
    let checks = [
        (
            "b8",
            "whole tree + myStatus + myProgress, signed in",
            body(TREE_MINE_QUERY, json!({ "slug": b.args.slug })),
        ),
        (
            "d8",
            "me.progress of a user on 50 roadmaps",
            body(ME_PROGRESS_QUERY, json!({})),
        ),
    ];
    for (id, what, bytes) in checks {
        if !b.wanted(id) {
            continue;
        }
        let (status, answer) = b.client.post_raw(&url, bytes.clone(), Some(&heavy)).await?;
        check_answer(status, &answer).with_context(|| format!("({id}) failed"))?;
        let file = write(&b.dir, &format!("{id}.json"), &bytes)?;
        let load = b.load(url.clone(), 8, Some(&heavy), Body::Fixed(file));
        b.measure(Some(server), id, what, load).await?;
    }
    if !b.wanted("c8") {
        return Ok(());
    }
    // One oha process per writer (a token is a header, fixed per process), each picking a random
    // (topic, status) line per request; percentiles are over every writer's requests.
    let writers = b
        .args
        .writers
        .min(b.args.dataset_users.saturating_sub(HEAVY_USER))
        .max(1);
    let lines = set_status_lines(&all_topic_ids(&tree["data"]["roadmap"]["topics"]));
    let file = write(&b.dir, "set-status.lines", lines.as_bytes())?;
    let mut loads = Vec::new();
    for w in 0..writers {
        let token = sign_in(b, &url, HEAVY_USER + 1 + w).await?;
        // Every status once, so a broken mutation fails here rather than silently under oha.
        for line in lines.lines().take(STATUSES.len()) {
            let (status, answer) = b
                .client
                .post_raw(&url, line.as_bytes().to_vec(), Some(&token))
                .await?;
            check_answer(status, &answer).context("(c) setTopicStatus failed")?;
        }
        let mut load = b.load(url.clone(), 1, Some(&token), Body::Lines(file.clone()));
        load.threads = Some(1);
        loads.push(load);
    }
    b.warm(&loads).await?;
    let before = b.statements(Some(server)).await?;
    let figures = oha::run_merged(&b.args.oha, &loads, b.duration, &b.dir).await?;
    let sql = b
        .per_request(Some(server), before, figures.requests)
        .await?;
    b.report.push(Row {
        id: "c8".into(),
        what: format!("setTopicStatus, {writers} users, one connection each"),
        conns: writers,
        figures,
        sql_per_req: sql,
    });
    Ok(())
}

/// (e): (a) on 8 connections while 4 others sign in (argon2id) non-stop, as random users.
async fn beside_sign_ins(b: &mut Bench, server: &Proc, tree_file: &Path) -> anyhow::Result<()> {
    if !b.wanted("e") {
        return Ok(());
    }
    let url = server.url("/graphql");
    let last = b.args.dataset_users.min(1000);
    let mut lines = String::new();
    for n in 1..=last {
        lines.push_str(&String::from_utf8_lossy(&sign_in_body(&user_email(n))));
        lines.push('\n');
    }
    sign_in(b, &url, last).await.context("(e) sign-in")?;
    let signin_file = write(&b.dir, "sign-in.lines", lines.as_bytes())?;
    let loads = [
        b.load(url.clone(), 8, None, Body::Fixed(tree_file.to_owned())),
        b.load(url.clone(), 4, None, Body::Lines(signin_file)),
    ];
    b.warm(&loads).await?;
    let before = b.statements(Some(server)).await?;
    let mut f = oha::run(&b.args.oha, &loads, b.duration).await?;
    let signin = f.pop().unwrap_or_default();
    let reads = f.pop().unwrap_or_default();
    let sql = b
        .per_request(Some(server), before, reads.requests + signin.requests)
        .await?;
    b.report.push(Row {
        id: "e8".into(),
        what: "(a) while 4 connections sign in".into(),
        conns: 8,
        figures: reads,
        sql_per_req: sql,
    });
    b.report.push(Row {
        id: "e-signin".into(),
        what: "signIn (argon2id) beside (a)".into(),
        conns: 4,
        figures: signin,
        sql_per_req: f64::NAN,
    });
    Ok(())
}
