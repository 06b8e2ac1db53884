//! Learners' statuses and counts kept hot between requests (`LEARNER_CACHE_MB`): a learner's
//! page reflects their own writes at once on the server that took them and, on PostgreSQL, on
//! every other server as the notice arrives; a repeated signed-in page reads no progress from the
//! database; and what the signed-in page and the dashboard cost in statements does not grow
//! with the size of the roadmap.
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::progress::{import_generated, ok, topics_of};
use crate::helpers::ws::{ws_connect, ws_init, ws_query};
use crate::helpers::{
    backend, eventually, ops, spawn_app, spawn_app_with, spawn_on, spawn_on_with, Backend, TestApp,
};

async fn status_of(app: &TestApp, token: &str, slug: &str, key: &str) -> Value {
    let body = app
        .gql_as(token, ops::MY_TREE, json!({ "slug": slug }))
        .await;
    let mut all = Vec::new();
    crate::helpers::walk(&ok(&body)["roadmap"]["topics"], &mut all);
    all.iter()
        .find(|t| t["key"] == key)
        .map(|t| t["myStatus"].clone())
        .unwrap_or(Value::Null)
}

async fn statements(app: &TestApp) -> f64 {
    app.metric("roadmap_db_statements_total").await
}

/// Statements of one request made by `f` (after the same request once, so caches are warm).
async fn cost<F, Fut>(app: &TestApp, f: F) -> f64
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let first = f().await;
    assert!(first.get("errors").is_none(), "{first}");
    let before = statements(app).await;
    let again = f().await;
    let after = statements(app).await;
    assert_eq!(again, first, "a repeated read answered differently");
    after - before
}

#[tokio::test]
async fn a_learners_page_shows_their_own_write_at_once_and_on_the_other_server() {
    let a = spawn_app().await;
    let (_, topics) = topics_of(&a, "backend").await;
    let (id, key) = topics[3].clone();
    let s = a.signup("hotlearner").await;
    let other = a.signup("hotneighbour").await;
    // Warm both learners' entries.
    assert_eq!(
        status_of(&a, &s.access_token, "backend", &key).await,
        "PENDING"
    );
    assert_eq!(
        status_of(&a, &other.access_token, "backend", &key).await,
        "PENDING"
    );
    for status in ["DONE", "LEARNING", "PENDING", "SKIPPED"] {
        a.set_topic_status(&s.access_token, &id, status).await;
        assert_eq!(
            status_of(&a, &s.access_token, "backend", &key).await,
            status
        );
        let p = a.my_progress(&s.access_token, "backend").await;
        let counted = |k: &str| p[k].as_i64().unwrap_or(-1);
        let expect = |st: &str| i64::from(status == st);
        assert_eq!(counted("done"), expect("DONE"), "{p}");
        assert_eq!(counted("learning"), expect("LEARNING"), "{p}");
        assert_eq!(counted("skipped"), expect("SKIPPED"), "{p}");
    }
    // Nobody else's entries moved.
    assert_eq!(
        status_of(&a, &other.access_token, "backend", &key).await,
        "PENDING"
    );

    if backend() != Backend::Postgres {
        println!(
            "notices cross servers on PostgreSQL only; the second server is skipped on SQLite"
        );
        return;
    }
    let b = spawn_on(a.db.clone()).await;
    for status in ["DONE", "LEARNING"] {
        // B's entry is warm, then the learner writes through A.
        let before = status_of(&b, &s.access_token, "backend", &key).await;
        assert_ne!(before, status);
        a.set_topic_status(&s.access_token, &id, status).await;
        assert!(
            eventually(Duration::from_secs(5), || async {
                status_of(&b, &s.access_token, "backend", &key).await == status
            })
            .await,
            "server B kept the learner's old status"
        );
        assert!(
            eventually(Duration::from_secs(5), || async {
                let p = b.my_progress(&s.access_token, "backend").await;
                p[if status == "DONE" { "done" } else { "learning" }] == 1
            })
            .await,
            "server B kept the learner's old counts"
        );
    }
}

#[tokio::test]
async fn a_repeated_signed_in_page_reads_no_progress() {
    let app = spawn_app().await;
    let s = app.signup("hotpage").await;
    let (_, topics) = topics_of(&app, "backend").await;
    app.set_topic_status(&s.access_token, &topics[0].0, "DONE")
        .await;
    let page = || app.gql_as(&s.access_token, ops::MY_TREE, json!({ "slug": "backend" }));
    let with_cache = cost(&app, page).await;

    let off = spawn_on_with(app.db.clone(), |s| s.cache.learner_cache_bytes = 0).await;
    if backend() == Backend::Postgres {
        // Until its listener connects, a new server reads the content version per request.
        let listening = eventually(Duration::from_secs(30), || async {
            off.metric("roadmap_catalogue_listener_connected").await == 1.0
        })
        .await;
        assert!(listening, "the second server never heard catalogue changes");
    }
    let page = || off.gql_as(&s.access_token, ops::MY_TREE, json!({ "slug": "backend" }));
    let without = cost(&off, page).await;
    // Statuses, notes and counts are three reads without the cache; notes are not kept.
    assert_eq!(
        without - with_cache,
        2.0,
        "{with_cache} with, {without} without"
    );
}

