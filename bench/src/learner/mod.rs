//! `roadmap-bench learner`: the learner's path of issue 22 in one run, driven by wrk (which can
//! rotate learners: a different token on every request) and checked answer by answer.
//!
//! Rows: the static ceiling (f), the anonymous roadmap page (a), anonymous `search(query: …)`
//! with prefix, typo and multi-word queries (s, issue 23; see `search`), the signed-in roadmap page of
//! `--learners` learners in rotation (b), their dashboard (d), `setTopicStatus` by the same
//! learners (c) beside the raw upsert + history row (raw: pgbench on PostgreSQL, this process on
//! SQLite), then the cold paths with every cache off: the anonymous tree (n) and the signed-in
//! page (bn), and with `--postgraphile` the same page from PostGraphile on the same database
//! (pg). Every distinct request is also checked in full once before its load.
mod postgraphile;
mod raw;
mod search;
mod setup;
mod wrk;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Args;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::run::client::Client;
use crate::run::procs::{self, Proc};
use crate::run::report::{Report, Row};
use crate::run::scenarios::{body, count_topics, write, TREE_QUERY};
use crate::server_api::{self, DbArgs};
use wrk::Load;

#[derive(Debug, Clone, Args)]
pub struct LearnerArgs {
    /// The server binary to measure.
    #[arg(long, default_value = "target/release/roadmap-api")]
    pub server_bin: PathBuf,
    /// Environment for the server (repeatable), e.g. `--env DATABASE_URL=…`.
    #[arg(long = "env", value_name = "K=V", value_parser = crate::run::parse_env)]
    pub env: Vec<(String, String)>,
    /// The data set's database, for the raw writes (the same flags as the server's).
    #[command(flatten)]
    pub db: DbArgs,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// Unmeasured seconds of the same load before each scenario.
    #[arg(long, default_value_t = 2)]
    pub warmup: u64,
    /// Roadmap of the tree scenarios.
    #[arg(long, default_value = "gen-000")]
    pub slug: String,
    /// Learners in rotation (users 1 ..= N of the data set).
    #[arg(long, default_value_t = 200)]
    pub learners: usize,
    /// Connections of every load (and pgbench clients).
    #[arg(long, default_value_t = 8)]
    pub conns: usize,
    /// The data set's PostgreSQL URL, for pgbench.
    #[arg(long)]
    pub pgbench_url: Option<String>,
    /// pgbench's script of the raw writes.
    #[arg(long, default_value = "bench/upsert.sql")]
    pub upsert_sql: PathBuf,
    /// Comma-separated row ids to run (prefixes); default all.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Printed above the table.
    #[arg(long, default_value = "")]
    pub label: String,
    /// The wrk binary.
    #[arg(long, default_value = "wrk")]
    pub wrk: PathBuf,
    /// The PostGraphile v4 CLI (`node_modules/.bin/postgraphile`): adds row pg8 on PostgreSQL,
    /// served from the database of `--pgbench-url`.
    #[arg(long)]
    pub postgraphile: Option<PathBuf>,
}

/// What the loads share.
pub(crate) struct Bench {
    args: LearnerArgs,
    client: Client,
    dir: PathBuf,
    script: PathBuf,
    report: Report,
}

impl Bench {
    fn wanted(&self, id: &str) -> bool {
        self.args.only.is_empty() || self.args.only.iter().any(|o| id.starts_with(o.as_str()))
    }

    fn load(&self, url: String, tokens: Option<PathBuf>, bodies: PathBuf, marker: &str) -> Load {
        Load {
            url,
            conns: self.args.conns,
            tokens,
            bodies,
            marker: marker.to_owned(),
        }
    }

