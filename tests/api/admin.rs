//! Admin editing over HTTP: roadmap, topic and resource mutations, drafts, revisions, optimistic
//! concurrency, soft deletes that keep learners' progress, and import/export in both formats.
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use base64::Engine;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::helpers::*;

const ROADMAP_FIELDS: &str = "id slug title briefTitle description status version order tags
    pdfUrl updatedAt seo { title keywords } structuredData { headline dateModified }
    relatedRoadmaps { slug } topicCount";
const TOPIC_FIELDS: &str = "id key title description kind legend position version depth
    parent { key } children { key position } resources { id kind title url position }";

fn create_q() -> String {
    format!(
        "mutation($i: CreateRoadmapInput!) {{ createRoadmap(input: $i) {{ {ROADMAP_FIELDS} }} }}"
    )
}
fn update_q() -> String {
    format!(
        "mutation($id: ID!, $i: UpdateRoadmapInput!, $v: Int) {{
           updateRoadmap(id: $id, input: $i, expectedVersion: $v) {{ {ROADMAP_FIELDS} }} }}"
    )
}
fn create_topic_q() -> String {
    format!(
        "mutation($r: ID!, $p: ID, $pos: Int, $i: CreateTopicInput!) {{
           createTopic(roadmapId: $r, parentId: $p, position: $pos, input: $i) {{ {TOPIC_FIELDS} }} }}"
    )
}
fn update_topic_q() -> String {
    format!(
        "mutation($id: ID!, $i: UpdateTopicInput!, $v: Int) {{
           updateTopic(id: $id, input: $i, expectedVersion: $v) {{ {TOPIC_FIELDS} }} }}"
    )
}
fn move_topic_q() -> String {
    format!(
        "mutation($id: ID!, $p: ID, $pos: Int, $v: Int) {{
           moveTopic(id: $id, newParentId: $p, position: $pos, expectedVersion: $v) {{ {TOPIC_FIELDS} }} }}"
    )
}
const DELETE_TOPIC: &str =
    "mutation($id: ID!) { deleteTopic(id: $id) { deletedTopicIds roadmap { topicCount } } }";
const DELETE_ROADMAP: &str = "mutation($id: ID!, $f: Boolean) {
    deleteRoadmap(id: $id, force: $f) { deletedRoadmapId slug archivedProgress } }";
const EXPORT: &str = "query($s: String!) { exportRoadmap(slug: $s) { slug json document
    markdownFiles { path content } } }";
const IMPORT: &str = "mutation($d: JSON, $f: [RoadmapFileInput!], $m: ImportMode) {
    importRoadmap(document: $d, files: $f, mode: $m) { slug created roadmapChanged topicsAdded
      topicsChanged topicsRemoved topicsReordered resourcesAdded resourcesRemoved addedTopicIds
      changedTopicIds removedTopicIds roadmap { slug topicCount } } }";

/// Runs a request that must succeed and returns its `data`.
async fn ok(app: &TestApp, token: &str, query: &str, vars: Value) -> Value {
    let body = app.gql_as(token, query, vars).await;
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    body["data"].clone()
}

/// Runs a request that must fail; returns (code, field, message) of the first error.
async fn fails(app: &TestApp, token: &str, query: &str, vars: Value) -> (String, String, String) {
    let body = app.gql_as(token, query, vars).await;
    let e = &body["errors"][0];
    assert!(e.is_object(), "expected an error: {body}");
    (
        e["extensions"]["code"].as_str().unwrap_or("").to_owned(),
        e["extensions"]["field"].as_str().unwrap_or("").to_owned(),
        e["message"].as_str().unwrap_or("").to_owned(),
    )
}

fn new_roadmap(slug: &str) -> Value {
    json!({ "slug": slug, "title": format!("{slug} roadmap"), "briefTitle": slug,
            "description": "What this roadmap covers.", "briefDescription": "Short.",
            "kind": "SKILL", "tags": ["testing"], "seo": { "title": "SEO", "keywords": ["a", "b"] },
            "pdfUrl": "https://example.org/x.pdf" })
}

async fn create_roadmap(app: &TestApp, admin: &str, slug: &str) -> Value {
    ok(app, admin, &create_q(), json!({ "i": new_roadmap(slug) })).await["createRoadmap"].clone()
}

async fn create_topic(
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
        &create_topic_q(),
        json!({ "r": roadmap["id"], "p": parent.map(|p| p["id"].clone()), "pos": position,
                "i": { "title": title, "description": format!("About {title}.") } }),
    )
    .await["createTopic"]
        .clone()
}

