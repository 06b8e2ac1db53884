//! Row pg8: the same roadmap page from PostGraphile v4 on the same PostgreSQL database, in the
//! same run, so the cold path's ratio against it (issue 22: n8 ≥ 10× PostGraphile) is measured
//! rather than quoted. PostGraphile runs with its defaults (no cache of answers) and one worker
//! per core; its schema is generated from ours, so the query asks for the same topics (three
//! levels, live ones, in order) and resources with the same fields under its names.
use std::path::Path;

use anyhow::{bail, Context as _};
use serde_json::{json, Value};

use super::Bench;
use crate::run::procs;
use crate::run::scenarios::{body, write};

pub const QUERY: &str = "query RoadmapPage($slug: String!) { allRoadmaps(condition: {slug: $slug, \
deletedAt: null}, first: 1) { nodes { id slug title description topicsByRoadmapId(condition: \
{parentId: null, deletedAt: null}, orderBy: POSITION_ASC) { totalCount nodes { ...T \
topicsByParentId(condition: {deletedAt: null}, orderBy: POSITION_ASC) { nodes { ...T \
topicsByParentId(condition: {deletedAt: null}, orderBy: POSITION_ASC) { nodes { ...T } } } } } } } } } \
fragment T on Topic { id title description kind position legend resourcesByTopicId(orderBy: \
POSITION_ASC) { nodes { id kind title url } } }";

/// Every answer of the load must hold this.
const MARKER: &str = "\"topicsByParentId\"";

/// Measures row pg8 with the PostGraphile CLI at `bin` on `database_url`; the answer is first
/// checked to hold as many topics and resources as (a)'s.
pub async fn measure(
    b: &mut Bench,
    bin: &Path,
    database_url: &str,
    expect: (usize, usize),
) -> anyhow::Result<()> {
    if !b.wanted("pg") {
        return Ok(());
    }
    let request = body(QUERY, json!({ "slug": b.args.slug }));
    let file = write(&b.dir, "postgraphile.json", &request)?;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let server = procs::start_postgraphile(bin, database_url, workers, &request, &b.client).await?;
    let url = server.url("/graphql");
    let (status, bytes) = b.client.post_raw(&url, request, None).await?;
    let answer = crate::run::client::check_answer(status, &bytes).context("PostGraphile's tree")?;
    let roadmap = &answer["data"]["allRoadmaps"]["nodes"][0];
    let found = count(&roadmap["topicsByRoadmapId"]["nodes"]);
    if found != expect {
        bail!("PostGraphile answered {found:?} topics and resources, (a) {expect:?}");
    }
    b.report.notes.push(format!(
        "(pg) PostGraphile v4, {workers} workers, answers the same {} topics and {} resources in \
         {:.1} KB of JSON",
        found.0,
        found.1,
        bytes.len() as f64 / 1024.0
    ));
    let load = b.load(url, None, file, MARKER);
    let what = format!("roadmap page from PostGraphile v4 ({workers} workers), same database");
    b.measure(None, "pg8", &what, load).await?;
    server.stop();
    Ok(())
}

/// Topics and resources of PostGraphile's nested answer.
fn count(topics: &Value) -> (usize, usize) {
    let mut found = (0, 0);
    for topic in topics.as_array().into_iter().flatten() {
        found.0 += 1;
        found.1 += topic["resourcesByTopicId"]["nodes"]
            .as_array()
            .map_or(0, Vec::len);
        let below = count(&topic["topicsByParentId"]["nodes"]);
        found.0 += below.0;
        found.1 += below.1;
    }
    found
}