    /// Warms up, then measures `load`, counting `server`'s SQL statements; adds the row.
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
        let wrk = &self.args.wrk;
        if self.args.warmup > 0 {
            wrk::run(
                wrk,
                &self.script,
                &load,
                Duration::from_secs(self.args.warmup),
            )
            .await?;
        }
        let before = self.statements(server).await?;
        let figures = wrk::run(
            wrk,
            &self.script,
            &load,
            Duration::from_secs(self.args.duration),
        )
        .await?;
        let after = self.statements(server).await?;
        self.report.push(Row {
            id: id.into(),
            what: what.into(),
            conns: load.conns,
            sql_per_req: (after - before) / figures.requests.max(1) as f64,
            figures,
        });
        Ok(())
    }

    async fn statements(&self, server: Option<&Proc>) -> anyhow::Result<f64> {
        match server {
            Some(s) => self.client.statements(&s.url("")).await,
            None => Ok(f64::NAN),
        }
    }
}

pub async fn run(args: LearnerArgs) -> anyhow::Result<()> {
    if !args.server_bin.exists() {
        bail!("no server binary at {}", args.server_bin.display());
    }
    let tmp = tempfile::Builder::new()
        .prefix("roadmap-bench-learner-")
        .tempdir()?;
    let dir = tmp.path().to_owned();
    let script = write(&dir, "load.lua", wrk::SCRIPT.as_bytes())?;
    let mut b = Bench {
        args,
        client: Client::new()?,
        dir,
        script,
        report: Report::default(),
    };
    let tree_body = body(TREE_QUERY, json!({ "slug": b.args.slug }));
    let tree_file = write(&b.dir, "tree.json", &tree_body)?;

    let server =
        procs::start_server(&b.args.server_bin, &b.args.env, &[], &tree_body, &b.client).await?;
    let gql = server.url("/graphql");
    let (status, exact) = b.client.post_raw(&gql, tree_body.clone(), None).await?;
    let tree = crate::run::client::check_answer(status, &exact).context("the tree query")?;
    let (topics, resources) = count_topics(&tree["data"]["roadmap"]["topics"]);
    if topics == 0 {
        bail!(
            "roadmap {} has no topics: generate the data set",
            b.args.slug
        );
    }
    b.report.notes.push(format!(
        "(a) answers {topics} topics and {resources} resources in {:.1} KB of JSON",
        exact.len() as f64 / 1024.0
    ));

    // (f) the ceiling: (a)'s exact bytes from a minimal process, same tool and checks.
    let static_file = write(&b.dir, "static.json", &exact)?;
    let ceiling = procs::start_static(&static_file, &b.client).await?;
    let load = b.load(
        ceiling.url("/static"),
        None,
        tree_file.clone(),
        "\"topics\"",
    );
    b.measure(
        None,
        "f8",
        "static ceiling: (a)'s bytes, minimal process",
        load,
    )
    .await?;
    ceiling.stop();

    let load = b.load(gql.clone(), None, tree_file.clone(), "\"topics\"");
    b.measure(Some(&server), "a8", "roadmap page, anonymous", load)
        .await?;
    if b.wanted("s8") {
        let queries = search::prepare(&b, &gql, &tree["data"]["roadmap"]["topics"]).await?;
        let load = b.load(gql.clone(), None, queries.bodies.clone(), search::MARKER);
        let what = format!(
            "search(query, first: 20), {} queries (prefix, typo, multi-word), anonymous",
            queries.list.len()
        );
        b.measure(Some(&server), "s8", &what, load).await?;
        let list: Vec<String> = queries
            .list
            .iter()
            .map(|(kind, q)| format!("{kind} `{q}`"))
            .collect();
        b.report.notes.push(format!(
            "(s) queries, one at random per request: {}",
            list.join(", ")
        ));
    }

    let learners = setup::learners(&b, &gql, topics).await?;
    let page = b.load(
        gql.clone(),
        Some(learners.tokens.clone()),
        learners.page.clone(),
        "\"myProgress\":{",
    );
    let what = format!(
        "roadmap page + myStatus + myProgress, {} learners",
        learners.count
    );
    b.measure(Some(&server), "b8", &what, page).await?;
    let dash = b.load(
        gql.clone(),
        Some(learners.tokens.clone()),
        learners.dashboard.clone(),
        "\"streak\":{",
    );
    let what = format!(
        "dashboard me {{ progress(first: 50) activity streak }}, {} learners",
        learners.count
    );
    b.measure(Some(&server), "d8", &what, dash).await?;
    let writes = b.load(
        gql.clone(),
        Some(learners.tokens.clone()),
        learners.writes.clone(),
        "\"setTopicStatus\":{",
    );
    let what = format!("setTopicStatus, {} learners", learners.count);
    b.measure(Some(&server), "c8", &what, writes).await?;
    b.report.notes.push(format!(
        "server peak RSS (VmHWM) after (a)–(c): {:.1} MiB",
        server.peak_rss_mib()
    ));
    server.stop();
    raw_writes(&mut b).await?;

    // Cold: every cache off, SQL and resolvers per request.
    if b.wanted("n") || b.wanted("bn") {
        let off = [("RESPONSE_CACHE_MB", "0"), ("TREE_CACHE", "false")];
        let server =
            procs::start_server(&b.args.server_bin, &b.args.env, &off, &tree_body, &b.client)
                .await?;
        let gql = server.url("/graphql");
        let load = b.load(gql.clone(), None, tree_file.clone(), "\"topics\"");
        b.measure(
            Some(&server),
            "n8",
            "roadmap page, anonymous, caches off",
            load,
        )
        .await?;
        let page = b.load(
            gql,
            Some(learners.tokens.clone()),
            learners.page.clone(),
            "\"myProgress\":{",
        );
        b.measure(
            Some(&server),
            "bn8",
            "signed-in roadmap page, caches off",
            page,
        )
        .await?;
        server.stop();
    }
    if let (Some(bin), Some(url)) = (b.args.postgraphile.clone(), b.args.pgbench_url.clone()) {
        postgraphile::measure(&mut b, &bin, &url, (topics, resources)).await?;
    }
    ratios(&mut b.report);
    b.report.print(&b.args.label);
    Ok(())
}

