//! The read API over the seeded catalogue: connections, lookups, the full tree, and bounded SQL.
use serde_json::{json, Value};

use crate::helpers::*;

const TREE: &str = r#"
query Tree($slug: String!) {
  roadmap(slug: $slug) {
    id slug title briefTitle order kind status tags topicCount
    seo { title keywords } sitemap { priority changeFrequency }
    structuredData { headline datePublished dateModified }
    question { title description }
    relatedRoadmaps { slug title }
    topics { ...T children { ...T children { ...T children { ...T } } } }
  }
}
fragment T on Topic {
  id key kind title description legend position depth
  resources { id kind title url }
}"#;

#[tokio::test]
async fn backend_roadmap_full_tree() {
    let app = spawn_app().await;
    let body = app.gql(TREE, json!({ "slug": "backend" })).await;
    assert!(body.get("errors").is_none(), "{body}");
    let r = &body["data"]["roadmap"];
    assert_eq!(r["title"], "Backend Developer");
    assert_eq!(r["briefTitle"], "Backend");
    assert_eq!(r["order"], 2);
    assert_eq!(r["kind"], "ROLE");
    assert_eq!(r["sitemap"]["priority"], 1.0);
    assert_eq!(r["sitemap"]["changeFrequency"], "MONTHLY");
    assert!(!r["seo"]["keywords"].as_array().unwrap().is_empty());
    let related: Vec<&str> = r["relatedRoadmaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["slug"].as_str().unwrap())
        .collect();
    for slug in [
        "docker",
        "devops",
        "system-design",
        "python",
        "nodejs",
        "postgresql-dba",
    ] {
        assert!(
            related.contains(&slug),
            "missing related {slug}: {related:?}"
        );
    }

    let roots = r["topics"].as_array().unwrap();
    assert!(roots.len() >= 15, "only {} root topics", roots.len());
    let mut all = Vec::new();
    walk(&r["topics"], &mut all);
    assert_eq!(all.len() as i64, r["topicCount"].as_i64().unwrap());
    assert!(
        all.len() - roots.len() >= 80,
        "only {} subtopics",
        all.len() - roots.len()
    );
    for (i, t) in roots.iter().enumerate() {
        assert_eq!(t["position"], i as i64);
        assert_eq!(t["kind"], "TOPIC");
        assert_eq!(t["depth"], 0);
    }
    // Leaves carry 1-4 resources, all http(s).
    for t in &all {
        let leaf = t["children"].as_array().is_none_or(|c| c.is_empty());
        let n = t["resources"].as_array().unwrap().len();
        if leaf {
            assert!((1..=4).contains(&n), "{} has {n} resources", t["title"]);
        }
        for res in t["resources"].as_array().unwrap() {
            assert!(res["url"].as_str().unwrap().starts_with("http"));
        }
        assert!(
            t["description"].as_str().unwrap().len() > 40,
            "{}",
            t["title"]
        );
    }
    // Nesting where it belongs: APIs → Authentication → JWT.
    let jwt = all
        .iter()
        .find(|t| t["title"].as_str().unwrap().contains("JWT"))
        .expect("a JWT topic");
    assert_eq!(jwt["depth"], 2);
}

#[tokio::test]
async fn topic_lookup_parent_children_and_breadcrumb() {
    let app = spawn_app().await;
    let body = app.gql(TREE, json!({ "slug": "backend" })).await;
    let mut all = Vec::new();
    walk(&body["data"]["roadmap"]["topics"], &mut all);
    let deep = all
        .iter()
        .find(|t| t["depth"] == 2)
        .expect("a depth-2 topic");
    let q = r#"query($id: ID!) { topic(id: $id) { id title parent { title parent { title } }
        path { title } roadmap { slug } children { id } } }"#;
    let body = app.gql(q, json!({ "id": deep["id"] })).await;
    let t = &body["data"]["topic"];
    assert_eq!(t["title"], deep["title"]);
    assert_eq!(t["roadmap"]["slug"], "backend");
    let path = t["path"].as_array().unwrap();
    assert_eq!(path.len(), 3);
    assert_eq!(path[2]["title"], deep["title"]);
    assert_eq!(path[1]["title"], t["parent"]["title"]);
    assert_eq!(path[0]["title"], t["parent"]["parent"]["title"]);

    // node(id:) resolves every kind of global id.
    let q = r#"query($a: ID!, $b: ID!, $c: ID!) {
        a: node(id: $a) { id __typename ... on Topic { title } }
        b: node(id: $b) { id __typename ... on Roadmap { slug } }
        c: node(id: $c) { id __typename ... on Resource { url } } }"#;
    let road = app
        .gql("{ roadmap(slug: \"backend\") { id } }", json!({}))
        .await;
    let vars = json!({ "a": deep["id"], "b": road["data"]["roadmap"]["id"], "c": deep["resources"][0]["id"] });
    let body = app.gql(q, vars).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["a"]["__typename"], "Topic");
    assert_eq!(body["data"]["b"]["slug"], "backend");
    assert_eq!(body["data"]["c"]["__typename"], "Resource");
}

