//! Reading learner progress: progress that survives moves and deletes, history that keeps titles,
//! the dashboard (`me.progress`) and its order and pages, streaks in the learner's time zone, and
//! bounded SQL for a whole tree with the viewer's statuses.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::helpers::progress::*;
use crate::helpers::*;

#[tokio::test]
async fn progress_survives_moves_and_deletes_and_history_keeps_titles() {
    let app = spawn_app().await;
    let (_, topics) = topics_of(&app, "backend").await;
    let s = app.signup("editsurvivor").await;
    let t = &s.access_token;
    let total = topics.len() as i64 - BACKEND_REPEATS;
    for (id, _) in &topics[..4] {
        app.set_topic_status(t, id, "DONE").await;
    }
    // Find a leaf to move and one to delete (leaves have no children to orphan).
    let tree = app
        .gql_as(t, ops::MY_TREE, json!({ "slug": "backend" }))
        .await;
    let mut all = Vec::new();
    walk(&ok(&tree)["roadmap"]["topics"], &mut all);
    let first_root = all[0]["key"].as_str().unwrap().to_owned();
    let done_key = topics[2].1.clone();
    let deleted_key = topics[3].1.clone();
    let deleted_title = all
        .iter()
        .find(|x| x["key"] == deleted_key.as_str())
        .unwrap()["title"]
        .as_str()
        .unwrap()
        .to_owned();

    // An admin moves a done topic under another parent: its status stays.
    let admin = app.admin_token().await;
    let new_parent = &topics[topics.len() - 1].0;
    let body = app
        .gql_as(
            &admin,
            "mutation($id: ID!, $p: ID) { moveTopic(id: $id, newParentId: $p) { key parent { id } } }",
            json!({ "id": topics[2].0, "p": new_parent }),
        )
        .await;
    assert_eq!(ok(&body)["moveTopic"]["parent"]["id"], new_parent.as_str());
    // And deletes another done topic with its subtree.
    let body = app
        .gql_as(
            &admin,
            "mutation($id: ID!) { deleteTopic(id: $id) { deletedTopicIds } }",
            json!({ "id": topics[3].0 }),
        )
        .await;
    let gone = ok(&body)["deleteTopic"]["deletedTopicIds"]
        .as_array()
        .unwrap()
        .len() as i64;
    assert!(gone >= 1);

    let tree = app
        .gql_as(t, ops::MY_TREE, json!({ "slug": "backend" }))
        .await;
    let mut all = Vec::new();
    walk(&ok(&tree)["roadmap"]["topics"], &mut all);
    let moved = all.iter().find(|x| x["key"] == done_key.as_str()).unwrap();
    assert_eq!(moved["myStatus"], "DONE");
    assert!(all.iter().all(|x| x["key"] != deleted_key.as_str()));
    let p = &tree["data"]["roadmap"]["myProgress"];
    assert_eq!(p["total"], total - gone);
    assert_eq!(p["total"], all.len() as i64 - BACKEND_REPEATS);
    // The deleted topic's status counts nowhere but is not destroyed.
    let remaining_done = all.iter().filter(|x| x["myStatus"] == "DONE").count() as i64;
    assert_eq!(p["done"], remaining_done);
    assert_eq!(
        count_rows(
            &app,
            &format!("SELECT COUNT(*) FROM progress WHERE topic_id = '{deleted_key}'")
        )
        .await,
        1
    );
    // Every remaining topic done: 100 % is reachable after the delete.
    let (roadmap_id, live) = topics_of(&app, "backend").await;
    let changes: Vec<Value> = live
        .iter()
        .map(|(id, _)| json!({ "topicId": id, "status": "DONE" }))
        .collect();
    let body = app
        .gql_as(
            t,
            ops::SET_TOPIC_STATUSES,
            json!({ "r": roadmap_id, "c": changes }),
        )
        .await;
    assert_eq!(
        ok(&body)["setTopicStatuses"]["progress"]["percentDone"],
        100.0
    );
    // Writing to a deleted topic is NOT_FOUND.
    let body = app
        .gql_as(
            t,
            ops::SET_TOPIC_STATUS,
            json!({ "id": URL_SAFE_NO_PAD.encode(format!("Topic:{deleted_key}")), "s": "LEARNING" }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");

    // The history still names the deleted topic.
    let mut entries = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = app
            .gql_as(t, ops::MY_ACTIVITY, json!({ "first": 50, "after": after }))
            .await;
        let c = &ok(&body)["me"]["activity"];
        entries.extend(
            c["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"].clone()),
        );
        if c["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = c["pageInfo"]["endCursor"].clone();
    }
    let ids: Vec<i64> = entries
        .iter()
        .map(|e| e["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "not newest first");
    let del = entries
        .iter()
        .find(|e| e["topicKey"] == deleted_key.as_str())
        .unwrap();
    assert_eq!(del["topicTitle"], deleted_title.as_str());
    assert_eq!(del["roadmapTitle"], "Backend Developer");
    assert_eq!(del["roadmapSlug"], "backend");
    assert!(del["topic"].is_null());
    assert!(entries
        .iter()
        .all(|e| e["topicTitle"].as_str().is_some_and(|x| !x.is_empty())));
    let root = entries
        .iter()
        .find(|e| e["topicKey"] == first_root.as_str())
        .unwrap();
    assert_eq!(root["topic"]["key"], first_root.as_str());

    // Restoring the subtree (clearing the soft delete) brings its status back.
    sql(
        &app,
        "UPDATE topics SET deleted_at = NULL WHERE deleted_at IS NOT NULL",
    )
    .await;
    let p = app.my_progress(t, "backend").await;
    assert_eq!(p["total"], total);
    assert_eq!(p["done"], total - gone + 1);

    // A forced roadmap delete archives the progress: kept in the database, shown nowhere.
    let body = app
        .gql_as(
            &admin,
            "mutation($id: ID!) { deleteRoadmap(id: $id, force: true) { archivedProgress } }",
            json!({ "id": roadmap_id }),
        )
        .await;
    assert!(
        ok(&body)["deleteRoadmap"]["archivedProgress"]
            .as_i64()
            .unwrap()
            > 0
    );
    let body = app
        .gql_as(t, ops::MY_DASHBOARD, json!({ "first": 10 }))
        .await;
    assert_eq!(ok(&body)["me"]["progress"]["totalCount"], 0);
    let body = app.gql_as(t, ops::EXPORT_MY_PROGRESS, json!({})).await;
    assert_eq!(ok(&body)["exportMyProgress"]["roadmaps"], json!([]));
    let body = app
        .gql_as(
            t,
            ops::SET_TOPIC_STATUS,
            json!({ "id": topics[0].0, "s": "LEARNING" }),
        )
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    assert!(
        count_rows(
            &app,
            "SELECT COUNT(*) FROM progress WHERE archived_at IS NOT NULL"
        )
        .await
            > 0
    );
    assert_eq!(
        count_rows(
            &app,
            "SELECT COUNT(*) FROM progress WHERE archived_at IS NULL"
        )
        .await,
        0
    );
    // The history still names the deleted roadmap and its topics.
    let body = app.gql_as(t, ops::MY_ACTIVITY, json!({ "first": 5 })).await;
    let e = &ok(&body)["me"]["activity"]["edges"][0]["node"];
    assert_eq!(e["roadmapTitle"], "Backend Developer");
    assert!(e["topicTitle"].as_str().is_some_and(|x| !x.is_empty()));
    assert!(e["roadmap"].is_null(), "{body}");
}

#[tokio::test]
async fn me_progress_orders_and_pages_and_streak_follows_the_time_zone() {
    // The history below is written behind the server's back, so no change is announced: keep no
    // learners' reads (the kept streak would be the one from before it).
    let app = spawn_app_with(|s| s.cache.learner_cache_bytes = 0).await;
    let s = app.signup("streaker").await;
    let t = &s.access_token;
    import_generated(&app, "gen-a", 10).await;
    import_generated(&app, "gen-b", 10).await;
    for slug in ["backend", "gen-a", "gen-b"] {
        let (_, topics) = topics_of(&app, slug).await;
        app.set_topic_status(t, &topics[0].0, "DONE").await;
    }
    // Most recently updated first; paging with first/after walks them all once.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = app
            .gql_as(t, ops::MY_DASHBOARD, json!({ "first": 2, "after": after }))
            .await;
        let c = &ok(&body)["me"]["progress"];
        assert_eq!(c["totalCount"], 3);
        for e in c["edges"].as_array().unwrap() {
            seen.push(e["node"]["roadmap"]["slug"].as_str().unwrap().to_owned());
            assert_eq!(e["node"]["done"], 1);
        }
        if c["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = c["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, vec!["gen-b", "gen-a", "backend"]);
    // Touching backend again moves it to the front.
    let (_, backend) = topics_of(&app, "backend").await;
    app.set_topic_status(t, &backend[1].0, "LEARNING").await;
    let body = app
        .gql_as(t, ops::MY_DASHBOARD, json!({ "first": 1 }))
        .await;
    assert_eq!(
        ok(&body)["me"]["progress"]["edges"][0]["node"]["roadmap"]["slug"],
        "backend"
    );
    let body = app
        .gql_as(t, ops::MY_DASHBOARD, json!({ "first": 101 }))
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));

    // Each dashboard row (counted in the same statement as the page) agrees with the roadmap's
    // own myProgress, a favourite without progress and one with progress included.
    for slug in ["docker", "gen-a"] {
        let (id, _) = topics_of(&app, slug).await;
        let body = app
            .gql_as(t, ops::FAVORITE_ROADMAP, json!({ "r": id }))
            .await;
        assert_eq!(ok(&body)["favoriteRoadmap"]["favorite"], true);
    }
    let edges = app.my_dashboard(t, 10).await;
    assert_eq!(edges.len(), 4);
    for e in &edges {
        let n = &e["node"];
        let slug = n["roadmap"]["slug"].as_str().unwrap();
        let mine = app.my_progress(t, slug).await;
        for k in [
            "done",
            "learning",
            "skipped",
            "pending",
            "total",
            "percentDone",
            "favorite",
            "updatedAt",
        ] {
            assert_eq!(n[k], mine[k], "{slug}: {k}");
        }
    }
    let docker = edges
        .iter()
        .find(|e| e["node"]["roadmap"]["slug"] == "docker")
        .unwrap();
    assert_eq!(docker["node"]["done"], 0);
    assert_eq!(docker["node"]["favorite"], true);
    // The total counts each subject once: the topics that repeat another (`sameAs`) are left out.
    const TREE: &str = "query($slug: String!) { roadmap(slug: $slug) { topicCount
        topics { sameAs { key } children { sameAs { key } children { sameAs { key } } } } } }";
    let body = app.gql(TREE, json!({ "slug": "docker" })).await;
    let r = &ok(&body)["roadmap"];
    let mut all = Vec::new();
    walk(&r["topics"], &mut all);
    let repeats = all.iter().filter(|t| !t["sameAs"].is_null()).count() as i64;
    assert_eq!(all.len() as i64, r["topicCount"].as_i64().unwrap());
    assert_eq!(
        docker["node"]["total"].as_i64().unwrap(),
        all.len() as i64 - repeats
    );

    // Today's activity: a streak of one.
    const STREAK: &str = "{ me { streak { current longest lastActiveOn timeZone } } }";
    let body = app.gql_as(t, STREAK, json!({})).await;
    let st = &ok(&body)["me"]["streak"];
    assert_eq!(st["current"], 1);
    assert_eq!(st["longest"], 1);
    assert_eq!(st["timeZone"], "UTC");
    let today = chrono::Utc::now().date_naive();
    assert_eq!(st["lastActiveOn"], today.to_string());

    // History: yesterday and the two days before (current 4), and an older run of 5 (longest).
    let user = numeric_id(&s.user_id);
    let roadmap = count_rows(&app, "SELECT CAST(MIN(id) AS BIGINT) FROM roadmaps").await;
    let mut values = Vec::new();
    let noon = |days_ago: i64| {
        (chrono::Utc::now() - chrono::Duration::days(days_ago))
            .date_naive()
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
            .to_rfc3339()
    };
    for d in [1, 2, 3, 10, 11, 12, 13, 14] {
        values.push(format!(
            "({user}, {roadmap}, '{}', 'PENDING', 'DONE', '{}')",
            backend[0].1,
            noon(d)
        ));
    }
    sql(
        &app,
        &format!(
            "INSERT INTO progress_events (user_id, roadmap_id, topic_id, from_status, to_status, created_at) VALUES {}",
            values.join(", ")
        ),
    )
    .await;
    // History written by hand bypasses the runs kept on the user's row: mark them stale, as a
    // statistics rule change would, so the streak is counted from the history.
    sql(
        &app,
        &format!("UPDATE users SET stats_version = 0 WHERE id = {user}"),
    )
    .await;
    let body = app.gql_as(t, STREAK, json!({})).await;
    let st = &ok(&body)["me"]["streak"];
    assert_eq!(st["current"], 4, "{body}");
    assert_eq!(st["longest"], 5, "{body}");

    // Time zone: 40 days ago, 23:30 UTC is the next morning in Tokyo (UTC+9), which closes the
    // one-day UTC gap before a run of five noon (21:00 in Tokyo) days: UTC's longest stays 5,
    // Tokyo's becomes 6.
    let at = |days_ago: i64, h: u32, m: u32| {
        (chrono::Utc::now() - chrono::Duration::days(days_ago))
            .date_naive()
            .and_hms_opt(h, m, 0)
            .unwrap()
            .and_utc()
            .to_rfc3339()
    };
    let mut values = vec![format!(
        "({user}, {roadmap}, '{}', 'DONE', 'PENDING', '{}')",
        backend[0].1,
        at(40, 23, 30)
    )];
    for d in [38, 37, 36, 35, 34] {
        values.push(format!(
            "({user}, {roadmap}, '{}', 'PENDING', 'DONE', '{}')",
            backend[0].1,
            at(d, 12, 0)
        ));
    }
    sql(
        &app,
        &format!(
            "INSERT INTO progress_events (user_id, roadmap_id, topic_id, from_status, to_status, created_at) VALUES {}",
            values.join(", ")
        ),
    )
    .await;
    let body = app.gql_as(t, STREAK, json!({})).await;
    assert_eq!(ok(&body)["me"]["streak"]["longest"], 5, "{body}");
    let body = app
        .gql_as(
            t,
            "mutation { updateProfile(input: {timeZone: \"Asia/Tokyo\"}) { timeZone } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&body)["updateProfile"]["timeZone"], "Asia/Tokyo");
    let body = app.gql_as(t, STREAK, json!({})).await;
    let st = &ok(&body)["me"]["streak"];
    assert_eq!(st["timeZone"], "Asia/Tokyo");
    assert_eq!(st["longest"], 6, "{body}");
    let body = app
        .gql_as(
            t,
            "mutation { updateProfile(input: {timeZone: \"Mars/Olympus\"}) { timeZone } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
}

/// A whole tree with `myStatus` and `myNote` on every topic and `myProgress` costs the same
/// number of statements for a roadmap five times the size.
#[tokio::test]
async fn whole_tree_with_my_status_costs_a_fixed_number_of_statements() {
    let app = spawn_app().await;
    let (_, backend) = topics_of(&app, "backend").await;
    import_generated(&app, "bigtree", backend.len() * 5).await;
    let (_, big) = topics_of(&app, "bigtree").await;
    assert!(big.len() >= 5 * backend.len());

    let s = app.signup("counter").await;
    for (id, _) in backend.iter().take(7).chain(big.iter().take(9)) {
        app.set_topic_status(&s.access_token, id, "DONE").await;
    }
    // Both trees in the same state of the server's tree cache (each read once at this version).
    for slug in ["backend", "bigtree"] {
        app.gql_as(&s.access_token, ops::MY_TREE, json!({ "slug": slug }))
            .await;
    }
    let mut costs = Vec::new();
    for slug in ["backend", "bigtree"] {
        let before = app.metric("roadmap_db_statements_total").await;
        let body = app
            .gql_as(&s.access_token, ops::MY_TREE, json!({ "slug": slug }))
            .await;
        let after = app.metric("roadmap_db_statements_total").await;
        let mut all = Vec::new();
        walk(&ok(&body)["roadmap"]["topics"], &mut all);
        assert!(all.iter().all(|t| t["myStatus"].is_string()));
        costs.push((slug, all.len(), (after - before) as u64));
    }
    println!("statements per whole-tree query with progress: {costs:?}");
    assert_eq!(costs[0].2, costs[1].2, "SQL grows with the tree: {costs:?}");
    // Viewer, the budget charge, roadmap, topicCount, tree, counts, statuses, notes.
    assert!(costs[0].2 <= 8, "too many statements: {costs:?}");
}

/// The same whole tree with `linkedTopics` and their `myStatus` on every topic, on roadmaps whose
/// topics are linked to each other and to a third roadmap: the same number of statements for a
/// roadmap five times the size.
#[tokio::test]
async fn whole_tree_with_linked_topics_costs_a_fixed_number_of_statements() {
    const LINKED_TREE: &str = r#"query LinkedTree($slug: String!) { roadmap(slug: $slug) { id
    myProgress { done learning skipped pending total percentDone }
    topics { ...T children { ...T children { ...T children { ...T } } } } } }
