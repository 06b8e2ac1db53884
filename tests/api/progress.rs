//! Learner progress over real HTTP and WebSocket: statuses and counts (100 % reachable), batches,
//! resets, notes, favourites, history, streaks, export → import, edits that keep progress,
//! concurrent writes, the live subscription, and bounded SQL for a whole tree.
use std::collections::HashMap;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;

const SET: &str = r#"mutation($id: ID!, $s: ProgressStatus!) { setTopicStatus(topicId: $id, status: $s) {
    changed status topic { id key myStatus }
    progress { done learning skipped pending total percentDone percentComplete updatedAt favorite roadmap { slug } } } }"#;

const SET_MANY: &str = r#"mutation($r: ID!, $c: [TopicStatusInput!]!) { setTopicStatuses(roadmapId: $r, changes: $c) {
    changedCount topics { key myStatus } progress { done learning skipped pending total percentDone percentComplete } } }"#;

const PROGRESS: &str = r#"query($slug: String!) { roadmap(slug: $slug) { id topicCount
    myProgress { done learning skipped pending total percentDone percentComplete updatedAt favorite } } }"#;

const TREE: &str = r#"query($slug: String!) { roadmap(slug: $slug) { id topicCount
    myProgress { done learning skipped pending total percentDone percentComplete }
    topics { ...T children { ...T children { ...T children { ...T } } } } } }
fragment T on Topic { id key title myStatus myNote }"#;

const ME_PROGRESS: &str = r#"query($first: Int, $after: String) { me { progress(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { roadmap { slug } done learning skipped pending total percentDone favorite updatedAt } } } } }"#;

const ACTIVITY: &str = r#"query($first: Int, $after: String) { me { activity(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id at from to topicKey topicTitle roadmapTitle roadmapSlug topic { key } } } } } }"#;

fn walk<'a>(topics: &'a Value, out: &mut Vec<&'a Value>) {
    for t in topics.as_array().into_iter().flatten() {
        out.push(t);
        walk(&t["children"], out);
    }
}

