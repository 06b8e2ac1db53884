//! Live progress over WebSocket (graphql-transport-ws): changes pushed to the user's other
//! sessions, refused connections, and changes relayed between servers on one PostgreSQL database.

use std::time::Duration;

use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::progress::*;
use crate::helpers::ws::*;
use crate::helpers::*;

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

    let mut ws = live_socket(&app, &s.access_token).await;
    wait_for_subscriptions(&app, 1.0).await;
    // Another user's write never reaches this socket (made first: if it leaked, it would arrive
    // before ours).
    app.set_topic_status(&stranger.access_token, &topics[0].0, "SKIPPED")
        .await;
    app.set_topic_status(&other_token, &topics[0].0, "DONE")
        .await;
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
    app.set_topic_status(&s.access_token, &topics[2].0, "DONE")
        .await;
    let msg = next_json(&mut ws, Duration::from_secs(5))
        .await
        .expect("status change");
    let change = &msg["payload"]["data"]["myProgressChanged"];
    assert_eq!(change["changes"][0]["key"], topics[2].1.as_str());
    assert_eq!(change["changes"][0]["to"], "DONE");
    assert_eq!(
        change["progress"]["total"],
        topics.len() as i64 - BACKEND_REPEATS
    );

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

/// Two servers on one PostgreSQL database (in-process, but each with its own bus and relay, as two
/// processes have): a change made through one reaches a subscriber of the other (LISTEN/NOTIFY
/// relay). SQLite is a single-process database, so there
/// is nothing to relay there.
#[tokio::test]
async fn subscription_hears_changes_made_through_another_server() {
    if backend() != Backend::Postgres {
        println!("cross-process relay needs PostgreSQL; skipped on SQLite");
        return;
    }
    let a = spawn_app().await;
    let b = spawn_on(a.db.clone()).await;
    let (_, topics) = topics_of(&a, "backend").await;
    let s = a.signup("twoservers").await;
    let mut ws = live_socket(&a, &s.access_token).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let mut got = None;
    for status in ["DONE", "LEARNING"].iter().cycle() {
        if tokio::time::Instant::now() > deadline {
            break;
        }
        b.set_topic_status(&s.access_token, &topics[7].0, status)
            .await;
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

/// A narrower selection of the same field: a subscription of its own.
const NARROW: &str = "subscription Narrow { myProgressChanged { kind changes { key to } } }";

/// The `myProgressChanged` change of a `next` message for subscription `id`.
fn change_of<'a>(msg: &'a Value, id: &str) -> &'a Value {
    assert_eq!(msg["type"], "next", "{msg}");
    assert_eq!(msg["id"], id, "{msg}");
    &msg["payload"]["data"]["myProgressChanged"]
}

/// Sockets of one learner with the same subscription share one execution (the
/// `roadmap_shared_subscription_sources` gauge) and each gets every change; another selection gets
/// its own; closing one socket keeps the others receiving; another learner's socket hears only its
/// own learner; the last socket of a subscription ends its execution.
#[tokio::test]
async fn identical_subscriptions_share_one_execution_and_every_socket_gets_each_change() {
    let app = spawn_app().await;
    let (_, topics) = topics_of(&app, "backend").await;
    let s = app.signup("twotabs").await;
    let stranger = app.signup("neighbour").await;
    let mut first = live_socket(&app, &s.access_token).await;
    let mut second = live_socket(&app, &s.access_token).await;
    let mut narrow = ws_connect(&app).await;
    let ack = ws_init(&mut narrow, &s.access_token).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let sub = json!({ "id": "n", "type": "subscribe", "payload": { "query": NARROW } });
    narrow.send(Message::text(sub.to_string())).await.unwrap();
    let mut other = live_socket(&app, &stranger.access_token).await;
    wait_for_subscriptions(&app, 4.0).await;
    // Four sockets, three executions: the learner's two tabs share one.
    assert_eq!(app.metric("roadmap_shared_subscription_sources").await, 3.0);

    app.set_topic_status(&s.access_token, &topics[0].0, "DONE")
        .await;
    for ws in [&mut first, &mut second] {
        let msg = next_json(ws, Duration::from_secs(10))
            .await
            .expect("each tab gets the change");
        let change = change_of(&msg, "1");
        assert_eq!(change["kind"], "STATUS", "{msg}");
        assert_eq!(change["roadmap"]["slug"], "backend", "{msg}");
        assert_eq!(change["changes"][0]["key"], topics[0].1.as_str());
        assert_eq!(change["changes"][0]["topic"]["myStatus"], "DONE", "{msg}");
    }
    let msg = next_json(&mut narrow, Duration::from_secs(10))
        .await
        .expect("the narrow subscription gets the change");
    assert_eq!(
        *change_of(&msg, "n"),
        json!({ "kind": "STATUS", "changes": [{ "key": topics[0].1, "to": "DONE" }] }),
        "only its own selection: {msg}"
    );

    // One tab closes: the other still follows the shared execution.
    first.close(None).await.ok();
    let closed = eventually(Duration::from_secs(10), || async {
        app.metric("roadmap_active_subscriptions").await == 3.0
    })
    .await;
    assert!(closed, "the closed tab's subscription is still counted");
    assert_eq!(app.metric("roadmap_shared_subscription_sources").await, 3.0);
    app.set_topic_status(&s.access_token, &topics[1].0, "LEARNING")
        .await;
    let msg = next_json(&mut second, Duration::from_secs(10))
        .await
        .expect("the open tab still gets changes");
    let change = change_of(&msg, "1");
    assert_eq!(change["changes"][0]["key"], topics[1].1.as_str());
    assert_eq!(change["changes"][0]["to"], "LEARNING");
    let msg = next_json(&mut narrow, Duration::from_secs(10))
        .await
        .expect("the narrow subscription gets the second change");
    assert_eq!(
        change_of(&msg, "n")["changes"][0]["key"],
        topics[1].1.as_str()
    );

    // The stranger's socket: its own change is the first thing it hears (had the learner's two
    // leaked, they would have come before it).
    app.set_topic_status(&stranger.access_token, &topics[2].0, "SKIPPED")
        .await;
    let msg = next_json(&mut other, Duration::from_secs(10))
        .await
        .expect("the stranger gets their own change");
    let change = change_of(&msg, "1");
    assert_eq!(change["changes"][0]["key"], topics[2].1.as_str(), "{msg}");
    assert_eq!(change["changes"][0]["to"], "SKIPPED", "{msg}");

    // The last socket of each subscription ends its execution.
    for ws in [&mut second, &mut narrow, &mut other] {
        ws.close(None).await.ok();
    }
    let ended = eventually(Duration::from_secs(10), || async {
        app.metric("roadmap_shared_subscription_sources").await == 0.0
            && app.metric("roadmap_active_subscriptions").await == 0.0
    })
    .await;
    assert!(ended, "executions outlived their sockets");
}