fragment T on Topic { id key myStatus linkedTopics { key myStatus } }"#;
    // Caches off, as in roadmaps::whole_tree_costs_a_fixed_number_of_statements: what is counted
    // is the loaders' batching, not whether a content-version check fell inside the window.
    let app = spawn_app_with(|s| {
        s.cache.tree_cache = false;
        s.cache.response_cache_bytes = 0;
    })
    .await;
    let (_, backend) = topics_of(&app, "backend").await;
    import_generated(&app, "bigtree", backend.len() * 5).await;
    let (_, big) = topics_of(&app, "bigtree").await;
    let admin = app.admin_token().await;
    let (_, third) =
        crate::links::roadmap_of(&app, &admin, "third", None, &["One", "Two", "Three"]).await;
    for i in 0..3 {
        for topic in [&big[i].0, &third[i]] {
            let body = app
                .gql_as(
                    &admin,
                    crate::links::SAME_AS,
                    json!({ "id": topic, "to": backend[i].0 }),
                )
                .await;
            ok(&body);
        }
    }
    let s = app.signup("linkcounter").await;
    for (id, _) in backend.iter().take(2).chain(big.iter().skip(5).take(4)) {
        app.set_topic_status(&s.access_token, id, "DONE").await;
    }
    for slug in ["backend", "bigtree", "third"] {
        app.gql_as(&s.access_token, LINKED_TREE, json!({ "slug": slug }))
            .await;
    }
    let mut costs = Vec::new();
    for slug in ["backend", "bigtree"] {
        let before = app.metric("roadmap_db_statements_total").await;
        let body = app
            .gql_as(&s.access_token, LINKED_TREE, json!({ "slug": slug }))
            .await;
        let after = app.metric("roadmap_db_statements_total").await;
        let mut all = Vec::new();
        walk(&ok(&body)["roadmap"]["topics"], &mut all);
        let linked: Vec<&Value> = all
            .iter()
            .flat_map(|t| t["linkedTopics"].as_array().unwrap())
            .collect();
        // Three topics linked to three others each way, plus Backend's own repeats (a pair each).
        let repeats = if slug == "backend" {
            2 * BACKEND_REPEATS
        } else {
            0
        };
        assert_eq!(linked.len() as i64, 6 + repeats, "{body}");
        assert_eq!(linked.iter().filter(|l| l["myStatus"] == "DONE").count(), 4);
        costs.push((slug, all.len(), (after - before) as u64));
    }
    println!("statements per whole-tree query with links: {costs:?}");
    assert_eq!(costs[0].2, costs[1].2, "SQL grows with the tree: {costs:?}");
    // The 8 of a tree with progress, the links and their roadmaps, the linked roadmaps' statuses.
    assert!(costs[0].2 <= 11, "too many statements: {costs:?}");
}
