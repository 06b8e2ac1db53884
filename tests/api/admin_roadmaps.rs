//! Admin editing of roadmaps over HTTP: drafts, partial updates, revisions, soft deletes, bad
//! input and missing objects, optimistic concurrency, and deleting a roadmap learners use.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::helpers::catalog::*;
use crate::helpers::*;

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
            .gql_with(token, ops::NODE_ID, json!({ "id": r["id"] }))
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
        ops::UPDATE_ROADMAP,
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
        ops::UPDATE_ROADMAP,
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
    let d = ok(&app, &admin, ops::DELETE_ROADMAP, json!({ "id": r["id"] })).await;
    assert_eq!(d["deleteRoadmap"]["slug"], "rust");
    assert_eq!(d["deleteRoadmap"]["archivedProgress"], 0);
    let d = ok(&app, &admin, q, json!({ "s": "rust" })).await;
    assert!(d["roadmap"].is_null() && !listed(&d));
    let n = ok(&app, &admin, ops::NODE_ID, json!({ "id": r["id"] })).await;
    assert!(n["node"].is_null());
    let (code, _, _) = fails(&app, &admin, ops::DELETE_ROADMAP, json!({ "id": r["id"] })).await;
    assert_eq!(code, "NOT_FOUND");
    let (code, _, _) = fails(
        &app,
        &admin,
        ops::UPDATE_ROADMAP,
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
        ops::CREATE_ROADMAP,
        json!({ "i": new_roadmap("backend") }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("CONFLICT", "slug"));
    let (code, field, _) = fails(
        &app,
        &admin,
        ops::UPDATE_ROADMAP,
        json!({ "id": r["id"], "i": { "slug": "docker" } }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("CONFLICT", "slug"));

    // Invalid slugs.
    for slug in ["Has Caps", "", "-dash", "under_score", &"x".repeat(65)] {
        let (code, field, _) = fails(
            &app,
            &admin,
            ops::CREATE_ROADMAP,
            json!({ "i": new_roadmap(slug) }),
        )
        .await;
        assert_eq!(
            (code.as_str(), field.as_str()),
            ("BAD_USER_INPUT", "slug"),
            "{slug}"
        );
    }
    let (code, field, _) = fails(
        &app,
        &admin,
        ops::UPDATE_ROADMAP,
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
            ops::UPDATE_ROADMAP,
            json!({ "id": r["id"], "i": input }),
        )
        .await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", want));
    }
    let t = create_topic(&app, &admin, &r, None, None, "Topic").await;
    let add = ops::ADD_RESOURCE;
    let (code, field, _) = fails(&app, &admin, add,
        json!({ "t": t["id"], "i": { "kind": "ARTICLE", "title": "X", "url": "javascript:alert(1)" } })).await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "url"));
    let (code, field, _) = fails(&app, &admin, ops::CREATE_TOPIC, json!({ "r": r["id"],
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
        (ops::UPDATE_ROADMAP.to_owned(), json!({ "id": gone_roadmap, "i": { "title": "X" } })),
        (ops::DELETE_ROADMAP.to_owned(), json!({ "id": gone_roadmap })),
        ("mutation($id: ID!) { setRelatedRoadmaps(id: $id, slugs: []) { id } }".to_owned(), json!({ "id": gone_roadmap })),
        (ops::CREATE_TOPIC.to_owned(), json!({ "r": gone_roadmap, "i": { "title": "T" } })),
        (ops::CREATE_TOPIC.to_owned(), json!({ "r": r["id"], "p": gone_topic, "i": { "title": "T" } })),
        (ops::UPDATE_TOPIC.to_owned(), json!({ "id": gone_topic, "i": { "title": "T" } })),
        (ops::MOVE_TOPIC.to_owned(), json!({ "id": gone_topic, "pos": 0 })),
        (ops::DELETE_TOPIC.to_owned(), json!({ "id": gone_topic })),
        (add.to_owned(), json!({ "t": gone_topic, "i": { "kind": "VIDEO", "title": "V", "url": "https://x.org" } })),
        ("mutation($id: ID!) { updateResource(id: $id, input: { title: \"X\" }) { resource { id } } }".to_owned(), json!({ "id": gone_resource })),
        ("mutation($id: ID!) { removeResource(id: $id) { removedResourceId } }".to_owned(), json!({ "id": gone_resource })),
        ("mutation($t: ID!) { reorderResources(topicId: $t, resourceIds: []) { id } }".to_owned(), json!({ "t": gone_topic })),
        (ops::IMPORT_ROADMAP.to_owned(), json!({ "m": "REPLACE", "d": { "format": "roadmap-api/roadmap@1",
            "roadmap": { "slug": "never-made", "title": "N", "briefTitle": "N", "description": "d",
                         "briefDescription": "b", "order": 1, "kind": "SKILL" }, "topics": [] } })),
    ];
    for (q, vars) in cases {
        let (code, _, msg) = fails(&app, &admin, &q, vars.clone()).await;
        assert_eq!(code, "NOT_FOUND", "{q} {vars}: {msg}");
    }
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
        let q = ops::UPDATE_ROADMAP;
        let (x, y) = tokio::join!(
            app.gql_as(
                &admin1,
                q,
                json!({ "id": r["id"], "v": v, "i": { "title": format!("one {round}") } })
            ),
            app.gql_as(
                &admin2,
                q,
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
    let q = ops::UPDATE_TOPIC;
    let (x, y) = tokio::join!(
        app.gql_as(
            &admin1,
            q,
            json!({ "id": t["id"], "v": 1, "i": { "title": "by one" } })
        ),
        app.gql_as(
            &admin2,
            q,
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
        q,
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
        q,
        json!({ "id": t["id"], "v": 2, "i": { "title": "fresh" } }),
    )
    .await;
    assert_eq!(d["updateTopic"]["version"], 3);
    ok(
        &app,
        &admin2,
        q,
        json!({ "id": t["id"], "i": { "description": "no version given" } }),
    )
    .await;
    let (code, _, _) = fails(
        &app,
        &admin1,
        ops::MOVE_TOPIC,
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
        ops::UPDATE_ROADMAP,
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

    let (code, field, msg) =
        fails(&app, &admin, ops::DELETE_ROADMAP, json!({ "id": r["id"] })).await;
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
        ops::DELETE_ROADMAP,
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
        .all(|p| p.archived_at.is_some() && p.status == entity::enums::ProgressStatus::Done));

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
    ok(&app, &admin, ops::DELETE_TOPIC, json!({ "id": t3["id"] })).await;
    let d = ok(&app, &admin, ops::DELETE_ROADMAP, json!({ "id": r2["id"] })).await;
    assert_eq!(d["deleteRoadmap"]["archivedProgress"], 1);
    assert_eq!(progress_rows(&app, uid).await.len(), 3);
}