#[tokio::test]
async fn the_signed_in_page_and_the_dashboard_cost_the_same_on_a_small_and_a_large_roadmap() {
    for caches in [true, false] {
        let app = spawn_app_with(|s| {
            s.cache.tree_cache = caches;
            if !caches {
                s.cache.response_cache_bytes = 0;
            }
        })
        .await;
        import_generated(&app, "gen-small", 10).await;
        import_generated(&app, "gen-large", 300).await;
        let s = app.signup("sizes").await;
        let mut page_costs = Vec::new();
        for slug in ["gen-small", "gen-large"] {
            let (_, topics) = topics_of(&app, slug).await;
            assert!(topics.len() >= if slug == "gen-large" { 300 } else { 10 });
            for (id, _) in topics.iter().step_by(3) {
                app.set_topic_status(&s.access_token, id, "DONE").await;
            }
            let page = || app.gql_as(&s.access_token, ops::MY_TREE, json!({ "slug": slug }));
            page_costs.push(cost(&app, page).await);
        }
        assert_eq!(
            page_costs[0], page_costs[1],
            "signed-in page, caches: {caches}"
        );
        let dashboard = || app.gql_as(&s.access_token, ops::MY_DASHBOARD, json!({ "first": 50 }));
        let small_and_large = cost(&app, dashboard).await;
        // The same learner with progress on the small roadmap only.
        let t = app.signup("sizes2").await;
        let (_, topics) = topics_of(&app, "gen-small").await;
        app.set_topic_status(&t.access_token, &topics[0].0, "DONE")
            .await;
        let dashboard = || app.gql_as(&t.access_token, ops::MY_DASHBOARD, json!({ "first": 50 }));
        let small_only = cost(&app, dashboard).await;
        assert_eq!(small_and_large, small_only, "dashboard, caches: {caches}");
    }
}

/// The page a learner gets from the kept rendering (its holes filled with their statuses and
/// notes) is what the general path resolves field by field (the socket has no kept rendering):
/// the first request writes it, the next ones only fill it, and a second learner filling the
/// same rendering sees their own values, never the first one's.
#[tokio::test]
async fn the_kept_rendering_filled_for_each_learner_matches_the_general_path() {
    let app = spawn_app().await;
    let (_, topics) = topics_of(&app, "backend").await;
    let ann = app.signup("fillann").await;
    let bob = app.signup("fillbob").await;
    for (n, status) in ["DONE", "LEARNING", "SKIPPED"].iter().enumerate() {
        app.set_topic_status(&ann.access_token, &topics[n * 7].0, status)
            .await;
    }
    app.set_topic_status(&bob.access_token, &topics[1].0, "DONE")
        .await;
    let note = "a \"quoted\" note\nwith a line and \u{e9}";
    let body = app
        .gql_as(
            &ann.access_token,
            ops::SET_TOPIC_NOTE,
            json!({ "id": topics[7].0, "n": note }),
        )
        .await;
    ok(&body);
    let app = &app;
    let page = |token: String| async move {
        app.gql_as(&token, ops::MY_TREE_RESOURCES, json!({ "slug": "backend" }))
            .await
    };
    let payload = json!({ "query": ops::MY_TREE_RESOURCES, "variables": { "slug": "backend" } });
    for s in [&ann, &bob] {
        let mut ws = ws_connect(app).await;
        let ack = ws_init(&mut ws, &s.access_token).await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        let general = ws_query(&mut ws, "page", &payload).await;
        let first = page(s.access_token.clone()).await;
        let again = page(s.access_token.clone()).await;
        assert_eq!(
            ok(&first),
            ok(&general),
            "the written page differs from the general path"
        );
        assert_eq!(
            ok(&again),
            ok(&general),
            "the filled page differs from the general path"
        );
    }
    let mine = page(ann.access_token.clone()).await;
    let theirs = page(bob.access_token.clone()).await;
    let statuses = |body: &Value| {
        let mut all = Vec::new();
        crate::helpers::walk(&ok(body)["roadmap"]["topics"], &mut all);
        all.iter()
            .filter(|t| t["myStatus"] != "PENDING" || !t["myNote"].is_null())
            .map(|t| (t["key"].clone(), t["myStatus"].clone(), t["myNote"].clone()))
            .collect::<Vec<_>>()
    };
    let (a, b) = (statuses(&mine), statuses(&theirs));
    assert_eq!(a.len(), 3, "{a:?}");
    assert!(a.iter().any(|(_, _, n)| n == note), "{a:?}");
    assert_eq!(b.len(), 1, "{b:?}");
    assert_eq!(b[0].1, "DONE");
}

