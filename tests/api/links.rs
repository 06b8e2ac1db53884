//! Linked topics: one subject on several roadmaps shares a learner's status. Writes fan out to the
//! group (counts, dashboard, export, history, live sync on every roadmap), linking merges statuses
//! (the most recent wins), unlinking keeps them, and who may link what.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::catalog::{fails, new_roadmap};
use crate::helpers::progress::{ok, topics_of};
use crate::helpers::ws::*;
use crate::helpers::*;

pub const LINK: &str = "mutation Link($ids: [ID!]!) { linkTopics(topicIds: $ids) {
    id key roadmap { slug } } }";
pub const UNLINK: &str = "mutation Unlink($id: ID!) { unlinkTopic(topicId: $id) {
    id key linkedTopics { key } } }";
const STATUS: &str = "query Status($id: ID!) { topic(id: $id) { key myStatus
    linkedTopics { key myStatus roadmap { slug } } } }";

/// A published roadmap of `titles` (roots), created by `token` (an admin's: official and PUBLIC;
/// a user's: theirs, with `visibility`); its global id and its topics' global ids.
pub async fn roadmap_of(
    app: &TestApp,
    token: &str,
    slug: &str,
    visibility: Option<&str>,
    titles: &[&str],
) -> (String, Vec<String>) {
    let mut input = new_roadmap(slug);
    input["status"] = json!("PUBLISHED");
    input.as_object_mut().unwrap().remove("pdfUrl");
    if let Some(v) = visibility {
        input["visibility"] = json!(v);
    }
    let body = app
        .gql_as(token, ops::CREATE_ROADMAP, json!({ "i": input }))
        .await;
    let id = ok(&body)["createRoadmap"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut topics = Vec::new();
    for t in titles {
        let body = app
            .gql_as(
                token,
                "mutation($r: ID!, $t: String!) { createTopic(roadmapId: $r, input: { title: $t }) { id } }",
                json!({ "r": id, "t": t }),
            )
            .await;
        topics.push(ok(&body)["createTopic"]["id"].as_str().unwrap().to_owned());
    }
    (id, topics)
}

/// Three official roadmaps that each teach Git: a (Git, A2, A3), b (Git, B2), c (Git).
async fn three_gits(app: &TestApp, admin: &str) -> [(String, Vec<String>); 3] {
    [
        roadmap_of(app, admin, "links-a", None, &["Git", "A2", "A3"]).await,
        roadmap_of(app, admin, "links-b", None, &["Git", "B2"]).await,
        roadmap_of(app, admin, "links-c", None, &["Git"]).await,
    ]
}

async fn status(app: &TestApp, token: &str, topic: &str) -> String {
    let body = app.gql_as(token, STATUS, json!({ "id": topic })).await;
    ok(&body)["topic"]["myStatus"].as_str().unwrap().to_owned()
}

/// (done, learning, skipped, total, percentDone) of the viewer on a roadmap.
async fn counts(app: &TestApp, token: &str, slug: &str) -> (i64, i64, i64, i64, f64) {
    let p = app.my_progress(token, slug).await;
    (
        p["done"].as_i64().unwrap(),
        p["learning"].as_i64().unwrap(),
        p["skipped"].as_i64().unwrap(),
        p["total"].as_i64().unwrap(),
        p["percentDone"].as_f64().unwrap(),
    )
}

async fn activity_count(app: &TestApp, token: &str) -> i64 {
    let body = app
        .gql_as(token, ops::MY_ACTIVITY, json!({ "first": 50 }))
        .await;
    ok(&body)["me"]["activity"]["totalCount"].as_i64().unwrap()
}

async fn set_at(app: &TestApp, token: &str, topic: &str, s: &str, at: &str) -> Value {
    let body = app
        .gql_as(
            token,
            ops::SET_TOPIC_STATUS_AT,
            json!({ "id": topic, "s": s, "at": at }),
        )
        .await;
    ok(&body)["setTopicStatus"].clone()
}

fn ago(minutes: i64) -> String {
    (chrono::Utc::now() - chrono::TimeDelta::minutes(minutes)).to_rfc3339()
}

#[tokio::test]
async fn a_status_on_one_linked_topic_is_the_status_on_all() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let [(_, a), (b_id, b), (_, c)] = three_gits(&app, &admin).await;
    let body = app
        .gql_as(&admin, LINK, json!({ "ids": [a[0], b[0], c[0]] }))
        .await;
    let group: BTreeSet<&str> = ok(&body)["linkTopics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["roadmap"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(group, BTreeSet::from(["links-a", "links-b", "links-c"]));

    let s = app.signup("gitlearner").await;
    let t = &s.access_token;
    let out = app.set_topic_status(t, &a[0], "DONE").await;
    assert_eq!(out["progress"]["done"], 1);
    for topic in [&b[0], &c[0]] {
        assert_eq!(status(&app, t, topic).await, "DONE");
    }
    let body = app.gql_as(t, STATUS, json!({ "id": a[0] })).await;
    let linked = &ok(&body)["topic"]["linkedTopics"];
    assert_eq!(linked.as_array().unwrap().len(), 2, "{body}");
    assert!(linked
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["myStatus"] == "DONE"));
    assert_eq!(counts(&app, t, "links-a").await, (1, 0, 0, 3, 100.0 / 3.0));
    assert_eq!(counts(&app, t, "links-b").await, (1, 0, 0, 2, 50.0));
    assert_eq!(counts(&app, t, "links-c").await, (1, 0, 0, 1, 100.0));
    // Finishing b's other topic completes b.
    app.set_topic_status(t, &b[1], "DONE").await;
    assert_eq!(counts(&app, t, "links-b").await, (2, 0, 0, 2, 100.0));
    // One history entry per change the learner made, not one per linked topic.
    assert_eq!(activity_count(&app, t).await, 2);

    // The dashboard and the export show all three roadmaps.
    let rows = app.my_dashboard(t, 10).await;
    let dash: BTreeSet<(String, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["node"]["roadmap"]["slug"].as_str().unwrap().to_owned(),
                r["node"]["done"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        dash,
        BTreeSet::from([
            ("links-a".to_owned(), 1),
            ("links-b".to_owned(), 2),
            ("links-c".to_owned(), 1)
        ])
    );
    let body = app.gql_as(t, ops::EXPORT_MY_PROGRESS, json!({})).await;
    let doc = ok(&body)["exportMyProgress"].clone();
    let exported: BTreeSet<(String, String)> = doc["roadmaps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["topics"].as_array().unwrap().iter().map(move |x| {
                (
                    r["slug"].as_str().unwrap().to_owned(),
                    x["status"].as_str().unwrap_or("").to_owned(),
                )
            })
        })
        .collect();
    assert!(
        exported.contains(&("links-c".to_owned(), "DONE".to_owned())),
        "{doc}"
    );

    // A batch on b, a clear on c, a reset of a: each reaches the whole group.
    let body = app
        .gql_as(
            t,
            ops::SET_TOPIC_STATUSES,
            json!({ "r": b_id, "c": [{ "topicId": b[0], "status": "LEARNING" }] }),
        )
        .await;
    assert_eq!(ok(&body)["setTopicStatuses"]["changedCount"], 1);
    assert_eq!(status(&app, t, &a[0]).await, "LEARNING");
    assert_eq!(counts(&app, t, "links-c").await, (0, 1, 0, 1, 0.0));
    app.set_topic_status(t, &c[0], "PENDING").await;
    assert_eq!(status(&app, t, &a[0]).await, "PENDING");
    assert_eq!(status(&app, t, &b[0]).await, "PENDING");
    app.set_topic_status(t, &a[0], "SKIPPED").await;
    let a_id = topics_of(&app, "links-a").await.0;
    let body = app
        .gql_as(t, ops::RESET_ROADMAP_PROGRESS, json!({ "r": a_id }))
        .await;
    assert_eq!(ok(&body)["resetRoadmapProgress"]["clearedCount"], 1);
    assert_eq!(status(&app, t, &c[0]).await, "PENDING");
    assert_eq!(counts(&app, t, "links-b").await, (1, 0, 0, 2, 50.0));
    assert_eq!(activity_count(&app, t).await, 6);

    // An import of one topic of the group sets all of them; the export then round-trips.
    let body = app
        .gql_as(
            t,
            "mutation($d: JSON!) { importMyProgress(document: $d) { roadmapCount } }",
            json!({ "d": { "format": "roadmap-api/progress@1", "roadmaps": [
                { "slug": "links-c", "topics": [{ "key": key_of(&c[0]), "status": "DONE" }] }] } }),
        )
        .await;
    ok(&body);
    assert_eq!(status(&app, t, &a[0]).await, "DONE");
    assert_eq!(status(&app, t, &b[0]).await, "DONE");
    let body = app.gql_as(t, ops::EXPORT_MY_PROGRESS, json!({})).await;
    let doc = ok(&body)["exportMyProgress"].clone();
    let body = app
        .gql_as(
            t,
            "mutation($d: JSON!) { importMyProgress(document: $d) { roadmapCount } }",
            json!({ "d": doc }),
        )
        .await;
    assert_eq!(ok(&body)["importMyProgress"]["roadmapCount"], 3, "{body}");
}