/// Keys of a topic's children, in order, read fresh.
async fn children_keys(
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

fn user_number(global_id: &str) -> i32 {
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

async fn roadmap_row(app: &TestApp, slug: &str) -> entity::roadmaps::Model {
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
async fn record_progress(app: &TestApp, user_id: i32, roadmap_id: i32, keys: &[String]) {
    let db = app.db.connect().await;
    let now = chrono::Utc::now();
    let rows: Vec<entity::progress::ActiveModel> = keys
        .iter()
        .map(|k| entity::progress::ActiveModel {
            user_id: Set(user_id),
            topic_id: Set(k.clone()),
            roadmap_id: Set(roadmap_id),
            status: Set("DONE".into()),
            updated_at: Set(now),
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

async fn live_topic_keys(app: &TestApp, roadmap_id: i32) -> HashSet<String> {
    let db = app.db.connect().await;
    entity::topics::Entity::find()
        .filter(entity::topics::Column::RoadmapId.eq(roadmap_id))
        .filter(entity::topics::Column::DeletedAt.is_null())
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect()
}

async fn progress_rows(app: &TestApp, user_id: i32) -> Vec<entity::progress::Model> {
    let db = app.db.connect().await;
    entity::progress::Entity::find()
        .filter(entity::progress::Column::UserId.eq(user_id))
        .all(&db)
        .await
        .unwrap()
}

fn ts(v: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().expect("a timestamp")).expect("RFC 3339")
}

fn walk<'a>(topics: &'a Value, out: &mut Vec<&'a Value>) {
    for t in topics.as_array().into_iter().flatten() {
        out.push(t);
        walk(&t["children"], out);
    }
}

#[tokio::test]
async fn roadmaps_drafts_partial_updates_revisions_and_soft_delete() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let user = app.signup("learner1").await.access_token;

    let r = create_roadmap(&app, &admin, "rust").await;
    assert_eq!(r["status"], "DRAFT");
    assert_eq!(r["version"], 1);
    assert_eq!(r["tags"], json!(["testing"]));
    assert!(r["structuredData"]["dateModified"].is_string());

    // Drafts: admins only, on every read path.
    let q = "query($s: String!) { roadmap(slug: $s) { id } roadmaps(first: 100) { edges { node { slug } } } }";
    let listed = |d: &Value| {
        d["roadmaps"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["slug"] == "rust")
    };
    for token in [None, Some(user.as_str())] {
        let d = app.gql_with(token, q, json!({ "s": "rust" })).await["data"].clone();
        assert!(d["roadmap"].is_null() && !listed(&d), "draft visible: {d}");
        let n = app
            .gql_with(
                token,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": r["id"] }),
            )
            .await;
        assert!(n["data"]["node"].is_null(), "{n}");
    }
    let d = ok(&app, &admin, q, json!({ "s": "rust" })).await;
    assert!(d["roadmap"].is_object() && listed(&d));

    // Partial update: only what is given changes; null clears a nullable field.
    let before = r.clone();
    let u = ok(
        &app,
        &admin,
        &update_q(),
        json!({ "id": r["id"], "i": { "title": "Rust Developer", "pdfUrl": null, "status": "PUBLISHED" } }),
    )
    .await["updateRoadmap"]
        .clone();
    assert_eq!(u["title"], "Rust Developer");
    assert!(u["pdfUrl"].is_null());
    assert_eq!(u["status"], "PUBLISHED");
    assert_eq!(u["briefTitle"], before["briefTitle"]);
    assert_eq!(u["description"], before["description"]);
    assert_eq!(u["seo"], before["seo"]);
    assert_eq!(u["tags"], before["tags"]);
    assert_eq!(u["version"], 2);
    assert!(ts(&u["updatedAt"]) >= ts(&before["updatedAt"]));
    assert!(
        ts(&u["structuredData"]["dateModified"]) >= ts(&before["structuredData"]["dateModified"])
    );
    let (code, field, _) = fails(
        &app,
        &admin,
        &update_q(),
        json!({ "id": r["id"], "i": { "title": null } }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "title"));
    // Published now: learners see it.
    let d = app.gql_as(&user, q, json!({ "s": "rust" })).await;
    assert!(d["data"]["roadmap"].is_object(), "{d}");

    // Related roadmaps, in order; unknown slugs are refused.
    let rel = "mutation($id: ID!, $s: [String!]!) { setRelatedRoadmaps(id: $id, slugs: $s) { relatedRoadmaps { slug } version } }";
    let d = ok(
        &app,
        &admin,
        rel,
        json!({ "id": r["id"], "s": ["docker", "backend"] }),
    )
    .await;
    assert_eq!(
        d["setRelatedRoadmaps"]["relatedRoadmaps"],
        json!([{ "slug": "docker" }, { "slug": "backend" }])
    );
    let (code, field, _) = fails(
        &app,
        &admin,
        rel,
        json!({ "id": r["id"], "s": ["docker", "nope"] }),
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "slugs[1]")
    );

    // Revisions: who, which mutation, before and after. Admins only.
    let revs =
        "query($s: String!) { roadmap(slug: $s) { revisions(first: 10) { totalCount edges { node {
        mutation entityType actorName actorId diff createdAt } } } } }";
    let d = ok(&app, &admin, revs, json!({ "s": "rust" })).await;
    let edges = d["roadmap"]["revisions"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    let names: Vec<&str> = edges
        .iter()
        .map(|e| e["node"]["mutation"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["setRelatedRoadmaps", "updateRoadmap", "createRoadmap"]
    );
    let upd = &edges[1]["node"];
    assert!(upd["actorName"].as_str().unwrap().starts_with("admin"));
    assert!(upd["actorId"].is_string());
    assert_eq!(upd["diff"]["before"]["title"], "rust roadmap");
    assert_eq!(upd["diff"]["after"]["title"], "Rust Developer");
    assert_eq!(upd["diff"]["before"]["pdfUrl"], "https://example.org/x.pdf");
    assert!(upd["diff"]["after"]["pdfUrl"].is_null());
    assert!(
        upd["diff"]["before"].get("briefTitle").is_none(),
        "unchanged fields in the diff: {upd}"
    );
    for (token, code) in [
        (None, "UNAUTHENTICATED"),
        (Some(user.as_str()), "FORBIDDEN"),
    ] {
        let body = app.gql_with(token, revs, json!({ "s": "rust" })).await;
        assert_eq!(error_code(&body), Some(code), "{body}");
    }

    // Soft delete: hidden from every read (admins too); the slug is free again.
    let d = ok(&app, &admin, DELETE_ROADMAP, json!({ "id": r["id"] })).await;
    assert_eq!(d["deleteRoadmap"]["slug"], "rust");
    assert_eq!(d["deleteRoadmap"]["archivedProgress"], 0);
    let d = ok(&app, &admin, q, json!({ "s": "rust" })).await;
    assert!(d["roadmap"].is_null() && !listed(&d));
    let n = ok(
        &app,
        &admin,
        "query($id: ID!) { node(id: $id) { id } }",
        json!({ "id": r["id"] }),
    )
    .await;
    assert!(n["node"].is_null());
    let (code, _, _) = fails(&app, &admin, DELETE_ROADMAP, json!({ "id": r["id"] })).await;
    assert_eq!(code, "NOT_FOUND");
    let (code, _, _) = fails(
        &app,
        &admin,
        &update_q(),
        json!({ "id": r["id"], "i": { "title": "X" } }),
    )
    .await;
    assert_eq!(code, "NOT_FOUND");
    let again = create_roadmap(&app, &admin, "rust").await;
    assert_ne!(again["id"], r["id"]);
    // The deleted one is still in the database (soft delete).
    let db = app.db.connect().await;
    let rows = entity::roadmaps::Entity::find()
        .filter(entity::roadmaps::Column::Slug.eq("rust"))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows.iter().filter(|r| r.deleted_at.is_some()).count(), 1);
}

