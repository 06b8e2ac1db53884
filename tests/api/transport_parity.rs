//! One set of rules for every transport: a table of abusive operations, each sent as a POST and as
//! a `subscribe` on a `graphql-transport-ws` socket, must be refused with the same
//! `extensions.code` (and message) by both; budgets and buckets hold on the socket too. Then the
//! socket's own limits: sockets per user and per address, operations per socket, messages per
//! second (close code 4429), oversized non-operation messages (1009).
use std::time::Duration;

use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::ws::*;
use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(20);

/// The first error of an answer: its code and message.
fn first_error(body: &Value) -> (Option<String>, Option<String>) {
    let err = &body["errors"][0];
    (
        err["extensions"]["code"].as_str().map(str::to_owned),
        err["message"].as_str().map(str::to_owned),
    )
}

/// POSTs `payload` (`query`, `variables`, `extensions`) with `token`; the answer's body.
async fn over_post(app: &TestApp, token: &str, payload: &Value) -> Value {
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "application/graphql-response+json")
        .bearer_auth(token)
        .json(payload)
        .send()
        .await
        .expect("request");
    resp.json().await.expect("json body")
}

async fn socket_for(app: &TestApp, token: &str) -> Ws {
    let mut ws = ws_connect(app).await;
    let ack = ws_init(&mut ws, token).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    ws
}

fn repeat(piece: &str, n: usize) -> String {
    (0..n)
        .map(|i| piece.replace("{i}", &i.to_string()))
        .collect()
}