/// The key behind a topic's global id.
fn key_of(global: &str) -> String {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global)
        .unwrap();
    String::from_utf8(raw)
        .unwrap()
        .strip_prefix("Topic:")
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn subscribers_hear_every_roadmap_a_linked_write_changed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let [(_, a), (_, b), (_, c)] = three_gits(&app, &admin).await;
    ok(&app
        .gql_as(&admin, LINK, json!({ "ids": [a[0], b[0], c[0]] }))
        .await);
    let s = app.signup("livelinker").await;
    let mut ws = live_socket(&app, &s.access_token).await;
    wait_for_subscriptions(&app, 1.0).await;
    app.set_topic_status(&s.access_token, &b[0], "DONE").await;
    let mut heard = BTreeSet::new();
    while heard.len() < 3 {
        let msg = next_json(&mut ws, Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("only {heard:?} arrived"));
        let change = &msg["payload"]["data"]["myProgressChanged"];
        assert_eq!(change["kind"], "STATUS", "{msg}");
        assert_eq!(change["changes"][0]["to"], "DONE", "{msg}");
        assert_eq!(change["progress"]["done"], 1, "{msg}");
        heard.insert(change["roadmap"]["slug"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        heard,
        BTreeSet::from(["links-a".into(), "links-b".into(), "links-c".into()])
    );
}

#[tokio::test]
async fn linking_keeps_the_most_recent_status_and_unlinking_keeps_each() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let [(_, a), (_, b), (_, c)] = three_gits(&app, &admin).await;
    let one = app.signup("mergeone").await.access_token;
    let two = app.signup("mergetwo").await.access_token;
    set_at(&app, &one, &a[0], "DONE", &ago(30)).await;
    set_at(&app, &one, &b[0], "LEARNING", &ago(10)).await;
    set_at(&app, &one, &c[0], "SKIPPED", &ago(20)).await;
    app.set_topic_status(&two, &c[0], "DONE").await;
    let before = (
        activity_count(&app, &one).await,
        activity_count(&app, &two).await,
    );

    ok(&app
        .gql_as(&admin, LINK, json!({ "ids": [a[0], b[0]] }))
        .await);
    assert_eq!(status(&app, &one, &a[0]).await, "LEARNING");
    assert_eq!(status(&app, &one, &c[0]).await, "SKIPPED");
    // Linking c merges it in: the newest of the group (b's LEARNING) still wins for one; two's
    // only status (on c) reaches a and b.
    ok(&app
        .gql_as(&admin, LINK, json!({ "ids": [c[0], a[0]] }))
        .await);
    for t in [&a[0], &b[0], &c[0]] {
        assert_eq!(status(&app, &one, t).await, "LEARNING");
        assert_eq!(status(&app, &two, t).await, "DONE");
    }
    assert_eq!(
        counts(&app, &two, "links-a").await,
        (1, 0, 0, 3, 100.0 / 3.0)
    );
    let after = (
        activity_count(&app, &one).await,
        activity_count(&app, &two).await,
    );
    assert_eq!(before, after, "linking writes no history");
    // An offline change older than the newest of the group is skipped.
    let out = set_at(&app, &one, &c[0], "DONE", &ago(15)).await;
    assert_eq!(out["changed"], false, "{out}");
    assert_eq!(out["skipped"].as_array().unwrap().len(), 1, "{out}");

    // Unlinking b: every topic keeps what it showed, then they go their own ways.
    let body = app.gql_as(&admin, UNLINK, json!({ "id": b[0] })).await;
    assert_eq!(ok(&body)["unlinkTopic"]["linkedTopics"], json!([]));
    app.set_topic_status(&one, &a[0], "DONE").await;
    assert_eq!(status(&app, &one, &b[0]).await, "LEARNING");
    assert_eq!(status(&app, &one, &c[0]).await, "DONE");
    // Unlinking c leaves a alone: the group dissolves.
    ok(&app.gql_as(&admin, UNLINK, json!({ "id": c[0] })).await);
    let body = app.gql_as(&one, STATUS, json!({ "id": a[0] })).await;
    assert_eq!(ok(&body)["topic"]["linkedTopics"], json!([]));
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM topic_links").await,
        0,
        "a group of one is dissolved"
    );
}

