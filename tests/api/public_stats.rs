//! Public statistics count only what the profile shows publicly (its showcase: the roadmaps its
//! settings select that anyone may read): the profile others see, the badge and the public
//! leaderboard agree, whatever the learner does on private and team roadmaps. A team's board
//! counts the team's roadmaps.
use serde_json::{json, Value};

use crate::helpers::catalog::{create_topic, new_roadmap, ok};
use crate::helpers::progress::topics_of;
use crate::helpers::teams::Crew;
use crate::helpers::*;

const CREATE: &str = "mutation($i: CreateRoadmapInput!) { createRoadmap(input: $i) { id slug } }";
const MARK_DONE: &str =
    "mutation($t: ID!) { setTopicStatus(topicId: $t, status: DONE) { changed } }";
const UPDATE: &str = "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { username } }";
const PROFILE: &str = "query($u: String!) { profile(username: $u) {
    roadmaps { roadmap { slug } done } } }";
const BOARD: &str = "query($t: ID) { leaderboard(kind: DONE_LAST_30_DAYS, teamId: $t) {
    value user { username } } }";

/// A roadmap of `token` (for `team` when given) with `n` topics, each marked DONE by `learner`.
async fn done_on(
    app: &TestApp,
    token: &str,
    learner: &str,
    slug: &str,
    team: Option<&str>,
    n: usize,
) -> String {
    let mut input = new_roadmap(slug);
    input["visibility"] = json!("PRIVATE");
    if let Some(team) = team {
        input["teamId"] = json!(team);
    }
    let r = ok(app, token, CREATE, json!({ "i": input })).await["createRoadmap"].clone();
    for i in 0..n {
        let t = create_topic(app, token, &r, None, None, &format!("Topic {i}")).await;
        ok(app, learner, MARK_DONE, json!({ "t": t["id"] })).await;
    }
    r["id"].as_str().unwrap().to_owned()
}

/// (profile DONE total, badge text, public board value) of `username`, as `viewer` sees them.
async fn figures(app: &TestApp, viewer: Option<&str>, username: &str) -> (i64, String, i64) {
    let body = app
        .gql_with(viewer, PROFILE, json!({ "u": username }))
        .await;
    let shown: i64 = body["data"]["profile"]["roadmaps"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|r| r["done"].as_i64().unwrap())
        .sum();
    let svg = app
        .client
        .get(app.url(&format!("/badges/{username}.svg")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let badge = svg
        .split("aria-label=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let body = app.gql_with(viewer, BOARD, json!({})).await;
    let value = body["data"]["leaderboard"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .find(|e| e["user"]["username"] == username)
        .map_or(0, |e| e["value"].as_i64().unwrap());
    (shown, badge, value)
}

#[tokio::test]
async fn profile_badge_and_leaderboard_count_only_the_public_showcase() {
    let app = spawn_app().await;
    let c = Crew::new(&app, "ps").await;
    let ada = c.member.access_token.clone();
    let name = "psmember";
    ok(
        &app,
        &ada,
        UPDATE,
        json!({ "i": { "profileVisibility": "PUBLIC" } }),
    )
    .await;
    // Two DONE on the official Backend roadmap, three on her PRIVATE roadmap, four on a team's.
    let (_, topics) = topics_of(&app, "backend").await;
    for (id, _) in &topics[..2] {
        ok(&app, &ada, MARK_DONE, json!({ "t": id })).await;
    }
    let private = done_on(&app, &ada, &ada, "ada-private", None, 3).await;
    done_on(
        &app,
        &c.owner.access_token,
        &ada,
        "ps-team",
        Some(&c.team),
        4,
    )
    .await;

    // Anonymous, a teammate and an admin all see 2, on the profile, the badge and the board.
    for viewer in [
        None,
        Some(c.owner.access_token.as_str()),
        Some(c.admin.access_token.as_str()),
    ] {
        let (shown, badge, value) = figures(&app, viewer, name).await;
        assert_eq!((shown, value), (2, 2), "{viewer:?}");
        assert!(badge.contains("2 topics done"), "{badge}");
    }
    // The team's board counts the team's roadmap, for its members.
    let body = app
        .gql_as(&c.owner.access_token, BOARD, json!({ "t": c.team }))
        .await;
    let mine: Vec<&Value> = body["data"]["leaderboard"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter(|e| e["user"]["username"] == name)
        .collect();
    assert_eq!(mine[0]["value"], 4, "{body}");

    // Selecting only the private roadmap shows nothing anywhere.
    ok(
        &app,
        &ada,
        UPDATE,
        json!({ "i": { "profileRoadmaps": "SELECTED", "profileRoadmapIds": [private] } }),
    )
    .await;
    let (shown, badge, value) = figures(&app, None, name).await;
    assert_eq!((shown, value), (0, 0));
    assert!(badge.contains("0 topics done"), "{badge}");
}
