//! What the admin (catalogue editing and import/export) tests have in common.
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use base64::Engine;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use super::{ops, TestApp};

/// Runs a request that must succeed and returns its `data`.
pub async fn ok(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    let body = app.gql_as(token, query, vars).await;
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    body["data"].clone()
}

/// Runs a request that must fail; returns (code, field, message) of the first error.
pub async fn fails(
    app: &TestApp,
    token: &str,
    query: &str,
    vars: Value,
) -> (String, String, String) {
    let body = app.gql_as(token, query, vars).await;
    let e = &body["errors"][0];
    assert!(e.is_object(), "expected an error: {body}");
    (
        e["extensions"]["code"].as_str().unwrap_or("").to_owned(),
        e["extensions"]["field"].as_str().unwrap_or("").to_owned(),
        e["message"].as_str().unwrap_or("").to_owned(),
    )
}

pub fn new_roadmap(slug: &str) -> Value {
    json!({ "slug": slug, "title": format!("{slug} roadmap"), "briefTitle": slug,
            "description": "What this roadmap covers.", "briefDescription": "Short.",
            "kind": "SKILL", "tags": ["testing"], "seo": { "title": "SEO", "keywords": ["a", "b"] },
            "pdfUrl": "https://example.org/x.pdf" })
}

pub async fn create_roadmap(app: &TestApp, admin: &str, slug: &str) -> Value {
    ok(
        app,
        admin,
        ops::CREATE_ROADMAP,
        json!({ "i": new_roadmap(slug) }),
    )
    .await["createRoadmap"]
        .clone()
}

pub async fn create_topic(
    app: &TestApp,
    admin: &str,
    roadmap: &Value,
    parent: Option<&Value>,
    position: Option<i64>,
    title: &str,
) -> Value {
    ok(
        app,
        admin,
        ops::CREATE_TOPIC,
        json!({ "r": roadmap["id"], "p": parent.map(|p| p["id"].clone()), "pos": position,
                "i": { "title": title, "description": format!("About {title}.") } }),
    )
    .await["createTopic"]
        .clone()
}

/// Keys of a topic's children, in order, read fresh.
pub async fn children_keys(
    app: &TestApp,
    token: &str,
    slug: &str,
    parent: Option<&str>,
) -> Vec<String> {
    let body = ok(
        app,
        token,
        "query($s: String!) { roadmap(slug: $s) { topics { key position children { key position
           children { key position } } } } }",
        json!({ "s": slug }),
    )
    .await;
    fn find<'a>(list: &'a Value, key: &str) -> Option<&'a Value> {
        for t in list.as_array()? {
            if t["key"] == key {
                return Some(t);
            }
            if let Some(f) = find(&t["children"], key) {
                return Some(f);
            }
        }
        None
    }
    let roots = &body["roadmap"]["topics"];
    let list = match parent {
        None => roots,
        Some(p) => &find(roots, p).expect("parent in tree")["children"],
    };
    let list = list.as_array().cloned().unwrap_or_default();
    for (i, t) in list.iter().enumerate() {
        assert_eq!(t["position"], i as i64, "positions not dense: {list:?}");
    }
    list.iter()
        .map(|t| t["key"].as_str().unwrap().to_owned())
        .collect()
}

pub fn user_number(global_id: &str) -> i32 {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global_id)
        .expect("base64 id");
    String::from_utf8(raw)
        .unwrap()
        .strip_prefix("User:")
        .unwrap()
        .parse()
        .unwrap()
}

pub async fn roadmap_row(app: &TestApp, slug: &str) -> entity::roadmaps::Model {
    let db = app.db.connect().await;
    entity::roadmaps::Entity::find()
        .filter(entity::roadmaps::Column::Slug.eq(slug))
        .filter(entity::roadmaps::Column::DeletedAt.is_null())
        .one(&db)
        .await
        .unwrap()
        .expect("roadmap row")
}

/// Marks every live topic of a roadmap DONE for a learner (directly in the database).
pub async fn record_progress(
    app: &TestApp,
    user_id: i32,
    roadmap_id: entity::ids::RoadmapId,
    keys: &[String],
) {
    let db = app.db.connect().await;
    let now = chrono::Utc::now();
    let rows: Vec<entity::progress::ActiveModel> = keys
        .iter()
        .map(|k| entity::progress::ActiveModel {
            user_id: Set(entity::ids::UserId(user_id)),
            topic_id: Set(entity::ids::TopicKey(k.clone())),
            roadmap_id: Set(roadmap_id),
            status: Set(entity::enums::ProgressStatus::Done),
            updated_at: Set(now),
            changed_at: Set(Some(now)),
            archived_at: Set(None),
        })
        .collect();
    for chunk in rows.chunks(200) {
        entity::progress::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&db)
            .await
            .unwrap();
    }
}

pub async fn live_topic_keys(app: &TestApp, roadmap_id: entity::ids::RoadmapId) -> HashSet<String> {
    let db = app.db.connect().await;
    entity::topics::Entity::find()
        .filter(entity::topics::Column::RoadmapId.eq(roadmap_id))
        .filter(entity::topics::Column::DeletedAt.is_null())
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id.0)
        .collect()
}

pub async fn progress_rows(app: &TestApp, user_id: i32) -> Vec<entity::progress::Model> {
    let db = app.db.connect().await;
    entity::progress::Entity::find()
        .filter(entity::progress::Column::UserId.eq(user_id))
        .all(&db)
        .await
        .unwrap()
}

pub fn ts(v: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().expect("a timestamp")).expect("RFC 3339")
}

pub fn read_folder(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in walkdir(dir) {
        let rel = entry
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        out.insert(rel, std::fs::read_to_string(&entry).unwrap());
    }
    out
}

pub fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walkdir(&p));
        } else {
            out.push(p);
        }
    }
    out
}

pub fn run_ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "CLI failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