/// The bench's dashboard (`roadmap-bench learner`, row d): the learner's roadmaps with their
/// titles, their history and their streak.
const BENCH_DASHBOARD: &str = "query Dashboard { me { id \
    progress(first: 50) { totalCount edges { node { roadmap { id slug title } done learning \
    skipped pending total percentDone updatedAt } } } \
    activity(first: 20) { totalCount nodes { id at from to topicKey topicTitle roadmapTitle } } \
    streak { current longest lastActiveOn timeZone } } }";

/// What any signed-in query that reads the catalogue costs: the viewer (unless their session is
/// kept), their budget and (on SQLite) the content version.
const SIGNED_IN_BASELINE: &str = r#"query { me { id } roadmap(slug: "backend") { id } }"#;

/// A repeated dashboard reads nothing but what every signed-in query reads: its roadmaps (rows
/// and counts) and its history are kept. A write of the learner's own shows at once, on the
/// server that took it and (PostgreSQL) on another.
#[tokio::test]
async fn a_repeated_dashboard_reads_no_more_than_a_signed_in_request() {
    let app = spawn_app().await;
    import_generated(&app, "gen-dash", 30).await;
    let s = app.signup("dashcount").await;
    let (_, topics) = topics_of(&app, "gen-dash").await;
    let (_, backend_topics) = topics_of(&app, "backend").await;
    for (id, _) in topics.iter().take(5) {
        app.set_topic_status(&s.access_token, id, "DONE").await;
    }
    app.set_topic_status(&s.access_token, &backend_topics[0].0, "LEARNING")
        .await;
    let dashboard = || app.gql_as(&s.access_token, BENCH_DASHBOARD, json!({}));
    let baseline = || app.gql_as(&s.access_token, SIGNED_IN_BASELINE, json!({}));
    let with_cache = cost(&app, dashboard).await;
    let floor = cost(&app, baseline).await;
    assert_eq!(
        with_cache, floor,
        "the dashboard costs {with_cache} statements, a signed-in request {floor}"
    );
    if backend() == Backend::Postgres {
        // Nothing: the viewer's session is kept (`accounts::sessions`) and the budget is spent
        // from the share this server holds.
        assert_eq!(with_cache, 0.0);
    }

    let body = dashboard().await;
    let me = &ok(&body)["me"];
    assert_eq!(me["progress"]["totalCount"], 2, "{me}");
    assert_eq!(me["activity"]["totalCount"], 6, "{me}");
    assert_eq!(me["activity"]["nodes"][0]["to"], "LEARNING", "{me}");

    // The learner's own write: the next dashboard shows it, through the kept entries.
    app.set_topic_status(&s.access_token, &topics[9].0, "SKIPPED")
        .await;
    let body = dashboard().await;
    let me = &ok(&body)["me"];
    assert_eq!(me["activity"]["totalCount"], 7, "{me}");
    assert_eq!(me["activity"]["nodes"][0]["topicKey"], topics[9].1, "{me}");
    assert_eq!(me["activity"]["nodes"][0]["to"], "SKIPPED", "{me}");

    // Without the learners' cache the same answers, read each time.
    let off = spawn_on_with(app.db.clone(), |s| s.cache.learner_cache_bytes = 0).await;
    let cold = off
        .gql_as(&s.access_token, BENCH_DASHBOARD, json!({}))
        .await;
    assert_eq!(ok(&cold), ok(&body));
    let dashboard_off = || off.gql_as(&s.access_token, BENCH_DASHBOARD, json!({}));
    let without = cost(&off, dashboard_off).await;
    assert!(without > with_cache, "{without} without, {with_cache} with");

    if backend() != Backend::Postgres {
        println!(
            "notices cross servers on PostgreSQL only; the second server is skipped on SQLite"
        );
        return;
    }
    let b = spawn_on(app.db.clone()).await;
    let on_b = || b.gql_as(&s.access_token, BENCH_DASHBOARD, json!({}));
    assert_eq!(ok(&on_b().await), ok(&body));
    app.set_topic_status(&s.access_token, &topics[10].0, "DONE")
        .await;
    assert!(
        eventually(Duration::from_secs(5), || async {
            ok(&on_b().await)["me"]["activity"]["totalCount"] == 8
        })
        .await,
        "server B kept the learner's old history"
    );
}
