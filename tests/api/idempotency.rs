//! `Idempotency-Key`: a signed-in mutation sent with a key runs once; a retry with the same key and
//! body gets the first answer again, byte for byte, with `Idempotent-Replayed: true`, and writes
//! nothing. Another body with the key is 422, a retry while the first still runs is 409, a
//! malformed key is 400. Keys are per user, kept in the database (shared by servers on one
//! database, kept across a restart) for 24 hours. Queries, anonymous mutations and failed runs
//! keep nothing.
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::progress::*;
use crate::helpers::*;

const REPLAYED: &str = "idempotent-replayed";
const UPDATE_PROFILE: &str =
    "mutation UpdateProfile($n: String) { updateProfile(input: {displayName: $n}) { username displayName } }";
const MY_STATUS: &str = "query MyStatus($id: ID!) { topic(id: $id) { myStatus } }";

struct Reply {
    status: u16,
    headers: HeaderMap,
    bytes: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).expect("json body")
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    fn replayed(&self) -> bool {
        self.header(REPLAYED) == Some("true")
    }
}

/// POSTs `body` exactly as given (so a retry can send the same bytes), with a raw
/// `Idempotency-Key` header value when one is given.
async fn send(app: &TestApp, token: Option<&str>, key: Option<&[u8]>, body: &str) -> Reply {
    let mut req = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .body(body.to_owned());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(k) = key {
        req = req.header(
            "idempotency-key",
            HeaderValue::from_bytes(k).expect("header"),
        );
    }
    let resp = req.send().await.expect("request");
    Reply {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        bytes: resp.bytes().await.expect("body").to_vec(),
    }
}

fn request(query: &str, variables: Value) -> String {
    json!({ "query": query, "variables": variables }).to_string()
}

fn set_status(topic: &str, status: &str) -> String {
    request(ops::SET_TOPIC_STATUS, json!({ "id": topic, "s": status }))
}

fn rename(name: &str) -> String {
    request(UPDATE_PROFILE, json!({ "n": name }))
}

async fn display_name(app: &TestApp, token: &str) -> Value {
    app.gql_as(token, ops::ME, json!({})).await["data"]["me"]["displayName"].clone()
}

async fn my_status(app: &TestApp, token: &str, topic: &str) -> Value {
    app.gql_as(token, MY_STATUS, json!({ "id": topic })).await["data"]["topic"]["myStatus"].clone()
}

async fn keys_stored(app: &TestApp) -> i64 {
    count_rows(app, "SELECT COUNT(*) FROM idempotency_keys").await
}

#[tokio::test]
async fn a_retried_mutation_gets_the_first_answer_again_and_runs_once() {
    let app = spawn_app().await;
    let s = app.signup("retrier").await;
    let token = Some(s.access_token.as_str());
    let (_, topics) = topics_of(&app, "backend").await;
    let topic = topics[0].0.as_str();
    let body = set_status(topic, "DONE");

    let first = send(&app, token, Some(b"\"retry-1\""), &body).await;
    assert_eq!(first.status, 200, "{}", first.json());
    assert!(!first.replayed());
    assert_eq!(first.json()["data"]["setTopicStatus"]["changed"], true);

    // Someone changes the status in between; a retry that ran again would set it back.
    app.set_topic_status(&s.access_token, topic, "LEARNING")
        .await;
    let events = count_rows(&app, "SELECT COUNT(*) FROM progress_events").await;

    // The retry names the same key as a bare token, and sends the same bytes.
    let again = send(&app, token, Some(b"retry-1"), &body).await;
    assert_eq!(again.status, first.status);
    assert_eq!(again.header("content-type"), first.header("content-type"));
    assert_eq!(again.bytes, first.bytes, "the first answer, byte for byte");
    assert!(again.replayed());
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM progress_events").await,
        events,
        "the replay wrote nothing"
    );
    assert_eq!(my_status(&app, &s.access_token, topic).await, "LEARNING");

    // And again: still the first answer.
    let third = send(&app, token, Some(b"retry-1"), &body).await;
    assert_eq!(third.bytes, first.bytes);
    assert!(third.replayed());
    assert_eq!(keys_stored(&app).await, 1);
}

