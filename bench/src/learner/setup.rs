//! The learners of (b), (d) and (c): signed in once each, every learner's answers checked in
//! full before any load, and the files wrk reads (tokens, bodies).
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context as _};
use serde_json::{json, Value};

use super::Bench;
use crate::run::client::{check_answer, Client};
use crate::run::scenarios::{
    all_topic_ids, body, count_topics, set_status_lines, sign_in_body, user_email, write,
    TREE_MINE_QUERY,
};

/// The dashboard: progress on every roadmap (a page of 50), recent history and the streak.
pub const DASHBOARD_QUERY: &str = "query Dashboard { me { id \
progress(first: 50) { totalCount edges { node { roadmap { id slug title } done learning skipped \
pending total percentDone updatedAt } } } \
activity(first: 20) { totalCount nodes { id at from to topicKey topicTitle roadmapTitle } } \
streak { current longest lastActiveOn timeZone } } }";

pub struct Learners {
    pub count: usize,
    pub tokens: PathBuf,
    pub page: PathBuf,
    pub dashboard: PathBuf,
    pub writes: PathBuf,
}

async fn sign_in(client: &Client, url: &str, n: usize) -> anyhow::Result<String> {
    let email = user_email(n);
    let (status, bytes) = client.post_raw(url, sign_in_body(&email), None).await?;
    let v = check_answer(status, &bytes).with_context(|| format!("sign-in of {email}"))?;
    v["data"]["signIn"]["accessToken"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("sign-in of {email}: no token"))
}

/// Signs users 1 ..= `--learners` in (four at a time: argon2id), checks each one's page and
/// dashboard, and writes wrk's files.
pub async fn learners(b: &Bench, url: &str, topics: usize) -> anyhow::Result<Learners> {
    let count = b.args.learners.max(1);
    let client = Arc::new(Client::new()?);
    let mut tokens = Vec::with_capacity(count);
    let users: Vec<usize> = (1..=count).collect();
    for chunk in users.chunks(4) {
        let mut set = tokio::task::JoinSet::new();
        for &n in chunk {
            let (client, url) = (client.clone(), url.to_owned());
            set.spawn(async move { sign_in(&client, &url, n).await });
        }
        while let Some(t) = set.join_next().await {
            tokens.push(t??);
        }
    }
    let page = body(TREE_MINE_QUERY, json!({ "slug": b.args.slug }));
    let dashboard = body(DASHBOARD_QUERY, json!({}));
    let mut ids = Vec::new();
    for token in &tokens {
        let (status, bytes) = client.post_raw(url, page.clone(), Some(token)).await?;
        let v = check_answer(status, &bytes).context("(b) signed-in page")?;
        check_page(&v, topics)?;
        if ids.is_empty() {
            ids = all_topic_ids(&v["data"]["roadmap"]["topics"]);
        }
        let (status, bytes) = client.post_raw(url, dashboard.clone(), Some(token)).await?;
        let v = check_answer(status, &bytes).context("(d) dashboard")?;
        if !v["data"]["me"]["streak"].is_object() || !v["data"]["me"]["progress"].is_object() {
            bail!("(d) dashboard without progress or streak: {v}");
        }
    }
    // Every status once for one learner, so a broken mutation fails here rather than under load.
    let lines = set_status_lines(&ids);
    for line in lines.lines().take(4) {
        let (status, bytes) = client
            .post_raw(
                url,
                line.as_bytes().to_vec(),
                tokens.first().map(String::as_str),
            )
            .await?;
        check_answer(status, &bytes).context("(c) setTopicStatus")?;
    }
    Ok(Learners {
        count,
        tokens: write(&b.dir, "tokens.lines", tokens.join("\n").as_bytes())?,
        page: write(&b.dir, "page.json", &page)?,
        dashboard: write(&b.dir, "dashboard.json", &dashboard)?,
        writes: write(&b.dir, "writes.lines", lines.as_bytes())?,
    })
}

/// Every topic of the tree, each with a status, and the counts.
fn check_page(v: &Value, topics: usize) -> anyhow::Result<()> {
    let roadmap = &v["data"]["roadmap"];
    let (n, _) = count_topics(&roadmap["topics"]);
    if n != topics {
        bail!("(b) {n} topics where the anonymous page has {topics}");
    }
    if !roadmap["myProgress"]["total"].is_number() {
        bail!("(b) no myProgress");
    }
    fn statuses_set(topics: &Value) -> bool {
        topics.as_array().into_iter().flatten().all(|t| {
            t["myStatus"].is_string() && (t["children"].is_null() || statuses_set(&t["children"]))
        })
    }
    if !statuses_set(&roadmap["topics"]) {
        bail!("(b) a topic without myStatus");
    }
    Ok(())
}
