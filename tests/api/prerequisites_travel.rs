//! Prerequisites travel with a roadmap (issue 23, point 2): the export writes each topic's
//! prerequisites by key, an import sets them (checked as `setTopicPrerequisites` checks them), a
//! re-import of an export gives back the same bytes, and a fork copies them onto its own topics.
use serde_json::{json, Value};

use crate::helpers::catalog::{fails, ok, run_ok};
use crate::helpers::*;
use crate::links::{key_of, roadmap_of};

const SET: &str = "mutation SetPrerequisites($id: ID!, $p: [ID!]!) {
    setTopicPrerequisites(topicId: $id, prerequisiteIds: $p) { key } }";
const PREREQS: &str = "query Prereqs($id: ID!) { topic(id: $id) {
    prerequisites { key title roadmap { slug } } } }";
const IMPORT: &str = "mutation Import($d: JSON, $f: [RoadmapFileInput!], $m: ImportMode) {
    importRoadmap(document: $d, files: $f, mode: $m) { slug topicsChanged changedTopicIds
    addedTopicIds unresolvedPrerequisites } }";
const FORK: &str = "mutation Fork($id: ID!) { forkRoadmap(roadmapId: $id) { slug
    topics { key title forkedFrom { key } prerequisites { key title roadmap { slug } } } } }";

async fn set(app: &TestApp, token: &str, topic: &str, prereqs: &[&String]) {
    ok(app, token, SET, json!({ "id": topic, "p": prereqs })).await;
}

/// (title, roadmap slug) of a topic's prerequisites, as the viewer reads them, sorted.
async fn needs(app: &TestApp, token: &str, topic: &str) -> Vec<(String, String)> {
    let data = ok(app, token, PREREQS, json!({ "id": topic })).await;
    data["topic"]["prerequisites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["title"].as_str().unwrap().to_owned(),
                p["roadmap"]["slug"].as_str().unwrap().to_owned(),
            )
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn keys(ids: &[String]) -> Vec<String> {
    ids.iter().map(|id| key_of(id)).collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// (JSON text, document, markdown files as GraphQL input) of a roadmap's export.
async fn export(app: &TestApp, token: &str, slug: &str) -> (String, Value, Vec<Value>) {
    let x =
        ok(app, token, ops::EXPORT_ROADMAP, json!({ "s": slug })).await["exportRoadmap"].clone();
    let files = x["markdownFiles"].as_array().unwrap().clone();
    (
        x["json"].as_str().unwrap().to_owned(),
        x["document"].clone(),
        files,
    )
}

async fn import(app: &TestApp, token: &str, doc: Value, mode: &str) -> Value {
    ok(app, token, IMPORT, json!({ "d": doc, "m": mode })).await["importRoadmap"].clone()
}

/// The document's topic with this key (the roadmaps here are flat).
fn topic_mut<'a>(doc: &'a mut Value, key: &str) -> &'a mut Value {
    doc["topics"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|t| t["id"] == key)
        .unwrap()
}

/// Roadmap `travel` (A, B, C, D: C needs A and B, D needs C and X) and roadmap `travel-other`
/// (X, Y). Returns the global ids of the topics of each, in order.
async fn world(app: &TestApp, admin: &str) -> (Vec<String>, Vec<String>) {
    let (_, t) = roadmap_of(app, admin, "travel", None, &["A", "B", "C", "D"]).await;
    let (_, o) = roadmap_of(app, admin, "travel-other", None, &["X", "Y"]).await;
    set(app, admin, &t[2], &[&t[1], &t[0]]).await;
    set(app, admin, &t[3], &[&o[0], &t[2]]).await;
    (t, o)
}

