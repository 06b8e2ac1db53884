//! Prerequisites and what to learn next (issue 23, point 2): editors set a topic's prerequisites
//! (readable topics of any roadmap, at most 20, never a cycle); `Topic.prerequisites` and
//! `Topic.unlocks` show what the viewer may read; `Roadmap.nextTopics` and `me.nextTopics` answer
//! the learner's state as it is now, in a fixed number of statements.
use serde_json::{json, Value};

use crate::helpers::catalog::fails;
use crate::helpers::progress::{import_generated, ok, topics_of};
use crate::helpers::*;
use crate::links::roadmap_of;

const SET: &str = "mutation SetPrerequisites($id: ID!, $p: [ID!]!) {
    setTopicPrerequisites(topicId: $id, prerequisiteIds: $p) {
    key prerequisites { key title } unlocks { key } } }";
const TOPIC: &str = "query Topic($id: ID!) { topic(id: $id) {
    key prerequisites { key roadmap { slug } } unlocks { key } } }";
const NEXT: &str = "query Next($slug: String!, $n: Int) {
    roadmap(slug: $slug) { nextTopics(first: $n) { key title myStatus } } }";
const MY_NEXT: &str =
    "query MyNext($n: Int) { me { nextTopics(first: $n) { title roadmap { slug } } } }";

async fn set(app: &TestApp, token: &str, topic: &str, prereqs: &[&String]) -> Value {
    let body = app
        .gql_as(token, SET, json!({ "id": topic, "p": prereqs }))
        .await;
    ok(&body)["setTopicPrerequisites"].clone()
}

fn titles(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn topic(app: &TestApp, token: Option<&str>, id: &str) -> Value {
    let body = app.gql_with(token, TOPIC, json!({ "id": id })).await;
    ok(&body)["topic"].clone()
}

/// The titles `Roadmap.nextTopics` lists for the viewer.
async fn next(app: &TestApp, token: Option<&str>, slug: &str) -> Vec<String> {
    let body = app
        .gql_with(token, NEXT, json!({ "slug": slug, "n": 50 }))
        .await;
    titles(&ok(&body)["roadmap"]["nextTopics"])
}

async fn my_next(app: &TestApp, token: &str) -> Vec<String> {
    let body = app.gql_as(token, MY_NEXT, json!({ "n": 50 })).await;
    titles(&ok(&body)["me"]["nextTopics"])
}

#[tokio::test]
async fn set_read_unlocks_replace_and_clear() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, t) = roadmap_of(&app, &admin, "pre-a", None, &["A", "B", "C", "D"]).await;
    // Given out of order and with a repeat: read back once each, in roadmap order.
    let c = set(&app, &admin, &t[2], &[&t[1], &t[0], &t[1]]).await;
    assert_eq!(titles(&c["prerequisites"]), ["A", "B"]);
    let a = topic(&app, None, &t[0]).await;
    assert_eq!(a["unlocks"][0]["key"], c["key"], "{a}");
    assert_eq!(a["prerequisites"], json!([]));

    // Setting replaces the whole list.
    let c = set(&app, &admin, &t[2], &[&t[3]]).await;
    assert_eq!(titles(&c["prerequisites"]), ["D"]);
    assert_eq!(topic(&app, None, &t[0]).await["unlocks"], json!([]));
    assert_eq!(
        topic(&app, None, &t[3]).await["unlocks"][0]["key"],
        c["key"]
    );
    let c = set(&app, &admin, &t[2], &[]).await;
    assert_eq!(c["prerequisites"], json!([]));
    // Each change is in the roadmap's history.
    let edits = count_rows(
        &app,
        "SELECT COUNT(*) FROM roadmap_revisions WHERE mutation = 'setTopicPrerequisites'",
    )
    .await;
    assert_eq!(edits, 3);
}

