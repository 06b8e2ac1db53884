//! Outages answer fast and truthfully: with the database away, a request that needs it answers 503
//! `SERVICE_UNAVAILABLE` with `Retry-After` within the acquire timeout (a signed-in one too: never
//! anonymous, never `UNAUTHENTICATED`), `/readyz` says 503, and once the database is back the same
//! server serves again with every acknowledged write in place. A server killed mid-write loses no
//! acknowledged write either.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{ACCEPT, RETRY_AFTER};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::helpers::progress::*;
use crate::helpers::*;

/// A TCP proxy between the server and PostgreSQL that can be cut (new connections refused, live
/// ones dropped) and restored on the same port.
struct Proxy {
    port: u16,
    upstream: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let proxy = Proxy {
            port: listener.local_addr().unwrap().port(),
            upstream: upstream.to_owned(),
            tasks: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let tasks = self.tasks.clone();
        let upstream = self.upstream.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(conn);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    /// Stops listening (connections are refused) and drops every live connection.
    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    /// Listens again on the same port.
    async fn restore(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("bind the proxy's port again");
        self.serve(listener);
    }
}

/// `postgres://user@host:port/db` → (`host:port`, the same URL through `127.0.0.1:<port>`).
fn through_proxy(url: &str, port: u16) -> (String, String) {
    let start = url
        .rfind('@')
        .map(|i| i + 1)
        .unwrap_or(url.find("://").unwrap() + 3);
    let end = start + url[start..].find('/').unwrap_or(url.len() - start);
    let upstream = url[start..end].to_owned();
    let proxied = format!("{}127.0.0.1:{port}{}", &url[..start], &url[end..]);
    (upstream, proxied)
}

/// A client that gives up after 20 s: a request hanging for the old 30 s fails the test.
fn impatient_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// POSTs `query` as `token` accepting `accept`: (status, `Retry-After`, body).
async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    token: &str,
    accept: &str,
    query: &str,
    variables: Value,
) -> (u16, Option<String>, Value) {
    let resp = client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .header(ACCEPT, accept)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("an answer within 20 s");
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, retry, resp.json().await.expect("a JSON body"))
}

async fn readyz(client: &reqwest::Client, app: &TestApp) -> u16 {
    match client.get(app.url("/readyz")).send().await {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}

/// The statuses `token`'s user has on the `backend` roadmap, by topic id.
async fn statuses(app: &TestApp, token: &str) -> std::collections::HashMap<String, String> {
    let tree = app
        .gql_as(token, ops::MY_TREE, json!({ "slug": "backend" }))
        .await;
    let mut all = Vec::new();
    walk(&ok(&tree)["roadmap"]["topics"], &mut all);
    all.iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_owned(),
                t["myStatus"].as_str().unwrap_or("PENDING").to_owned(),
            )
        })
        .collect()
}

const STATUSES: [&str; 3] = ["DONE", "LEARNING", "SKIPPED"];

