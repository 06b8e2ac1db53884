//! "Same as" links: a topic's editor says it is the same as a root topic; learners' statuses are
//! shared across the group (counts, dashboard, export, live sync on every roadmap). A link is its
//! owner's claim: nobody can join strangers' topics, owners can always detach theirs, a status a
//! link changes is in the learner's history, a repeat on its own roadmap counts once, and groups
//! dissolve when their root is deleted or becomes a pointer.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::catalog::{fails, new_roadmap};
use crate::helpers::progress::{ok, topics_of};
use crate::helpers::ws::*;
use crate::helpers::*;

pub const SAME_AS: &str = "mutation SameAs($id: ID!, $to: ID) {
    setTopicSameAs(topicId: $id, sameAsId: $to) { id key sameAs { key } linkedTopics { key } } }";
/// Rows of `topic_links` of this file's roadmaps (the shipped Backend has its own repeats).
const LINK_ROWS: &str = "SELECT COUNT(*) FROM topic_links l JOIN topics t ON t.id = l.topic_id \
     JOIN roadmaps r ON r.id = t.roadmap_id WHERE r.slug LIKE 'links-%'";
const STATUS: &str = "query Status($id: ID!) { topic(id: $id) { key myStatus sameAs { key }
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

/// The key behind a topic's global id.
pub fn key_of(global: &str) -> String {
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

async fn same_as(app: &TestApp, token: &str, topic: &str, to: Option<&str>) -> Value {
    let body = app
        .gql_as(token, SAME_AS, json!({ "id": topic, "to": to }))
        .await;
    ok(&body)["setTopicSameAs"].clone()
}

fn keys(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap().to_owned())
        .collect()
}