#[tokio::test]
async fn identical_requests_arriving_at_once_run_once() {
    let app = spawn_app().await;
    let s = app.signup("eager").await;
    let (_, topics) = topics_of(&app, "backend").await;
    let body = set_status(&topics[0].0, "SKIPPED");
    let replies = futures_util::future::join_all(
        (0..8).map(|_| send(&app, Some(&s.access_token), Some(b"twice"), &body)),
    )
    .await;
    let statuses: Vec<(u16, bool)> = replies.iter().map(|r| (r.status, r.replayed())).collect();
    println!("8 identical requests at once, (status, replayed): {statuses:?}");
    let ran: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.status == 200 && !r.replayed())
        .collect();
    assert_eq!(
        ran.len(),
        1,
        "statuses: {:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in &replies {
        match r.status {
            200 if r.replayed() => assert_eq!(r.bytes, ran[0].bytes),
            200 => {}
            409 => assert_eq!(error_code(&r.json()), Some("CONFLICT")),
            other => panic!("unexpected {other}: {}", r.json()),
        }
    }
    assert_eq!(ran[0].json()["data"]["setTopicStatus"]["changed"], true);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused_with_422() {
    let app = spawn_app().await;
    let s = app.signup("reuser").await;
    let token = Some(s.access_token.as_str());
    let first = send(&app, token, Some(b"k-1"), &rename("First")).await;
    assert_eq!(first.status, 200, "{}", first.json());

    let other = send(&app, token, Some(b"k-1"), &rename("Second")).await;
    assert_eq!(other.status, 422, "{}", other.json());
    let body = other.json();
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("already used for another request"),
        "{message}"
    );
    assert!(body.get("data").is_none(), "{body}");
    assert!(!other.replayed());
    assert_eq!(display_name(&app, &s.access_token).await, "First");
}

#[tokio::test]
async fn keys_are_per_user() {
    let app = spawn_app().await;
    let ann = app.signup("ann").await;
    let bob = app.signup("bob").await;
    let body = rename("Same");

    let a = send(&app, Some(&ann.access_token), Some(b"shared"), &body).await;
    assert_eq!(a.status, 200);
    // The same key and body from another user runs for that user.
    let b = send(&app, Some(&bob.access_token), Some(b"shared"), &body).await;
    assert_eq!(b.status, 200, "{}", b.json());
    assert!(!b.replayed());
    assert_eq!(b.json()["data"]["updateProfile"]["username"], "bob");
    assert_eq!(display_name(&app, &bob.access_token).await, "Same");
    // Another body under a key someone else used is no mismatch either.
    let b2 = send(
        &app,
        Some(&bob.access_token),
        Some(b"ann-only"),
        &rename("Bob"),
    )
    .await;
    let a2 = send(
        &app,
        Some(&ann.access_token),
        Some(b"ann-only"),
        &rename("Ann"),
    )
    .await;
    assert_eq!((b2.status, a2.status), (200, 200), "{}", a2.json());
    assert!(!a2.replayed());
    // Each user's retry replays their own answer.
    let a_again = send(&app, Some(&ann.access_token), Some(b"shared"), &body).await;
    assert!(a_again.replayed());
    assert_eq!(a_again.bytes, a.bytes);
    assert_eq!(keys_stored(&app).await, 4);
}

#[tokio::test]
async fn malformed_keys_are_refused_with_400_before_anything_runs() {
    let app = spawn_app().await;
    let s = app.signup("malformed").await;
    let token = Some(s.access_token.as_str());
    let too_long = "k".repeat(256);
    let bad: [&[u8]; 6] = [
        b"",
        b"\"\"",
        too_long.as_bytes(),
        b"\"unterminated",
        b"\"with space\"",
        "caf\u{e9}".as_bytes(),
    ];
    for key in bad {
        let r = send(&app, token, Some(key), &rename("Never")).await;
        let body = r.json();
        assert_eq!(r.status, 400, "{key:?}: {body}");
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("Idempotency-Key"), "{message}");
    }
    assert_eq!(display_name(&app, &s.access_token).await, "malformed");
    assert_eq!(keys_stored(&app).await, 0);

    // The longest key is fine, quoted or bare.
    let longest = "k".repeat(255);
    let r = send(&app, token, Some(longest.as_bytes()), &rename("Long")).await;
    assert_eq!(r.status, 200, "{}", r.json());
    let quoted = format!("\"{longest}\"");
    let r = send(&app, token, Some(quoted.as_bytes()), &rename("Long")).await;
    assert!(r.replayed());
}

