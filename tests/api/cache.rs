//! Read caches: a catalogue change made through one server (or by SQL) is seen by every server on
//! the database; anonymous answers are cached, signed-in ones never shared. The two servers of a
//! test run in one process but share nothing except the database, as two processes would.
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{eventually, spawn_app, spawn_on, sql, TestApp};

const TREE: &str = r#"query($slug: String!) { roadmap(slug: $slug) { title topicCount
  topics { id key title children { key title resources { title url } } } } }"#;

async fn tree(app: &TestApp) -> Value {
    app.gql(TREE, json!({ "slug": "backend" })).await
}

fn first_topic_title(body: &Value) -> &str {
    body["data"]["roadmap"]["topics"][0]["title"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test]
async fn an_edit_through_one_process_reaches_the_caches_of_the_other() {
    let a = spawn_app().await;
    let b = spawn_on(a.db.clone()).await;
    // Fill both processes' caches (tree, rendered list, response).
    for app in [&a, &b] {
        for _ in 0..2 {
            let body = tree(app).await;
            assert!(body["errors"].is_null(), "{body}");
        }
    }
    let before = tree(&a).await;
    let root = &before["data"]["roadmap"]["topics"][0];
    let key = root["key"].as_str().expect("a root topic").to_owned();
    let topic_id = root["id"].as_str().expect("its id").to_owned();
    assert_eq!(tree(&b).await, before);

    // An admin edit through process A.
    let admin = a.admin_token().await;
    let edit = a
        .gql_as(
            &admin,
            r#"mutation($id: ID!) { updateTopic(id: $id, input: { title: "Edited through A" }) { title } }"#,
            json!({ "id": topic_id }),
        )
        .await;
    assert_eq!(
        edit["data"]["updateTopic"]["title"], "Edited through A",
        "{edit}"
    );
    // A shows it at once; B once it has heard of the change.
    assert_eq!(first_topic_title(&tree(&a).await), "Edited through A");
    assert!(
        eventually(Duration::from_secs(5), || async {
            first_topic_title(&tree(&b).await) == "Edited through A"
        })
        .await,
        "process B kept serving the old tree"
    );

    // A change made outside both processes (SQL by hand) reaches both as well.
    sql(
        &a,
        &format!("UPDATE topics SET title = 'Edited by SQL' WHERE id = '{key}'"),
    )
    .await;
    for app in [&a, &b] {
        assert!(
            eventually(Duration::from_secs(5), || async {
                first_topic_title(&tree(app).await) == "Edited by SQL"
            })
            .await,
            "a process kept serving the old tree"
        );
    }
}

#[tokio::test]
async fn a_repeated_anonymous_read_costs_at_most_one_statement() {
    let app = spawn_app().await;
    let first = tree(&app).await;
    assert!(first["errors"].is_null(), "{first}");
    let before = app.metric("roadmap_db_statements_total").await;
    let again = tree(&app).await;
    let after = app.metric("roadmap_db_statements_total").await;
    assert_eq!(again, first);
    // The content-version check (none at all on PostgreSQL, which is notified of changes).
    assert!(after - before <= 1.0, "{} statements", after - before);
}

#[tokio::test]
async fn signed_in_readers_never_get_anonymous_answers_or_each_others() {
    let app = spawn_app().await;
    sql(
        &app,
        "UPDATE roadmaps SET status = 'DRAFT' WHERE slug = 'docker'",
    )
    .await;
    let q = r#"{ roadmap(slug: "docker") { slug } }"#;
    // Anonymous: the draft is hidden (and that answer is cached).
    for _ in 0..2 {
        assert!(app.gql(q, json!({})).await["data"]["roadmap"].is_null());
    }
    // An admin sees it: the cached anonymous answer is not served to them.
    let admin = app.admin_token().await;
    let body = app.gql_as(&admin, q, json!({})).await;
    assert_eq!(body["data"]["roadmap"]["slug"], "docker", "{body}");
    // And their answer is not served to the next anonymous reader.
    assert!(app.gql(q, json!({})).await["data"]["roadmap"].is_null());

    // Statuses are per viewer: two users, same query, their own answers.
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    let mine = r#"{ roadmap(slug: "backend") { topics { id myStatus } } }"#;
    let topic = app.gql_as(&ada.access_token, mine, json!({})).await["data"]["roadmap"]["topics"]
        [0]["id"]
        .as_str()
        .expect("a topic")
        .to_owned();
    let set = app
        .gql_as(
            &ada.access_token,
            r#"mutation($t: ID!) { setTopicStatus(topicId: $t, status: DONE) { status } }"#,
            json!({ "t": topic }),
        )
        .await;
    assert_eq!(set["data"]["setTopicStatus"]["status"], "DONE", "{set}");
    let status = |body: Value| body["data"]["roadmap"]["topics"][0]["myStatus"].clone();
    assert_eq!(
        status(app.gql_as(&ada.access_token, mine, json!({})).await),
        "DONE"
    );
    assert_eq!(
        status(app.gql_as(&bob.access_token, mine, json!({})).await),
        "PENDING"
    );
    assert_eq!(status(app.gql(mine, json!({})).await), Value::Null);
}

#[tokio::test]
async fn cached_get_answers_revalidate_with_304_until_the_content_changes() {
    let app = spawn_app().await;
    let url =
        app.url("/graphql?query=%7B%20roadmap(slug%3A%20%22backend%22)%20%7B%20title%20%7D%20%7D");
    let get = |etag: Option<String>| {
        let mut req = app.client.get(&url).header("accept", "application/json");
        if let Some(e) = etag {
            req = req.header("if-none-match", e);
        }
        req.send()
    };
    let first = get(None).await.expect("GET");
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().expect("etag").to_owned();
    let again = get(Some(etag.clone())).await.expect("GET");
    assert_eq!(again.status(), 304);

    sql(
        &app,
        "UPDATE roadmaps SET title = 'Renamed' WHERE slug = 'backend'",
    )
    .await;
    // On PostgreSQL the change reaches the cache through LISTEN/NOTIFY: poll with a deadline.
    let mut changed = get(Some(etag.clone())).await.expect("GET");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while changed.status() == 304 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        changed = get(Some(etag.clone())).await.expect("GET");
    }
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().expect("etag"), etag);
    let body: Value = changed.json().await.expect("json");
    assert_eq!(body["data"]["roadmap"]["title"], "Renamed");
}