#[tokio::test]
async fn cycles_are_refused_and_named() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, t) = roadmap_of(&app, &admin, "pre-cycle", None, &["Alpha", "Beta", "Gamma"]).await;
    // Itself.
    let (code, field, _) = fails(&app, &admin, SET, json!({ "id": t[0], "p": [t[0]] })).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "prerequisiteIds[0]")
    );
    // Directly: Alpha needs Beta, so Beta cannot need Alpha.
    set(&app, &admin, &t[0], &[&t[1]]).await;
    let (code, field, message) =
        fails(&app, &admin, SET, json!({ "id": t[1], "p": [t[2], t[0]] })).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "prerequisiteIds[1]")
    );
    assert!(message.contains("“Beta” → “Alpha” → “Beta”"), "{message}");
    // Through others: Alpha → Beta → Gamma, so Gamma cannot need Alpha.
    set(&app, &admin, &t[1], &[&t[2]]).await;
    let (code, field, message) = fails(&app, &admin, SET, json!({ "id": t[2], "p": [t[0]] })).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "prerequisiteIds[0]")
    );
    assert!(
        message.contains("“Gamma” → “Alpha” → “Beta” → “Gamma”"),
        "{message}"
    );
    // Nothing was written by the refused calls.
    assert_eq!(topic(&app, None, &t[2]).await["prerequisites"], json!([]));
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM topic_prerequisites").await,
        2
    );
}

#[tokio::test]
async fn more_than_twenty_and_malformed_ids_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, t) = roadmap_of(&app, &admin, "pre-many", None, &["One"]).await;
    let many: Vec<String> = (0..21).map(|_| t[0].clone()).collect();
    let (code, field, _) = fails(&app, &admin, SET, json!({ "id": t[0], "p": many })).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "prerequisiteIds")
    );
    let (code, field, _) =
        fails(&app, &admin, SET, json!({ "id": t[0], "p": ["not an id"] })).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "prerequisiteIds[0]")
    );
    // A well-formed id of no topic.
    let (_, nowhere) = roadmap_of(&app, &admin, "pre-gone", None, &["Gone"]).await;
    let body = app
        .gql_as(
            &admin,
            "mutation($id: ID!) { deleteTopic(id: $id) { deletedTopicIds } }",
            json!({ "id": nowhere[0] }),
        )
        .await;
    ok(&body);
    let (code, field, _) = fails(&app, &admin, SET, json!({ "id": t[0], "p": [nowhere[0]] })).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("NOT_FOUND", "prerequisiteIds[0]")
    );
}