#[tokio::test]
async fn owners_link_their_topics_to_what_they_can_read() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let owner = app.signup("linkowner").await.access_token;
    let other = app.signup("linkother").await.access_token;
    let (_, official) = roadmap_of(&app, &admin, "links-official", None, &["Git"]).await;
    let (_, mine) = roadmap_of(&app, &owner, "links-mine", Some("PUBLIC"), &["Git"]).await;
    let (_, hidden) = roadmap_of(&app, &owner, "links-hidden", Some("PRIVATE"), &["Git"]).await;
    let (_, theirs) = roadmap_of(&app, &other, "links-theirs", Some("PUBLIC"), &["Git"]).await;

    let body = app
        .gql(LINK, json!({ "ids": [mine[0], official[0]] }))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    // Neither topic is on the caller's roadmap.
    let (code, _, _) = fails(&app, &other, LINK, json!({ "ids": [mine[0], official[0]] })).await;
    assert_eq!(code, "FORBIDDEN");
    // A topic the caller cannot read does not exist for them.
    let (code, field, _) =
        fails(&app, &other, LINK, json!({ "ids": [theirs[0], hidden[0]] })).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("NOT_FOUND", "topicIds[1]")
    );
    // The owner links their public and their private topic to the official one.
    ok(&app
        .gql_as(
            &owner,
            LINK,
            json!({ "ids": [mine[0], official[0], hidden[0]] }),
        )
        .await);
    // Others see only what they may read.
    let body = app
        .gql_as(&other, STATUS, json!({ "id": official[0] }))
        .await;
    let seen: Vec<&str> = ok(&body)["topic"]["linkedTopics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["roadmap"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(seen, ["links-mine"], "{body}");
    let body = app
        .gql_as(&owner, STATUS, json!({ "id": official[0] }))
        .await;
    assert_eq!(
        ok(&body)["topic"]["linkedTopics"].as_array().unwrap().len(),
        2
    );
    // Another user links their own topic to the group through a topic they can read.
    ok(&app
        .gql_as(&other, LINK, json!({ "ids": [theirs[0], official[0]] }))
        .await);

    // Unlinking: owners of the topic's roadmap and admins.
    let (code, _, _) = fails(&app, &other, UNLINK, json!({ "id": mine[0] })).await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _, _) = fails(&app, &owner, UNLINK, json!({ "id": official[0] })).await;
    assert_eq!(code, "FORBIDDEN");
    let (code, field, _) = fails(&app, &other, UNLINK, json!({ "id": hidden[0] })).await;
    assert_eq!((code.as_str(), field.as_str()), ("NOT_FOUND", "topicId"));
    let body = app.gql(UNLINK, json!({ "id": mine[0] })).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    ok(&app.gql_as(&owner, UNLINK, json!({ "id": hidden[0] })).await);
    ok(&app.gql_as(&admin, UNLINK, json!({ "id": theirs[0] })).await);
    let body = app
        .gql_as(&admin, STATUS, json!({ "id": official[0] }))
        .await;
    let left: Vec<&str> = ok(&body)["topic"]["linkedTopics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["roadmap"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(left, ["links-mine"]);
}