#[tokio::test]
async fn queries_and_anonymous_mutations_ignore_the_key_and_batches_refuse_it() {
    let app = spawn_app_with(|s| s.hardening.max_batch_size = 5).await;
    let s = app.signup("ignored").await;
    let token = Some(s.access_token.as_str());

    // A query runs every time.
    let me = request(ops::ME, json!({}));
    for _ in 0..2 {
        let r = send(&app, token, Some(b"q-1"), &me).await;
        assert_eq!(r.status, 200);
        assert!(!r.replayed());
        assert_eq!(r.json()["data"]["me"]["username"], "ignored");
    }
    // Nothing was kept: the key is still free for a mutation.
    assert_eq!(keys_stored(&app).await, 0);
    let r = send(&app, token, Some(b"q-1"), &rename("Mutated")).await;
    assert_eq!(r.status, 200, "{}", r.json());
    assert!(!r.replayed());

    // An anonymous mutation runs every time (its answer carries fresh tokens): the second signUp
    // meets the account the first one made.
    let sign_up = request(
        ops::SIGN_UP,
        json!({ "input": { "email": "anon@example.com", "username": "anon",
            "password": "anon-Secret-Pass-42" } }),
    );
    let first = send(&app, None, Some(b"anon-1"), &sign_up).await;
    assert!(first.json()["data"]["signUp"]["accessToken"].is_string());
    let second = send(&app, None, Some(b"anon-1"), &sign_up).await;
    assert!(!second.replayed());
    assert_eq!(
        error_code(&second.json()),
        Some("CONFLICT"),
        "{}",
        second.json()
    );
    assert_eq!(keys_stored(&app).await, 1);

    // A batch with a key is refused; without one it runs.
    let batch = format!("[{},{}]", request(ops::ME, json!({})), rename("Batched"));
    let r = send(&app, token, Some(b"b-1"), &batch).await;
    assert_eq!(r.status, 400, "{}", r.json());
    assert_eq!(error_code(&r.json()), Some("BAD_USER_INPUT"));
    assert_eq!(display_name(&app, &s.access_token).await, "Mutated");
    let r = send(&app, token, None, &batch).await;
    assert_eq!(r.status, 200, "{}", r.json());
}

#[tokio::test]
async fn keys_are_shared_by_servers_on_one_database_and_survive_a_restart() {
    let app = spawn_app().await;
    let s = app.signup("restarted").await;
    let token = Some(s.access_token.as_str());
    let body = rename("Once");
    let first = send(&app, token, Some(b"r-1"), &body).await;
    assert_eq!(first.status, 200, "{}", first.json());

    let other = spawn_on(app.db.clone()).await;
    let shared = send(&other, token, Some(b"r-1"), &body).await;
    assert!(shared.replayed(), "{}", shared.json());
    assert_eq!(shared.bytes, first.bytes);

    let db = app.db.clone();
    drop(other);
    drop(app);
    let restarted = spawn_on(db).await;
    app_changes_name(&restarted, &s.access_token, "Later").await;
    let after = send(&restarted, token, Some(b"r-1"), &body).await;
    assert!(after.replayed(), "{}", after.json());
    assert_eq!(after.bytes, first.bytes);
    assert_eq!(display_name(&restarted, &s.access_token).await, "Later");
}

async fn app_changes_name(app: &TestApp, token: &str, name: &str) {
    let body = app
        .gql_as(token, UPDATE_PROFILE, json!({ "n": name }))
        .await;
    assert_eq!(body["data"]["updateProfile"]["displayName"], name, "{body}");
}