#[tokio::test]
async fn prerequisites_cross_roadmaps_only_where_the_editor_and_the_viewer_may_read() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, official) = roadmap_of(&app, &admin, "pre-official", None, &["Git"]).await;
    let ann = app.signup("preann").await.access_token;
    let bob = app.signup("prebob").await.access_token;
    let (_, secret) = roadmap_of(&app, &ann, "pre-secret", Some("PRIVATE"), &["Secret"]).await;
    let (ann_public, shown) = roadmap_of(&app, &ann, "pre-shown", Some("PUBLIC"), &["Shown"]).await;
    let (_, mine) = roadmap_of(&app, &bob, "pre-bob", Some("PUBLIC"), &["Mine"]).await;

    // Bob cannot name Ann's private topic: for him it does not exist.
    let (code, field, _) = fails(&app, &bob, SET, json!({ "id": mine[0], "p": [secret[0]] })).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("NOT_FOUND", "prerequisiteIds[0]")
    );
    // Bob cannot set prerequisites on a topic he may read but not edit.
    let (code, ..) = fails(&app, &bob, SET, json!({ "id": official[0], "p": [] })).await;
    assert_eq!(code, "FORBIDDEN");
    // Readable topics of other roadmaps are fine.
    let got = set(&app, &bob, &mine[0], &[&official[0], &shown[0]]).await;
    assert_eq!(titles(&got["prerequisites"]), ["Git", "Shown"]);

    // Ann hides her roadmap: its topic is no longer shown to others, at either end.
    let body = app
        .gql_as(
            &ann,
            "mutation($id: ID!) { updateRoadmap(id: $id, input: { visibility: PRIVATE }) { id } }",
            json!({ "id": ann_public }),
        )
        .await;
    ok(&body);
    let seen = topic(&app, Some(&bob), &mine[0]).await;
    let slugs: Vec<&str> = seen["prerequisites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["roadmap"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["pre-official"], "{seen}");
    assert_eq!(
        topic(&app, None, &official[0]).await["unlocks"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Ann still sees her topic, and what it unlocks (Bob's roadmap is public).
    let hers = topic(&app, Some(&ann), &shown[0]).await;
    assert_eq!(hers["unlocks"].as_array().unwrap().len(), 1, "{hers}");
    // A hidden prerequisite does not block Bob: "Mine" is ready once Git is done.
    app.set_topic_status(&bob, &official[0], "DONE").await;
    assert_eq!(next(&app, Some(&bob), "pre-bob").await, ["Mine"]);
}

#[tokio::test]
async fn next_topics_are_learning_then_ready_in_roadmap_order_and_never_stale() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, t) = roadmap_of(&app, &admin, "pre-next", None, &["A", "B", "C", "D", "E"]).await;
    set(&app, &admin, &t[2], &[&t[0]]).await; // C needs A
    set(&app, &admin, &t[3], &[&t[1]]).await; // D needs B
    set(&app, &admin, &t[4], &[&t[0], &t[1]]).await; // E needs A and B
                                                     // Anonymous: nothing to learn next.
    assert!(next(&app, None, "pre-next").await.is_empty());

    let s = app.signup("prelearner").await.access_token;
    assert_eq!(next(&app, Some(&s), "pre-next").await, ["A", "B"]);
    app.set_topic_status(&s, &t[0], "DONE").await;
    app.set_topic_status(&s, &t[1], "LEARNING").await;
    // B first (learning); C is ready; D and E wait for B, which is only being learned.
    assert_eq!(next(&app, Some(&s), "pre-next").await, ["B", "C"]);
    // Skipped counts as satisfied; the answer follows each write at once.
    app.set_topic_status(&s, &t[1], "SKIPPED").await;
    assert_eq!(next(&app, Some(&s), "pre-next").await, ["C", "D", "E"]);
    app.set_topic_status(&s, &t[0], "PENDING").await;
    assert_eq!(next(&app, Some(&s), "pre-next").await, ["A", "D"]);
    // An editor's change is seen at once too.
    set(&app, &admin, &t[4], &[&t[1]]).await;
    assert_eq!(next(&app, Some(&s), "pre-next").await, ["A", "D", "E"]);
    // `first` is bounded.
    let body = app
        .gql_as(&s, NEXT, json!({ "slug": "pre-next", "n": 51 }))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "first", "{body}");
    let body = app
        .gql_as(&s, NEXT, json!({ "slug": "pre-next", "n": 1 }))
        .await;
    assert_eq!(titles(&ok(&body)["roadmap"]["nextTopics"]), ["A"]);
}

#[tokio::test]
async fn my_next_topics_span_tracked_roadmaps_favourites_first() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (r1, p) = roadmap_of(&app, &admin, "pre-one", None, &["P1", "P2"]).await;
    let (_, q) = roadmap_of(&app, &admin, "pre-two", None, &["Q1", "Q2"]).await;
    set(&app, &admin, &q[1], &[&p[1]]).await; // Q2 needs P2, on the other roadmap
    let s = app.signup("premine").await.access_token;
    assert!(my_next(&app, &s).await.is_empty(), "nothing tracked yet");
    app.set_topic_status(&s, &p[0], "LEARNING").await;
    app.set_topic_status(&s, &q[0], "LEARNING").await;
    // The most recently active roadmap first; learning topics before ready ones.
    assert_eq!(my_next(&app, &s).await, ["Q1", "P1", "P2"]);
    // A favourite comes before any other roadmap.
    let body = app
        .gql_as(&s, ops::FAVORITE_ROADMAP, json!({ "r": r1 }))
        .await;
    ok(&body);
    assert_eq!(my_next(&app, &s).await, ["P1", "Q1", "P2"]);
    // Done on one roadmap, ready on the other.
    app.set_topic_status(&s, &p[1], "DONE").await;
    assert_eq!(my_next(&app, &s).await, ["P1", "Q1", "Q2"]);
}