#[tokio::test]
async fn database_outage_answers_503_then_recovers_with_every_acknowledged_write() {
    if backend() != Backend::Postgres {
        eprintln!("skipped: the database outage test needs TEST_DB=postgres");
        return;
    }
    let db = Arc::new(TestDb::new().await);
    let direct = db.url.clone().expect("a PostgreSQL URL");
    let (upstream, _) = through_proxy(&direct, 0);
    let proxy = Proxy::start(&upstream).await;
    let (_, proxied) = through_proxy(&direct, proxy.port);
    let app = spawn_on_with(db, |s| s.db.url = proxied.as_str().into()).await;
    let client = impatient_client();

    let s = app.signup("outage").await;
    let (_, topics) = topics_of(&app, "backend").await;
    let mut acknowledged = Vec::new();
    for (i, (id, _)) in topics.iter().take(6).enumerate() {
        let status = STATUSES[i % STATUSES.len()];
        let r = app.set_topic_status(&s.access_token, id, status).await;
        assert_eq!(r["status"], status, "{r}");
        acknowledged.push((id.clone(), status));
    }
    assert_eq!(readyz(&client, &app).await, 200);
    // Signed up, but no request of theirs made this server keep their session.
    let unkept = app.signup("outage2").await;

    proxy.cut();

    // A signed-in user whose session this server keeps is still known: `me { id }` needs
    // nothing else.
    let (status, _, body) = post(
        &client,
        &app,
        &s.access_token,
        "application/json",
        "{ me { id } }",
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"]["id"], s.user_id, "{body}");

    // Another's lookup fails: the whole request says so, in both media types.
    for accept in ["application/graphql-response+json", "application/json"] {
        let (status, retry, body) = post(
            &client,
            &app,
            &unkept.access_token,
            accept,
            "{ me { id } }",
            json!({}),
        )
        .await;
        assert_eq!(status, 503, "{accept}: {body}");
        assert!(
            retry.is_some_and(|r| r.parse::<u64>().is_ok()),
            "{accept}: Retry-After"
        );
        assert_eq!(error_code(&body), Some("SERVICE_UNAVAILABLE"), "{body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("try again"),
            "{body}"
        );
        assert!(body["data"]["me"].is_null(), "{body}");
    }
    // A guarded mutation: not UNAUTHENTICATED (a client would sign its learner out).
    let (status, retry, body) = post(
        &client,
        &app,
        &s.access_token,
        "application/graphql-response+json",
        ops::SET_TOPIC_STATUS,
        json!({ "id": topics[10].0, "s": "DONE" }),
    )
    .await;
    assert_eq!(status, 503, "{body}");
    assert!(retry.is_some(), "Retry-After on the mutation");
    assert_eq!(error_code(&body), Some("SERVICE_UNAVAILABLE"), "{body}");
    assert_eq!(readyz(&client, &app).await, 503);
    let down = client.get(app.url("/readyz")).send().await.unwrap();
    assert!(
        down.headers().contains_key("retry-after"),
        "{:?}",
        down.headers()
    );

    proxy.restore().await;
    let back = eventually(Duration::from_secs(60), || async {
        readyz(&client, &app).await == 200
    })
    .await;
    assert!(
        back,
        "/readyz never came back to 200 after the database returned"
    );

    // The same server serves again: the viewer, the writes made before, and new writes.
    let me = app
        .gql_as(&s.access_token, "{ me { id } }", json!({}))
        .await;
    assert_eq!(ok(&me)["me"]["id"], s.user_id.as_str());
    let now = statuses(&app, &s.access_token).await;
    for (id, status) in &acknowledged {
        assert_eq!(now.get(id).map(String::as_str), Some(*status), "topic {id}");
    }
    let r = app
        .set_topic_status(&s.access_token, &topics[10].0, "DONE")
        .await;
    assert_eq!(r["changed"], true, "{r}");
}

#[tokio::test]
async fn a_killed_server_keeps_every_acknowledged_write() {
    let mut app = spawn_process(&[]).await;
    let s = app.signup("crash").await;
    let (_, topics) = topics_of(&app, "backend").await;
    assert!(
        topics.len() >= 40,
        "the backend roadmap has {}",
        topics.len()
    );

    // Writers, each on topics of its own (one write per topic), recording what was acknowledged.
    let acknowledged: Arc<Mutex<Vec<(String, &'static str)>>> = Arc::default();
    let writers = 4;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let mine: Vec<String> = topics
            .iter()
            .skip(w)
            .step_by(writers)
            .map(|(id, _)| id.clone())
            .collect();
        let (url, token, acknowledged) = (
            app.url("/graphql"),
            s.access_token.clone(),
            acknowledged.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let client = impatient_client();
            for (i, id) in mine.into_iter().enumerate() {
                let status = STATUSES[i % STATUSES.len()];
                let sent = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({ "query": ops::SET_TOPIC_STATUS,
                                   "variables": { "id": id, "s": status } }))
                    .send()
                    .await;
                let Ok(resp) = sent else { return };
                let Ok(body) = resp.json::<Value>().await else {
                    return;
                };
                if body["data"]["setTopicStatus"]["status"] == status {
                    acknowledged.lock().unwrap().push((id, status));
                }
            }
        }));
    }
    let some = eventually(Duration::from_secs(60), || async {
        acknowledged.lock().unwrap().len() >= 12
    })
    .await;
    assert!(some, "the writers made no progress");

    app.kill();
    for t in tasks {
        t.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 12);

    let again = spawn_process_on(app.db.clone(), &[]).await;
    let now = statuses(&again, &s.access_token).await;
    for (id, status) in &acknowledged {
        assert_eq!(
            now.get(id).map(String::as_str),
            Some(*status),
            "acknowledged write to topic {id} lost after SIGKILL"
        );
    }
}