/// The history entries of the viewer caused by links: (topicKey, from, to).
async fn linked_entries(app: &TestApp, token: &str) -> Vec<(String, String, String)> {
    let body = app
        .gql_as(
            token,
            "query { me { activity(first: 50) { edges { node { topicKey from to cause } } } } }",
            json!({}),
        )
        .await;
    ok(&body)["me"]["activity"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .filter(|n| n["cause"] == "LINKED")
        .map(|n| {
            (
                n["topicKey"].as_str().unwrap().to_owned(),
                n["from"].as_str().unwrap().to_owned(),
                n["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_status_on_one_linked_topic_is_the_status_on_all() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let [(_, a), (b_id, b), (_, c)] = three_gits(&app, &admin).await;
    let out = same_as(&app, &admin, &b[0], Some(&a[0])).await;
    assert_eq!(out["sameAs"]["key"], key_of(&a[0]));
    same_as(&app, &admin, &c[0], Some(&a[0])).await;

    let s = app.signup("gitlearner").await;
    let t = &s.access_token;
    let out = app.set_topic_status(t, &a[0], "DONE").await;
    assert_eq!(out["progress"]["done"], 1);
    for topic in [&b[0], &c[0]] {
        assert_eq!(status(&app, t, topic).await, "DONE");
    }
    let body = app.gql_as(t, STATUS, json!({ "id": b[0] })).await;
    let linked = &ok(&body)["topic"]["linkedTopics"];
    assert_eq!(
        keys(linked),
        BTreeSet::from([key_of(&a[0]), key_of(&c[0])]),
        "{body}"
    );
    assert_eq!(counts(&app, t, "links-a").await, (1, 0, 0, 3, 100.0 / 3.0));
    assert_eq!(counts(&app, t, "links-b").await, (1, 0, 0, 2, 50.0));
    assert_eq!(counts(&app, t, "links-c").await, (1, 0, 0, 1, 100.0));
    app.set_topic_status(t, &b[1], "DONE").await;
    assert_eq!(counts(&app, t, "links-b").await, (2, 0, 0, 2, 100.0));
    // One history entry per change the learner made, not one per linked topic.
    assert_eq!(activity_count(&app, t).await, 2);

    // A batch on a pointing topic, a clear on another, a reset: each reaches the whole group.
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
}

#[tokio::test]
async fn subscribers_hear_every_roadmap_a_linked_write_changed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let [(_, a), (_, b), (_, c)] = three_gits(&app, &admin).await;
    same_as(&app, &admin, &b[0], Some(&a[0])).await;
    same_as(&app, &admin, &c[0], Some(&a[0])).await;
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
        heard.insert(change["roadmap"]["slug"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        heard,
        BTreeSet::from(["links-a".into(), "links-b".into(), "links-c".into()])
    );
}

/// The attacks of issue 20: Eve, who edits only her own roadmap, cannot join Alice's topic and
/// the official one, in one call or through her own topics, and nobody's status changes.
#[tokio::test]
async fn eve_cannot_join_strangers_topics_and_nobodys_status_changes() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let alice = app.signup("alicelinks").await.access_token;
    let bob = app.signup("boblinks").await.access_token;
    let eve = app.signup("evelinks").await.access_token;
    let (_, official) = roadmap_of(&app, &admin, "links-backend", None, &["Git"]).await;
    let (_, alices) = roadmap_of(&app, &alice, "links-alice", Some("PUBLIC"), &["Git"]).await;
    let (_, eves) = roadmap_of(&app, &eve, "links-eve", Some("PUBLIC"), &["Git", "Git 2"]).await;
    app.set_topic_status(&bob, &alices[0], "LEARNING").await;
    app.set_topic_status(&alice, &official[0], "DONE").await;
    let before = (
        activity_count(&app, &alice).await,
        activity_count(&app, &bob).await,
    );

    // A stranger's topic cannot be pointed anywhere: FORBIDDEN, whatever the target.
    for (topic, to) in [
        (&alices[0], &official[0]),
        (&official[0], &alices[0]),
        (&alices[0], &eves[0]),
        (&official[0], &eves[0]),
    ] {
        let (code, _, _) = fails(&app, &eve, SAME_AS, json!({ "id": topic, "to": to })).await;
        assert_eq!(code, "FORBIDDEN");
    }
    // Her own topics may each claim one root, but never chain: Eve's second topic cannot point
    // at her first once that one points at Alice's.
    same_as(&app, &eve, &eves[0], Some(&alices[0])).await;
    let (code, field, _) =
        fails(&app, &eve, SAME_AS, json!({ "id": eves[1], "to": eves[0] })).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "sameAsId")
    );
    same_as(&app, &eve, &eves[1], Some(&official[0])).await;

    // The two-call bridge joined nothing: Alice's and the official topic are in separate groups.
    let body = app.gql_as(&bob, STATUS, json!({ "id": alices[0] })).await;
    assert_eq!(
        keys(&ok(&body)["topic"]["linkedTopics"]),
        BTreeSet::from([key_of(&eves[0])])
    );
    assert_eq!(status(&app, &bob, &alices[0]).await, "LEARNING");
    assert_eq!(status(&app, &bob, &official[0]).await, "PENDING");
    assert_eq!(status(&app, &alice, &alices[0]).await, "PENDING");
    assert_eq!(status(&app, &alice, &official[0]).await, "DONE");
    // Eve's topics took the roots' statuses (recorded for each learner as LINKED).
    assert_eq!(status(&app, &bob, &eves[0]).await, "LEARNING");
    assert_eq!(status(&app, &alice, &eves[1]).await, "DONE");
    assert_eq!(
        linked_entries(&app, &bob).await,
        vec![(key_of(&eves[0]), "PENDING".into(), "LEARNING".into())]
    );
    // Alice's and Bob's own topics have no entry they did not make.
    let after = (
        activity_count(&app, &alice).await,
        activity_count(&app, &bob).await,
    );
    assert_eq!((after.0 - 1, after.1 - 1), before);
}

/// Owners can always cut their topic loose: clearing on a root detaches whatever pointed at it,
/// and nobody's status changes.
#[tokio::test]
async fn owners_can_always_detach_their_own_topics() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let alice = app.signup("alicedetach").await.access_token;
    let eve = app.signup("evedetach").await.access_token;
    let bob = app.signup("bobdetach").await.access_token;
    let (_, official) = roadmap_of(&app, &admin, "links-off", None, &["Git"]).await;
    let (_, alices) = roadmap_of(&app, &alice, "links-al", Some("PUBLIC"), &["Git"]).await;
    let (_, eves) = roadmap_of(&app, &eve, "links-ev", Some("PUBLIC"), &["Git"]).await;
    same_as(&app, &eve, &eves[0], Some(&alices[0])).await;
    app.set_topic_status(&bob, &eves[0], "DONE").await;
    assert_eq!(status(&app, &bob, &alices[0]).await, "DONE");

    // Alice detaches her topic from Eve's claim; both keep what they showed.
    let out = same_as(&app, &alice, &alices[0], None).await;
    assert_eq!(out["linkedTopics"], json!([]));
    let body = app.gql_as(&eve, STATUS, json!({ "id": eves[0] })).await;
    assert_eq!(ok(&body)["topic"]["sameAs"], Value::Null);
    app.set_topic_status(&bob, &eves[0], "LEARNING").await;
    assert_eq!(status(&app, &bob, &alices[0]).await, "DONE");

    // Her own pointer: set, then cleared; the status stays.
    same_as(&app, &alice, &alices[0], Some(&official[0])).await;
    assert_eq!(status(&app, &bob, &alices[0]).await, "PENDING");
    app.set_topic_status(&bob, &official[0], "SKIPPED").await;
    assert_eq!(status(&app, &bob, &alices[0]).await, "SKIPPED");
    let out = same_as(&app, &alice, &alices[0], None).await;
    assert_eq!(out["sameAs"], Value::Null);
    assert_eq!(status(&app, &bob, &alices[0]).await, "SKIPPED");
    assert_eq!(
        count_rows(&app, LINK_ROWS).await,
        0,
        "a root nothing points at is dissolved"
    );
}

/// Pointing a topic gives it the root's status for every learner (the root is never written),
/// and the history says why.
#[tokio::test]
async fn pointing_takes_the_roots_status_and_the_history_says_why() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let [(_, a), (_, b), _] = three_gits(&app, &admin).await;
    let one = app.signup("takerone").await.access_token;
    let two = app.signup("takertwo").await.access_token;
    set_at(&app, &one, &a[0], "DONE", &ago(30)).await;
    set_at(&app, &one, &b[0], "LEARNING", &ago(10)).await;
    app.set_topic_status(&two, &b[0], "SKIPPED").await;
    // Read (and kept by the learners' cache) before the link: the link's entries must show.
    assert!(linked_entries(&app, &one).await.is_empty());
    assert!(linked_entries(&app, &two).await.is_empty());

    same_as(&app, &admin, &b[0], Some(&a[0])).await;
    assert_eq!(status(&app, &one, &b[0]).await, "DONE");
    assert_eq!(status(&app, &one, &a[0]).await, "DONE");
    assert_eq!(status(&app, &two, &b[0]).await, "PENDING");
    assert_eq!(
        status(&app, &two, &a[0]).await,
        "PENDING",
        "the root is never written"
    );
    assert_eq!(
        linked_entries(&app, &one).await,
        vec![(key_of(&b[0]), "LEARNING".into(), "DONE".into())]
    );
    assert_eq!(
        linked_entries(&app, &two).await,
        vec![(key_of(&b[0]), "SKIPPED".into(), "PENDING".into())]
    );
    // Pointing again at the same root changes nothing and records nothing.
    same_as(&app, &admin, &b[0], Some(&a[0])).await;
    assert_eq!(linked_entries(&app, &one).await.len(), 1);
    // An offline change older than the group's newest is skipped.
    let out = set_at(&app, &one, &b[0], "SKIPPED", &ago(60)).await;
    assert_eq!(out["changed"], false, "{out}");
}

