//! A learner's progress exported and imported into a fresh account.

use serde_json::json;

use crate::helpers::progress::*;
use crate::helpers::*;

#[tokio::test]
async fn export_then_import_into_a_fresh_account() {
    let app = spawn_app().await;
    let (_, backend) = topics_of(&app, "backend").await;
    import_generated(&app, "gen-x", 10).await;
    let (docker_id, docker) = topics_of(&app, "gen-x").await;
    // A favourite without any progress travels too.
    let (python_id, _) = topics_of(&app, "python").await;
    let a = app.signup("mover").await;
    for (i, st) in ["DONE", "LEARNING", "SKIPPED", "DONE"].iter().enumerate() {
        app.set_topic_status(&a.access_token, &backend[i].0, st)
            .await;
    }
    app.set_topic_status(&a.access_token, &docker[0].0, "DONE")
        .await;
    let note = "my *note* — with ünïcode";
    let body = app
        .gql_as(
            &a.access_token,
            ops::SET_TOPIC_NOTE,
            json!({ "id": backend[5].0, "n": note }),
        )
        .await;
    ok(&body);
    for r in [&docker_id, &python_id] {
        let body = app
            .gql_as(&a.access_token, ops::FAVORITE_ROADMAP, json!({ "r": r }))
            .await;
        ok(&body);
    }
    let body = app
        .gql_as(&a.access_token, ops::EXPORT_MY_PROGRESS, json!({}))
        .await;
    let doc = ok(&body)["exportMyProgress"].clone();
    assert_eq!(doc["format"], "roadmap-api/progress@1");
    let roadmaps = doc["roadmaps"].as_array().unwrap();
    let slugs: Vec<&str> = roadmaps
        .iter()
        .map(|r| r["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, vec!["backend", "gen-x", "python"]);
    let b0 = &roadmaps[0];
    assert_eq!(b0["title"], "Backend Developer");
    assert_eq!(b0["favorite"], false);
    assert_eq!(b0["topics"].as_array().unwrap().len(), 5);
    let noted = b0["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == backend[5].1.as_str())
        .unwrap();
    assert_eq!(noted["note"], note);
    assert_eq!(noted["status"], "PENDING");
    assert!(b0["topics"][0]["title"].is_string());
    assert!(b0["topics"][0]["updatedAt"].is_string());
    assert_eq!(roadmaps[2]["favorite"], true);
    assert_eq!(roadmaps[2]["topics"].as_array().unwrap().len(), 0);

    // Import into a fresh account: the same progress, counts and notes.
    const IMPORT: &str = "mutation($d: JSON!) { importMyProgress(document: $d) { roadmapCount statusesChanged notesChanged favoritesAdded progress { done learning skipped roadmap { slug } } } }";
    let b = app.signup("newhome").await;
    let body = app
        .gql_as(&b.access_token, IMPORT, json!({ "d": doc }))
        .await;
    let r = &ok(&body)["importMyProgress"];
    assert_eq!(r["roadmapCount"], 3);
    assert_eq!(r["statusesChanged"], 5);
    assert_eq!(r["notesChanged"], 1);
    assert_eq!(r["favoritesAdded"], 2);
    for slug in ["backend", "gen-x"] {
        assert_eq!(
            app.my_progress(&a.access_token, slug).await,
            app.my_progress(&b.access_token, slug).await,
            "{slug}"
        );
    }
    let body = app
        .gql_as(&b.access_token, ops::EXPORT_MY_PROGRESS, json!({}))
        .await;
    let again = ok(&body)["exportMyProgress"].clone();
    assert_eq!(again["roadmaps"], doc["roadmaps"], "round trip differs");
    // Importing the same document twice changes nothing more.
    let body = app
        .gql_as(&b.access_token, IMPORT, json!({ "d": doc }))
        .await;
    assert_eq!(ok(&body)["importMyProgress"]["statusesChanged"], 0);
    assert_eq!(body["data"]["importMyProgress"]["favoritesAdded"], 0);

    // A malformed, foreign or unknown-topic document: BAD_USER_INPUT naming the first bad entry,
    // nothing written.
    let c = app.signup("strict").await;
    let mut unknown = doc.clone();
    unknown["roadmaps"][1]["topics"][0]["key"] = json!("no-such-topic");
    let mut wrong_roadmap = doc.clone();
    wrong_roadmap["roadmaps"][0]["topics"][1]["key"] = json!(docker[1].1);
    let mut bad_slug = doc.clone();
    bad_slug["roadmaps"][2]["slug"] = json!("no-such-roadmap");
    let mut bad_status = doc.clone();
    bad_status["roadmaps"][0]["topics"][2]["status"] = json!("FINISHED");
    let cases = [
        (
            json!({ "format": "someone-else/v1", "roadmaps": [] }),
            "document.format",
        ),
        (json!([1, 2]), "document"),
        (json!("{not json"), "document"),
        (unknown, "document.roadmaps[1].topics[0].key"),
        (wrong_roadmap, "document.roadmaps[0].topics[1].key"),
        (bad_slug, "document.roadmaps[2].slug"),
        (bad_status, "document.roadmaps[0].topics[2].status"),
    ];
    for (d, field) in cases {
        let body = app.gql_as(&c.access_token, IMPORT, json!({ "d": d })).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{field}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let body = app
        .gql_as(&c.access_token, ops::EXPORT_MY_PROGRESS, json!({}))
        .await;
    assert_eq!(ok(&body)["exportMyProgress"]["roadmaps"], json!([]));
    let c_id = numeric_id(&c.user_id);
    assert_eq!(
        count_rows(
            &app,
            &format!("SELECT COUNT(*) FROM progress_events WHERE user_id = {c_id}")
        )
        .await,
        0
    );
    // Signed out: refused.
    let body = app.gql(ops::EXPORT_MY_PROGRESS, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
}
