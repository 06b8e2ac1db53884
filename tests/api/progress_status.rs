//! Learner progress statuses over HTTP: statuses and counts (100 % reachable), batches, bad input
//! that writes nothing, and concurrent writes that keep one row and the last acknowledged write.

use std::collections::HashMap;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use entity::enums::ProgressStatus;
use sea_orm::ActiveEnum;
use serde_json::{json, Value};

use crate::helpers::progress::*;
use crate::helpers::*;

#[tokio::test]
async fn statuses_counts_idempotence_and_a_reachable_hundred_percent() {
    let app = spawn_app().await;
    let (roadmap_id, topics) = topics_of(&app, "backend").await;
    let total = topics.len() as i64 - BACKEND_REPEATS;

    // Anonymous: no status, no progress.
    let anon = app.gql(ops::MY_TREE, json!({ "slug": "backend" })).await;
    assert!(ok(&anon)["roadmap"]["myProgress"].is_null());
    assert!(anon["data"]["roadmap"]["topics"][0]["myStatus"].is_null());

    let s = app.signup("learner").await;
    let p = app.my_progress(&s.access_token, "backend").await;
    assert_eq!(p["total"], total);
    assert_eq!(p["pending"], total);
    assert_eq!(p["percentDone"], 0.0);
    assert!(p["updatedAt"].is_null());

    let (a, b, c) = (&topics[0].0, &topics[1].0, &topics[2].0);
    let r = app.set_topic_status(&s.access_token, a, "DONE").await;
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
    let again = app.set_topic_status(&s.access_token, a, "DONE").await;
    assert_eq!(again["changed"], false);
    assert_eq!(again["progress"]["done"], 1);
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM progress_events").await,
        events_before
    );

    app.set_topic_status(&s.access_token, b, "LEARNING").await;
    let r = app.set_topic_status(&s.access_token, c, "SKIPPED").await;
    assert_eq!(r["progress"]["done"], 1);
    assert_eq!(r["progress"]["learning"], 1);
    assert_eq!(r["progress"]["skipped"], 1);
    assert_eq!(r["progress"]["pending"], total - 3);
    let pd = r["progress"]["percentDone"].as_f64().unwrap();
    assert!((pd - 100.0 / total as f64).abs() < 1e-9, "{pd}");
    let pc = r["progress"]["percentComplete"].as_f64().unwrap();
    assert!((pc - 200.0 / total as f64).abs() < 1e-9, "{pc}");

    // PENDING clears: the row goes away.
    let r = app.set_topic_status(&s.access_token, b, "PENDING").await;
    assert_eq!(r["topic"]["myStatus"], "PENDING");
    assert_eq!(r["progress"]["learning"], 0);
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM progress").await,
        2,
        "PENDING must leave no row"
    );

    // Counts agree everywhere: the tree's statuses, myProgress, and me.progress.
    let tree = app
        .gql_as(&s.access_token, ops::MY_TREE, json!({ "slug": "backend" }))
        .await;
    let mut all = Vec::new();
    walk(&ok(&tree)["roadmap"]["topics"], &mut all);
    // A repeat shows its subject's status but counts once.
    all.retain(|t| !BACKEND_REPEAT_KEYS.contains(&t["key"].as_str().unwrap_or_default()));
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
        .gql_as(&s.access_token, ops::MY_DASHBOARD, json!({ "first": 10 }))
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
            ops::SET_TOPIC_STATUSES,
            json!({ "r": roadmap_id, "c": changes }),
        )
        .await;
    let r = &ok(&body)["setTopicStatuses"];
    // Every topic of the tree named in the batch is a change (a repeat's too), but it counts once.
    assert_eq!(
        r["changedCount"],
        topics.len() as i64 - 1,
        "one was already DONE"
    );
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
            ops::SET_TOPIC_STATUSES,
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
        .gql(
            ops::SET_TOPIC_STATUS,
            json!({ "id": topics[0].0, "s": "DONE" }),
        )
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");

    // Unknown topic (well-formed id) and unknown roadmap: NOT_FOUND.
    let missing_topic = URL_SAFE_NO_PAD.encode("Topic:no-such-topic");
    let body = app
        .gql_as(
            t,
            ops::SET_TOPIC_STATUS,
            json!({ "id": missing_topic, "s": "DONE" }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    let missing_roadmap = URL_SAFE_NO_PAD.encode("Roadmap:999999");
    let body = app
        .gql_as(
            t,
            ops::RESET_ROADMAP_PROGRESS,
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
        .gql_as(
            t,
            ops::SET_TOPIC_STATUS,
            json!({ "id": "garbage!", "s": "DONE" }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    assert_eq!(body["errors"][0]["extensions"]["field"], "topicId");

    // A status outside the enum: a validation error with a 4xx status.
    let resp = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(t)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": ops::SET_TOPIC_STATUS, "variables": { "id": topics[0].0, "s": "FINISHED" } }))
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
            ops::SET_TOPIC_NOTE,
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
        .gql_as(
            t,
            ops::SET_TOPIC_STATUSES,
            json!({ "r": roadmap_id, "c": changes }),
        )
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
        .gql_as(
            t,
            ops::SET_TOPIC_STATUSES,
            json!({ "r": roadmap_id, "c": many }),
        )
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
    app.set_topic_status(&other.access_token, &topics[0].0, "DONE")
        .await;
    let mine = app.my_progress(t, "backend").await;
    assert_eq!(mine["done"], 0);
    let body = app
        .gql_as(t, ops::MY_DASHBOARD, json!({ "first": 5 }))
        .await;
    assert_eq!(ok(&body)["me"]["progress"]["totalCount"], 0);
}

/// 200 concurrent writes from two sessions of one user on 20 topics: one row per topic at most,
/// an unbroken history per topic whose last entry is the row, counts equal to the rows, and after
/// a final acknowledged write per topic exactly those statuses.
#[tokio::test]
async fn concurrent_writes_keep_one_row_and_the_last_acknowledged_write() {
    // 200 writes of one user at once queue on its lock with 16 connections: some wait longer for a
    // connection than the default 3 s (they would rightly answer 503); the point here is what the
    // acknowledged ones leave, so every request is let wait (on a loaded CI machine the last of
    // 200 queued writes can wait past the default 30 s request timeout too).
    let app = spawn_app_with(|s| {
        s.db.acquire_timeout = Duration::from_secs(300);
        s.hardening.request_timeout = Duration::from_secs(300);
    })
    .await;
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
            9 if i % 50 == 49 => (
                ops::RESET_ROADMAP_PROGRESS,
                json!({ "r": roadmap }),
                "resetRoadmapProgress",
            ),
            4 | 9 if id2 != id => (
                ops::SET_TOPIC_STATUSES,
                json!({ "r": roadmap, "c": [
                    { "topicId": id, "status": status },
                    { "topicId": id2, "status": status2 } ] }),
                "setTopicStatuses",
            ),
            _ => (
                ops::SET_TOPIC_STATUS,
                json!({ "id": id, "s": status }),
                "setTopicStatus",
            ),
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
    let mut last: HashMap<String, ProgressStatus> = HashMap::new();
    for e in &events {
        let prev = last
            .get(e.topic_id.as_str())
            .copied()
            .unwrap_or(ProgressStatus::Pending);
        assert_eq!(e.from_status, prev, "broken history for {}", e.topic_id);
        assert_ne!(e.from_status, e.to_status);
        last.insert(e.topic_id.to_string(), e.to_status);
    }
    let row_of: HashMap<String, ProgressStatus> = rows
        .iter()
        .map(|r| (r.topic_id.to_string(), r.status))
        .collect();
    assert_eq!(row_of.len(), rows.len(), "two rows for one topic");
    for (_, key) in &topics {
        let from_history = last.get(key).copied().unwrap_or(ProgressStatus::Pending);
        let in_table = row_of.get(key).copied().unwrap_or(ProgressStatus::Pending);
        assert_eq!(in_table, from_history, "{key}");
    }
    let p = app.my_progress(&s.access_token, "backend").await;
    let n = |st: ProgressStatus| row_of.values().filter(|v| **v == st).count() as i64;
    assert_eq!(p["done"], n(ProgressStatus::Done));
    assert_eq!(p["learning"], n(ProgressStatus::Learning));
    assert_eq!(p["skipped"], n(ProgressStatus::Skipped));

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
                .json(&json!({ "query": ops::SET_TOPIC_STATUS, "variables": { "id": id, "s": status } }))
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
            .find(|r| r.topic_id.as_str() == key)
            .map(|r| r.status)
            .unwrap_or(ProgressStatus::Pending);
        assert_eq!(got.to_value(), *status, "{key}");
    }
    let p = app.my_progress(&s.access_token, "backend").await;
    assert_eq!(p["done"], 5);
    assert_eq!(p["learning"], 5);
    assert_eq!(p["skipped"], 5);
    db.close().await.ok();
}

/// What one `setTopicStatus` costs in SQL statements, counted by the server (`/metrics`), asked
/// as the bench asks it (`{ status changed }`): no statement for authentication (the learner's
/// session is kept, and their own writes leave it so) nor for the budget (spent from the share
/// the server holds); then, in the write's transaction, the live topic (on
/// PostgreSQL in the statement that takes the locks; on SQLite after a statement that takes the
/// write lock), the link group with the stored times, and the write: on PostgreSQL one statement
/// for the row, the history, the statistics and the counts (`progress::write_at_once`); on
/// SQLite the row, the history, the statistics and the counts one by one. The learner's
/// statistics are read with the stored times, under the lock.
#[tokio::test]
async fn set_topic_status_costs_a_fixed_number_of_statements() {
    const SET: &str = "mutation($id: ID!, $s: ProgressStatus!) { \
        setTopicStatus(topicId: $id, status: $s) { status changed } }";
    let app = spawn_app().await;
    let (_, topics) = topics_of(&app, "backend").await;
    let s = app.signup("counted").await;
    // Warm: the first write of a learner and the caches.
    app.set_topic_status(&s.access_token, &topics[1].0, "LEARNING")
        .await;
    let mut costs = Vec::new();
    for (i, status) in ["DONE", "LEARNING", "PENDING", "SKIPPED"]
        .iter()
        .enumerate()
    {
        let before = app.metric("roadmap_db_statements_total").await;
        let body = app
            .gql_as(
                &s.access_token,
                SET,
                json!({ "id": topics[2 + i % 2].0, "s": status }),
            )
            .await;
        let after = app.metric("roadmap_db_statements_total").await;
        assert_eq!(ok(&body)["setTopicStatus"]["changed"], true, "{body}");
        costs.push(after - before);
    }
    println!("statements per setTopicStatus: {costs:?}");
    let most = match backend() {
        Backend::Postgres => 3.0,
        Backend::Sqlite => 7.0,
    };
    assert!(costs.iter().all(|c| *c <= most), "{costs:?} statements");
}