/// roadmap.sh repeats subjects on one roadmap: a repeat shows one status and counts once.
#[tokio::test]
async fn a_repeat_on_its_own_roadmap_shows_one_status_and_counts_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, t) = roadmap_of(
        &app,
        &admin,
        "links-rep",
        None,
        &["Redis", "Other", "Redis"],
    )
    .await;
    same_as(&app, &admin, &t[2], Some(&t[0])).await;
    let s = app.signup("repeater").await.access_token;
    assert_eq!(counts(&app, &s, "links-rep").await, (0, 0, 0, 2, 0.0));
    let out = app.set_topic_status(&s, &t[2], "DONE").await;
    assert_eq!(out["progress"]["done"], 1, "{out}");
    assert_eq!(status(&app, &s, &t[0]).await, "DONE");
    assert_eq!(counts(&app, &s, "links-rep").await, (1, 0, 0, 2, 50.0));
    app.set_topic_status(&s, &t[1], "DONE").await;
    assert_eq!(counts(&app, &s, "links-rep").await, (2, 0, 0, 2, 100.0));
    let rows = app.my_dashboard(&s, 10).await;
    assert_eq!(rows[0]["node"]["done"], 2, "{rows:?}");
    assert_eq!(rows[0]["node"]["total"], 2, "{rows:?}");
    // Cleared, the repeat counts again on its own.
    same_as(&app, &admin, &t[2], None).await;
    assert_eq!(counts(&app, &s, "links-rep").await, (3, 0, 0, 3, 100.0));
}