#[tokio::test]
async fn export_carries_prerequisites_and_import_sets_them_byte_for_byte() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (t, o) = world(&app, &admin).await;
    let (tk, ok_) = (keys(&t), keys(&o));
    let (json1, doc1, files1) = export(&app, &admin, "travel").await;
    // By key, in key order; the one on the other roadmap by its (global) key too.
    let mut c_needs = vec![tk[0].clone(), tk[1].clone()];
    c_needs.sort();
    let mut d_needs = vec![tk[2].clone(), ok_[0].clone()];
    d_needs.sort();
    assert_eq!(
        doc1["topics"][2]["prerequisites"],
        json!(c_needs),
        "{json1}"
    );
    assert_eq!(doc1["topics"][3]["prerequisites"], json!(d_needs));
    assert!(doc1["topics"][0].get("prerequisites").is_none(), "{json1}");
    let tree = files1.iter().find(|f| f["path"] == "tree.json").unwrap();
    let line = tree["content"]
        .as_str()
        .unwrap()
        .lines()
        .find(|l| l.contains(&format!("\"id\":\"{}\"", tk[2])))
        .unwrap();
    assert!(
        line.ends_with(&format!("\"prerequisites\":{}}},", json!(c_needs))),
        "{line}"
    );

    // Its own export, in either format, changes nothing and exports the same bytes.
    let r = import(&app, &admin, doc1.clone(), "REPLACE").await;
    assert_eq!(
        (r["topicsChanged"].clone(), r["changedTopicIds"].clone()),
        (json!(0), json!([]))
    );
    let r = ok(&app, &admin, IMPORT, json!({ "f": files1, "m": "REPLACE" })).await;
    assert_eq!(r["importRoadmap"]["changedTopicIds"], json!([]));
    let (json2, _, files2) = export(&app, &admin, "travel").await;
    assert_eq!(json2, json1);
    assert_eq!(files2, files1);

    // An edited document sets exactly what it lists: B needs A now, D needs nothing.
    let mut doc = doc1.clone();
    topic_mut(&mut doc, &tk[1])["prerequisites"] = json!([tk[0]]);
    topic_mut(&mut doc, &tk[3])
        .as_object_mut()
        .unwrap()
        .remove("prerequisites");
    let r = import(&app, &admin, doc, "REPLACE").await;
    assert_eq!(r["changedTopicIds"], json!([tk[1], tk[3]]), "{r}");
    assert_eq!(needs(&app, &admin, &t[1]).await, pairs(&[("A", "travel")]));
    assert_eq!(needs(&app, &admin, &t[3]).await, vec![]);
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM topic_prerequisites").await,
        3
    );

    // The markdown folder of the first export puts everything back, byte for byte.
    let r = ok(&app, &admin, IMPORT, json!({ "f": files1, "m": "REPLACE" })).await;
    assert_eq!(r["importRoadmap"]["changedTopicIds"], json!([tk[1], tk[3]]));
    assert_eq!(
        needs(&app, &admin, &t[3]).await,
        pairs(&[("C", "travel"), ("X", "travel-other")])
    );
    let (_, doc3, files3) = export(&app, &admin, "travel").await;
    assert_eq!(doc3["topics"], doc1["topics"]);
    assert_eq!(
        files3
            .iter()
            .find(|f| f["path"] == "tree.json")
            .map(|f| f["content"].clone()),
        Some(tree["content"].clone())
    );
}

#[tokio::test]
async fn a_prerequisite_on_a_roadmap_not_there_is_reported_then_resolved() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (t, o) = world(&app, &admin).await;
    let (json1, doc1, _) = export(&app, &admin, "travel").await;
    let (_, other, _) = export(&app, &admin, "travel-other").await;

    // Into a database without `travel-other`: D keeps C, and X is reported, not an error.
    let app2 = spawn_app_with(|s| s.seed_defaults = false).await;
    let admin2 = app2.admin_token().await;
    let r = import(&app2, &admin2, doc1.clone(), "CREATE").await;
    assert_eq!(
        r["unresolvedPrerequisites"],
        json!([format!("{}: {}", key_of(&t[3]), key_of(&o[0]))])
    );
    assert_eq!(
        needs(&app2, &admin2, &t[3]).await,
        pairs(&[("C", "travel")])
    );

    // Once the other roadmap is there, importing again sets it, and the export is the same bytes.
    import(&app2, &admin2, other, "CREATE").await;
    let r = import(&app2, &admin2, doc1, "REPLACE").await;
    assert_eq!(r["unresolvedPrerequisites"], json!([]));
    assert_eq!(r["changedTopicIds"], json!([key_of(&t[3])]));
    let mut tmp = std::env::temp_dir();
    tmp.push(format!("travel-{}.json", std::process::id()));
    run_ok(app2.cli(&["export", "--slug", "travel", "--out", tmp.to_str().unwrap()]));
    let json2 = std::fs::read_to_string(&tmp).unwrap();
    let _ = std::fs::remove_file(&tmp);
    let body = |s: &str| {
        // dateModified is the import time on the second database.
        let mut v: Value = serde_json::from_str(s).unwrap();
        v["roadmap"]["structuredData"]["dateModified"] = Value::Null;
        v
    };
    assert_eq!(body(&json2), body(&json1));
    assert_eq!(json2.len(), json1.len());
}

