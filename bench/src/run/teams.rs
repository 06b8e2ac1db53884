//! (t): a page of `team.progress` (20 rows) as the team's owner, over the generated team of
//! `--team-members` members and 10 roadmaps: one roadmap (1,000 rows to rank) on one connection
//! (`t-one1`: a team lead's page alone) and on 8 (`t-one8`), and all ten roadmaps (10,000 rows,
//! `t-all1`).
use anyhow::Context as _;
use serde_json::json;

use super::client::check_answer;
use super::oha::Body;
use super::procs::Proc;
use super::scenarios::{body, write};
use super::{sign_in, Bench};
use crate::generate::{HEAVY_USER, TEAM_NAME};

const MY_TEAMS: &str =
    "query MyTeams { me { teams { id name roadmaps { roadmap { id slug } } } } }";

/// The page a team lead's progress table asks for.
pub const TEAM_PROGRESS_QUERY: &str = "query TeamProgress($team: ID!, $roadmap: ID) { \
team(id: $team) { progress(roadmapId: $roadmap, first: 20) { totalCount nodes { \
user { id username displayName } roadmap { id slug title } done learning skipped total percentDone updatedAt } } } }";

pub async fn team_progress(b: &mut Bench, server: &Proc) -> anyhow::Result<()> {
    if !["t-one1", "t-one8", "t-all1"].iter().any(|id| b.wanted(id)) {
        return Ok(());
    }
    let url = server.url("/graphql");
    let owner = sign_in(b, &url, HEAVY_USER).await?;
    let (status, answer) = b
        .client
        .post_raw(&url, body(MY_TEAMS, json!({})), Some(&owner))
        .await?;
    let v = check_answer(status, &answer).context("(t) me.teams")?;
    let team = v["data"]["me"]["teams"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["name"] == TEAM_NAME);
    let Some(team) = team else {
        b.report
            .notes
            .push("(t) no generated team: generate the data set with --team-members".to_owned());
        return Ok(());
    };
    let first_roadmap = team["roadmaps"][0]["roadmap"]["id"].clone();
    let all = serde_json::Value::Null;
    let cases = [
        (
            "t-one1",
            1,
            "team.progress, one roadmap, 20 of all members",
            &first_roadmap,
        ),
        (
            "t-one8",
            8,
            "team.progress, one roadmap, 20 of all members",
            &first_roadmap,
        ),
        (
            "t-all1",
            1,
            "team.progress, all 10 roadmaps, 20 of members × roadmaps",
            &all,
        ),
    ];
    for (id, conns, what, roadmap) in cases {
        if !b.wanted(id) {
            continue;
        }
        let bytes = body(
            TEAM_PROGRESS_QUERY,
            json!({ "team": team["id"], "roadmap": roadmap }),
        );
        let (status, answer) = b.client.post_raw(&url, bytes.clone(), Some(&owner)).await?;
        let v = check_answer(status, &answer).with_context(|| format!("({id}) failed"))?;
        let rows = v["data"]["team"]["progress"]["totalCount"]
            .as_i64()
            .unwrap_or(0);
        b.report.notes.push(format!(
            "({id}) ranks {rows} (member, roadmap) rows per request"
        ));
        let file = write(&b.dir, &format!("{id}.json"), &bytes)?;
        let load = b.load(url.clone(), conns, Some(&owner), Body::Fixed(file));
        b.measure(Some(server), id, what, load).await?;
    }
    Ok(())
}