/// `nextTopics` costs the same statements on a roadmap five times the size, with prerequisites
/// on both (some on another roadmap).
#[tokio::test]
async fn next_topics_cost_a_fixed_number_of_statements() {
    // Caches off, as in progress_reads: what is counted is the reads, not whether a content
    // version check fell inside the window.
    let app = spawn_app_with(|s| {
        s.cache.tree_cache = false;
        s.cache.response_cache_bytes = 0;
    })
    .await;
    let (_, backend) = topics_of(&app, "backend").await;
    import_generated(&app, "bigtree", backend.len() * 5).await;
    let (_, big) = topics_of(&app, "bigtree").await;
    assert!(big.len() >= 5 * backend.len());
    let admin = app.admin_token().await;
    // Each roadmap's topics 1..4 need one of its own and one of the other's (no cycles: the
    // needed topics need nothing).
    for (tree, other) in [(&backend, &big), (&big, &backend)] {
        for i in 1..4 {
            set(
                &app,
                &admin,
                &tree[i].0,
                &[&tree[i + 10].0, &other[i + 20].0],
            )
            .await;
        }
    }
    let s = app.signup("precounter").await.access_token;
    // `me.nextTopics` over one tracked roadmap, then over two: the same statements.
    let mut mine = Vec::new();
    for (tree, n) in [(&backend, 5), (&big, 7)] {
        for (id, _) in tree.iter().take(n) {
            app.set_topic_status(&s, id, "DONE").await;
        }
        // Keys only: a topic's `roadmap` is a batched load of its own, whose batches depend on
        // timing.
        let keys = || app.gql_as(&s, "{ me { nextTopics(first: 50) { key } } }", json!({}));
        keys().await;
        let before = app.metric("roadmap_db_statements_total").await;
        let body = keys().await;
        mine.push((app.metric("roadmap_db_statements_total").await - before) as u64);
        assert_eq!(ok(&body)["me"]["nextTopics"].as_array().unwrap().len(), 50);
    }
    let mut costs = Vec::new();
    for slug in ["backend", "bigtree"] {
        next(&app, Some(&s), slug).await;
        let before = app.metric("roadmap_db_statements_total").await;
        let got = next(&app, Some(&s), slug).await;
        let after = app.metric("roadmap_db_statements_total").await;
        assert_eq!(got.len(), 50);
        costs.push((slug, (after - before) as u64));
    }
    println!(
        "statements per nextTopics: {costs:?}; per me.nextTopics over 1 and 2 roadmaps: {mine:?}"
    );
    // The bigger tree costs no more. Backend has linked topics (its repeats): reading them
    // costs one statement more than a tree without any (the roadmaps they are on).
    assert!(
        costs[1].1 <= costs[0].1,
        "SQL grows with the tree: {costs:?}"
    );
    assert!(costs[0].1 - costs[1].1 <= 1, "{costs:?}");
    // Viewer, budget, roadmap, tree, edges, their roadmaps, statuses (both roadmaps at once),
    // the links and their roadmaps.
    assert!(costs[0].1 <= 10, "too many statements: {costs:?}");
    assert_eq!(
        mine[0], mine[1],
        "SQL grows with the roadmaps tracked: {mine:?}"
    );
    // As `nextTopics`, with the tracked roadmaps read first.
    assert!(
        mine[0] <= 11,
        "too many statements for me.nextTopics: {mine:?}"
    );
}

/// A second server on the same database answers the new state after a write through the first:
/// a status (the learners' cache hears the notice) and a prerequisite (the content version).
#[tokio::test]
async fn next_topics_are_current_on_every_process() {
    if backend() != Backend::Postgres {
        println!("notices cross servers on PostgreSQL only; skipped on SQLite");
        return;
    }
    let a = spawn_app().await;
    let b = spawn_on(a.db.clone()).await;
    let admin = a.admin_token().await;
    let (_, t) = roadmap_of(&a, &admin, "pre-procs", None, &["A", "B"]).await;
    set(&a, &admin, &t[1], &[&t[0]]).await;
    let s = a.signup("preprocs").await.access_token;
    // B's entries are warm, then the learner and the editor write through A.
    assert_eq!(next(&b, Some(&s), "pre-procs").await, ["A"]);
    a.set_topic_status(&s, &t[0], "DONE").await;
    let current = |want: &'static [&'static str]| {
        let (b, s) = (&b, &s);
        async move {
            eventually(std::time::Duration::from_secs(5), || async {
                next(b, Some(s), "pre-procs").await == want
            })
            .await
        }
    };
    assert!(current(&["B"]).await, "server B kept the old statuses");
    a.set_topic_status(&s, &t[0], "PENDING").await;
    assert!(current(&["A"]).await, "server B kept the old statuses");
    set(&a, &admin, &t[1], &[]).await;
    assert!(
        current(&["A", "B"]).await,
        "server B kept the old prerequisites"
    );
}

