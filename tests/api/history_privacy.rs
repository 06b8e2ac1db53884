//! History never shows what its reader cannot read now: `me.activity`, `exportMyProgress` and
//! `Team.activity` keep the titles as they were when each change was made, and give no slug or
//! live roadmap of a roadmap hidden from the reader since (made PRIVATE and renamed, deleted,
//! left with its team, behind a regenerated share link). Every later title carries `MARK`, so an
//! answer holding it leaked a live title.
use serde_json::{json, Value};

use crate::helpers::catalog::{create_topic, new_roadmap, ok};
use crate::helpers::teams::Crew;
use crate::helpers::*;

const CREATE: &str = "mutation($i: CreateRoadmapInput!) { createRoadmap(input: $i) {
    id slug shareToken } }";
const RENAME_ROADMAP: &str = "mutation($id: ID!, $i: UpdateRoadmapInput!) {
    updateRoadmap(id: $id, input: $i) { id } }";
const RENAME_TOPIC: &str = "mutation($id: ID!, $t: String!) {
    updateTopic(id: $id, input: { title: $t }) { id } }";
const MARK_DONE: &str =
    "mutation($t: ID!) { setTopicStatus(topicId: $t, status: DONE) { changed } }";
const ACTIVITY: &str = "{ me { activity(first: 50) { totalCount nodes {
    topicKey topicTitle roadmapTitle roadmapSlug topic { key title } roadmap { slug title } } } } }";
const READ: &str = "query($s: String!, $t: String) { roadmap(slug: $s, shareToken: $t) { id } }";
/// Every later title contains it.
const MARK: &str = "MARKED";

/// A roadmap of `token` titled `title`, `visibility`, with one topic "Original topic";
/// returns (roadmap, topic).
async fn roadmap_of(
    app: &TestApp,
    token: &str,
    slug: &str,
    title: &str,
    visibility: &str,
    team: Option<&str>,
) -> (Value, Value) {
    let mut input = new_roadmap(slug);
    input["title"] = json!(title);
    input["visibility"] = json!(visibility);
    if let Some(team) = team {
        input["teamId"] = json!(team);
    }
    let r = ok(app, token, CREATE, json!({ "i": input })).await["createRoadmap"].clone();
    let t = create_topic(app, token, &r, None, None, "Original topic").await;
    (r, t)
}

/// The reader's whole history (one page), checked to hold no `MARK`.
async fn activity(app: &TestApp, token: &str) -> Vec<Value> {
    let d = ok(app, token, ACTIVITY, json!({})).await;
    assert!(!d.to_string().contains(MARK), "a live title leaked: {d}");
    d["me"]["activity"]["nodes"].as_array().unwrap().clone()
}

/// The export, checked to hold no `MARK`.
async fn export(app: &TestApp, token: &str) -> Value {
    let d = ok(app, token, ops::EXPORT_MY_PROGRESS, json!({})).await;
    assert!(!d.to_string().contains(MARK), "a live title leaked: {d}");
    d["exportMyProgress"].clone()
}

/// The one entry of `slug`'s original title, as it was recorded.
fn entry<'a>(entries: &'a [Value], title: &str) -> &'a Value {
    let found: Vec<&Value> = entries
        .iter()
        .filter(|e| e["roadmapTitle"] == title)
        .collect();
    assert_eq!(found.len(), 1, "{entries:?}");
    assert_eq!(found[0]["topicTitle"], "Original topic");
    found[0]
}

/// Renames the roadmap (title and topic) with `MARK` and applies `more` to its input.
async fn rename(app: &TestApp, owner: &str, roadmap: &Value, topic: &Value, more: Value) {
    let mut input = json!({ "title": format!("{MARK} roadmap") });
    if let (Some(i), Some(m)) = (input.as_object_mut(), more.as_object()) {
        i.extend(m.clone());
    }
    ok(
        app,
        owner,
        RENAME_ROADMAP,
        json!({ "id": roadmap["id"], "i": input }),
    )
    .await;
    ok(
        app,
        owner,
        RENAME_TOPIC,
        json!({ "id": topic["id"], "t": format!("{MARK} topic") }),
    )
    .await;
}

/// The scenario: a learner tracked a public roadmap; its owner made it PRIVATE and
/// renamed it and its topic. The learner's history keeps the old titles and loses the slug and
/// the live objects; the export leaves the roadmap out; `roadmap(slug)` is null.
#[tokio::test]
async fn a_roadmap_made_private_and_renamed_keeps_its_old_titles_in_history() {
    let app = spawn_app().await;
    let alice = app.signup("alice").await.access_token;
    let bob = app.signup("bob").await.access_token;
    let (r, t) = roadmap_of(&app, &alice, "alice-notes", "Alice notes", "PUBLIC", None).await;
    ok(&app, &bob, MARK_DONE, json!({ "t": t["id"] })).await;
    let before = activity(&app, &bob).await;
    let e = entry(&before, "Alice notes");
    assert_eq!(e["roadmapSlug"], "alice-notes");
    assert_eq!(e["roadmap"]["slug"], "alice-notes");
    assert_eq!(e["topic"]["title"], "Original topic");

    rename(&app, &alice, &r, &t, json!({ "visibility": "PRIVATE" })).await;
    let after = activity(&app, &bob).await;
    let e = entry(&after, "Alice notes");
    assert_eq!(
        (&e["roadmapSlug"], &e["roadmap"], &e["topic"]),
        (&Value::Null, &Value::Null, &Value::Null),
        "{e}"
    );
    assert_eq!(e["topicKey"], t["key"]);
    assert_eq!(export(&app, &bob).await["roadmaps"], json!([]));
    let d = ok(&app, &bob, READ, json!({ "s": "alice-notes" })).await;
    assert_eq!(d["roadmap"], Value::Null);
    // The owner, who can still read it, sees the same recorded titles in their own history.
    ok(&app, &alice, MARK_DONE, json!({ "t": t["id"] })).await;
    let d = ok(&app, &alice, ACTIVITY, json!({})).await;
    let own = &d["me"]["activity"]["nodes"][0];
    assert_eq!(own["roadmapSlug"], "alice-notes");
    assert_eq!(own["roadmapTitle"], format!("{MARK} roadmap"));
}