/// Every topic of a roadmap as (global id, key), in tree order, plus the roadmap's global id.
async fn topics_of(app: &TestApp, slug: &str) -> (String, Vec<(String, String)>) {
    let body = app.gql(TREE, json!({ "slug": slug })).await;
    assert!(body.get("errors").is_none(), "{body}");
    let mut all = Vec::new();
    walk(&body["data"]["roadmap"]["topics"], &mut all);
    let ids = all
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_owned(),
                t["key"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (
        body["data"]["roadmap"]["id"].as_str().unwrap().to_owned(),
        ids,
    )
}

/// Imports a generated roadmap of about `n` topics through the CLI.
async fn import_generated(app: &TestApp, slug: &str, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{slug}.json"));
    std::fs::write(
        &path,
        serde_json::to_vec(&generated_document(slug, n)).unwrap(),
    )
    .unwrap();
    let out = app.cli(&["import", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The numeric id behind a global id (`base64("User:7")` → 7).
fn numeric_id(global: &str) -> i64 {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(global).unwrap()).unwrap();
    raw.split_once(':').unwrap().1.parse().unwrap()
}

fn ok(body: &Value) -> &Value {
    assert!(body.get("errors").is_none(), "{body}");
    &body["data"]
}

async fn set(app: &TestApp, token: &str, id: &str, status: &str) -> Value {
    let body = app
        .gql_as(token, SET, json!({ "id": id, "s": status }))
        .await;
    ok(&body)["setTopicStatus"].clone()
}

async fn my_progress(app: &TestApp, token: &str, slug: &str) -> Value {
    let body = app.gql_as(token, PROGRESS, json!({ "slug": slug })).await;
    ok(&body)["roadmap"]["myProgress"].clone()
}

/// The first `first` rows of the viewer's `me.progress`.
async fn my_dashboard(app: &TestApp, token: &str, first: i64) -> Vec<Value> {
    let body = app
        .gql_as(token, ME_PROGRESS, json!({ "first": first }))
        .await;
    ok(&body)["me"]["progress"]["edges"]
        .as_array()
        .unwrap()
        .clone()
}

async fn sql(app: &TestApp, statement: &str) {
    let db = app.db.connect().await;
    db.execute_unprepared(statement)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
    db.close().await.ok();
}

async fn count_rows(app: &TestApp, query: &str) -> i64 {
    let db = app.db.connect().await;
    let row = db
        .query_one(sea_orm::Statement::from_string(
            db.get_database_backend(),
            query.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = row.try_get_by_index(0).unwrap();
    db.close().await.ok();
    n
}

#[tokio::test]
async fn statuses_counts_idempotence_and_a_reachable_hundred_percent() {
    let app = spawn_app().await;
    let (roadmap_id, topics) = topics_of(&app, "backend").await;
    let total = topics.len() as i64;

    // Anonymous: no status, no progress.
    let anon = app.gql(TREE, json!({ "slug": "backend" })).await;
    assert!(ok(&anon)["roadmap"]["myProgress"].is_null());
    assert!(anon["data"]["roadmap"]["topics"][0]["myStatus"].is_null());

    let s = app.signup("learner").await;
    let p = my_progress(&app, &s.access_token, "backend").await;
    assert_eq!(p["total"], total);
    assert_eq!(p["pending"], total);
    assert_eq!(p["percentDone"], 0.0);
    assert!(p["updatedAt"].is_null());

    let (a, b, c) = (&topics[0].0, &topics[1].0, &topics[2].0);
    let r = set(&app, &s.access_token, a, "DONE").await;
    assert_eq!(r["changed"], true);
    assert_eq!(r["status"], "DONE");
    assert_eq!(r["topic"]["myStatus"], "DONE");
    assert_eq!(r["topic"]["key"], topics[0].1);
    assert_eq!(r["progress"]["done"], 1);
    assert_eq!(r["progress"]["pending"], total - 1);
    assert_eq!(r["progress"]["roadmap"]["slug"], "backend");
    assert!(r["progress"]["updatedAt"].is_string());

    // Idempotent: the same status again writes nothing and records no event.
    let events_before = count_rows(&app, "SELECT COUNT(*) FROM progress_events").await;
    let again = set(&app, &s.access_token, a, "DONE").await;
    assert_eq!(again["changed"], false);
    assert_eq!(again["progress"]["done"], 1);
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM progress_events").await,
        events_before
    );

    set(&app, &s.access_token, b, "LEARNING").await;
    let r = set(&app, &s.access_token, c, "SKIPPED").await;
    assert_eq!(r["progress"]["done"], 1);
    assert_eq!(r["progress"]["learning"], 1);
    assert_eq!(r["progress"]["skipped"], 1);
    assert_eq!(r["progress"]["pending"], total - 3);
    let pd = r["progress"]["percentDone"].as_f64().unwrap();
    assert!((pd - 100.0 / total as f64).abs() < 1e-9, "{pd}");
    let pc = r["progress"]["percentComplete"].as_f64().unwrap();
    assert!((pc - 200.0 / total as f64).abs() < 1e-9, "{pc}");

    // PENDING clears: the row goes away.
    let r = set(&app, &s.access_token, b, "PENDING").await;
    assert_eq!(r["topic"]["myStatus"], "PENDING");
    assert_eq!(r["progress"]["learning"], 0);
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM progress").await,
        2,
        "PENDING must leave no row"
    );

    // Counts agree everywhere: the tree's statuses, myProgress, and me.progress.
    let tree = app
        .gql_as(&s.access_token, TREE, json!({ "slug": "backend" }))
        .await;
    let mut all = Vec::new();
    walk(&ok(&tree)["roadmap"]["topics"], &mut all);
    let mut by_status: HashMap<String, i64> = HashMap::new();
    for t in &all {
        *by_status
            .entry(t["myStatus"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let p = &tree["data"]["roadmap"]["myProgress"];
    assert_eq!(p["done"], by_status.get("DONE").copied().unwrap_or(0));
    assert_eq!(p["skipped"], by_status.get("SKIPPED").copied().unwrap_or(0));
    assert_eq!(p["pending"], by_status.get("PENDING").copied().unwrap_or(0));
    assert_eq!(p["total"], all.len() as i64);
    let me = app
        .gql_as(&s.access_token, ME_PROGRESS, json!({ "first": 10 }))
        .await;
    let node = &ok(&me)["me"]["progress"]["edges"][0]["node"];
    assert_eq!(node["roadmap"]["slug"], "backend");
    assert_eq!(node["done"], p["done"]);
    assert_eq!(node["skipped"], p["skipped"]);
    assert_eq!(node["total"], p["total"]);

    // 100 %: every topic done in one batch, then some skipped (complete stays 100).
    let changes: Vec<Value> = topics
        .iter()
        .map(|(id, _)| json!({ "topicId": id, "status": "DONE" }))
        .collect();
    let body = app
        .gql_as(
            &s.access_token,
            SET_MANY,
            json!({ "r": roadmap_id, "c": changes }),
        )
        .await;
    let r = &ok(&body)["setTopicStatuses"];
    assert_eq!(r["changedCount"], total - 1, "one was already DONE");
    assert_eq!(r["progress"]["done"], total);
    assert_eq!(r["progress"]["pending"], 0);
    assert_eq!(r["progress"]["percentDone"], 100.0);
    assert_eq!(r["progress"]["percentComplete"], 100.0);
    assert!(r["topics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["myStatus"] == "DONE"));
    let skip: Vec<Value> = topics[..5]
        .iter()
        .map(|(id, _)| json!({ "topicId": id, "status": "SKIPPED" }))
        .collect();
    let body = app
        .gql_as(
            &s.access_token,
            SET_MANY,
            json!({ "r": roadmap_id, "c": skip }),
        )
        .await;
    let r = &ok(&body)["setTopicStatuses"]["progress"];
    assert_eq!(r["done"], total - 5);
    assert_eq!(r["skipped"], 5);
    assert_eq!(r["percentComplete"], 100.0);
    assert!(r["percentDone"].as_f64().unwrap() < 100.0);
}

#[tokio::test]
async fn bad_input_is_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let (roadmap_id, topics) = topics_of(&app, "backend").await;
    import_generated(&app, "other", 10).await;
    let (_, docker) = topics_of(&app, "other").await;
    let s = app.signup("badinput").await;
    let t = &s.access_token;

    // Signed out: refused.
    let body = app
        .gql(SET, json!({ "id": topics[0].0, "s": "DONE" }))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");

    // Unknown topic (well-formed id) and unknown roadmap: NOT_FOUND.
    let missing_topic = URL_SAFE_NO_PAD.encode("Topic:no-such-topic");
    let body = app
        .gql_as(t, SET, json!({ "id": missing_topic, "s": "DONE" }))
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    let missing_roadmap = URL_SAFE_NO_PAD.encode("Roadmap:999999");
    let body = app
        .gql_as(
            t,
            "mutation($r: ID!) { resetRoadmapProgress(roadmapId: $r) { clearedCount } }",
            json!({ "r": missing_roadmap }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    for m in ["favoriteRoadmap", "unfavoriteRoadmap"] {
        let body = app
            .gql_as(
                t,
                &format!("mutation($r: ID!) {{ {m}(roadmapId: $r) {{ favorite }} }}"),
                json!({ "r": missing_roadmap }),
            )
            .await;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{m}: {body}");
    }

    // Malformed id: BAD_USER_INPUT naming the argument.
    let body = app
        .gql_as(t, SET, json!({ "id": "garbage!", "s": "DONE" }))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(body["errors"][0]["extensions"]["field"], "topicId");

    // A status outside the enum: a validation error with a 4xx status.
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(t)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": SET, "variables": { "id": topics[0].0, "s": "FINISHED" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body.get("data").is_none() || body["data"].is_null(),
        "{body}"
    );
    // A request error (no data) whose message names the bad value.
    assert!(
        matches!(
            error_code(&body),
            Some("BAD_USER_INPUT" | "GRAPHQL_VALIDATION_FAILED")
        ),
        "{body}"
    );
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("FINISHED"));

    // A note over the limit.
    let body = app
        .gql_as(
            t,
            "mutation($id: ID!, $n: String) { setTopicNote(topicId: $id, note: $n) { note } }",
            json!({ "id": topics[0].0, "n": "x".repeat(10_001) }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "note");

    // A batch naming a topic of another roadmap fails whole, naming the entry.
    let changes = json!([
        { "topicId": topics[0].0, "status": "DONE" },
        { "topicId": topics[1].0, "status": "LEARNING" },
        { "topicId": docker[0].0, "status": "DONE" },
    ]);
    let body = app
        .gql_as(t, SET_MANY, json!({ "r": roadmap_id, "c": changes }))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "changes[2].topicId"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&docker[0].1),
        "{body}"
    );
    // Over 500 changes.
    let many: Vec<Value> = (0..501)
        .map(|i| json!({ "topicId": URL_SAFE_NO_PAD.encode(format!("Topic:t{i}")), "status": "DONE" }))
        .collect();
    let body = app
        .gql_as(t, SET_MANY, json!({ "r": roadmap_id, "c": many }))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "changes");

    assert_eq!(count_rows(&app, "SELECT COUNT(*) FROM progress").await, 0);
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM topic_notes").await,
        0
    );
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM progress_events").await,
        0
    );

    // No query takes a user id for private progress: another user sees only their own.
    let other = app.signup("someoneelse").await;
    set(&app, &other.access_token, &topics[0].0, "DONE").await;
    let mine = my_progress(&app, t, "backend").await;
    assert_eq!(mine["done"], 0);
    let body = app.gql_as(t, ME_PROGRESS, json!({ "first": 5 })).await;
    assert_eq!(ok(&body)["me"]["progress"]["totalCount"], 0);
}

#[tokio::test]
async fn notes_favourites_and_reset() {
    let app = spawn_app().await;
    let (roadmap_id, topics) = topics_of(&app, "backend").await;
    let (docker_id, _) = topics_of(&app, "docker").await;
    let s = app.signup("notetaker").await;
    let t = &s.access_token;
    const NOTE: &str =
        "mutation($id: ID!, $n: String) { setTopicNote(topicId: $id, note: $n) { note topic { key myNote } } }";

    let text = "# Remember\n\n* the **three-way** handshake";
    let body = app
        .gql_as(t, NOTE, json!({ "id": topics[3].0, "n": text }))
        .await;
    let r = &ok(&body)["setTopicNote"];
    assert_eq!(r["note"], text);
    assert_eq!(r["topic"]["myNote"], text);
    // Exactly at the limit is fine (characters, not bytes).
    let long = "é".repeat(10_000);
    let body = app
        .gql_as(t, NOTE, json!({ "id": topics[4].0, "n": long }))
        .await;
    assert_eq!(ok(&body)["setTopicNote"]["note"], long);
    let tree = app.gql_as(t, TREE, json!({ "slug": "backend" })).await;
    let mut all = Vec::new();
    walk(&ok(&tree)["roadmap"]["topics"], &mut all);
    let with_notes: Vec<&str> = all
        .iter()
        .filter(|x| x["myNote"].is_string())
        .map(|x| x["key"].as_str().unwrap())
        .collect();
    assert_eq!(with_notes, vec![topics[3].1.as_str(), topics[4].1.as_str()]);
    // Empty and null clear.
    for clear in [json!(""), Value::Null] {
        let id = if clear.is_null() {
            &topics[4].0
        } else {
            &topics[3].0
        };
        let body = app.gql_as(t, NOTE, json!({ "id": id, "n": clear })).await;
        assert!(ok(&body)["setTopicNote"]["note"].is_null());
        assert!(body["data"]["setTopicNote"]["topic"]["myNote"].is_null());
    }
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM topic_notes").await,
        0
    );

    // Favourites show in me.progress even without any status.
    const FAV: &str = "mutation($r: ID!) { favoriteRoadmap(roadmapId: $r) { favorite changed progress { favorite done } } }";
    let body = app.gql_as(t, FAV, json!({ "r": docker_id })).await;
    let r = &ok(&body)["favoriteRoadmap"];
    assert_eq!(r["changed"], true);
    assert_eq!(r["progress"]["favorite"], true);
    let body = app.gql_as(t, FAV, json!({ "r": docker_id })).await;
    assert_eq!(ok(&body)["favoriteRoadmap"]["changed"], false);
    let edges = my_dashboard(&app, t, 10).await;
    assert_eq!(edges.len(), 1);
    assert_eq!(edges[0]["node"]["roadmap"]["slug"], "docker");
    assert_eq!(edges[0]["node"]["favorite"], true);
    assert_eq!(edges[0]["node"]["done"], 0);
    let body = app
        .gql_as(
            t,
            "mutation($r: ID!) { unfavoriteRoadmap(roadmapId: $r) { favorite changed } }",
            json!({ "r": docker_id }),
        )
        .await;
    assert_eq!(ok(&body)["unfavoriteRoadmap"]["changed"], true);
    let me = app.gql_as(t, ME_PROGRESS, json!({ "first": 10 })).await;
    assert_eq!(ok(&me)["me"]["progress"]["totalCount"], 0);

    // Reset clears the statuses of the roadmap (notes stay) and records each in the history.
    for (i, st) in ["DONE", "LEARNING", "SKIPPED"].iter().enumerate() {
        set(&app, t, &topics[i].0, st).await;
    }
    app.gql_as(t, NOTE, json!({ "id": topics[0].0, "n": "keep me" }))
        .await;
    let body = app
        .gql_as(
            t,
            "mutation($r: ID!) { resetRoadmapProgress(roadmapId: $r) { clearedCount progress { done learning skipped pending total } } }",
            json!({ "r": roadmap_id }),
        )
        .await;
    let r = &ok(&body)["resetRoadmapProgress"];
    assert_eq!(r["clearedCount"], 3);
    assert_eq!(r["progress"]["pending"], r["progress"]["total"]);
    let p = my_progress(&app, t, "backend").await;
    assert_eq!(p["done"], 0);
    assert_eq!(count_rows(&app, "SELECT COUNT(*) FROM progress").await, 0);
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM topic_notes").await,
        1
    );
    let body = app.gql_as(t, ACTIVITY, json!({ "first": 3 })).await;
    let edges = ok(&body)["me"]["activity"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert!(edges.iter().all(|e| e["node"]["to"] == "PENDING"), "{body}");
    assert_eq!(body["data"]["me"]["activity"]["totalCount"], 6);
}

#[tokio::test]
async fn progress_survives_moves_and_deletes_and_history_keeps_titles() {
    let app = spawn_app().await;
    let (_, topics) = topics_of(&app, "backend").await;
    let s = app.signup("editsurvivor").await;
    let t = &s.access_token;
    let total = topics.len() as i64;
    for (id, _) in &topics[..4] {
        set(&app, t, id, "DONE").await;
    }
    // Find a leaf to move and one to delete (leaves have no children to orphan).
    let tree = app.gql_as(t, TREE, json!({ "slug": "backend" })).await;
    let mut all = Vec::new();
    walk(&ok(&tree)["roadmap"]["topics"], &mut all);
    let first_root = all[0]["key"].as_str().unwrap().to_owned();
    let done_key = topics[2].1.clone();
    let deleted_key = topics[3].1.clone();
    let deleted_title = all
        .iter()
        .find(|x| x["key"] == deleted_key.as_str())
        .unwrap()["title"]
        .as_str()
        .unwrap()
        .to_owned();

    // An admin moves a done topic under another parent: its status stays.
    let admin = app.admin_token().await;
    let new_parent = &topics[topics.len() - 1].0;
    let body = app
        .gql_as(
            &admin,
            "mutation($id: ID!, $p: ID) { moveTopic(id: $id, newParentId: $p) { key parent { id } } }",
            json!({ "id": topics[2].0, "p": new_parent }),
        )
        .await;
    assert_eq!(ok(&body)["moveTopic"]["parent"]["id"], new_parent.as_str());
    // And deletes another done topic with its subtree.
    let body = app
        .gql_as(
            &admin,
            "mutation($id: ID!) { deleteTopic(id: $id) { deletedTopicIds } }",
            json!({ "id": topics[3].0 }),
        )
        .await;
    let gone = ok(&body)["deleteTopic"]["deletedTopicIds"]
        .as_array()
        .unwrap()
        .len() as i64;
    assert!(gone >= 1);

    let tree = app.gql_as(t, TREE, json!({ "slug": "backend" })).await;
    let mut all = Vec::new();
    walk(&ok(&tree)["roadmap"]["topics"], &mut all);
    let moved = all.iter().find(|x| x["key"] == done_key.as_str()).unwrap();
    assert_eq!(moved["myStatus"], "DONE");
    assert!(all.iter().all(|x| x["key"] != deleted_key.as_str()));
    let p = &tree["data"]["roadmap"]["myProgress"];
    assert_eq!(p["total"], total - gone);
    assert_eq!(p["total"], all.len() as i64);
    // The deleted topic's status counts nowhere but is not destroyed.
    let remaining_done = all.iter().filter(|x| x["myStatus"] == "DONE").count() as i64;
    assert_eq!(p["done"], remaining_done);
    assert_eq!(
        count_rows(
            &app,
            &format!("SELECT COUNT(*) FROM progress WHERE topic_id = '{deleted_key}'")
        )
        .await,
        1
    );
    // Every remaining topic done: 100 % is reachable after the delete.
    let (roadmap_id, live) = topics_of(&app, "backend").await;
    let changes: Vec<Value> = live
        .iter()
        .map(|(id, _)| json!({ "topicId": id, "status": "DONE" }))
        .collect();
    let body = app
        .gql_as(t, SET_MANY, json!({ "r": roadmap_id, "c": changes }))
        .await;
    assert_eq!(
        ok(&body)["setTopicStatuses"]["progress"]["percentDone"],
        100.0
    );
    // Writing to a deleted topic is NOT_FOUND.
    let body = app
        .gql_as(
            t,
            SET,
            json!({ "id": URL_SAFE_NO_PAD.encode(format!("Topic:{deleted_key}")), "s": "LEARNING" }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");

    // The history still names the deleted topic.
    let mut entries = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = app
            .gql_as(t, ACTIVITY, json!({ "first": 50, "after": after }))
            .await;
        let c = &ok(&body)["me"]["activity"];
        entries.extend(
            c["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"].clone()),
        );
        if c["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = c["pageInfo"]["endCursor"].clone();
    }
    let ids: Vec<i64> = entries
        .iter()
        .map(|e| e["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "not newest first");
    let del = entries
        .iter()
        .find(|e| e["topicKey"] == deleted_key.as_str())
        .unwrap();
    assert_eq!(del["topicTitle"], deleted_title.as_str());
    assert_eq!(del["roadmapTitle"], "Backend Developer");
    assert_eq!(del["roadmapSlug"], "backend");
    assert!(del["topic"].is_null());
    assert!(entries
        .iter()
        .all(|e| e["topicTitle"].as_str().is_some_and(|x| !x.is_empty())));
    let root = entries
        .iter()
        .find(|e| e["topicKey"] == first_root.as_str())
        .unwrap();
    assert_eq!(root["topic"]["key"], first_root.as_str());

    // Restoring the subtree (clearing the soft delete) brings its status back.
    sql(
        &app,
        "UPDATE topics SET deleted_at = NULL WHERE deleted_at IS NOT NULL",
    )
    .await;
    let p = my_progress(&app, t, "backend").await;
    assert_eq!(p["total"], total);
    assert_eq!(p["done"], total - gone + 1);

    // A forced roadmap delete archives the progress: kept in the database, shown nowhere.
    let body = app
        .gql_as(
            &admin,
            "mutation($id: ID!) { deleteRoadmap(id: $id, force: true) { archivedProgress } }",
            json!({ "id": roadmap_id }),
        )
        .await;
    assert!(
        ok(&body)["deleteRoadmap"]["archivedProgress"]
            .as_i64()
            .unwrap()
            > 0
    );
    let body = app.gql_as(t, ME_PROGRESS, json!({ "first": 10 })).await;
    assert_eq!(ok(&body)["me"]["progress"]["totalCount"], 0);
    let body = app.gql_as(t, "{ exportMyProgress }", json!({})).await;
    assert_eq!(ok(&body)["exportMyProgress"]["roadmaps"], json!([]));
    let body = app
        .gql_as(t, SET, json!({ "id": topics[0].0, "s": "LEARNING" }))
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    assert!(
        count_rows(
            &app,
            "SELECT COUNT(*) FROM progress WHERE archived_at IS NOT NULL"
        )
        .await
            > 0
    );
    assert_eq!(
        count_rows(
            &app,
            "SELECT COUNT(*) FROM progress WHERE archived_at IS NULL"
        )
        .await,
        0
    );
    // The history still names the deleted roadmap and its topics.
    let body = app.gql_as(t, ACTIVITY, json!({ "first": 5 })).await;
    let e = &ok(&body)["me"]["activity"]["edges"][0]["node"];
    assert_eq!(e["roadmapTitle"], "Backend Developer");
    assert!(e["topicTitle"].as_str().is_some_and(|x| !x.is_empty()));
    assert!(e["roadmap"].is_null(), "{body}");
}

#[tokio::test]
async fn me_progress_orders_and_pages_and_streak_follows_the_time_zone() {
    let app = spawn_app().await;
    let s = app.signup("streaker").await;
    let t = &s.access_token;
    import_generated(&app, "gen-a", 10).await;
    import_generated(&app, "gen-b", 10).await;
    for slug in ["backend", "gen-a", "gen-b"] {
        let (_, topics) = topics_of(&app, slug).await;
        set(&app, t, &topics[0].0, "DONE").await;
    }
    // Most recently updated first; paging with first/after walks them all once.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = app
            .gql_as(t, ME_PROGRESS, json!({ "first": 2, "after": after }))
            .await;
        let c = &ok(&body)["me"]["progress"];
        assert_eq!(c["totalCount"], 3);
        for e in c["edges"].as_array().unwrap() {
            seen.push(e["node"]["roadmap"]["slug"].as_str().unwrap().to_owned());
            assert_eq!(e["node"]["done"], 1);
        }
        if c["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = c["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, vec!["gen-b", "gen-a", "backend"]);
    // Touching backend again moves it to the front.
    let (_, backend) = topics_of(&app, "backend").await;
    set(&app, t, &backend[1].0, "LEARNING").await;
    let body = app.gql_as(t, ME_PROGRESS, json!({ "first": 1 })).await;
    assert_eq!(
        ok(&body)["me"]["progress"]["edges"][0]["node"]["roadmap"]["slug"],
        "backend"
    );
    let body = app.gql_as(t, ME_PROGRESS, json!({ "first": 101 })).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));

    // Each dashboard row (counted in the same statement as the page) agrees with the roadmap's
    // own myProgress, a favourite without progress and one with progress included.
    const FAV: &str = "mutation($r: ID!) { favoriteRoadmap(roadmapId: $r) { favorite } }";
    for slug in ["docker", "gen-a"] {
        let (id, _) = topics_of(&app, slug).await;
        let body = app.gql_as(t, FAV, json!({ "r": id })).await;
        assert_eq!(ok(&body)["favoriteRoadmap"]["favorite"], true);
    }
    let edges = my_dashboard(&app, t, 10).await;
    assert_eq!(edges.len(), 4);
    for e in &edges {
        let n = &e["node"];
        let slug = n["roadmap"]["slug"].as_str().unwrap();
        let mine = my_progress(&app, t, slug).await;
        for k in [
            "done",
            "learning",
            "skipped",
            "pending",
            "total",
            "percentDone",
            "favorite",
            "updatedAt",
        ] {
            assert_eq!(n[k], mine[k], "{slug}: {k}");
        }
    }
    let docker = edges
        .iter()
        .find(|e| e["node"]["roadmap"]["slug"] == "docker")
        .unwrap();
    assert_eq!(docker["node"]["done"], 0);
    assert_eq!(docker["node"]["favorite"], true);
    let count = app.gql(PROGRESS, json!({ "slug": "docker" })).await;
    assert_eq!(docker["node"]["total"], ok(&count)["roadmap"]["topicCount"]);

    // Today's activity: a streak of one.
    const STREAK: &str = "{ me { streak { current longest lastActiveOn timeZone } } }";
    let body = app.gql_as(t, STREAK, json!({})).await;
    let st = &ok(&body)["me"]["streak"];
    assert_eq!(st["current"], 1);
    assert_eq!(st["longest"], 1);
    assert_eq!(st["timeZone"], "UTC");
    let today = chrono::Utc::now().date_naive();
    assert_eq!(st["lastActiveOn"], today.to_string());

    // History: yesterday and the two days before (current 4), and an older run of 5 (longest).
    let user = numeric_id(&s.user_id);
    let roadmap = count_rows(&app, "SELECT CAST(MIN(id) AS BIGINT) FROM roadmaps").await;
    let mut values = Vec::new();
    let noon = |days_ago: i64| {
        (chrono::Utc::now() - chrono::Duration::days(days_ago))
            .date_naive()
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
            .to_rfc3339()
    };
    for d in [1, 2, 3, 10, 11, 12, 13, 14] {
        values.push(format!(
            "({user}, {roadmap}, '{}', 'PENDING', 'DONE', '{}')",
            backend[0].1,
            noon(d)
        ));
    }
    sql(
        &app,
        &format!(
            "INSERT INTO progress_events (user_id, roadmap_id, topic_id, from_status, to_status, created_at) VALUES {}",
            values.join(", ")
        ),
    )
    .await;
    let body = app.gql_as(t, STREAK, json!({})).await;
    let st = &ok(&body)["me"]["streak"];
    assert_eq!(st["current"], 4, "{body}");
    assert_eq!(st["longest"], 5, "{body}");

    // Time zone: 40 days ago, 23:30 UTC is the next morning in Tokyo (UTC+9), which closes the
    // one-day UTC gap before a run of five noon (21:00 in Tokyo) days: UTC's longest stays 5,
    // Tokyo's becomes 6.
    let at = |days_ago: i64, h: u32, m: u32| {
        (chrono::Utc::now() - chrono::Duration::days(days_ago))
            .date_naive()
            .and_hms_opt(h, m, 0)
            .unwrap()
            .and_utc()
            .to_rfc3339()
    };
    let mut values = vec![format!(
        "({user}, {roadmap}, '{}', 'DONE', 'PENDING', '{}')",
        backend[0].1,
        at(40, 23, 30)
    )];
    for d in [38, 37, 36, 35, 34] {
        values.push(format!(
            "({user}, {roadmap}, '{}', 'PENDING', 'DONE', '{}')",
            backend[0].1,
            at(d, 12, 0)
        ));
    }
    sql(
        &app,
        &format!(
            "INSERT INTO progress_events (user_id, roadmap_id, topic_id, from_status, to_status, created_at) VALUES {}",
            values.join(", ")
        ),
    )
    .await;
    let body = app.gql_as(t, STREAK, json!({})).await;
    assert_eq!(ok(&body)["me"]["streak"]["longest"], 5, "{body}");
    let body = app
        .gql_as(
            t,
            "mutation { updateProfile(input: {timeZone: \"Asia/Tokyo\"}) { timeZone } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&body)["updateProfile"]["timeZone"], "Asia/Tokyo");
    let body = app.gql_as(t, STREAK, json!({})).await;
    let st = &ok(&body)["me"]["streak"];
    assert_eq!(st["timeZone"], "Asia/Tokyo");
    assert_eq!(st["longest"], 6, "{body}");
    let body = app
        .gql_as(
            t,
            "mutation { updateProfile(input: {timeZone: \"Mars/Olympus\"}) { timeZone } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

#[tokio::test]
async fn export_then_import_into_a_fresh_account() {
    let app = spawn_app().await;
    let (_, backend) = topics_of(&app, "backend").await;
    import_generated(&app, "gen-x", 10).await;
    let (docker_id, docker) = topics_of(&app, "gen-x").await;
    // A favourite without any topics travels too.
    let (python_id, _) = topics_of(&app, "python").await;
    let a = app.signup("mover").await;
    for (i, st) in ["DONE", "LEARNING", "SKIPPED", "DONE"].iter().enumerate() {
        set(&app, &a.access_token, &backend[i].0, st).await;
    }
    set(&app, &a.access_token, &docker[0].0, "DONE").await;
    let note = "my *note* — with ünïcode";
    let body = app
        .gql_as(
            &a.access_token,
            "mutation($id: ID!, $n: String) { setTopicNote(topicId: $id, note: $n) { note } }",
            json!({ "id": backend[5].0, "n": note }),
        )
        .await;
    ok(&body);
    for r in [&docker_id, &python_id] {
        let body = app
            .gql_as(
                &a.access_token,
                "mutation($r: ID!) { favoriteRoadmap(roadmapId: $r) { favorite } }",
                json!({ "r": r }),
            )
            .await;
        ok(&body);
    }
    const EXPORT: &str = "{ exportMyProgress }";
    let body = app.gql_as(&a.access_token, EXPORT, json!({})).await;
    let doc = ok(&body)["exportMyProgress"].clone();
    assert_eq!(doc["format"], "roadmap-api/progress@1");
    let roadmaps = doc["roadmaps"].as_array().unwrap();
    let slugs: Vec<&str> = roadmaps
        .iter()
        .map(|r| r["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, vec!["backend", "gen-x", "python"]);
    let b0 = &roadmaps[0];
    assert_eq!(b0["title"], "Backend Developer");
    assert_eq!(b0["favorite"], false);
    assert_eq!(b0["topics"].as_array().unwrap().len(), 5);
    let noted = b0["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == backend[5].1.as_str())
        .unwrap();
    assert_eq!(noted["note"], note);
    assert_eq!(noted["status"], "PENDING");
    assert!(b0["topics"][0]["title"].is_string());
    assert!(b0["topics"][0]["updatedAt"].is_string());
    assert_eq!(roadmaps[2]["favorite"], true);
    assert_eq!(roadmaps[2]["topics"].as_array().unwrap().len(), 0);

    // Import into a fresh account: the same progress, counts and notes.
    const IMPORT: &str = "mutation($d: JSON!) { importMyProgress(document: $d) { roadmapCount statusesChanged notesChanged favoritesAdded progress { done learning skipped roadmap { slug } } } }";
    let b = app.signup("newhome").await;
    let body = app
        .gql_as(&b.access_token, IMPORT, json!({ "d": doc }))
        .await;
    let r = &ok(&body)["importMyProgress"];
    assert_eq!(r["roadmapCount"], 3);
    assert_eq!(r["statusesChanged"], 5);
    assert_eq!(r["notesChanged"], 1);
    assert_eq!(r["favoritesAdded"], 2);
    for slug in ["backend", "gen-x"] {
        assert_eq!(
            my_progress(&app, &a.access_token, slug).await,
            my_progress(&app, &b.access_token, slug).await,
            "{slug}"
        );
    }
    let body = app.gql_as(&b.access_token, EXPORT, json!({})).await;
    let again = ok(&body)["exportMyProgress"].clone();
    assert_eq!(again["roadmaps"], doc["roadmaps"], "round trip differs");
    // Importing the same document twice changes nothing more.
    let body = app
        .gql_as(&b.access_token, IMPORT, json!({ "d": doc }))
        .await;
    assert_eq!(ok(&body)["importMyProgress"]["statusesChanged"], 0);
    assert_eq!(body["data"]["importMyProgress"]["favoritesAdded"], 0);

    // A malformed, foreign or unknown-topic document: BAD_USER_INPUT naming the first bad entry,
    // nothing written.
    let c = app.signup("strict").await;
    let mut unknown = doc.clone();
    unknown["roadmaps"][1]["topics"][0]["key"] = json!("no-such-topic");
    let mut wrong_roadmap = doc.clone();
    wrong_roadmap["roadmaps"][0]["topics"][1]["key"] = json!(docker[1].1);
    let mut bad_slug = doc.clone();
    bad_slug["roadmaps"][2]["slug"] = json!("no-such-roadmap");
    let mut bad_status = doc.clone();
    bad_status["roadmaps"][0]["topics"][2]["status"] = json!("FINISHED");
    let cases = [
        (
            json!({ "format": "someone-else/v1", "roadmaps": [] }),
            "document.format",
        ),
        (json!([1, 2]), "document"),
        (json!("{not json"), "document"),
        (unknown, "document.roadmaps[1].topics[0].key"),
        (wrong_roadmap, "document.roadmaps[0].topics[1].key"),
        (bad_slug, "document.roadmaps[2].slug"),
        (bad_status, "document.roadmaps[0].topics[2].status"),
    ];
    for (d, field) in cases {
        let body = app.gql_as(&c.access_token, IMPORT, json!({ "d": d })).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{field}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let body = app.gql_as(&c.access_token, EXPORT, json!({})).await;
    assert_eq!(ok(&body)["exportMyProgress"]["roadmaps"], json!([]));
    let c_id = numeric_id(&c.user_id);
    assert_eq!(
        count_rows(
            &app,
            &format!("SELECT COUNT(*) FROM progress_events WHERE user_id = {c_id}")
        )
        .await,
        0
    );
    // Signed out: refused.
    let body = app.gql(EXPORT, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}

/// 200 concurrent writes from two sessions of one user on 20 topics: one row per topic at most,
/// an unbroken history per topic whose last entry is the row, counts equal to the rows, and after
/// a final acknowledged write per topic exactly those statuses.
#[tokio::test]
async fn concurrent_writes_keep_one_row_and_the_last_acknowledged_write() {
    let app = spawn_app().await;
    let (roadmap, topics) = topics_of(&app, "backend").await;
    let topics: Vec<(String, String)> = topics.into_iter().take(20).collect();
    let s = app.signup("twodevices").await;
    let second = app.sign_in(&s.email, &s.password).await;
    let tokens = [
        s.access_token.clone(),
        second["data"]["signIn"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned(),
    ];
    const RESET: &str =
        "mutation($r: ID!) { resetRoadmapProgress(roadmapId: $r) { clearedCount } }";
    let statuses = ["DONE", "LEARNING", "SKIPPED", "PENDING"];
    // Single writes (no user lock), batches of two and a few resets (user lock), all at once, from
    // two sessions: every acknowledged change must appear in the history with its exact `from`.
    let mut tasks = Vec::new();
    for i in 0..200usize {
        let (id, key) = topics[i % 20].clone();
        let (id2, _) = topics[(i * 7 + 3) % 20].clone();
        let status = statuses[(i / 20 + i) % 4];
        let status2 = statuses[(i / 20 + i + 1) % 4];
        let (query, variables, field) = match i % 10 {
            9 if i % 50 == 49 => (RESET, json!({ "r": roadmap }), "resetRoadmapProgress"),
            4 | 9 if id2 != id => (
                SET_MANY,
                json!({ "r": roadmap, "c": [
                    { "topicId": id, "status": status },
                    { "topicId": id2, "status": status2 } ] }),
                "setTopicStatuses",
            ),
            _ => (SET, json!({ "id": id, "s": status }), "setTopicStatus"),
        };
        let token = tokens[i % 2].clone();
        let client = app.client.clone();
        let url = app.url("/graphql");
        tasks.push(tokio::spawn(async move {
            let body: Value = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "query": query, "variables": variables }))
                .send()
                .await
                .expect("request")
                .json()
                .await
                .expect("json");
            (key, status, field, body)
        }));
    }
    let mut changed = 0;
    for task in tasks {
        let (key, status, field, body) = task.await.unwrap();
        let r = &ok(&body)[field];
        match field {
            "setTopicStatus" => {
                assert_eq!(r["status"], status, "{key}");
                if r["changed"] == true {
                    changed += 1;
                }
            }
            "setTopicStatuses" => changed += r["changedCount"].as_u64().unwrap() as usize,
            _ => changed += r["clearedCount"].as_u64().unwrap() as usize,
        }
    }
    let db = app.db.connect().await;
    use sea_orm::{EntityTrait, QueryOrder};
    let rows = entity::progress::Entity::find().all(&db).await.unwrap();
    let events = entity::progress_events::Entity::find()
        .order_by_asc(entity::progress_events::Column::Id)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(events.len(), changed, "one event per acknowledged change");
    let mut last: HashMap<String, String> = HashMap::new();
    for e in &events {
        let prev = last.get(&e.topic_id).cloned().unwrap_or("PENDING".into());
        assert_eq!(e.from_status, prev, "broken history for {}", e.topic_id);
        assert_ne!(e.from_status, e.to_status);
        last.insert(e.topic_id.clone(), e.to_status.clone());
    }
    let row_of: HashMap<String, String> = rows
        .iter()
        .map(|r| (r.topic_id.clone(), r.status.clone()))
        .collect();
    assert_eq!(row_of.len(), rows.len(), "two rows for one topic");
    for (_, key) in &topics {
        let from_history = last.get(key).cloned().unwrap_or("PENDING".into());
        let in_table = row_of.get(key).cloned().unwrap_or("PENDING".into());
        assert_eq!(in_table, from_history, "{key}");
    }
    let p = my_progress(&app, &s.access_token, "backend").await;
    let n = |st: &str| row_of.values().filter(|v| *v == st).count() as i64;
    assert_eq!(p["done"], n("DONE"));
    assert_eq!(p["learning"], n("LEARNING"));
    assert_eq!(p["skipped"], n("SKIPPED"));

    // A last write per topic, each acknowledged after all the others: exactly those remain.
    let mut tasks = Vec::new();
    for (i, (id, key)) in topics.iter().enumerate() {
        let status = statuses[i % 4];
        let (client, url, token, id, key) = (
            app.client.clone(),
            app.url("/graphql"),
            tokens[i % 2].clone(),
            id.clone(),
            key.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let body: Value = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "query": SET, "variables": { "id": id, "s": status } }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(body.get("errors").is_none(), "{body}");
            (key, status)
        }));
    }
    let mut want = HashMap::new();
    for task in tasks {
        let (key, status) = task.await.unwrap();
        want.insert(key, status);
    }
    let rows = entity::progress::Entity::find().all(&db).await.unwrap();
    for (key, status) in &want {
        let got = rows
            .iter()
            .find(|r| &r.topic_id == key)
            .map(|r| r.status.as_str())
            .unwrap_or("PENDING");
        assert_eq!(got, *status, "{key}");
    }
    let p = my_progress(&app, &s.access_token, "backend").await;
    assert_eq!(p["done"], 5);
    assert_eq!(p["learning"], 5);
    assert_eq!(p["skipped"], 5);
    db.close().await.ok();
}

// ---------------------------------------------------------------------------------------------
// WebSocket

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn ws_connect(app: &TestApp) -> Ws {
    let url = app.url("/graphql").replacen("http://", "ws://", 1);
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (ws, resp) = tokio_tungstenite::connect_async(req)
        .await
        .expect("websocket connect");
    assert_eq!(
        resp.headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok()),
        Some("graphql-transport-ws")
    );
    ws
}

/// The next text message as JSON (pings answered), or `None` at the deadline or on close.
async fn next_json(ws: &mut Ws, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.ok()??;
        match msg.ok()? {
            Message::Text(t) => {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "ping" {
                    ws.send(Message::text(r#"{"type":"pong"}"#)).await.ok()?;
                    continue;
                }
                return Some(v);
            }
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

/// The close code the server ends the connection with.
async fn close_code(ws: &mut Ws) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.ok()??;
        if let Ok(Message::Close(frame)) = msg {
            return frame.map(|f| u16::from(f.code));
        }
    }
}

async fn ws_init(ws: &mut Ws, token: &str) -> Value {
    ws.send(Message::text(
        json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })
            .to_string(),
    ))
    .await
    .unwrap();
    next_json(ws, Duration::from_secs(10))
        .await
        .unwrap_or(Value::Null)
}

const SUBSCRIBE: &str = "subscription { myProgressChanged { kind roadmapId roadmap { slug } at
    changes { key from to topic { key myStatus } } note { note } progress { done learning total } } }";

#[tokio::test]
async fn subscription_pushes_changes_from_other_sessions_only_to_their_user() {
    let app = spawn_app().await;
    let (_, topics) = topics_of(&app, "backend").await;
    let s = app.signup("listener").await;
    let other_device = app.sign_in(&s.email, &s.password).await;
    let other_token = other_device["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let stranger = app.signup("stranger").await;

    let mut ws = ws_connect(&app).await;
    let ack = ws_init(&mut ws, &s.access_token).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    ws.send(Message::text(
        json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIBE } }).to_string(),
    ))
    .await
    .unwrap();

    // The subscription starts asynchronously: wait until the gauge shows it open.
    let open = eventually(Duration::from_secs(10), || async {
        app.metric("roadmap_active_subscriptions").await >= 1.0
    })
    .await;
    assert!(open, "the subscription never opened");
    // Another user's write never reaches this socket (made first: if it leaked, it would arrive
    // before ours).
    set(&app, &stranger.access_token, &topics[0].0, "SKIPPED").await;
    set(&app, &other_token, &topics[0].0, "DONE").await;
    let got = next_json(&mut ws, Duration::from_secs(5))
        .await
        .map(|m| (m, "DONE"));
    assert!(got.is_some(), "no notification arrived");
    let (msg, _) = got.unwrap();
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["id"], "1");
    let change = &msg["payload"]["data"]["myProgressChanged"];
    assert_eq!(change["kind"], "STATUS", "{msg}");
    assert_eq!(change["roadmap"]["slug"], "backend");
    let c = &change["changes"][0];
    assert_eq!(c["key"], topics[0].1.as_str());
    assert_eq!(c["topic"]["myStatus"], c["to"], "{msg}");
    assert_eq!(c["to"], "DONE", "a stranger's change leaked: {msg}");

    // Drain whatever else the warm-up loop produced, then check notes and batches arrive too.
    while next_json(&mut ws, Duration::from_millis(300))
        .await
        .is_some()
    {}
    let body = app
        .gql_as(
            &other_token,
            "mutation($id: ID!) { setTopicNote(topicId: $id, note: \"from my phone\") { note } }",
            json!({ "id": topics[1].0 }),
        )
        .await;
    ok(&body);
    let msg = next_json(&mut ws, Duration::from_secs(5))
        .await
        .expect("note change");
    let change = &msg["payload"]["data"]["myProgressChanged"];
    assert_eq!(change["kind"], "NOTE", "{msg}");
    assert_eq!(change["note"]["note"], "from my phone");
    set(&app, &s.access_token, &topics[2].0, "DONE").await;
    let msg = next_json(&mut ws, Duration::from_secs(5))
        .await
        .expect("status change");
    let change = &msg["payload"]["data"]["myProgressChanged"];
    assert_eq!(change["changes"][0]["key"], topics[2].1.as_str());
    assert_eq!(change["changes"][0]["to"], "DONE");
    assert_eq!(change["progress"]["total"], topics.len() as i64);

    // Completing the subscription ends it: the gauge goes back down.
    ws.send(Message::text(
        json!({ "id": "1", "type": "complete" }).to_string(),
    ))
    .await
    .unwrap();
    let closed = eventually(Duration::from_secs(10), || async {
        app.metric("roadmap_active_subscriptions").await == 0.0
    })
    .await;
    assert!(closed, "the subscription gauge did not go back to 0");
    ws.close(None).await.ok();
}