/// Not a test: the latency of `nextTopics` on a generated 1,000-topic roadmap with prerequisites
/// (run with `--ignored --nocapture`; the figures go to bench/README.md).
#[tokio::test]
#[ignore]
async fn next_topics_latency() {
    let app = spawn_app().await;
    import_generated(&app, "thousand", 1_000).await;
    let (_, all) = topics_of(&app, "thousand").await;
    let admin = app.admin_token().await;
    // Every tenth topic needs the two topics before it.
    for i in (10..all.len()).step_by(10) {
        set(&app, &admin, &all[i].0, &[&all[i - 1].0, &all[i - 2].0]).await;
    }
    let s = app.signup("prelatency").await.access_token;
    for (id, _) in all.iter().take(30) {
        app.set_topic_status(&s, id, "DONE").await;
    }
    // The same request shape without the field: the ceiling of this server and client.
    let ceiling = "query Ceiling($slug: String!) { roadmap(slug: $slug) { id title } }";
    for (what, query, vars) in [
        (
            "roadmap { id title }",
            ceiling,
            json!({ "slug": "thousand" }),
        ),
        (
            "nextTopics(first: 50) { key }",
            "query Keys($slug: String!) { roadmap(slug: $slug) { nextTopics(first: 50) { key } } }",
            json!({ "slug": "thousand" }),
        ),
        (
            "nextTopics(first: 50) { key title myStatus }",
            NEXT,
            json!({ "slug": "thousand", "n": 50 }),
        ),
    ] {
        let mut times = Vec::new();
        for _ in 0..300 {
            let at = std::time::Instant::now();
            let body = app.gql_as(&s, query, vars.clone()).await;
            times.push(at.elapsed());
            ok(&body);
        }
        times.sort();
        println!(
            "{what} on {} topics, over HTTP: p50 {:?}, p99 {:?}",
            all.len(),
            times[times.len() / 2],
            times[times.len() * 99 / 100]
        );
    }
}

/// A subject Backend teaches twice (its repeats are linked topics with one status) is one next
/// topic: listed once, on the roadmap and across the roadmaps tracked.
#[tokio::test]
async fn a_repeated_subject_is_listed_once() {
    let app = spawn_app().await;
    let learner = app.signup("repeats").await;
    let (_, topics) = topics_of(&app, "backend").await;
    for key in BACKEND_REPEAT_KEYS {
        let (id, _) = topics.iter().find(|(_, k)| k == key).unwrap();
        let body = app
            .gql_as(
                &learner.access_token,
                "mutation($t: ID!) { setTopicStatus(topicId: $t, status: LEARNING) { changed } }",
                json!({ "t": id }),
            )
            .await;
        ok(&body);
    }
    // Both repeats and the topics they repeat are LEARNING: each subject comes once, first.
    let on_backend = next(&app, Some(&learner.access_token), "backend").await;
    let mine = my_next(&app, &learner.access_token).await;
    for list in [&on_backend, &mine] {
        let mut seen = std::collections::HashSet::new();
        let repeated: Vec<&String> = list.iter().filter(|t| !seen.insert(*t)).collect();
        assert!(
            repeated.is_empty(),
            "listed twice: {repeated:?} in {list:?}"
        );
        assert_eq!(list.len(), 50, "a full page: {list:?}");
    }
    assert_eq!(on_backend[..2], mine[..2], "{on_backend:?} {mine:?}");
}
