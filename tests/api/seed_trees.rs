//! The shipped skill and role roadmaps beyond Backend (the ten in `SHIPPED`) carry a real topic tree: no empty shelf in the catalogue, every topic described,
//! every leaf with https resources, and a subject repeated in one roadmap (`sameAs`) counted once.
use std::collections::HashMap;

use serde_json::{json, Value};

use crate::helpers::progress::*;
use crate::helpers::*;

/// The roadmaps this file covers, with the number of topics that repeat another of their own
/// topics (`sameAs` in data/roadmaps/<slug>.json).
const SHIPPED: [(&str, i64); 10] = [
    ("devops", 0),
    ("docker", 1),
    ("full-stack", 0),
    ("golang", 1),
    ("java", 0),
    ("javascript", 0),
    ("nodejs", 0),
    ("postgresql-dba", 1),
    ("python", 0),
    ("system-design", 1),
];

const TREE: &str = r#"
query SeedTree($slug: String!) {
  roadmap(slug: $slug) {
    slug hasTopics topicCount official
    myProgress { done total }
    topics { ...T children { ...T children { ...T children { ...T } } } }
  }
}
fragment T on Topic {
  id key kind title description depth myStatus
  sameAs { key }
  resources { kind title url }
}"#;

async fn tree(app: &TestApp, token: &str, slug: &str) -> Value {
    let body = app.gql_as(token, TREE, json!({ "slug": slug })).await;
    ok(&body)["roadmap"].clone()
}

#[tokio::test]
async fn shipped_roadmaps_have_described_topic_trees() {
    let app = spawn_app().await;
    let learner = app.signup("shelf-reader").await;
    for (slug, repeats) in SHIPPED {
        let r = tree(&app, &learner.access_token, slug).await;
        assert_eq!(r["official"], true, "{slug}");
        assert_eq!(r["hasTopics"], true, "{slug}");
        let mut all = Vec::new();
        walk(&r["topics"], &mut all);
        let count = all.len() as i64;
        assert_eq!(count, r["topicCount"].as_i64().unwrap(), "{slug}");
        assert!((50..=80).contains(&count), "{slug}: {count} topics");
        // Progress counts a repeated subject once.
        assert_eq!(r["myProgress"]["total"], count - repeats, "{slug}");

        let mut by_title: HashMap<&str, Vec<&Value>> = HashMap::new();
        for t in &all {
            let title = t["title"].as_str().unwrap();
            let kind = if t["depth"] == 0 { "TOPIC" } else { "SUBTOPIC" };
            assert_eq!(t["kind"], kind, "{slug}: {title}");
            let description = t["description"].as_str().unwrap();
            assert!(
                description.len() >= 80,
                "{slug}: {title} is barely described"
            );
            let resources = t["resources"].as_array().unwrap();
            let leaf = t["children"].as_array().is_none_or(|c| c.is_empty());
            if leaf {
                assert!(
                    (1..=3).contains(&resources.len()),
                    "{slug}: {title} has {} resources",
                    resources.len()
                );
            }
            for res in resources {
                let url = res["url"].as_str().unwrap();
                assert!(url.starts_with("https://"), "{slug}: {title}: {url}");
            }
            by_title.entry(title).or_default().push(t);
        }
        // A title that appears twice is one subject: the second points at the first.
        for (title, same) in by_title.iter().filter(|(_, v)| v.len() > 1) {
            assert_eq!(
                same.len(),
                2,
                "{slug}: {title} appears {} times",
                same.len()
            );
            let linked = same
                .iter()
                .filter(|t| !t["sameAs"].is_null())
                .map(|t| &t["sameAs"]["key"])
                .collect::<Vec<_>>();
            assert_eq!(linked.len(), 1, "{slug}: {title} repeated without sameAs");
            assert!(
                same.iter().any(|t| &t["key"] == linked[0]),
                "{slug}: {title} points elsewhere"
            );
        }
        let linked = all.iter().filter(|t| !t["sameAs"].is_null()).count() as i64;
        assert_eq!(linked, repeats, "{slug}");
    }
}

#[tokio::test]
async fn a_repeated_subject_shares_its_status_and_counts_once() {
    let app = spawn_app().await;
    let learner = app.signup("repeat-learner").await;
    let t = &learner.access_token;
    for slug in ["postgresql-dba", "system-design"] {
        let r = tree(&app, t, slug).await;
        let mut all = Vec::new();
        walk(&r["topics"], &mut all);
        let repeat = all
            .iter()
            .find(|x| !x["sameAs"].is_null())
            .unwrap_or_else(|| panic!("{slug} has no repeated subject"));
        let original_key = repeat["sameAs"]["key"].clone();
        app.set_topic_status(t, repeat["id"].as_str().unwrap(), "DONE")
            .await;

        let r = tree(&app, t, slug).await;
        let mut all = Vec::new();
        walk(&r["topics"], &mut all);
        let original = all.iter().find(|x| x["key"] == original_key).unwrap();
        assert_eq!(original["myStatus"], "DONE", "{slug}");
        assert_eq!(r["myProgress"]["done"], 1, "{slug}");
    }
}