/// A group whose root is deleted (the topic or its roadmap) or becomes a pointer dissolves: the
/// topics that pointed at it stand alone, keeping what they showed.
#[tokio::test]
async fn a_group_dissolves_when_its_root_is_deleted_or_repointed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let [(_, a), (_, b), (_, c)] = three_gits(&app, &admin).await;
    let s = app.signup("dissolver").await.access_token;
    same_as(&app, &admin, &b[0], Some(&a[0])).await;
    same_as(&app, &admin, &c[0], Some(&a[0])).await;
    app.set_topic_status(&s, &b[0], "DONE").await;
    ok(&app
        .gql_as(&admin, ops::DELETE_TOPIC, json!({ "id": a[0] }))
        .await);
    for t in [&b[0], &c[0]] {
        let body = app.gql_as(&s, STATUS, json!({ "id": t })).await;
        assert_eq!(ok(&body)["topic"]["linkedTopics"], json!([]), "{body}");
        assert_eq!(ok(&body)["topic"]["myStatus"], "DONE");
    }
    app.set_topic_status(&s, &b[0], "LEARNING").await;
    assert_eq!(status(&app, &s, &c[0]).await, "DONE");
    assert_eq!(count_rows(&app, LINK_ROWS).await, 0);

    // Re-pointing a root: b is pointed at by c, then b points at a2: c stands alone.
    let (_, a2) = roadmap_of(&app, &admin, "links-a2", None, &["Git"]).await;
    same_as(&app, &admin, &c[0], Some(&b[0])).await;
    assert_eq!(status(&app, &s, &c[0]).await, "LEARNING");
    same_as(&app, &admin, &b[0], Some(&a2[0])).await;
    let body = app.gql_as(&s, STATUS, json!({ "id": c[0] })).await;
    assert_eq!(ok(&body)["topic"]["sameAs"], Value::Null, "{body}");
    assert_eq!(status(&app, &s, &c[0]).await, "LEARNING");

    // Deleting the root's roadmap dissolves its group too.
    let body = app
        .gql_as(
            &admin,
            ops::DELETE_ROADMAP,
            json!({ "id": topics_of(&app, "links-a2").await.0, "f": true }),
        )
        .await;
    ok(&body);
    let body = app.gql_as(&s, STATUS, json!({ "id": b[0] })).await;
    assert_eq!(ok(&body)["topic"]["sameAs"], Value::Null, "{body}");
    assert_eq!(count_rows(&app, LINK_ROWS).await, 0);
}

