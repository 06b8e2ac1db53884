//! `roadmap-api generate`: the benchmark data set, written through the CLI into a fresh database
//! and read back over HTTP as a client sees it.
use serde_json::{json, Value};

use crate::helpers::*;

const TREE: &str = r#"query($slug: String!) { roadmap(slug: $slug) { slug title topicCount
    topics { ...T children { ...T children { ...T children { id } } } } } }
fragment T on Topic { id title kind legend resources { kind title url } }"#;

/// (topics, resources, deepest level) of a topic list, levels counted from 1.
fn shape(topics: &Value, level: usize) -> (usize, usize, usize) {
    let mut out = (0, 0, 0);
    for t in topics.as_array().into_iter().flatten() {
        out.0 += 1;
        out.1 += t["resources"].as_array().map_or(0, Vec::len);
        out.2 = out.2.max(level);
        let (n, r, d) = shape(&t["children"], level + 1);
        out.0 += n;
        out.1 += r;
        out.2 = out.2.max(d);
    }
    out
}

async fn total_roadmaps(app: &TestApp) -> i64 {
    let body = app
        .gql("{ roadmaps(first: 1) { totalCount } }", json!({}))
        .await;
    body["data"]["roadmaps"]["totalCount"]
        .as_i64()
        .unwrap_or_else(|| panic!("{body}"))
}

#[tokio::test]
async fn generates_the_stated_data_set_deterministically_and_only_once() {
    let a = spawn_app().await;
    let b = spawn_app().await;
    let seeded = total_roadmaps(&a).await;
    for app in [&a, &b] {
        let out = app.cli(&["generate", "--users", "30", "--progress", "3000"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // 91 roadmaps beside the seeded ones; the largest exactly 301 topics and 692 resources,
    // nested at most three levels.
    assert_eq!(total_roadmaps(&a).await, seeded + 91);
    let tree = a.gql(TREE, json!({ "slug": "gen-000" })).await;
    assert!(tree.get("errors").is_none(), "{tree}");
    let roadmap = &tree["data"]["roadmap"];
    let (topics, resources, depth) = shape(&roadmap["topics"], 1);
    assert_eq!((topics, resources), (301, 692), "{}", roadmap["title"]);
    assert_eq!(roadmap["topicCount"], 301);
    assert!(depth <= 3, "nested {depth} levels");

    // Same seed, same data: the other database holds the very same tree.
    let other = b.gql(TREE, json!({ "slug": "gen-000" })).await;
    assert_eq!(tree, other);

    // Generated learners can sign in; user1 has progress on 50 roadmaps at every scale.
    let signed = a.sign_in("user1@bench.example", "bench-password-123").await;
    let token = signed["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{signed}"))
        .to_owned();
    let mine = a
        .gql_as(
            &token,
            "{ me { progress(first: 50) { totalCount edges { node { done learning skipped total } } } } }",
            json!({}),
        )
        .await;
    let progress = &mine["data"]["me"]["progress"];
    assert_eq!(progress["totalCount"], 50, "{mine}");
    for edge in progress["edges"].as_array().into_iter().flatten() {
        let n = &edge["node"];
        let set = ["done", "learning", "skipped"]
            .iter()
            .map(|k| n[k].as_i64().unwrap_or(0))
            .sum::<i64>();
        assert!(set > 0 && set <= n["total"].as_i64().unwrap_or(0), "{n}");
    }

    // A second run into the same database is refused and writes nothing.
    let again = a.cli(&["generate", "--users", "1", "--progress", "0"]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds generated data"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(total_roadmaps(&a).await, seeded + 91);
}