#[tokio::test]
async fn bad_link_requests_name_the_input_at_fault() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let [(_, a), (_, b), _] = three_gits(&app, &admin).await;
    let deleted = &a[2];
    ok(&app
        .gql_as(&admin, ops::DELETE_TOPIC, json!({ "id": deleted }))
        .await);
    let missing = "VG9waWM6bm9wZW5vcGVub3Bl"; // Topic:nopenopenope
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!([]), "BAD_USER_INPUT", "topicIds"),
        (json!([a[0]]), "BAD_USER_INPUT", "topicIds"),
        (json!([a[0], b[0], a[0]]), "BAD_USER_INPUT", "topicIds[2]"),
        (json!(["not-an-id", a[0]]), "BAD_USER_INPUT", "topicIds[0]"),
        (json!([a[0], missing]), "NOT_FOUND", "topicIds[1]"),
        (json!([b[0], deleted]), "NOT_FOUND", "topicIds[1]"),
        (json!([a[0], b[0], a[1]]), "BAD_USER_INPUT", "topicIds[2]"),
    ];
    for (ids, code, field) in cases {
        let (c, f, m) = fails(&app, &admin, LINK, json!({ "ids": ids })).await;
        assert_eq!((c.as_str(), f.as_str()), (code, field), "{ids}: {m}");
    }
    // Merging groups may not put two topics of one roadmap together either.
    ok(&app
        .gql_as(&admin, LINK, json!({ "ids": [a[0], b[0]] }))
        .await);
    let [(_, a2), ..] = [roadmap_of(&app, &admin, "links-d", None, &["Git"]).await];
    ok(&app
        .gql_as(&admin, LINK, json!({ "ids": [a2[0], a[1]] }))
        .await);
    let (c, f, _) = fails(&app, &admin, LINK, json!({ "ids": [a2[0], b[0]] })).await;
    assert_eq!((c.as_str(), f.as_str()), ("BAD_USER_INPUT", "topicIds"));
    for (id, code) in [("not-an-id", "BAD_USER_INPUT"), (missing, "NOT_FOUND")] {
        let (c, f, _) = fails(&app, &admin, UNLINK, json!({ "id": id })).await;
        assert_eq!((c.as_str(), f.as_str()), (code, "topicId"));
    }
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM topic_links").await,
        4
    );
}