#[tokio::test]
async fn websocket_without_a_valid_token_is_closed_with_4403() {
    let app = spawn_app().await;
    for token in ["not-a-jwt", ""] {
        let mut ws = ws_connect(&app).await;
        if token.is_empty() {
            ws.send(Message::text(r#"{"type":"connection_init","payload":{}}"#))
                .await
                .unwrap();
        } else {
            ws.send(Message::text(
                json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })
                    .to_string(),
            ))
            .await
            .unwrap();
        }
        assert_eq!(close_code(&mut ws).await, Some(4403), "token {token:?}");
    }
    // Plain GET /graphql still answers GraphQL over HTTP.
    let resp = app
        .client
        .get(app.url("/graphql?query=%7B__typename%7D"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["data"]["__typename"], "Query");
}

/// A whole tree with `myStatus` and `myNote` on every topic and `myProgress` costs the same
/// number of statements for a roadmap five times the size.
#[tokio::test]
async fn whole_tree_with_my_status_costs_a_fixed_number_of_statements() {
    let app = spawn_app().await;
    let (_, backend) = topics_of(&app, "backend").await;
    import_generated(&app, "bigtree", backend.len() * 5).await;
    let (_, big) = topics_of(&app, "bigtree").await;
    assert!(big.len() >= 5 * backend.len());

    let s = app.signup("counter").await;
    for (id, _) in backend.iter().take(7).chain(big.iter().take(9)) {
        set(&app, &s.access_token, id, "DONE").await;
    }
    // Both trees in the same state of the server's tree cache (each read once at this version).
    for slug in ["backend", "bigtree"] {
        app.gql_as(&s.access_token, TREE, json!({ "slug": slug }))
            .await;
    }
    let mut costs = Vec::new();
    for slug in ["backend", "bigtree"] {
        let before = app.metric("roadmap_db_statements_total").await;
        let body = app
            .gql_as(&s.access_token, TREE, json!({ "slug": slug }))
            .await;
        let after = app.metric("roadmap_db_statements_total").await;
        let mut all = Vec::new();
        walk(&ok(&body)["roadmap"]["topics"], &mut all);
        assert!(all.iter().all(|t| t["myStatus"].is_string()));
        costs.push((slug, all.len(), (after - before) as u64));
    }
    println!("statements per whole-tree query with progress: {costs:?}");
    assert_eq!(costs[0].2, costs[1].2, "SQL grows with the tree: {costs:?}");
    // Viewer, roadmap, topicCount, tree, counts, statuses, notes.
    assert!(costs[0].2 <= 7, "too many statements: {costs:?}");
}

/// A roadmap document with about `n` topics, three levels deep.
pub fn generated_document(slug: &str, n: usize) -> Value {
    let per = 6;
    let roots = n.div_ceil(1 + per + per * per) + 1;
    let mut topics = Vec::new();
    for i in 0..roots {
        let mut children = Vec::new();
        for j in 0..per {
            let grand: Vec<Value> = (0..per)
                .map(|k| {
                    json!({ "id": format!("{slug}-{i}-{j}-{k}"), "kind": "SUBTOPIC",
                    "title": format!("Leaf {i}.{j}.{k}"), "description": "Generated.",
                    "resources": [], "children": [] })
                })
                .collect();
            children.push(json!({ "id": format!("{slug}-{i}-{j}"), "kind": "SUBTOPIC",
                "title": format!("Sub {i}.{j}"), "description": "Generated.", "resources": [],
                "children": grand }));
        }
        topics.push(json!({ "id": format!("{slug}-{i}"), "kind": "TOPIC",
            "title": format!("Topic {i}"), "description": "Generated.", "resources": [],
            "children": children }));
    }
    json!({ "format": "roadmap-api/roadmap@1",
        "roadmap": { "slug": slug, "title": format!("Generated {slug}"), "briefTitle": "Gen",
            "description": "Generated roadmap.", "briefDescription": "Generated.", "order": 99,
            "kind": "SKILL", "tags": [], "relatedRoadmaps": [] },
        "topics": topics })
}

/// Two server processes on one PostgreSQL database: a change made through one reaches a
/// subscriber of the other (LISTEN/NOTIFY relay). SQLite is a single-process database, so there
/// is nothing to relay there.
#[tokio::test]
async fn subscription_hears_changes_made_through_another_server() {
    if backend() != Backend::Postgres {
        println!("cross-process relay needs PostgreSQL; skipped on SQLite");
        return;
    }
    let a = spawn_app().await;
    let b = spawn_on(a.db.clone(), &[]).await;
    let (_, topics) = topics_of(&a, "backend").await;
    let s = a.signup("twoservers").await;
    let mut ws = ws_connect(&a).await;
    let ack = ws_init(&mut ws, &s.access_token).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    ws.send(Message::text(
        json!({ "id": "x", "type": "subscribe", "payload": { "query": SUBSCRIBE } }).to_string(),
    ))
    .await
    .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let mut got = None;
    for status in ["DONE", "LEARNING"].iter().cycle() {
        if tokio::time::Instant::now() > deadline {
            break;
        }
        set(&b, &s.access_token, &topics[7].0, status).await;
        if let Some(msg) = next_json(&mut ws, Duration::from_millis(500)).await {
            got = Some(msg);
            break;
        }
    }
    let msg = got.expect("no notification crossed from server B to server A");
    let change = &msg["payload"]["data"]["myProgressChanged"];
    assert_eq!(change["kind"], "STATUS", "{msg}");
    assert_eq!(change["changes"][0]["key"], topics[7].1.as_str());
    assert_eq!(
        change["changes"][0]["topic"]["myStatus"],
        change["changes"][0]["to"]
    );
    ws.close(None).await.ok();
}