#[tokio::test]
async fn lookups_of_missing_and_malformed_ids() {
    let app = spawn_app().await;
    let body = app
        .gql("{ roadmap(slug: \"no-such-thing\") { id } }", json!({}))
        .await;
    assert!(body.get("errors").is_none());
    assert!(body["data"]["roadmap"].is_null());

    // Well-formed id of a topic that does not exist: null, no error.
    let missing = "VG9waWM6bm9wZW5vcGU"; // Topic:nopenope
    let body = app.gql(ops::TOPIC_ID, json!({ "id": missing })).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(body["data"]["topic"].is_null());

    for bad in ["not-an-id", "", "Um9hZG1hcDox"] {
        // The last one is a Roadmap id passed where a Topic id is expected.
        let body = app.gql(ops::TOPIC_ID, json!({ "id": bad })).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{bad}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "id");
    }
    let body = app.gql("{ node(id: \"%%%\") { id } }", json!({})).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn roadmaps_connection_pages_filters_and_limits() {
    let app = spawn_app().await;
    let q = r#"query($first: Int, $after: String, $kind: RoadmapKind, $tag: String) {
        roadmaps(first: $first, after: $after, kind: $kind, tag: $tag) {
          totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
          edges { cursor node { slug order kind tags } } } }"#;
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let total;
    loop {
        let body = app.gql(q, json!({ "first": 3, "after": after })).await;
        let c = &body["data"]["roadmaps"];
        let page_total = c["totalCount"].as_u64().unwrap();
        for e in c["edges"].as_array().unwrap() {
            seen.push((
                e["node"]["order"].as_i64().unwrap(),
                e["node"]["slug"].as_str().unwrap().to_owned(),
            ));
        }
        if !c["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            total = page_total;
            break;
        }
        after = c["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len() as u64, total);
    assert!(total >= 11);
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "not ordered: {seen:?}"
    );
    assert_eq!(seen.iter().filter(|s| s.1 == "backend").count(), 1);

    let body = app.gql(q, json!({ "first": 100, "kind": "SKILL" })).await;
    let edges = body["data"]["roadmaps"]["edges"].as_array().unwrap();
    assert!(!edges.is_empty());
    assert!(edges.iter().all(|e| e["node"]["kind"] == "SKILL"));

    let body = app
        .gql(q, json!({ "first": 100, "tag": "role-roadmap" }))
        .await;
    let edges = body["data"]["roadmaps"]["edges"].as_array().unwrap();
    assert!(edges.iter().any(|e| e["node"]["slug"] == "backend"));
    assert!(edges.iter().all(|e| e["node"]["tags"]
        .as_array()
        .unwrap()
        .contains(&json!("role-roadmap"))));

    for first in [101, 0, -1] {
        let body = app.gql(q, json!({ "first": first })).await;
        assert_eq!(
            error_code(&body),
            Some("BAD_USER_INPUT"),
            "first={first}: {body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], "first");
    }
    let body = app.gql(q, json!({ "first": 1, "after": "garbage" })).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
}

/// Builds a roadmap document with `roots` × `per` × `per2` topics, three levels deep.
fn generated_document(slug: &str, roots: usize, per: usize, per2: usize) -> Value {
    let mut topics = Vec::new();
    for i in 0..roots {
        let mut children = Vec::new();
        for j in 0..per {
            let mut grand = Vec::new();
            for k in 0..per2 {
                grand.push(json!({ "id": format!("{slug}-{i}-{j}-{k}"), "kind": "SUBTOPIC",
                    "title": format!("Leaf {i}.{j}.{k}"), "description": "A generated leaf topic.",
                    "legend": null, "children": [],
                    "resources": [{ "kind": "ARTICLE", "title": "Read", "url": format!("https://example.org/{i}/{j}/{k}") },
                                  { "kind": "VIDEO", "title": "Watch", "url": format!("https://example.org/v/{i}/{j}/{k}") }] }));
            }
            children.push(json!({ "id": format!("{slug}-{i}-{j}"), "kind": "SUBTOPIC",
                "title": format!("Sub {i}.{j}"), "description": "Generated.", "legend": "ALTERNATIVE",
                "resources": [{ "kind": "OFFICIAL", "title": "Docs", "url": "https://example.org/docs" }],
                "children": grand }));
        }
        topics.push(
            json!({ "id": format!("{slug}-{i}"), "kind": "TOPIC", "title": format!("Topic {i}"),
            "description": "Generated.", "legend": null, "resources": [], "children": children }),
        );
    }
    json!({ "format": "roadmap-api/roadmap@1",
        "roadmap": { "slug": slug, "title": "Generated", "briefTitle": "Gen", "description": "Generated roadmap.",
            "briefDescription": "Generated.", "order": 99, "kind": "SKILL", "tags": ["generated"],
            "relatedRoadmaps": ["backend", "docker"] },
        "topics": topics })
}

#[tokio::test]
async fn whole_tree_costs_a_fixed_number_of_statements() {
    // Caches off: every read goes to the database, so what is counted is the loaders' batching
    // (tests/api/cache.rs covers the cached path). With the caches on, a content-version
    // notification landing between warm-up and measurement made the count flaky.
    let app = spawn_app_with(|s| {
        s.cache.tree_cache = false;
        s.cache.response_cache_bytes = 0;
    })
    .await;
    let seeded = app.gql(TREE, json!({ "slug": "backend" })).await;
    let mut all = Vec::new();
    walk(&seeded["data"]["roadmap"]["topics"], &mut all);
    let seeded_topics = all.len();

    // A generated roadmap at least 5× the size of the seeded one, imported through the CLI.
    let per = 6;
    let roots = (seeded_topics * 5).div_ceil(per * per + per + 1) + 1;
    let doc = generated_document("generated", roots, per, per);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("generated.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = app.cli(&["import", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut counts = Vec::new();
    for slug in ["backend", "generated"] {
        let before = app.metric("roadmap_db_statements_total").await;
        let body = app.gql(TREE, json!({ "slug": slug })).await;
        let after = app.metric("roadmap_db_statements_total").await;
        assert!(body.get("errors").is_none(), "{body}");
        let mut all = Vec::new();
        walk(&body["data"]["roadmap"]["topics"], &mut all);
        counts.push((slug, all.len(), (after - before) as u64));
    }
    println!("statements per whole-tree query: {counts:?}");
    assert!(
        counts[1].1 >= 5 * counts[0].1,
        "generated roadmap too small: {counts:?}"
    );
    assert_eq!(
        counts[0].2, counts[1].2,
        "SQL grows with the tree: {counts:?}"
    );
    assert!(counts[0].2 <= 6, "too many statements: {counts:?}");
}

#[tokio::test]
async fn import_cli_refuses_bad_documents_and_duplicates() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let mut doc = generated_document("dup-test", 1, 1, 1);
    doc["topics"][0]["children"][0]["id"] = json!("dup-test-0");
    let path = dir.path().join("bad.json");
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let out = app.cli(&["import", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("duplicate topic id `dup-test-0`"), "{text}");

    // Same slug as the seeded roadmap: refused, nothing written.
    let mut doc = generated_document("backend", 1, 1, 1);
    doc["roadmap"]["relatedRoadmaps"] = json!([]);
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let out = app.cli(&["import", path.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("already exists"));
    let body = app
        .gql("{ roadmap(slug: \"backend\") { title } }", json!({}))
        .await;
    assert_eq!(body["data"]["roadmap"]["title"], "Backend Developer");
}
