//! Admin editing of a roadmap's topic tree and of topics' resources over HTTP.

use std::collections::HashSet;

use sea_orm::EntityTrait;
use serde_json::{json, Value};

use crate::helpers::catalog::*;
use crate::helpers::*;

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
        ops::CREATE_TOPIC,
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
        ops::MOVE_TOPIC,
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
        ops::MOVE_TOPIC,
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
        ops::MOVE_TOPIC,
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
            ops::MOVE_TOPIC,
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
        ops::MOVE_TOPIC,
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
        ops::MOVE_TOPIC,
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
        ops::CREATE_TOPIC,
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
        ops::UPDATE_TOPIC,
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
        ops::UPDATE_TOPIC,
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
        ops::UPDATE_TOPIC,
        json!({ "id": c["id"], "i": { "title": "  " } }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "title"));
    let (code, field, _) = fails(
        &app,
        &admin,
        ops::UPDATE_TOPIC,
        json!({ "id": c["id"], "i": { "title": "two\nlines" } }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "title"));

    // Delete b: its subtree goes too; siblings are renumbered; the topics are gone from reads.
    let d = ok(&app, &admin, ops::DELETE_TOPIC, json!({ "id": b["id"] })).await;
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
        let body = ok(&app, &admin, ops::TOPIC_ID, json!({ "id": t["id"] })).await;
        assert!(body["topic"].is_null());
        let (code, _, _) = fails(
            &app,
            &admin,
            ops::UPDATE_TOPIC,
            json!({ "id": t["id"], "i": { "title": "X" } }),
        )
        .await;
        assert_eq!(code, "NOT_FOUND");
    }
    // Soft delete: the rows are still there.
    let db = app.db.connect().await;
    let row = entity::topics::Entity::find_by_id(entity::ids::TopicKey(key(&a1x)))
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