#[tokio::test]
async fn abusive_documents_get_the_same_refusal_over_post_and_over_the_socket() {
    let app = spawn_app_with(|s| {
        s.hardening.introspection = false;
        s.hardening.max_query_complexity = 300;
    })
    .await;
    let s = app.signup("prober").await;
    let mut ws = socket_for(&app, &s.access_token).await;
    let five_mb = "x".repeat(5 * 1024 * 1024);
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "too long",
            json!({ "query": format!("{{ __typename }}{}", " ".repeat(15_001)) }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "too many tokens",
            json!({ "query": format!("{{ me {{ {} }} }}", "id ".repeat(2_001)) }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "too deep",
            json!({ "query": format!("{}{}", "{ a ".repeat(13), "}".repeat(13)) }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "200 aliases",
            json!({ "query": format!("{{ me {{ {} }} }}", repeat("a{i}: id ", 200)) }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "60 directives",
            json!({ "query": format!("{{ __typename {} }}", "@include(if: true) ".repeat(60)) }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "too many root fields",
            json!({ "query": format!("{{ {} }}", repeat("r{i}: __typename ", 21)) }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "too complex",
            json!({ "query": "{ roadmaps(first: 100) { edges { node { id slug title description tags } } } }" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "a 5 MB variable",
            json!({ "query": "query Q($v: String) { __typename }", "variables": { "v": five_mb } }),
            "BAD_USER_INPUT",
        ),
        (
            "introspection when off",
            json!({ "query": "{ __schema { types { name } } }" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "unparsable",
            json!({ "query": "{ me { id " }),
            "GRAPHQL_PARSE_FAILED",
        ),
        (
            "unknown persisted query",
            json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "0".repeat(64) } } }),
            "PERSISTED_QUERY_NOT_FOUND",
        ),
    ];
    for (i, (name, payload, expected)) in cases.iter().enumerate() {
        let posted = first_error(&over_post(&app, &s.access_token, payload).await);
        let socket = first_error(&ws_query(&mut ws, &format!("c{i}"), payload).await);
        assert_eq!(
            posted.0.as_deref(),
            Some(*expected),
            "{name} over POST: {posted:?}"
        );
        assert_eq!(socket, posted, "{name}: the socket and POST disagree");
    }
    // Nothing above cost a point, and the socket still serves a good operation.
    let ok = ws_query(&mut ws, "ok", &json!({ "query": "{ me { username } }" })).await;
    assert_eq!(ok["data"]["me"]["username"], "prober", "{ok}");
}

#[tokio::test]
async fn a_spent_budget_holds_on_the_socket_for_queries_and_mutations() {
    let app = spawn_app_with(|s| s.hardening.rate_limit_user_points = 3).await;
    let s = app.signup("spender").await;
    let mut ws = socket_for(&app, &s.access_token).await;
    // Points are spent over both transports, from one budget.
    let me = json!({ "query": "{ me { username } }" });
    assert_eq!(
        over_post(&app, &s.access_token, &me).await["data"]["me"]["username"],
        "spender"
    );
    assert_eq!(
        ws_query(&mut ws, "q1", &me).await["data"]["me"]["username"],
        "spender"
    );
    assert_eq!(
        over_post(&app, &s.access_token, &me).await["data"]["me"]["username"],
        "spender"
    );

    let posted = over_post(&app, &s.access_token, &me).await;
    assert_eq!(
        first_error(&posted).0.as_deref(),
        Some("RATE_LIMITED"),
        "{posted}"
    );
    let query = ws_query(&mut ws, "q2", &me).await;
    assert_eq!(
        first_error(&query).0.as_deref(),
        Some("RATE_LIMITED"),
        "{query}"
    );
    // The budget's figures travel in the error, as the headers tell them over HTTP.
    let ext = &query["errors"][0]["extensions"];
    assert_eq!(ext["limit"], 3, "{query}");
    assert_eq!(ext["remaining"], 0, "{query}");
    assert!(
        ext["resetAt"].is_string() && ext["retryAfterSeconds"].is_number(),
        "{query}"
    );

    let rename = json!({ "query": "mutation { updateProfile(input: {displayName: \"Socket\"}) { displayName } }" });
    let mutation = ws_query(&mut ws, "m1", &rename).await;
    assert_eq!(
        first_error(&mutation).0.as_deref(),
        Some("RATE_LIMITED"),
        "{mutation}"
    );
    let name = count_rows(
        &app,
        "SELECT COUNT(*) FROM users WHERE display_name = 'Socket'",
    )
    .await;
    assert_eq!(name, 0, "the refused mutation ran");
}

#[tokio::test]
async fn a_spent_address_bucket_refuses_the_socket_as_it_refuses_a_post() {
    let app = spawn_app_with(|s| {
        s.hardening.rate_limit_per_second = 0.01;
        s.hardening.rate_limit_burst = 2;
    })
    .await;
    for _ in 0..2 {
        let ok = app.gql(ops::ME, json!({})).await;
        assert!(ok["errors"].is_null(), "{ok}");
    }
    let posted = app.gql(ops::ME, json!({})).await;
    assert_eq!(error_code(&posted), Some("RATE_LIMITED"), "{posted}");
    // The upgrade is an anonymous GET from the same address: refused before any socket opens.
    let url = app.url("/graphql").replacen("http://", "ws://", 1);
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status().as_u16(), 429);
            let body: Value = serde_json::from_slice(resp.body().as_deref().unwrap_or_default())
                .expect("json body");
            assert_eq!(error_code(&body), Some("RATE_LIMITED"), "{body}");
        }
        other => panic!(
            "the upgrade was not refused: {:?}",
            other.map(|(_, r)| r.status())
        ),
    }
}

#[tokio::test]
async fn sockets_per_user_and_per_address_are_limited_with_4429() {
    let app = spawn_app_with(|s| {
        s.sockets.max_sockets_per_user = 2;
        s.sockets.max_sockets_per_address = 3;
    })
    .await;
    let a = app.signup("many").await;
    let b = app.signup("other").await;
    let first = socket_for(&app, &a.access_token).await;
    let _second = socket_for(&app, &a.access_token).await;
    let mut third = ws_connect(&app).await;
    let init = json!({ "type": "connection_init",
        "payload": { "Authorization": format!("Bearer {}", a.access_token) } });
    third.send(Message::text(init.to_string())).await.unwrap();
    assert_eq!(close_code(&mut third).await, Some(4429));
    // Another user from the same address takes the third place; a fourth socket has none.
    let _theirs = socket_for(&app, &b.access_token).await;
    let mut fourth = ws_connect(&app).await;
    assert_eq!(close_code(&mut fourth).await, Some(4429));
    // A closed socket gives its places back.
    drop(first);
    let freed = eventually(WAIT, || async {
        let mut ws = ws_connect(&app).await;
        ws_init(&mut ws, &a.access_token).await["type"] == "connection_ack"
    })
    .await;
    assert!(freed, "a closed socket kept its place");
}

#[tokio::test]
async fn operations_per_socket_and_messages_per_second_are_limited() {
    let app = spawn_app_with(|s| {
        s.sockets.max_operations_per_socket = 2;
        s.sockets.max_messages_per_second = 10;
    })
    .await;
    let s = app.signup("busy").await;
    let mut ws = socket_for(&app, &s.access_token).await;
    subscribe_progress(&mut ws, "s1").await;
    subscribe_progress(&mut ws, "s2").await;
    wait_for_subscriptions(&app, 2.0).await;
    let third = ws_query(&mut ws, "s3", &json!({ "query": ops::MY_PROGRESS_CHANGED })).await;
    assert_eq!(
        first_error(&third).0.as_deref(),
        Some("RATE_LIMITED"),
        "{third}"
    );
    // Completing one frees its place.
    ws.send(Message::text(
        json!({ "id": "s1", "type": "complete" }).to_string(),
    ))
    .await
    .unwrap();
    let freed = eventually(WAIT, || async {
        app.metric("roadmap_active_subscriptions").await < 2.0
    })
    .await;
    assert!(freed);
    let me = ws_query(&mut ws, "q", &json!({ "query": "{ me { username } }" })).await;
    assert_eq!(me["data"]["me"]["username"], "busy", "{me}");

    // A flood of messages closes the socket with 4429.
    let mut flood = socket_for(&app, &s.access_token).await;
    for _ in 0..40 {
        if flood
            .send(Message::text(r#"{"type":"ping"}"#))
            .await
            .is_err()
        {
            break;
        }
    }
    assert_eq!(close_code(&mut flood).await, Some(4429));
}

#[tokio::test]
async fn an_oversized_message_that_is_no_operation_closes_with_1009() {
    let app = spawn_app_with(|s| s.hardening.max_body_bytes = 10_000).await;
    let s = app.signup("bulky").await;
    let mut ws = socket_for(&app, &s.access_token).await;
    let ping = json!({ "type": "ping", "payload": { "x": "y".repeat(20_000) } });
    ws.send(Message::text(ping.to_string())).await.unwrap();
    assert_eq!(close_code(&mut ws).await, Some(1009));
}