#[tokio::test]
async fn a_request_still_running_gets_409_until_its_reservation_is_abandoned() {
    let app = spawn_app().await;
    let s = app.signup("inflight").await;
    let token = Some(s.access_token.as_str());
    let user_id = numeric_id(&s.user_id);
    let body = rename("Busy");
    let hash = hex::encode(Sha256::digest(body.as_bytes()));
    let now = chrono::Utc::now().timestamp();
    // What a request that is still running left: a reservation without an answer.
    sql(
        &app,
        &format!(
            "INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, created_at) \
             VALUES ({user_id}, 'busy', '{hash}', {now})"
        ),
    )
    .await;

    let r = send(&app, token, Some(b"busy"), &body).await;
    assert_eq!(r.status, 409, "{}", r.json());
    assert_eq!(error_code(&r.json()), Some("CONFLICT"));
    assert_eq!(r.header("retry-after"), Some("1"));
    assert!(r.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("still being processed"));
    assert_eq!(display_name(&app, &s.access_token).await, "inflight");
    // Another body under that key is a mismatch, running or not.
    let r = send(&app, token, Some(b"busy"), &rename("Other")).await;
    assert_eq!(r.status, 422);

    // Older than the request timeout (30 s): its server is gone, the retry takes it over and runs.
    sql(
        &app,
        &format!(
            "UPDATE idempotency_keys SET created_at = {} WHERE idempotency_key = 'busy'",
            now - 31
        ),
    )
    .await;
    let r = send(&app, token, Some(b"busy"), &body).await;
    assert_eq!(r.status, 200, "{}", r.json());
    assert!(!r.replayed());
    assert_eq!(display_name(&app, &s.access_token).await, "Busy");
    assert_eq!(
        count_rows(
            &app,
            "SELECT COUNT(*) FROM idempotency_keys WHERE response_status = 200"
        )
        .await,
        1
    );
    assert!(send(&app, token, Some(b"busy"), &body).await.replayed());
}

#[tokio::test]
async fn an_expired_key_runs_again_and_expired_keys_are_purged() {
    let app = spawn_app().await;
    let s = app.signup("expiring").await;
    let token = Some(s.access_token.as_str());
    let (_, topics) = topics_of(&app, "backend").await;
    let topic = topics[0].0.as_str();
    let body = set_status(topic, "DONE");
    let first = send(&app, token, Some(b"old"), &body).await;
    assert_eq!(first.status, 200, "{}", first.json());
    app.set_topic_status(&s.access_token, topic, "LEARNING")
        .await;

    // 25 hours later the key is forgotten: the same request runs again.
    sql(
        &app,
        "UPDATE idempotency_keys SET created_at = created_at - 90000",
    )
    .await;
    let again = send(&app, token, Some(b"old"), &body).await;
    assert_eq!(again.status, 200, "{}", again.json());
    assert!(!again.replayed());
    assert_eq!(again.json()["data"]["setTopicStatus"]["changed"], true);
    assert_eq!(my_status(&app, &s.access_token, topic).await, "DONE");
    // ... and is remembered from now on.
    assert!(send(&app, token, Some(b"old"), &body).await.replayed());

    // Expired rows are deleted (a server purges at start, then periodically); live ones stay.
    sql(
        &app,
        "UPDATE idempotency_keys SET created_at = created_at - 90000",
    )
    .await;
    send(&app, token, Some(b"fresh"), &rename("Fresh")).await;
    assert_eq!(keys_stored(&app).await, 2);
    let _other = spawn_on(app.db.clone()).await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            keys_stored(&app).await == 1
        })
        .await,
        "the expired key was not purged"
    );
    assert!(send(&app, token, Some(b"fresh"), &rename("Fresh"))
        .await
        .replayed());
}

#[tokio::test]
async fn a_run_that_fails_or_is_refused_keeps_no_answer_so_the_retry_runs() {
    let app = spawn_app_with(|s| s.hardening.rate_limit_user_points = 3).await;
    let s = app.signup("failing").await;
    let token = Some(s.access_token.as_str());
    let (_, topics) = topics_of(&app, "backend").await;
    let topic = topics[0].0.as_str();
    let body = set_status(topic, "DONE");

    // The write fails inside the server (its table is away): an internal error, not kept.
    sql(
        &app,
        "ALTER TABLE progress_events RENAME TO progress_events_away",
    )
    .await;
    let failed = send(&app, token, Some(b"f-1"), &body).await;
    sql(
        &app,
        "ALTER TABLE progress_events_away RENAME TO progress_events",
    )
    .await;
    assert_eq!(
        error_code(&failed.json()),
        Some("INTERNAL_SERVER_ERROR"),
        "{}",
        failed.json()
    );
    assert_eq!(keys_stored(&app).await, 0);
    let retried = send(&app, token, Some(b"f-1"), &body).await;
    assert!(!retried.replayed());
    assert_eq!(retried.json()["data"]["setTopicStatus"]["changed"], true);
    assert_eq!(keys_stored(&app).await, 1);

    // Refused for want of budget (429): nothing ran, nothing kept.
    let mut refused = None;
    for _ in 0..3 {
        let r = send(&app, token, Some(b"f-2"), &rename("Broke")).await;
        if r.status == 429 {
            refused = Some(r);
            break;
        }
        // Spend the rest of the budget without a key.
        app.gql_as(&s.access_token, ops::ME, json!({})).await;
        sql(
            &app,
            "DELETE FROM idempotency_keys WHERE idempotency_key = 'f-2'",
        )
        .await;
    }
    let refused = refused.expect("the budget ran out");
    assert_eq!(error_code(&refused.json()), Some("RATE_LIMITED"));
    assert_eq!(
        count_rows(
            &app,
            "SELECT COUNT(*) FROM idempotency_keys WHERE idempotency_key = 'f-2'"
        )
        .await,
        0
    );
}