/// `link_pairs`, the forks' entry point, puts a new topic into its source's group (creating the
/// group) and copies every learner's status of the group onto it.
#[tokio::test]
async fn link_pairs_joins_new_topics_to_their_sources_groups() {
    use sea_orm::TransactionTrait;
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let [(_, a), (_, b), (_, c)] = three_gits(&app, &admin).await;
    let s = app.signup("forklearner").await.access_token;
    app.set_topic_status(&s, &a[0], "DONE").await;
    app.set_topic_status(&s, &a[1], "LEARNING").await;
    let db = app.db.connect().await;
    let txn = db.begin().await.unwrap();
    roadmap_api::progress::links::link_pairs(
        &txn,
        &[
            (key_of(&b[0]), key_of(&a[0])),
            (key_of(&c[0]), key_of(&a[0])),
            (key_of(&b[1]), key_of(&a[1])),
        ],
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    db.close().await.ok();
    assert_eq!(status(&app, &s, &b[0]).await, "DONE");
    assert_eq!(status(&app, &s, &c[0]).await, "DONE");
    assert_eq!(status(&app, &s, &b[1]).await, "LEARNING");
    let body = app.gql_as(&s, STATUS, json!({ "id": a[0] })).await;
    assert_eq!(
        ok(&body)["topic"]["linkedTopics"].as_array().unwrap().len(),
        2
    );
    app.set_topic_status(&s, &c[0], "SKIPPED").await;
    assert_eq!(status(&app, &s, &a[0]).await, "SKIPPED");
    assert_eq!(counts(&app, &s, "links-b").await, (0, 1, 1, 2, 0.0));
}