/// The raw writes (row `raw8`), after the server has stopped.
async fn raw_writes(b: &mut Bench) -> anyhow::Result<()> {
    if !b.wanted("raw") {
        return Ok(());
    }
    let db = server_api::connect(&b.args.db).await?;
    let ids = raw::ids(&db).await?;
    let duration = Duration::from_secs(b.args.duration);
    let (what, figures) = if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        let url = b
            .args
            .pgbench_url
            .as_deref()
            .context("PostgreSQL: pass --pgbench-url (the data set's URL)")?;
        let f = raw::pgbench(url, &b.args.upsert_sql, b.args.conns, duration, ids, &b.dir).await?;
        ("raw upsert + history row in one transaction (pgbench)", f)
    } else {
        let f = raw::direct(&db, b.args.conns, duration, ids).await?;
        (
            "raw upsert + history row in one transaction (direct, sqlx)",
            f,
        )
    };
    b.report.push(Row {
        id: "raw8".into(),
        what: what.into(),
        conns: b.args.conns,
        figures,
        sql_per_req: 4.0,
    });
    Ok(())
}

/// The writes' ratio to the raw statements, as a note.
fn ratios(report: &mut Report) {
    let rps = |id: &str| {
        report
            .rows
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.figures.rps)
    };
    if let (Some(c), Some(r)) = (rps("c8"), rps("raw8")) {
        report
            .notes
            .push(format!("setTopicStatus / raw writes: {:.2}", c / r));
    }
    if let (Some(n), Some(pg)) = (rps("n8"), rps("pg8")) {
        report.notes.push(format!(
            "cold anonymous page / PostGraphile (n8 / pg8): {:.1}x (goal >= 10)",
            n / pg
        ));
    }
    if let (Some(bn), Some(n)) = (rps("bn8"), rps("n8")) {
        report.notes.push(format!(
            "signed-in / anonymous page with caches off: {:.2}",
            bn / n
        ));
    }
}
