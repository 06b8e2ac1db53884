//! What the learner progress tests have in common.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use super::{ops, walk, TestApp};

/// Every topic of a roadmap as (global id, key), in tree order, plus the roadmap's global id.
pub async fn topics_of(app: &TestApp, slug: &str) -> (String, Vec<(String, String)>) {
    let body = app.gql(ops::MY_TREE, json!({ "slug": slug })).await;
    assert!(body.get("errors").is_none(), "{body}");
    let mut all = Vec::new();
    walk(&body["data"]["roadmap"]["topics"], &mut all);
    let ids = all
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_owned(),
                t["key"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (
        body["data"]["roadmap"]["id"].as_str().unwrap().to_owned(),
        ids,
    )
}

/// Imports a generated roadmap of about `n` topics through the CLI.
pub async fn import_generated(app: &TestApp, slug: &str, n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{slug}.json"));
    std::fs::write(
        &path,
        serde_json::to_vec(&generated_document(slug, n)).unwrap(),
    )
    .unwrap();
    let out = app.cli(&["import", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The numeric id behind a global id (`base64("User:7")` → 7).
pub fn numeric_id(global: &str) -> i64 {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(global).unwrap()).unwrap();
    raw.split_once(':').unwrap().1.parse().unwrap()
}

pub fn ok(body: &Value) -> &Value {
    assert!(body.get("errors").is_none(), "{body}");
    &body["data"]
}

/// A roadmap document with about `n` topics, three levels deep.
pub fn generated_document(slug: &str, n: usize) -> Value {
    let per = 6;
    let roots = n.div_ceil(1 + per + per * per) + 1;
    let mut topics = Vec::new();
    for i in 0..roots {
        let mut children = Vec::new();
        for j in 0..per {
            let grand: Vec<Value> = (0..per)
                .map(|k| {
                    json!({ "id": format!("{slug}-{i}-{j}-{k}"), "kind": "SUBTOPIC",
                    "title": format!("Leaf {i}.{j}.{k}"), "description": "Generated.",
                    "resources": [], "children": [] })
                })
                .collect();
            children.push(json!({ "id": format!("{slug}-{i}-{j}"), "kind": "SUBTOPIC",
                "title": format!("Sub {i}.{j}"), "description": "Generated.", "resources": [],
                "children": grand }));
        }
        topics.push(json!({ "id": format!("{slug}-{i}"), "kind": "TOPIC",
            "title": format!("Topic {i}"), "description": "Generated.", "resources": [],
            "children": children }));
    }
    json!({ "format": "roadmap-api/roadmap@1",
        "roadmap": { "slug": slug, "title": format!("Generated {slug}"), "briefTitle": "Gen",
            "description": "Generated roadmap.", "briefDescription": "Generated.", "order": 99,
            "kind": "SKILL", "tags": [], "relatedRoadmaps": [] },
        "topics": topics })
}

impl TestApp {
    /// `setTopicStatus` as `token`; the payload (errors fail the test).
    pub async fn set_topic_status(&self, token: &str, topic_id: &str, status: &str) -> Value {
        let body = self
            .gql_as(
                token,
                ops::SET_TOPIC_STATUS,
                json!({ "id": topic_id, "s": status }),
            )
            .await;
        ok(&body)["setTopicStatus"].clone()
    }

    /// The viewer's `myProgress` on a roadmap.
    pub async fn my_progress(&self, token: &str, slug: &str) -> Value {
        let body = self
            .gql_as(token, ops::MY_ROADMAP_PROGRESS, json!({ "slug": slug }))
            .await;
        ok(&body)["roadmap"]["myProgress"].clone()
    }

    /// The first `first` rows of the viewer's `me.progress`.
    pub async fn my_dashboard(&self, token: &str, first: i64) -> Vec<Value> {
        let body = self
            .gql_as(token, ops::MY_DASHBOARD, json!({ "first": first }))
            .await;
        ok(&body)["me"]["progress"]["edges"]
            .as_array()
            .unwrap()
            .clone()
    }
}