#[tokio::test]
async fn imports_refuse_bad_prerequisites_by_topic_and_write_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (t, o) = world(&app, &admin).await;
    let tk = keys(&t);
    let (_, doc1, files1) = export(&app, &admin, "travel").await;
    let before = count_rows(&app, "SELECT COUNT(*) FROM topic_prerequisites").await;
    let replace = |doc: Value| json!({ "d": doc, "m": "REPLACE" });

    // A cycle inside the document: A needs C, which needs A.
    let mut doc = doc1.clone();
    topic_mut(&mut doc, &tk[0])["prerequisites"] = json!([tk[2]]);
    let (code, _, msg) = fails(&app, &admin, IMPORT, replace(doc)).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(msg.contains(&format!("topic `{}`", tk[0])), "{msg}");
    assert!(
        msg.contains("cycle") && msg.contains("“A” → “C” → “A”"),
        "{msg}"
    );
    assert!(msg.starts_with("document:"), "{msg}");

    // The same in the markdown folder names tree.json and the topic's line.
    let mut files = files1.clone();
    let tree = files.iter_mut().find(|f| f["path"] == "tree.json").unwrap();
    let text = tree["content"].as_str().unwrap().replace(
        &format!("\"id\":\"{}\",", tk[0]),
        &format!("\"id\":\"{}\",\"prerequisites\":[\"{}\"],", tk[0], tk[2]),
    );
    tree["content"] = json!(text);
    let (code, _, msg) = fails(&app, &admin, IMPORT, json!({ "f": files, "m": "REPLACE" })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(msg.starts_with("tree.json:4: topic `"), "{msg}");

    // More than 20, and a topic naming itself.
    let mut doc = doc1.clone();
    let many: Vec<String> = (0..21).map(|i| format!("k{i:02}")).collect();
    topic_mut(&mut doc, &tk[0])["prerequisites"] = json!(many);
    let (code, _, msg) = fails(&app, &admin, IMPORT, replace(doc)).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(msg.contains("at most 20") && msg.contains(&tk[0]), "{msg}");
    let mut doc = doc1.clone();
    topic_mut(&mut doc, &tk[1])["prerequisites"] = json!([tk[1]]);
    let (code, _, msg) = fails(&app, &admin, IMPORT, replace(doc)).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        msg.contains("its own prerequisite") && msg.contains(&tk[1]),
        "{msg}"
    );

    // A cycle closed through another roadmap: X needs A, and the document makes A need D, and
    // D need only X (no cycle among the document's own topics).
    set(&app, &admin, &o[0], &[&t[0]]).await;
    let mut doc = doc1.clone();
    topic_mut(&mut doc, &tk[0])["prerequisites"] = json!([tk[3]]);
    topic_mut(&mut doc, &tk[3])["prerequisites"] = json!([key_of(&o[0])]);
    let (code, _, msg) = fails(&app, &admin, IMPORT, replace(doc)).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        msg.contains(&format!("topic `{}`", tk[0])) && msg.contains("“A” → “D” → “X” → “A”"),
        "{msg}"
    );
    // Nothing was written by any of them.
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM topic_prerequisites").await,
        before + 1
    );
    assert_eq!(needs(&app, &admin, &t[0]).await, vec![]);
}

#[tokio::test]
async fn a_fork_copies_prerequisites_onto_its_own_topics() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (t, o) = world(&app, &admin).await;
    // D also needs a topic of a roadmap the forker cannot read: that one stays behind.
    let (_, hidden) = roadmap_of(&app, &admin, "travel-hidden", Some("PRIVATE"), &["H"]).await;
    set(&app, &admin, &t[3], &[&o[0], &t[2], &hidden[0]]).await;
    let ada = app.signup("ada").await.access_token;
    let seen = ok(
        &app,
        &ada,
        "{ roadmap(slug: \"travel-hidden\") { slug } }",
        json!({}),
    )
    .await;
    assert!(seen["roadmap"].is_null(), "{seen}");

    let source = ok(
        &app,
        &ada,
        "{ roadmap(slug: \"travel\") { id } }",
        json!({}),
    )
    .await;
    let fork =
        ok(&app, &ada, FORK, json!({ "id": source["roadmap"]["id"] })).await["forkRoadmap"].clone();
    let slug = fork["slug"].as_str().unwrap();
    let topics = fork["topics"].as_array().unwrap();
    let copy_of = |title: &str| topics.iter().find(|x| x["title"] == title).unwrap().clone();
    let read = |topic: &Value| -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = topic["prerequisites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["title"].as_str().unwrap().to_owned(),
                    p["roadmap"]["slug"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        out.sort();
        out
    };
    // Among the copied topics: the copies, by the fork's keys.
    let c = copy_of("C");
    assert_eq!(read(&c), pairs(&[("A", slug), ("B", slug)]));
    for p in c["prerequisites"].as_array().unwrap() {
        assert!(!t.iter().any(|id| p["key"] == json!(key_of(id))), "{c}");
    }
    // On another roadmap the forker may read: kept as it is; on one they may not: left out.
    assert_eq!(
        read(&copy_of("D")),
        pairs(&[("C", slug), ("X", "travel-other")])
    );
    assert_eq!(read(&copy_of("A")), vec![]);
    // Four edges copied (C: 2, D: 2 of 3); the source keeps its own.
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM topic_prerequisites").await,
        5 + 4
    );
    assert_eq!(
        needs(&app, &admin, &t[3]).await,
        pairs(&[
            ("C", "travel"),
            ("H", "travel-hidden"),
            ("X", "travel-other")
        ])
    );
}