#[tokio::test]
async fn bad_same_as_requests_name_the_input_at_fault() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let owner = app.signup("badlinker").await.access_token;
    let [(_, a), (_, b), (_, c)] = three_gits(&app, &admin).await;
    let (_, hidden) = roadmap_of(&app, &admin, "links-hidden", None, &["Git"]).await;
    let (_, mine) = roadmap_of(&app, &owner, "links-mine", Some("PRIVATE"), &["Git"]).await;
    ok(&app
        .gql_as(&admin, ops::DELETE_TOPIC, json!({ "id": a[2] }))
        .await);
    same_as(&app, &admin, &b[0], Some(&a[0])).await;
    let missing = "VG9waWM6bm9wZW5vcGVub3Bl"; // Topic:nopenopenope
    let cases: Vec<(&str, Value, Value, &str, &str)> = vec![
        (
            &admin,
            json!(c[0]),
            json!(c[0]),
            "BAD_USER_INPUT",
            "sameAsId",
        ),
        (
            &admin,
            json!(c[0]),
            json!(b[0]),
            "BAD_USER_INPUT",
            "sameAsId",
        ),
        (
            &admin,
            json!("not-an-id"),
            json!(a[0]),
            "BAD_USER_INPUT",
            "topicId",
        ),
        (
            &admin,
            json!(c[0]),
            json!("not-an-id"),
            "BAD_USER_INPUT",
            "sameAsId",
        ),
        (&admin, json!(missing), json!(a[0]), "NOT_FOUND", "topicId"),
        (&admin, json!(c[0]), json!(missing), "NOT_FOUND", "sameAsId"),
        (&admin, json!(c[0]), json!(a[2]), "NOT_FOUND", "sameAsId"),
        (&owner, json!(mine[0]), json!(hidden[0]), "", ""),
        (&owner, json!(c[0]), json!(a[0]), "FORBIDDEN", ""),
    ];
    // `links-hidden` is official and PUBLIC: readable, so `mine` may point at it (checked below).
    for (who, id, to, code, field) in cases {
        let body = app
            .gql_as(who, SAME_AS, json!({ "id": id, "to": to }))
            .await;
        if code.is_empty() {
            ok(&body);
            continue;
        }
        let e = &body["errors"][0];
        assert_eq!(
            (
                e["extensions"]["code"].as_str().unwrap_or(""),
                e["extensions"]["field"].as_str().unwrap_or("")
            ),
            (code, field),
            "{id} -> {to}: {body}"
        );
    }
    // Another's private topic does not exist for them.
    let other = app.signup("badother").await.access_token;
    let (_, theirs) = roadmap_of(&app, &other, "links-theirs", Some("PUBLIC"), &["Git"]).await;
    let (code, field, _) = fails(
        &app,
        &other,
        SAME_AS,
        json!({ "id": theirs[0], "to": mine[0] }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("NOT_FOUND", "sameAsId"));
    let (code, field, _) = fails(&app, &other, SAME_AS, json!({ "id": mine[0], "to": a[0] })).await;
    assert_eq!((code.as_str(), field.as_str()), ("NOT_FOUND", "topicId"));
    let body = app.gql(SAME_AS, json!({ "id": mine[0], "to": a[0] })).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    // Nothing was written by the refusals.
    assert_eq!(count_rows(&app, LINK_ROWS).await, 4);
}

async fn export_doc(app: &TestApp, token: &str) -> String {
    let body = app
        .gql_as(
            token,
            "query { exportRoadmap(slug: \"links-doc\") { json } }",
            json!({}),
        )
        .await;
    ok(&body)["exportRoadmap"]["json"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A roadmap document may say a topic repeats another of the same document (`sameAs`, as
/// roadmap.sh repeats "Redis" in Backend): an import writes the pointer, the repeat shows one
/// status and counts once, and the export writes `sameAs` back.
#[tokio::test]
async fn documents_carry_same_as_and_repeats_count_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, t) = roadmap_of(
        &app,
        &admin,
        "links-doc",
        None,
        &["Redis", "Other", "Redis"],
    )
    .await;
    let mut doc: Value = serde_json::from_str(&export_doc(&app, &admin).await).unwrap();
    let first = doc["topics"][0]["id"].as_str().unwrap().to_owned();
    doc["topics"][2]["sameAs"] = json!(first);
    let body = app
        .gql_as(
            &admin,
            "mutation($d: JSON) { importRoadmap(document: $d, mode: REPLACE) { slug } }",
            json!({ "d": doc }),
        )
        .await;
    ok(&body);
    let s = app.signup("docrepeat").await.access_token;
    assert_eq!(
        counts(&app, &s, "links-doc").await.3,
        2,
        "the repeat counts once"
    );
    app.set_topic_status(&s, &t[2], "DONE").await;
    assert_eq!(status(&app, &s, &t[0]).await, "DONE");
    assert_eq!(counts(&app, &s, "links-doc").await, (1, 0, 0, 2, 50.0));
    let again = export_doc(&app, &admin).await;
    assert_eq!(again.matches("\"sameAs\"").count(), 1, "{again}");

    // A sameAs naming no topic of the document, itself, or a repeat is refused.
    for target in ["nosuchtopic1234", doc["topics"][2]["id"].as_str().unwrap()] {
        let mut bad = doc.clone();
        bad["topics"][2]["sameAs"] = json!(target);
        let (code, field, message) = fails(
            &app,
            &admin,
            "mutation($d: JSON) { importRoadmap(document: $d, mode: REPLACE) { slug } }",
            json!({ "d": bad }),
        )
        .await;
        // The import names the input `document` and the place in its message.
        assert_eq!(
            (code.as_str(), field.as_str()),
            ("BAD_USER_INPUT", "document")
        );
        assert!(message.contains("sameAs"), "{message}");
    }
}
