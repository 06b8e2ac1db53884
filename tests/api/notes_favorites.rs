//! Notes on topics, favourite roadmaps, and resetting a roadmap's progress.

use serde_json::{json, Value};

use crate::helpers::progress::*;
use crate::helpers::*;

#[tokio::test]
async fn notes_favourites_and_reset() {
    let app = spawn_app().await;
    let (roadmap_id, topics) = topics_of(&app, "backend").await;
    let (docker_id, _) = topics_of(&app, "docker").await;
    let s = app.signup("notetaker").await;
    let t = &s.access_token;
    const NOTE: &str =
        "mutation($id: ID!, $n: String) { setTopicNote(topicId: $id, note: $n) { note topic { key myNote } } }";

    let text = "# Remember\n\n* the **three-way** handshake";
    let body = app
        .gql_as(t, NOTE, json!({ "id": topics[3].0, "n": text }))
        .await;
    let r = &ok(&body)["setTopicNote"];
    assert_eq!(r["note"], text);
    assert_eq!(r["topic"]["myNote"], text);
    // Exactly at the limit is fine (characters, not bytes).
    let long = "é".repeat(10_000);
    let body = app
        .gql_as(t, NOTE, json!({ "id": topics[4].0, "n": long }))
        .await;
    assert_eq!(ok(&body)["setTopicNote"]["note"], long);
    let tree = app
        .gql_as(t, ops::MY_TREE, json!({ "slug": "backend" }))
        .await;
    let mut all = Vec::new();
    walk(&ok(&tree)["roadmap"]["topics"], &mut all);
    let with_notes: Vec<&str> = all
        .iter()
        .filter(|x| x["myNote"].is_string())
        .map(|x| x["key"].as_str().unwrap())
        .collect();
    assert_eq!(with_notes, vec![topics[3].1.as_str(), topics[4].1.as_str()]);
    // Empty and null clear.
    for clear in [json!(""), Value::Null] {
        let id = if clear.is_null() {
            &topics[4].0
        } else {
            &topics[3].0
        };
        let body = app.gql_as(t, NOTE, json!({ "id": id, "n": clear })).await;
        assert!(ok(&body)["setTopicNote"]["note"].is_null());
        assert!(body["data"]["setTopicNote"]["topic"]["myNote"].is_null());
    }
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM topic_notes").await,
        0
    );

    // Favourites show in me.progress even without any status.
    const FAV: &str = "mutation($r: ID!) { favoriteRoadmap(roadmapId: $r) { favorite changed progress { favorite done } } }";
    let body = app.gql_as(t, FAV, json!({ "r": docker_id })).await;
    let r = &ok(&body)["favoriteRoadmap"];
    assert_eq!(r["changed"], true);
    assert_eq!(r["progress"]["favorite"], true);
    let body = app.gql_as(t, FAV, json!({ "r": docker_id })).await;
    assert_eq!(ok(&body)["favoriteRoadmap"]["changed"], false);
    let edges = app.my_dashboard(t, 10).await;
    assert_eq!(edges.len(), 1);
    assert_eq!(edges[0]["node"]["roadmap"]["slug"], "docker");
    assert_eq!(edges[0]["node"]["favorite"], true);
    assert_eq!(edges[0]["node"]["done"], 0);
    let body = app
        .gql_as(
            t,
            "mutation($r: ID!) { unfavoriteRoadmap(roadmapId: $r) { favorite changed } }",
            json!({ "r": docker_id }),
        )
        .await;
    assert_eq!(ok(&body)["unfavoriteRoadmap"]["changed"], true);
    let me = app
        .gql_as(t, ops::MY_DASHBOARD, json!({ "first": 10 }))
        .await;
    assert_eq!(ok(&me)["me"]["progress"]["totalCount"], 0);

    // Reset clears the statuses of the roadmap (notes stay) and records each in the history.
    for (i, st) in ["DONE", "LEARNING", "SKIPPED"].iter().enumerate() {
        app.set_topic_status(t, &topics[i].0, st).await;
    }
    app.gql_as(t, NOTE, json!({ "id": topics[0].0, "n": "keep me" }))
        .await;
    let body = app
        .gql_as(
            t,
            "mutation($r: ID!) { resetRoadmapProgress(roadmapId: $r) { clearedCount progress { done learning skipped pending total } } }",
            json!({ "r": roadmap_id }),
        )
        .await;
    let r = &ok(&body)["resetRoadmapProgress"];
    assert_eq!(r["clearedCount"], 3);
    assert_eq!(r["progress"]["pending"], r["progress"]["total"]);
    let p = app.my_progress(t, "backend").await;
    assert_eq!(p["done"], 0);
    assert_eq!(count_rows(&app, "SELECT COUNT(*) FROM progress").await, 0);
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM topic_notes").await,
        1
    );
    let body = app.gql_as(t, ops::MY_ACTIVITY, json!({ "first": 3 })).await;
    let edges = ok(&body)["me"]["activity"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert!(edges.iter().all(|e| e["node"]["to"] == "PENDING"), "{body}");
    assert_eq!(body["data"]["me"]["activity"]["totalCount"], 6);
}