/// A request cancelled by the request timeout drops its reservation, so the retry runs at once.
/// PostgreSQL only: the request is held up by a table lock, and on SQLite (one writer) that lock
/// would hold up the reservation itself.
#[tokio::test]
async fn a_request_that_times_out_drops_its_reservation() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    if backend() != Backend::Postgres {
        return;
    }
    let app = spawn_app_with(|s| s.hardening.request_timeout = Duration::from_secs(3)).await;
    let s = app.signup("slow").await;
    let token = Some(s.access_token.as_str());
    let (_, topics) = topics_of(&app, "backend").await;
    let body = set_status(&topics[0].0, "DONE");

    let db = app.db.connect().await;
    let lock = db.begin().await.expect("begin");
    lock.execute_unprepared("LOCK TABLE progress IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let r = send(&app, token, Some(b"slow-1"), &body).await;
    assert_eq!(r.status, 504, "{}", r.json());
    assert!(
        eventually(Duration::from_secs(10), || async {
            keys_stored(&app).await == 0
        })
        .await,
        "the reservation was left behind"
    );
    lock.rollback().await.expect("rollback");
    db.close().await.ok();

    // The retry runs (the cancelled statement may have committed once the lock went: then the
    // retry finds the status already set).
    let retried = send(&app, token, Some(b"slow-1"), &body).await;
    assert_eq!(retried.status, 200, "{}", retried.json());
    assert!(!retried.replayed());
    assert_eq!(retried.json()["data"]["setTopicStatus"]["status"], "DONE");
}

#[tokio::test]
async fn answers_that_carry_tokens_are_never_stored_even_when_signed_in() {
    let app = spawn_app().await;
    let s = app.signup("keeper").await;
    let token = Some(s.access_token.as_str());
    let sign_in = request(
        ops::SIGN_IN,
        json!({ "input": { "email": s.email, "password": s.password } }),
    );
    let refresh = |t: &str| request(ops::REFRESH_SESSION, json!({ "t": t }));
    let change_password = request(
        "mutation Change($input: ChangePasswordInput!) { changePassword(input: $input) { \
         accessToken refreshToken } }",
        json!({ "input": { "currentPassword": s.password, "newPassword": "keeper-Other-Pass-43" } }),
    );

    // signIn with a key, signed in, twice: two runs, two different pairs of tokens.
    let first = send(&app, token, Some(b"tok-1"), &sign_in).await;
    let second = send(&app, token, Some(b"tok-1"), &sign_in).await;
    assert_eq!(first.status, 200, "{}", first.json());
    assert!(!second.replayed());
    let (a, b) = (first.json(), second.json());
    assert!(a["data"]["signIn"]["accessToken"].is_string(), "{a}");
    assert_ne!(
        a["data"]["signIn"]["refreshToken"],
        b["data"]["signIn"]["refreshToken"]
    );

    let fresh = b["data"]["signIn"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = send(&app, token, Some(b"tok-2"), &refresh(&fresh)).await;
    assert!(
        r.json()["data"]["refreshSession"]["accessToken"].is_string(),
        "{}",
        r.json()
    );
    let r = send(&app, token, Some(b"tok-3"), &change_password).await;
    assert!(
        r.json()["data"]["changePassword"]["accessToken"].is_string(),
        "{}",
        r.json()
    );

    // No answer (and so no token) went into the table.
    assert_eq!(keys_stored(&app).await, 0);
}