#[tokio::test]
async fn roadmap_bad_input_and_missing_objects() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = create_roadmap(&app, &admin, "bad-input").await;

    // Duplicate slug: CONFLICT naming `slug`, on create and on update.
    let (code, field, _) = fails(
        &app,
        &admin,
        &create_q(),
        json!({ "i": new_roadmap("backend") }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("CONFLICT", "slug"));
    let (code, field, _) = fails(
        &app,
        &admin,
        &update_q(),
        json!({ "id": r["id"], "i": { "slug": "docker" } }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("CONFLICT", "slug"));

    // Invalid slugs.
    for slug in ["Has Caps", "", "-dash", "under_score", &"x".repeat(65)] {
        let (code, field, _) =
            fails(&app, &admin, &create_q(), json!({ "i": new_roadmap(slug) })).await;
        assert_eq!(
            (code.as_str(), field.as_str()),
            ("BAD_USER_INPUT", "slug"),
            "{slug}"
        );
    }
    let (code, field, _) = fails(
        &app,
        &admin,
        &update_q(),
        json!({ "id": r["id"], "i": { "slug": "Nope!" } }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "slug"));

    // URLs that are not http(s).
    for (input, want) in [
        (json!({ "pdfUrl": "ftp://example.org/x.pdf" }), "pdfUrl"),
        (
            json!({ "sponsor": { "url": "javascript:alert(1)", "title": "S" } }),
            "sponsor.url",
        ),
        (
            json!({ "structuredData": { "imageUrl": "file:///etc/passwd" } }),
            "structuredData.imageUrl",
        ),
    ] {
        let (code, field, _) = fails(
            &app,
            &admin,
            &update_q(),
            json!({ "id": r["id"], "i": input }),
        )
        .await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", want));
    }
    let t = create_topic(&app, &admin, &r, None, None, "Topic").await;
    let add = "mutation($t: ID!, $i: ResourceInput!) { addResource(topicId: $t, input: $i) { resource { id } } }";
    let (code, field, _) = fails(&app, &admin, add,
        json!({ "t": t["id"], "i": { "kind": "ARTICLE", "title": "X", "url": "javascript:alert(1)" } })).await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "url"));
    let (code, field, _) = fails(&app, &admin, &create_topic_q(), json!({ "r": r["id"],
        "i": { "title": "T", "resources": [{ "kind": "VIDEO", "title": "V", "url": "mailto:a@b.c" }] } })).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "resources[0].url")
    );

    // Nothing was changed by the refused mutations.
    let d = ok(
        &app,
        &admin,
        "query { roadmap(slug: \"bad-input\") { slug pdfUrl version } }",
        json!({}),
    )
    .await;
    assert_eq!(
        d["roadmap"],
        json!({ "slug": "bad-input", "pdfUrl": "https://example.org/x.pdf", "version": 1 })
    );

    // Missing objects: NOT_FOUND.
    let gone_roadmap = "Um9hZG1hcDo5OTk5OTk"; // Roadmap:999999
    let gone_topic = "VG9waWM6bm9wZW5vcGVub3Bl"; // Topic:nopenopenope
    let gone_resource = "UmVzb3VyY2U6OTk5OTk5"; // Resource:999999
    let cases = [
        (update_q(), json!({ "id": gone_roadmap, "i": { "title": "X" } })),
        (DELETE_ROADMAP.to_owned(), json!({ "id": gone_roadmap })),
        ("mutation($id: ID!) { setRelatedRoadmaps(id: $id, slugs: []) { id } }".to_owned(), json!({ "id": gone_roadmap })),
        (create_topic_q(), json!({ "r": gone_roadmap, "i": { "title": "T" } })),
        (create_topic_q(), json!({ "r": r["id"], "p": gone_topic, "i": { "title": "T" } })),
        (update_topic_q(), json!({ "id": gone_topic, "i": { "title": "T" } })),
        (move_topic_q(), json!({ "id": gone_topic, "pos": 0 })),
        (DELETE_TOPIC.to_owned(), json!({ "id": gone_topic })),
        (add.to_owned(), json!({ "t": gone_topic, "i": { "kind": "VIDEO", "title": "V", "url": "https://x.org" } })),
        ("mutation($id: ID!) { updateResource(id: $id, input: { title: \"X\" }) { resource { id } } }".to_owned(), json!({ "id": gone_resource })),
        ("mutation($id: ID!) { removeResource(id: $id) { removedResourceId } }".to_owned(), json!({ "id": gone_resource })),
        ("mutation($t: ID!) { reorderResources(topicId: $t, resourceIds: []) { id } }".to_owned(), json!({ "t": gone_topic })),
        (IMPORT.to_owned(), json!({ "m": "REPLACE", "d": { "format": "roadmap-api/roadmap@1",
            "roadmap": { "slug": "never-made", "title": "N", "briefTitle": "N", "description": "d",
                         "briefDescription": "b", "order": 1, "kind": "SKILL" }, "topics": [] } })),
    ];
    for (q, vars) in cases {
        let (code, _, msg) = fails(&app, &admin, &q, vars.clone()).await;
        assert_eq!(code, "NOT_FOUND", "{q} {vars}: {msg}");
    }
}

#[tokio::test]
async fn topic_tree_create_move_update_delete() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = create_roadmap(&app, &admin, "tree").await;
    let a = create_topic(&app, &admin, &r, None, None, "A").await;
    let b = create_topic(&app, &admin, &r, None, None, "B").await;
    let c = create_topic(&app, &admin, &r, None, Some(0), "C").await;
    let key = |t: &Value| t["key"].as_str().unwrap().to_owned();
    assert_eq!(
        children_keys(&app, &admin, "tree", None).await,
        [key(&c), key(&a), key(&b)]
    );
    // New keys: 16 random base62 characters.
    for t in [&a, &b, &c] {
        let k = key(t);
        assert_eq!(k.len(), 16);
        assert!(k.bytes().all(|x| x.is_ascii_alphanumeric()), "{k}");
        assert_eq!(t["kind"], "TOPIC");
        assert_eq!(t["version"], 1);
    }
    let a1 = create_topic(&app, &admin, &r, Some(&a), None, "A1").await;
    let a2 = create_topic(&app, &admin, &r, Some(&a), None, "A2").await;
    let a1x = create_topic(&app, &admin, &r, Some(&a1), None, "A1x").await;
    assert_eq!(a1["kind"], "SUBTOPIC");
    assert_eq!(a1x["depth"], 2);
    let (code, field, _) = fails(
        &app,
        &admin,
        &create_topic_q(),
        json!({ "r": r["id"], "pos": 9, "i": { "title": "Far" } }),
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "position")
    );

    // Move a1 (with its child) under b; both sibling lists stay dense.
    let m = ok(
        &app,
        &admin,
        &move_topic_q(),
        json!({ "id": a1["id"], "p": b["id"], "pos": 0 }),
    )
    .await["moveTopic"]
        .clone();
    assert_eq!(m["parent"]["key"], key(&b));
    assert_eq!(m["children"][0]["key"], key(&a1x));
    assert_eq!(m["version"], 2);
    assert_eq!(
        children_keys(&app, &admin, "tree", Some(&key(&a))).await,
        [key(&a2)]
    );
    assert_eq!(
        children_keys(&app, &admin, "tree", Some(&key(&b))).await,
        [key(&a1)]
    );
    // Reorder among roots, and move to the root.
    ok(
        &app,
        &admin,
        &move_topic_q(),
        json!({ "id": b["id"], "p": null, "pos": 0 }),
    )
    .await;
    assert_eq!(
        children_keys(&app, &admin, "tree", None).await,
        [key(&b), key(&c), key(&a)]
    );
    ok(
        &app,
        &admin,
        &move_topic_q(),
        json!({ "id": a2["id"], "p": null, "pos": 1 }),
    )
    .await;
    assert_eq!(
        children_keys(&app, &admin, "tree", None).await,
        [key(&b), key(&a2), key(&c), key(&a)]
    );

    // Cycles are refused: under itself, under its own descendant.
    for target in [&b, &a1, &a1x] {
        let (code, field, _) = fails(
            &app,
            &admin,
            &move_topic_q(),
            json!({ "id": b["id"], "p": target["id"] }),
        )
        .await;
        assert_eq!(
            (code.as_str(), field.as_str()),
            ("BAD_USER_INPUT", "newParentId")
        );
    }
    let (code, field, _) = fails(
        &app,
        &admin,
        &move_topic_q(),
        json!({ "id": c["id"], "p": null, "pos": 4 }),
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "position")
    );
    // Moves to another roadmap are refused.
    let other = create_roadmap(&app, &admin, "other-tree").await;
    let o = create_topic(&app, &admin, &other, None, None, "O").await;
    let (code, field, _) = fails(
        &app,
        &admin,
        &move_topic_q(),
        json!({ "id": c["id"], "p": o["id"] }),
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "newParentId")
    );
    let (code, field, _) = fails(
        &app,
        &admin,
        &create_topic_q(),
        json!({ "r": r["id"], "p": o["id"], "i": { "title": "X" } }),
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "parentId")
    );

    // Partial topic update; legend null clears it.
    let u = ok(
        &app,
        &admin,
        &update_topic_q(),
        json!({ "id": c["id"], "i": { "title": "C renamed", "legend": "RECOMMENDED" } }),
    )
    .await["updateTopic"]
        .clone();
    assert_eq!(
        (u["title"].as_str(), u["legend"].as_str()),
        (Some("C renamed"), Some("RECOMMENDED"))
    );
    assert_eq!(u["description"], "About C.");
    let u = ok(
        &app,
        &admin,
        &update_topic_q(),
        json!({ "id": c["id"], "i": { "legend": null, "kind": "SUBTOPIC" } }),
    )
    .await["updateTopic"]
        .clone();
    assert!(u["legend"].is_null());
    assert_eq!(
        (u["title"].as_str(), u["kind"].as_str()),
        (Some("C renamed"), Some("SUBTOPIC"))
    );
    let (code, field, _) = fails(
        &app,
        &admin,
        &update_topic_q(),
        json!({ "id": c["id"], "i": { "title": "  " } }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "title"));
    let (code, field, _) = fails(
        &app,
        &admin,
        &update_topic_q(),
        json!({ "id": c["id"], "i": { "title": "two\nlines" } }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "title"));

    // Delete b: its subtree goes too; siblings are renumbered; the topics are gone from reads.
    let d = ok(&app, &admin, DELETE_TOPIC, json!({ "id": b["id"] })).await;
    let ids: HashSet<&str> = d["deleteTopic"]["deletedTopicIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        HashSet::from([
            b["id"].as_str().unwrap(),
            a1["id"].as_str().unwrap(),
            a1x["id"].as_str().unwrap()
        ])
    );
    assert_eq!(d["deleteTopic"]["roadmap"]["topicCount"], 3);
    assert_eq!(
        children_keys(&app, &admin, "tree", None).await,
        [key(&a2), key(&c), key(&a)]
    );
    for t in [&b, &a1x] {
        let body = ok(
            &app,
            &admin,
            "query($id: ID!) { topic(id: $id) { id } }",
            json!({ "id": t["id"] }),
        )
        .await;
        assert!(body["topic"].is_null());
        let (code, _, _) = fails(
            &app,
            &admin,
            &update_topic_q(),
            json!({ "id": t["id"], "i": { "title": "X" } }),
        )
        .await;
        assert_eq!(code, "NOT_FOUND");
    }
    // Soft delete: the rows are still there.
    let db = app.db.connect().await;
    let row = entity::topics::Entity::find_by_id(key(&a1x))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.deleted_at.is_some());

    // Revisions show who changed a topic and what it said before.
    let revs = "query($s: String!, $t: ID) { roadmap(slug: $s) { revisions(first: 20, topicId: $t) { totalCount
        edges { node { mutation entityId actorName diff } } } } }";
    let d = ok(&app, &admin, revs, json!({ "s": "tree", "t": c["id"] })).await;
    let edges = d["roadmap"]["revisions"]["edges"].as_array().unwrap();
    let names: Vec<&str> = edges
        .iter()
        .map(|e| e["node"]["mutation"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["updateTopic", "updateTopic", "createTopic"]);
    assert_eq!(edges[1]["node"]["diff"]["before"]["title"], "C");
    assert_eq!(edges[1]["node"]["diff"]["after"]["title"], "C renamed");
    assert_eq!(edges[0]["node"]["diff"]["before"]["legend"], "RECOMMENDED");
}