/// Renamed topic on a roadmap still readable: the history keeps the old title; the live topic
/// (readable) says the new one.
#[tokio::test]
async fn a_renamed_topic_keeps_its_recorded_title() {
    let app = spawn_app().await;
    let alice = app.signup("alice").await.access_token;
    let bob = app.signup("bob").await.access_token;
    let (_, t) = roadmap_of(&app, &alice, "alice-notes", "Alice notes", "PUBLIC", None).await;
    ok(&app, &bob, MARK_DONE, json!({ "t": t["id"] })).await;
    ok(
        &app,
        &alice,
        RENAME_TOPIC,
        json!({ "id": t["id"], "t": "Renamed topic" }),
    )
    .await;
    let entries = activity(&app, &bob).await;
    let e = entry(&entries, "Alice notes");
    assert_eq!(e["roadmapSlug"], "alice-notes");
    assert_eq!(e["topic"]["title"], "Renamed topic");
}

/// A deleted roadmap: the titles as recorded, no slug, no roadmap.
#[tokio::test]
async fn a_deleted_roadmap_keeps_its_recorded_titles_without_a_slug() {
    let app = spawn_app().await;
    let alice = app.signup("alice").await.access_token;
    let bob = app.signup("bob").await.access_token;
    let (r, t) = roadmap_of(&app, &alice, "alice-notes", "Alice notes", "PUBLIC", None).await;
    ok(&app, &bob, MARK_DONE, json!({ "t": t["id"] })).await;
    rename(&app, &alice, &r, &t, json!({})).await;
    ok(
        &app,
        &alice,
        ops::DELETE_ROADMAP,
        json!({ "id": r["id"], "f": true }),
    )
    .await;
    let entries = activity(&app, &bob).await;
    let e = entry(&entries, "Alice notes");
    assert_eq!(
        (&e["roadmapSlug"], &e["roadmap"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(export(&app, &bob).await["roadmaps"], json!([]));
}

/// A team's roadmap after the learner left the team: the titles as recorded, no slug; the team's
/// activity, for those still in it, keeps the recorded title too.
#[tokio::test]
async fn a_team_roadmap_after_leaving_the_team_keeps_its_recorded_titles() {
    let app = spawn_app().await;
    let c = Crew::new(&app, "hist").await;
    let owner = c.owner.access_token.clone();
    let member = c.member.access_token.clone();
    let (r, t) = roadmap_of(
        &app,
        &owner,
        "team-notes",
        "Team notes",
        "PRIVATE",
        Some(&c.team),
    )
    .await;
    ok(&app, &member, MARK_DONE, json!({ "t": t["id"] })).await;
    ok(&app, &owner, MARK_DONE, json!({ "t": t["id"] })).await;
    rename(&app, &owner, &r, &t, json!({})).await;
    let team = ok(
        &app,
        &owner,
        "query($id: ID!) { team(id: $id) { activity(first: 10) { nodes { topicTitle roadmapSlug } } } }",
        json!({ "id": c.team }),
    )
    .await;
    let nodes = team["team"]["activity"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(nodes.len(), 2, "{team}");
    assert!(
        nodes.iter().all(|n| n["topicTitle"] == "Original topic"),
        "{team}"
    );

    ok(
        &app,
        &member,
        "mutation($t: ID!) { leaveTeam(teamId: $t) }",
        json!({ "t": c.team }),
    )
    .await;
    let entries = activity(&app, &member).await;
    let e = entry(&entries, "Team notes");
    assert_eq!(
        (&e["roadmapSlug"], &e["roadmap"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(export(&app, &member).await["roadmaps"], json!([]));
}

/// An UNLISTED roadmap followed through its link, whose owner then regenerated the link: the
/// follow ended, so the slug and the live roadmap go; the recorded titles stay.
#[tokio::test]
async fn an_unlisted_roadmap_behind_a_regenerated_link_keeps_its_recorded_titles() {
    let app = spawn_app().await;
    let alice = app.signup("alice").await.access_token;
    let bob = app.signup("bob").await.access_token;
    let (r, t) = roadmap_of(&app, &alice, "alice-link", "Alice link", "UNLISTED", None).await;
    let d = ok(
        &app,
        &bob,
        READ,
        json!({ "s": "alice-link", "t": r["shareToken"] }),
    )
    .await;
    assert!(d["roadmap"].is_object(), "{d}");
    ok(&app, &bob, MARK_DONE, json!({ "t": t["id"] })).await;
    let entries = activity(&app, &bob).await;
    assert_eq!(entry(&entries, "Alice link")["roadmapSlug"], "alice-link");

    rename(&app, &alice, &r, &t, json!({})).await;
    ok(
        &app,
        &alice,
        "mutation($id: ID!) { regenerateShareToken(roadmapId: $id) { id } }",
        json!({ "id": r["id"] }),
    )
    .await;
    let entries = activity(&app, &bob).await;
    let e = entry(&entries, "Alice link");
    assert_eq!(
        (&e["roadmapSlug"], &e["roadmap"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(export(&app, &bob).await["roadmaps"], json!([]));
}