/// How many connections of the test database `LISTEN` on `channel` (both servers' relays).
async fn listeners(app: &TestApp, channel: &str) -> i64 {
    count_rows(
        app,
        &format!(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND query ILIKE '%LISTEN%{channel}%'"
        ),
    )
    .await
}

/// After an outage the relays reconnect by themselves: a socket held by a server that lost its
/// database hears changes and revocations made through another server again, without a restart.
#[tokio::test]
async fn live_sync_and_revocations_resume_after_an_outage() {
    use crate::helpers::ws::*;
    if backend() != Backend::Postgres {
        eprintln!("skipped: the relay outage test needs TEST_DB=postgres");
        return;
    }
    let db = Arc::new(TestDb::new().await);
    let direct = db.url.clone().expect("a PostgreSQL URL");
    let (upstream, _) = through_proxy(&direct, 0);
    let proxy = Proxy::start(&upstream).await;
    let (_, proxied) = through_proxy(&direct, proxy.port);
    let cut_off = spawn_on_with(db.clone(), |s| s.db.url = proxied.as_str().into()).await;
    let steady = spawn_on(db).await;
    let client = impatient_client();
    let relays_listen = || async {
        listeners(&steady, "roadmap_progress").await >= 2
            && listeners(&steady, "roadmap_revocations").await >= 2
    };
    assert!(eventually(Duration::from_secs(15), relays_listen).await);

    let s = steady.signup("throughoutage").await;
    let (_, topics) = topics_of(&steady, "backend").await;
    let mut ws = live_socket(&cut_off, &s.access_token).await;

    proxy.cut();
    let down = eventually(Duration::from_secs(20), || async {
        readyz(&client, &cut_off).await == 503
    })
    .await;
    assert!(down, "/readyz never noticed the outage");
    proxy.restore().await;
    let back = eventually(Duration::from_secs(60), || async {
        readyz(&client, &cut_off).await == 200
    })
    .await;
    assert!(back, "/readyz never came back");
    assert!(
        eventually(Duration::from_secs(30), relays_listen).await,
        "the relays did not LISTEN again after the outage"
    );

    // Changes made through the other server reach the socket again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut heard = None;
    for status in ["DONE", "LEARNING"].iter().cycle() {
        if tokio::time::Instant::now() > deadline {
            break;
        }
        steady
            .set_topic_status(&s.access_token, &topics[3].0, status)
            .await;
        if let Some(msg) = next_json(&mut ws, Duration::from_millis(500)).await {
            heard = Some(msg);
            break;
        }
    }
    let msg = heard.expect("no change crossed to the server that had lost its database");
    assert_eq!(
        msg["payload"]["data"]["myProgressChanged"]["kind"], "STATUS",
        "{msg}"
    );
    // And so do revocations.
    let out = steady
        .gql_as(&s.access_token, "mutation { signOutEverywhere }", json!({}))
        .await;
    assert_eq!(out["data"]["signOutEverywhere"], true, "{out}");
    assert_eq!(close_code(&mut ws).await, Some(4403));
}