#[tokio::test]
async fn resources_add_update_reorder_remove() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = create_roadmap(&app, &admin, "res").await;
    let t = create_topic(&app, &admin, &r, None, None, "T").await;
    let add = "mutation($t: ID!, $i: ResourceInput!, $p: Int) { addResource(topicId: $t, input: $i, position: $p) {
        resource { id kind title url position } topic { resources { id title position } } } }";
    let mut ids = Vec::new();
    for (title, pos) in [("one", None), ("two", None), ("zero", Some(0))] {
        let d = ok(&app, &admin, add, json!({ "t": t["id"], "p": pos,
            "i": { "kind": "ARTICLE", "title": title, "url": format!("https://example.org/{title}") } })).await;
        ids.push(
            d["addResource"]["resource"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let titles = |d: &Value| -> Vec<String> {
        d["resources"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, r)| {
                assert_eq!(r["position"], i as i64);
                r["title"].as_str().unwrap().to_owned()
            })
            .collect()
    };
    let topic_q = "query($id: ID!) { topic(id: $id) { resources { id title url kind position } } }";
    let d = ok(&app, &admin, topic_q, json!({ "id": t["id"] })).await;
    assert_eq!(titles(&d["topic"]), ["zero", "one", "two"]);

    let upd = "mutation($id: ID!, $i: UpdateResourceInput!) { updateResource(id: $id, input: $i) { resource { kind title url } } }";
    let d = ok(
        &app,
        &admin,
        upd,
        json!({ "id": ids[0], "i": { "kind": "VIDEO" } }),
    )
    .await;
    assert_eq!(
        d["updateResource"]["resource"],
        json!({ "kind": "VIDEO", "title": "one", "url": "https://example.org/one" })
    );
    let (code, field, _) = fails(
        &app,
        &admin,
        upd,
        json!({ "id": ids[0], "i": { "url": "ftp://x.org" } }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "url"));

    let reorder = "mutation($t: ID!, $r: [ID!]!) { reorderResources(topicId: $t, resourceIds: $r) { resources { id title position } } }";
    let d = ok(
        &app,
        &admin,
        reorder,
        json!({ "t": t["id"], "r": [ids[1], ids[0], ids[2]] }),
    )
    .await;
    assert_eq!(titles(&d["reorderResources"]), ["two", "one", "zero"]);
    for bad in [json!([ids[1], ids[0]]), json!([ids[1], ids[0], ids[0]])] {
        let (code, field, _) =
            fails(&app, &admin, reorder, json!({ "t": t["id"], "r": bad })).await;
        assert_eq!(
            (code.as_str(), field.as_str()),
            ("BAD_USER_INPUT", "resourceIds")
        );
    }

    let rm = "mutation($id: ID!) { removeResource(id: $id) { removedResourceId topic { resources { id title position } } } }";
    let d = ok(&app, &admin, rm, json!({ "id": ids[0] })).await;
    assert_eq!(titles(&d["removeResource"]["topic"]), ["two", "zero"]);
    let (code, _, _) = fails(&app, &admin, rm, json!({ "id": ids[0] })).await;
    assert_eq!(code, "NOT_FOUND");

    let revs = ok(&app, &admin, "query { roadmap(slug: \"res\") { revisions(first: 100) { edges { node { mutation entityType diff } } } } }", json!({})).await;
    let names: Vec<&str> = revs["roadmap"]["revisions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["mutation"].as_str().unwrap())
        .collect();
    assert_eq!(
        names[..4],
        [
            "removeResource",
            "reorderResources",
            "updateResource",
            "addResource"
        ]
    );
    let upd_rev = &revs["roadmap"]["revisions"]["edges"][2]["node"];
    assert_eq!(upd_rev["entityType"], "RESOURCE");
    assert_eq!(
        upd_rev["diff"],
        json!({ "before": { "kind": "ARTICLE" }, "after": { "kind": "VIDEO" } })
    );
}

#[tokio::test]
async fn concurrent_updates_with_expected_version_one_wins() {
    let app = spawn_app().await;
    let (admin1, admin2) = (app.admin_token().await, app.admin_token().await);
    let r = create_roadmap(&app, &admin1, "race").await;
    let t = create_topic(&app, &admin1, &r, None, None, "T").await;
    let v = r["version"].clone();

    for round in 0..3 {
        let v = if round == 0 {
            v.clone()
        } else {
            ok(
                &app,
                &admin1,
                "query { roadmap(slug: \"race\") { version } }",
                json!({}),
            )
            .await["roadmap"]["version"]
                .clone()
        };
        let q = update_q();
        let (x, y) = tokio::join!(
            app.gql_as(
                &admin1,
                &q,
                json!({ "id": r["id"], "v": v, "i": { "title": format!("one {round}") } })
            ),
            app.gql_as(
                &admin2,
                &q,
                json!({ "id": r["id"], "v": v, "i": { "title": format!("two {round}") } })
            ),
        );
        let results = [&x, &y];
        let won: Vec<&&Value> = results
            .iter()
            .filter(|b| b.get("errors").is_none())
            .collect();
        let lost: Vec<&&Value> = results
            .iter()
            .filter(|b| b.get("errors").is_some())
            .collect();
        assert_eq!((won.len(), lost.len()), (1, 1), "{x} {y}");
        assert_eq!(error_code(lost[0]), Some("CONFLICT"), "{}", lost[0]);
        assert_eq!(
            lost[0]["errors"][0]["extensions"]["field"],
            "expectedVersion"
        );
        // The winner's write is what is stored, at the next version.
        let now = ok(
            &app,
            &admin1,
            "query { roadmap(slug: \"race\") { title version } }",
            json!({}),
        )
        .await;
        assert_eq!(
            now["roadmap"]["title"],
            won[0]["data"]["updateRoadmap"]["title"]
        );
        assert_eq!(now["roadmap"]["version"], v.as_i64().unwrap() + 1);
    }

    // Topics too.
    let q = update_topic_q();
    let (x, y) = tokio::join!(
        app.gql_as(
            &admin1,
            &q,
            json!({ "id": t["id"], "v": 1, "i": { "title": "by one" } })
        ),
        app.gql_as(
            &admin2,
            &q,
            json!({ "id": t["id"], "v": 1, "i": { "title": "by two" } })
        ),
    );
    let codes = [error_code(&x), error_code(&y)];
    assert!(
        codes.contains(&None) && codes.contains(&Some("CONFLICT")),
        "{x} {y}"
    );
    // A stale version fails; the current one works; no version means "last write wins".
    let (code, field, _) = fails(
        &app,
        &admin1,
        &q,
        json!({ "id": t["id"], "v": 1, "i": { "title": "late" } }),
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("CONFLICT", "expectedVersion")
    );
    let d = ok(
        &app,
        &admin1,
        &q,
        json!({ "id": t["id"], "v": 2, "i": { "title": "fresh" } }),
    )
    .await;
    assert_eq!(d["updateTopic"]["version"], 3);
    ok(
        &app,
        &admin2,
        &q,
        json!({ "id": t["id"], "i": { "description": "no version given" } }),
    )
    .await;
    let (code, _, _) = fails(
        &app,
        &admin1,
        &move_topic_q(),
        json!({ "id": t["id"], "pos": 0, "v": 1 }),
    )
    .await;
    assert_eq!(code, "CONFLICT");
}

#[tokio::test]
async fn deleting_a_roadmap_with_progress_needs_force_and_archives() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let learner = app.signup("learner2").await;
    let uid = user_number(&learner.user_id);
    let r = create_roadmap(&app, &admin, "doomed").await;
    ok(
        &app,
        &admin,
        &update_q(),
        json!({ "id": r["id"], "i": { "status": "PUBLISHED" } }),
    )
    .await;
    let t1 = create_topic(&app, &admin, &r, None, None, "One").await;
    let t2 = create_topic(&app, &admin, &r, None, None, "Two").await;
    let row = roadmap_row(&app, "doomed").await;
    let keys = [
        t1["key"].as_str().unwrap().to_owned(),
        t2["key"].as_str().unwrap().to_owned(),
    ];
    record_progress(&app, uid, row.id, &keys).await;

    let (code, field, msg) = fails(&app, &admin, DELETE_ROADMAP, json!({ "id": r["id"] })).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("CONFLICT", "force"),
        "{msg}"
    );
    let d = app
        .gql_as(
            &learner.access_token,
            "query { roadmap(slug: \"doomed\") { topicCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        d["data"]["roadmap"]["topicCount"], 2,
        "refused delete changed something: {d}"
    );

    let d = ok(
        &app,
        &admin,
        DELETE_ROADMAP,
        json!({ "id": r["id"], "f": true }),
    )
    .await;
    assert_eq!(d["deleteRoadmap"]["archivedProgress"], 2);
    let d = app
        .gql_as(
            &learner.access_token,
            "query { roadmap(slug: \"doomed\") { id } }",
            json!({}),
        )
        .await;
    assert!(d["data"]["roadmap"].is_null());
    // Archived, not destroyed.
    let rows = progress_rows(&app, uid).await;
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|p| p.archived_at.is_some() && p.status == "DONE"));

    // Progress only on topics already deleted counts nowhere: no force needed; still archived.
    let r2 = create_roadmap(&app, &admin, "doomed-too").await;
    let t3 = create_topic(&app, &admin, &r2, None, None, "Three").await;
    let row2 = roadmap_row(&app, "doomed-too").await;
    record_progress(
        &app,
        uid,
        row2.id,
        &[t3["key"].as_str().unwrap().to_owned()],
    )
    .await;
    ok(&app, &admin, DELETE_TOPIC, json!({ "id": t3["id"] })).await;
    let d = ok(&app, &admin, DELETE_ROADMAP, json!({ "id": r2["id"] })).await;
    assert_eq!(d["deleteRoadmap"]["archivedProgress"], 1);
    assert_eq!(progress_rows(&app, uid).await.len(), 3);
}

/// The scenario of the issue: a learner's progress survives an admin moving, renaming and
/// deleting topics and re-importing the roadmap with REPLACE.
#[tokio::test]
async fn learner_progress_survives_edits_and_replace_import() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let learner = app.signup("learner3").await;
    let uid = user_number(&learner.user_id);
    let backend = roadmap_row(&app, "backend").await;
    let all: Vec<String> = live_topic_keys(&app, backend.id)
        .await
        .into_iter()
        .collect();
    record_progress(&app, uid, backend.id, &all).await;
    let before: BTreeMap<String, (String, chrono::DateTime<chrono::Utc>)> =
        progress_rows(&app, uid)
            .await
            .into_iter()
            .map(|p| (p.topic_id, (p.status, p.updated_at)))
            .collect();

    // The tree as the admin sees it.
    let tree_q = "query { roadmap(slug: \"backend\") { topics { id key title children { id key title children { id key } } } } }";
    let tree = ok(&app, &admin, tree_q, json!({})).await;
    let roots = tree["roadmap"]["topics"].as_array().unwrap().clone();
    let gid =
        |key: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Topic:{key}"));

    // Move a subtopic to another root, rename a topic, delete a subtree.
    let moved = roots[1]["children"][0].clone();
    ok(
        &app,
        &admin,
        &move_topic_q(),
        json!({ "id": moved["id"], "p": roots[2]["id"], "pos": 0 }),
    )
    .await;
    ok(
        &app,
        &admin,
        &update_topic_q(),
        json!({ "id": roots[3]["id"], "i": { "title": "Renamed by an admin" } }),
    )
    .await;
    let deleted = ok(&app, &admin, DELETE_TOPIC, json!({ "id": roots[4]["id"] })).await;
    let deleted_ids: Vec<String> = deleted["deleteTopic"]["deletedTopicIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert!(deleted_ids.len() > 1, "want a subtree: {deleted_ids:?}");

    // Re-import the current export with REPLACE after editing it: one topic removed, one renamed,
    // one added.
    let export = ok(&app, &admin, EXPORT, json!({ "s": "backend" })).await;
    let mut doc = export["exportRoadmap"]["document"].clone();
    // A root (not the one renamed below) whose last child is a leaf: that leaf goes.
    let i = (0..doc["topics"].as_array().unwrap().len())
        .find(|i| {
            *i != 5
                && doc["topics"][*i]["children"]
                    .as_array()
                    .unwrap()
                    .last()
                    .is_some_and(|c| c["children"].as_array().unwrap().is_empty())
        })
        .expect("a root with a leaf child");
    let removed_key = doc["topics"][i]["children"]
        .as_array_mut()
        .unwrap()
        .pop()
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    doc["topics"][5]["title"] = json!("Renamed in the document");
    let renamed_key = doc["topics"][5]["id"].as_str().unwrap().to_owned();
    doc["topics"][i]["children"].as_array_mut().unwrap().push(json!({ "id": "brandNewTopic0001", "kind": "SUBTOPIC",
        "title": "A new topic", "description": "Added by the import.", "legend": null,
        "resources": [{ "kind": "ARTICLE", "title": "Read", "url": "https://example.org/new" }], "children": [] }));
    let d = ok(&app, &admin, IMPORT, json!({ "d": doc, "m": "REPLACE" })).await;
    let rep = &d["importRoadmap"];
    assert_eq!(rep["created"], false);
    assert_eq!(rep["addedTopicIds"], json!(["brandNewTopic0001"]));
    assert_eq!(rep["changedTopicIds"], json!([renamed_key]));
    assert_eq!(rep["removedTopicIds"], json!([removed_key]));
    assert_eq!(
        (
            rep["topicsAdded"].as_i64(),
            rep["topicsChanged"].as_i64(),
            rep["topicsRemoved"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(rep["roadmapChanged"], false);

    // Statuses on the remaining topics are exactly as they were; nothing was deleted.
    let live = live_topic_keys(&app, backend.id).await;
    let after = progress_rows(&app, uid).await;
    assert_eq!(after.len(), before.len(), "progress rows lost or added");
    for p in &after {
        assert_eq!(
            before.get(&p.topic_id),
            Some(&(p.status.clone(), p.updated_at)),
            "{} changed",
            p.topic_id
        );
        assert!(p.archived_at.is_none());
    }
    let gone: HashSet<String> = deleted_ids
        .iter()
        .map(|g| {
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(g)
                .unwrap();
            String::from_utf8(raw)
                .unwrap()
                .trim_start_matches("Topic:")
                .to_owned()
        })
        .chain([removed_key.clone()])
        .collect();
    assert!(gone.iter().all(|k| !live.contains(k)));
    assert!(
        gone.iter().all(|k| after.iter().any(|p| &p.topic_id == k)),
        "progress on deleted topics must be kept"
    );

    // 100 % is still reachable: the learner marks the new topic, and then every live topic has
    // exactly one counted (non-archived) status, and nothing else counts.
    record_progress(&app, uid, backend.id, &["brandNewTopic0001".to_owned()]).await;
    let counted = progress_rows(&app, uid)
        .await
        .into_iter()
        .filter(|p| p.archived_at.is_none() && live.contains(&p.topic_id))
        .count();
    let live_now = live_topic_keys(&app, backend.id).await;
    assert_eq!(counted, live_now.len());
    let d = ok(
        &app,
        &learner.access_token,
        "query { roadmap(slug: \"backend\") { topicCount } }",
        json!({}),
    )
    .await;
    assert_eq!(
        d["roadmap"]["topicCount"].as_u64(),
        Some(live_now.len() as u64)
    );
    // The moved topic kept its key and sits under its new parent.
    let t = ok(
        &app,
        &learner.access_token,
        "query($id: ID!) { topic(id: $id) { key parent { key } } }",
        json!({ "id": gid(moved["key"].as_str().unwrap()) }),
    )
    .await;
    assert_eq!(t["topic"]["parent"]["key"], roots[2]["key"]);
}

#[tokio::test]
async fn replace_import_is_all_or_nothing_and_revives_topics() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = create_roadmap(&app, &admin, "atomic").await;
    let a = create_topic(&app, &admin, &r, None, None, "A").await;
    let _b = create_topic(&app, &admin, &r, Some(&a), None, "B").await;
    let original = ok(&app, &admin, EXPORT, json!({ "s": "atomic" })).await["exportRoadmap"]
        ["document"]
        .clone();

    // A document that steals a topic id of another roadmap: refused, and nothing changed.
    let backend_topic = live_topic_keys(&app, roadmap_row(&app, "backend").await.id)
        .await
        .into_iter()
        .next()
        .unwrap();
    let mut bad = original.clone();
    bad["roadmap"]["title"] = json!("Changed title");
    bad["topics"][0]["title"] = json!("Changed A");
    bad["topics"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "id": backend_topic, "kind": "TOPIC", "title": "Stolen" }));
    let (code, field, _) = fails(&app, &admin, IMPORT, json!({ "d": bad, "m": "REPLACE" })).await;
    assert_eq!((code.as_str(), field.as_str()), ("CONFLICT", "topics"));
    let now = ok(&app, &admin, EXPORT, json!({ "s": "atomic" })).await["exportRoadmap"]["document"]
        .clone();
    assert_eq!(now, original);

    // REPLACE with everything removed soft-deletes; REPLACE with the original brings them back.
    let mut empty = original.clone();
    empty["topics"] = json!([]);
    let d = ok(&app, &admin, IMPORT, json!({ "d": empty, "m": "REPLACE" })).await;
    assert_eq!(d["importRoadmap"]["topicsRemoved"], 2);
    assert_eq!(d["importRoadmap"]["roadmap"]["topicCount"], 0);
    let d = ok(
        &app,
        &admin,
        IMPORT,
        json!({ "d": original, "m": "REPLACE" }),
    )
    .await;
    assert_eq!(d["importRoadmap"]["topicsAdded"], 2);
    let again = ok(&app, &admin, EXPORT, json!({ "s": "atomic" })).await["exportRoadmap"]
        ["document"]
        .clone();
    assert_eq!(again["topics"], original["topics"]);
    // CREATE with a taken slug is a CONFLICT on `slug`.
    let (code, field, _) = fails(
        &app,
        &admin,
        IMPORT,
        json!({ "d": original, "m": "CREATE" }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("CONFLICT", "slug"));
}

fn read_folder(dir: &Path) -> BTreeMap<String, String> {
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

fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
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

fn run_ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "CLI failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn export_import_round_trip_is_byte_identical() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let dir = tempfile::tempdir().unwrap();
    let json1 = dir.path().join("backend.json");
    let md1 = dir.path().join("backend-md");
    run_ok(app.cli(&[
        "export",
        "--slug",
        "backend",
        "--format",
        "json",
        "--out",
        json1.to_str().unwrap(),
    ]));
    run_ok(app.cli(&[
        "export",
        "--slug",
        "backend",
        "--format",
        "markdown",
        "--out",
        md1.to_str().unwrap(),
    ]));
    let e1 = std::fs::read_to_string(&json1).unwrap();
    let m1 = read_folder(&md1);
    assert!(e1.ends_with("}\n") && e1.contains("\n  \"format\": \"roadmap-api/roadmap@1\""));

    // The GraphQL export is the same bytes.
    let x = ok(&app, &admin, EXPORT, json!({ "s": "backend" })).await;
    assert_eq!(x["exportRoadmap"]["json"], e1);
    let files: BTreeMap<String, String> = x["exportRoadmap"]["markdownFiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["content"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(files, m1);
    let topics = serde_json::from_str::<Value>(&e1).unwrap();
    let mut all = Vec::new();
    walk(&topics["topics"], &mut all);
    assert_eq!(
        m1.keys().filter(|k| k.starts_with("content/")).count(),
        all.len()
    );
    assert!(m1
        .keys()
        .any(|k| k.starts_with("content/") && k.contains('@')));
    let sample = m1
        .iter()
        .find(|(k, _)| k.starts_with("content/"))
        .unwrap()
        .1;
    assert!(
        sample.starts_with("# ") && sample.contains("- [@"),
        "{sample}"
    );
    assert!(m1["roadmap.md"].starts_with("---\nformat: roadmap-api/roadmap@1\n"));

    // REPLACE with its own export (either format) changes nothing.
    for path in [&json1, &md1] {
        let out = run_ok(app.cli(&["import", "--mode", "replace", path.to_str().unwrap()]));
        assert!(out.contains("no changes"), "{out}");
        assert_eq!(
            ok(&app, &admin, EXPORT, json!({ "s": "backend" })).await["exportRoadmap"]["json"],
            e1
        );
    }

    // Into another database: the markdown folder (CREATE) gives back the same JSON and markdown.
    let app2 = spawn_app_with(&[("NO_SEED", "true")]).await;
    let others = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/data/roadmaps")).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|e| e == "json") && !p.ends_with("backend.json") {
            std::fs::copy(&p, others.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let out = run_ok(app2.cli(&["import", others.path().to_str().unwrap()]));
    assert!(
        out.contains("import summary: 10 imported, 0 failed"),
        "{out}"
    );
    let out = run_ok(app2.cli(&["import", md1.to_str().unwrap()]));
    assert!(out.contains("imported backend"), "{out}");
    let json2 = dir.path().join("backend2.json");
    let md2 = dir.path().join("backend2-md");
    run_ok(app2.cli(&[
        "export",
        "--slug",
        "backend",
        "--out",
        json2.to_str().unwrap(),
    ]));
    run_ok(app2.cli(&[
        "export",
        "--slug",
        "backend",
        "--format",
        "markdown",
        "--out",
        md2.to_str().unwrap(),
    ]));
    assert!(
        std::fs::read_to_string(&json2).unwrap() == e1,
        "JSON export differs after the round trip"
    );
    assert!(
        read_folder(&md2) == m1,
        "markdown export differs after the round trip"
    );
    // Exporting again into the same folder replaces it cleanly.
    run_ok(app2.cli(&[
        "export",
        "--slug",
        "backend",
        "--format",
        "markdown",
        "--out",
        md2.to_str().unwrap(),
    ]));
    assert!(read_folder(&md2) == m1);
}

#[tokio::test]
async fn malformed_imports_name_file_and_line_and_write_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = create_roadmap(&app, &admin, "small").await;
    let a = create_topic(&app, &admin, &r, None, None, "Alpha").await;
    let b = create_topic(&app, &admin, &r, Some(&a), None, "Beta").await;
    let add = "mutation($t: ID!, $i: ResourceInput!) { addResource(topicId: $t, input: $i) { resource { id } } }";
    ok(&app, &admin, add, json!({ "t": b["id"], "i": { "kind": "OFFICIAL", "title": "Docs", "url": "https://example.org/docs" } })).await;
    let x = ok(&app, &admin, EXPORT, json!({ "s": "small" })).await;
    let files: Vec<Value> = x["exportRoadmap"]["markdownFiles"]
        .as_array()
        .unwrap()
        .clone();
    let original_json = x["exportRoadmap"]["json"].as_str().unwrap().to_owned();
    let bkey = b["key"].as_str().unwrap();
    let beta_path = format!("content/beta@{bkey}.md");
    assert!(files.iter().any(|f| f["path"] == beta_path), "{files:?}");

    let with = |path: &str, edit: &dyn Fn(&str) -> String| -> Value {
        json!(files
            .iter()
            .map(|f| if f["path"] == path {
                json!({ "path": path, "content": edit(f["content"].as_str().unwrap()) })
            } else {
                f.clone()
            })
            .collect::<Vec<_>>())
    };
    let line_of =
        |text: &str, needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let content = |path: &str| {
        files.iter().find(|f| f["path"] == path).unwrap()["content"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    let roadmap_md = content("roadmap.md");
    let tree = content("tree.json");
    let beta = content(&beta_path);
    let cases: Vec<(Value, String)> = vec![
        // Bad front matter: an unknown key, and YAML that does not parse.
        (
            with("roadmap.md", &|t| {
                t.replace("order: ", "colour: blue\norder: ")
            }),
            format!(
                "roadmap.md:{}: bad front matter",
                line_of(&roadmap_md, "order: ")
            ),
        ),
        (
            with("roadmap.md", &|t| {
                t.replace("title: small roadmap", "title: [unclosed")
            }),
            "roadmap.md:".into(),
        ),
        (
            with("roadmap.md", &|t| {
                t.replace("slug: small", "slug: Not A Slug")
            }),
            format!(
                "roadmap.md:{}: `roadmap.slug`",
                line_of(&roadmap_md, "slug: small")
            ),
        ),
        // Unknown resource type.
        (
            with(&beta_path, &|t| t.replace("[@official@", "[@blog@")),
            format!(
                "{beta_path}:{}: unknown resource type `blog`",
                line_of(&beta, "[@official@")
            ),
        ),
        (
            with(&beta_path, &|t| {
                t.replace("https://example.org/docs", "ftp://example.org/docs")
            }),
            format!("{beta_path}:{}:", line_of(&beta, "[@official@")),
        ),
        // Duplicate topic id, dangling parent.
        (
            with("tree.json", &|t| {
                t.replace(
                    &format!("{{\"id\":\"{bkey}\""),
                    &format!("{{\"id\":\"{}\"", a["key"].as_str().unwrap()),
                )
            }),
            format!(
                "tree.json:{}: duplicate topic id",
                line_of(&tree, &format!("\"id\":\"{bkey}\""))
            ),
        ),
        (
            with("tree.json", &|t| {
                t.replace(
                    &format!("\"parent\":\"{}\"", a["key"].as_str().unwrap()),
                    "\"parent\":\"ghost\"",
                )
            }),
            format!(
                "tree.json:{}: dangling parent `ghost`",
                line_of(&tree, &format!("\"id\":\"{bkey}\""))
            ),
        ),
        (
            with(&beta_path, &|t| {
                t.replacen("# Beta", "Beta without a heading", 1)
            }),
            format!("{beta_path}:1:"),
        ),
    ];
    for (mode, (files, want)) in ["CREATE", "REPLACE"]
        .iter()
        .flat_map(|m| cases.iter().map(move |c| (m, c)))
    {
        let (code, field, msg) =
            fails(&app, &admin, IMPORT, json!({ "f": files, "m": mode })).await;
        assert_eq!(
            (code.as_str(), field.as_str()),
            ("BAD_USER_INPUT", "files"),
            "{msg}"
        );
        assert!(
            msg.starts_with(want.as_str()),
            "{mode}: want `{want}…`, got `{msg}`"
        );
    }
    // JSON documents: the line of the duplicate id.
    let mut doc: Value = serde_json::from_str(&original_json).unwrap();
    doc["topics"][0]["children"][0]["id"] = a["key"].clone();
    let text = serde_json::to_string_pretty(&doc).unwrap();
    let dup_line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(&format!("\"id\": \"{}\"", a["key"].as_str().unwrap())))
        .nth(1)
        .unwrap()
        .0
        + 1;
    let (code, _, msg) = fails(&app, &admin, IMPORT, json!({ "d": text, "m": "REPLACE" })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        msg.starts_with(&format!("document:{dup_line}: duplicate topic id")),
        "{msg}"
    );
    // And through the CLI, naming the file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dup.json");
    std::fs::write(&path, &text).unwrap();
    let out = app.cli(&["import", "--mode", "replace", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "{}:{dup_line}: duplicate topic id",
            path.display()
        )),
        "{stdout}"
    );
    let md = dir.path().join("md");
    std::fs::create_dir_all(md.join("content")).unwrap();
    for f in with(&beta_path, &|t| t.replace("[@official@", "[@blog@"))
        .as_array()
        .unwrap()
    {
        std::fs::write(
            md.join(f["path"].as_str().unwrap()),
            f["content"].as_str().unwrap(),
        )
        .unwrap();
    }
    let out = app.cli(&["import", "--mode", "replace", md.to_str().unwrap()]);
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{}/{beta_path}:", md.display()))
            && stdout.contains("unknown resource type `blog`"),
        "{stdout}"
    );

    // Nothing was written by any of them.
    let now = ok(&app, &admin, EXPORT, json!({ "s": "small" })).await;
    assert_eq!(
        now["exportRoadmap"]["json"].as_str().unwrap(),
        original_json
    );
}

/// Every admin mutation and field added here refuses anonymous callers and plain users.
#[tokio::test]
async fn admin_operations_refuse_anonymous_and_users() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let user = app.signup("plainuser").await.access_token;
    let r = create_roadmap(&app, &admin, "guarded").await;
    let t = create_topic(&app, &admin, &r, None, None, "T").await;
    let res = ok(&app, &admin, "mutation($t: ID!) { addResource(topicId: $t, input: { kind: VIDEO, title: \"V\", url: \"https://x.org\" }) { resource { id } } }",
        json!({ "t": t["id"] })).await["addResource"]["resource"]["id"].clone();
    let ops: Vec<(&str, Value)> = vec![
        ("mutation($i: CreateRoadmapInput!) { createRoadmap(input: $i) { id } }", json!({ "i": new_roadmap("nope") })),
        ("mutation($id: ID!) { updateRoadmap(id: $id, input: { title: \"X\" }) { id } }", json!({ "id": r["id"] })),
        ("mutation($id: ID!) { deleteRoadmap(id: $id) { slug } }", json!({ "id": r["id"] })),
        ("mutation($id: ID!) { setRelatedRoadmaps(id: $id, slugs: [\"backend\"]) { id } }", json!({ "id": r["id"] })),
        ("mutation($d: JSON) { importRoadmap(document: $d) { slug } }", json!({ "d": "{}" })),
        ("mutation($r: ID!) { createTopic(roadmapId: $r, input: { title: \"X\" }) { id } }", json!({ "r": r["id"] })),
        ("mutation($id: ID!) { updateTopic(id: $id, input: { title: \"X\" }) { id } }", json!({ "id": t["id"] })),
        ("mutation($id: ID!) { moveTopic(id: $id, position: 0) { id } }", json!({ "id": t["id"] })),
        ("mutation($id: ID!) { deleteTopic(id: $id) { deletedTopicIds } }", json!({ "id": t["id"] })),
        ("mutation($id: ID!) { addResource(topicId: $id, input: { kind: VIDEO, title: \"V\", url: \"https://x.org\" }) { resource { id } } }", json!({ "id": t["id"] })),
        ("mutation($id: ID!) { updateResource(id: $id, input: { title: \"X\" }) { resource { id } } }", json!({ "id": res })),
        ("mutation($id: ID!) { removeResource(id: $id) { removedResourceId } }", json!({ "id": res })),
        ("mutation($id: ID!, $r: ID!) { reorderResources(topicId: $id, resourceIds: [$r]) { id } }", json!({ "id": t["id"], "r": res })),
        ("query { exportRoadmap(slug: \"guarded\") { json } }", json!({})),
        ("query { roadmap(slug: \"backend\") { revisions { totalCount } } }", json!({})),
    ];
    for (q, vars) in &ops {
        for (token, want) in [
            (None, "UNAUTHENTICATED"),
            (Some(user.as_str()), "FORBIDDEN"),
        ] {
            let body = app.gql_with(token, q, vars.clone()).await;
            assert_eq!(error_code(&body), Some(want), "{q}: {body}");
        }
    }
    // Nothing changed.
    let d = ok(
        &app,
        &admin,
        "query($id: ID!) { topic(id: $id) { title resources { id } } }",
        json!({ "id": t["id"] }),
    )
    .await;
    assert_eq!(d["topic"]["title"], "T");
    assert_eq!(d["topic"]["resources"].as_array().unwrap().len(), 1);
}
