//! Forks: a learner copies a roadmap they can read into one they own, sees what changed upstream
//! since, and who may fork what.
use serde_json::{json, Value};

use crate::helpers::catalog::*;
use crate::helpers::*;

const FORK: &str = "mutation($id: ID!, $slug: String, $t: String) {
    forkRoadmap(roadmapId: $id, slug: $slug, shareToken: $t) {
    id slug title official visibility status owner { username } forkedFrom { slug }
    topicCount upstreamChanges { kind } } }";
const TREE: &str = "query($s: String!) { roadmap(slug: $s) { topics {
    key title legend resources { kind title url } forkedFrom { key }
    children { key title legend resources { kind title url } forkedFrom { key }
    children { key title forkedFrom { key } } } } } }";
const CHANGES: &str = "query($s: String!) { roadmap(slug: $s) {
    upstreamChanges { kind title topicId at topic { key title } } } }";

/// The tree of a roadmap without its keys (and with the source keys aside), to compare copies.
fn shape(topics: &Value, sources: &mut Vec<String>, own: &mut Vec<String>) -> Value {
    let list = topics.as_array().cloned().unwrap_or_default();
    Value::Array(
        list.iter()
            .map(|t| {
                own.push(t["key"].as_str().unwrap_or("").to_owned());
                if let Some(k) = t["forkedFrom"]["key"].as_str() {
                    sources.push(k.to_owned());
                }
                json!({ "title": t["title"], "legend": t["legend"], "resources": t["resources"],
                        "children": shape(&t["children"], &mut Vec::new(), &mut Vec::new()) })
            })
            .collect(),
    )
}

#[tokio::test]
async fn a_fork_is_a_private_copy_that_remembers_its_source() {
    let app = spawn_app().await;
    let ada = app.signup("ada").await.access_token;
    let backend = ok(
        &app,
        &ada,
        "{ roadmap(slug: \"backend\") { id topicCount } }",
        json!({}),
    )
    .await["roadmap"]
        .clone();

    let fork = ok(&app, &ada, FORK, json!({ "id": backend["id"] })).await["forkRoadmap"].clone();
    assert_eq!(fork["slug"], "backend-ada");
    assert_eq!(fork["official"], false);
    assert_eq!(fork["visibility"], "PRIVATE");
    assert_eq!(fork["status"], "PUBLISHED");
    assert_eq!(fork["owner"]["username"], "ada");
    assert_eq!(fork["forkedFrom"]["slug"], "backend");
    assert_eq!(fork["topicCount"], backend["topicCount"]);
    assert_eq!(fork["upstreamChanges"], json!([]));

    // Same tree, order, legend marks and resources; fresh keys, each copy naming its source.
    let source = ok(&app, &ada, TREE, json!({ "s": "backend" })).await;
    let copy = ok(&app, &ada, TREE, json!({ "s": "backend-ada" })).await;
    let (mut src_sources, mut src_keys) = (Vec::new(), Vec::new());
    let (mut copy_sources, mut copy_keys) = (Vec::new(), Vec::new());
    let a = shape(
        &source["roadmap"]["topics"],
        &mut src_sources,
        &mut src_keys,
    );
    let b = shape(
        &copy["roadmap"]["topics"],
        &mut copy_sources,
        &mut copy_keys,
    );
    assert_eq!(a, b);
    assert!(src_sources.is_empty(), "the source is no copy");
    assert_eq!(
        copy_sources, src_keys,
        "each root copy names its source topic"
    );
    assert!(copy_keys.iter().all(|k| !src_keys.contains(k)));

    // Only the forker sees it; a second fork needs another slug.
    assert_eq!(
        app.gql("{ roadmap(slug: \"backend-ada\") { id } }", json!({}))
            .await["data"]["roadmap"],
        Value::Null
    );
    let (code, field, _) = fails(&app, &ada, FORK, json!({ "id": backend["id"] })).await;
    assert_eq!((code.as_str(), field.as_str()), ("CONFLICT", "slug"));
    let (code, field, _) = fails(
        &app,
        &ada,
        FORK,
        json!({ "id": backend["id"], "slug": "Not A Slug" }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "slug"));
    let again = ok(
        &app,
        &ada,
        FORK,
        json!({ "id": backend["id"], "slug": "my-backend" }),
    )
    .await;
    assert_eq!(again["forkRoadmap"]["slug"], "my-backend");
    // Revisions of the fork start with the fork.
    let revs = ok(
        &app,
        &ada,
        "{ roadmap(slug: \"my-backend\") { revisions { nodes { mutation } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        revs["roadmap"]["revisions"]["nodes"][0]["mutation"],
        "forkRoadmap"
    );
}

#[tokio::test]
async fn only_what_you_can_read_can_be_forked() {
    let app = spawn_app().await;
    let owner = app.signup("owner").await.access_token;
    let other = app.signup("other").await.access_token;
    let create = "mutation($i: CreateRoadmapInput!) { createRoadmap(input: $i) { id shareToken } }";
    let mut private = new_roadmap("private-one");
    private["visibility"] = json!("PRIVATE");
    let private = ok(&app, &owner, create, json!({ "i": private })).await["createRoadmap"].clone();
    let mut unlisted = new_roadmap("unlisted-one");
    unlisted["visibility"] = json!("UNLISTED");
    let unlisted =
        ok(&app, &owner, create, json!({ "i": unlisted })).await["createRoadmap"].clone();

    let (code, _, msg) = fails(&app, &other, FORK, json!({ "id": private["id"] })).await;
    assert_eq!(code, "NOT_FOUND", "{msg}");
    assert!(msg.contains("roadmapId"), "{msg}");
    let (code, _, _) = fails(&app, &other, FORK, json!({ "id": unlisted["id"] })).await;
    assert_eq!(code, "NOT_FOUND", "an UNLISTED roadmap needs its link");
    let forked = ok(
        &app,
        &other,
        FORK,
        json!({ "id": unlisted["id"], "t": unlisted["shareToken"] }),
    )
    .await;
    assert_eq!(forked["forkRoadmap"]["slug"], "unlisted-one-other");
    // The owner forks their own private roadmap; the source then reads as null for others.
    ok(&app, &owner, FORK, json!({ "id": private["id"] })).await;
    let body = app
        .gql_with(None, FORK, json!({ "id": private["id"] }))
        .await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    let (code, field, _) = fails(&app, &other, FORK, json!({ "id": "bm9wZQ" })).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "roadmapId")
    );
}

#[tokio::test]
async fn upstream_changes_list_what_the_source_added_changed_and_removed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let ada = app.signup("ada").await.access_token;
    let mut input = new_roadmap("upstream");
    input["status"] = json!("PUBLISHED");
    let src =
        ok(&app, &admin, ops::CREATE_ROADMAP, json!({ "i": input })).await["createRoadmap"].clone();
    let a = create_topic(&app, &admin, &src, None, None, "A").await;
    let b = create_topic(&app, &admin, &src, None, None, "B").await;
    let c = create_topic(&app, &admin, &src, None, None, "C").await;
    ok(
        &app,
        &ada,
        FORK,
        json!({ "id": src["id"], "slug": "downstream" }),
    )
    .await;
    let changes = ok(&app, &ada, CHANGES, json!({ "s": "downstream" })).await;
    assert_eq!(changes["roadmap"]["upstreamChanges"], json!([]));

    let d = create_topic(&app, &admin, &src, None, None, "D").await;
    let e = create_topic(&app, &admin, &src, None, None, "E").await;
    let update =
        "mutation($id: ID!) { updateTopic(id: $id, input: { title: \"A, renamed\" }) { id } }";
    ok(&app, &admin, update, json!({ "id": a["id"] })).await;
    let delete = "mutation($id: ID!) { deleteTopic(id: $id) { deletedTopicIds } }";
    ok(&app, &admin, delete, json!({ "id": b["id"] })).await;
    ok(&app, &admin, delete, json!({ "id": e["id"] })).await;
    let add = "mutation($id: ID!) { addResource(topicId: $id, input: { kind: ARTICLE, title: \"R\", url: \"https://x.org/r\" }) { resource { id } } }";
    ok(&app, &admin, add, json!({ "id": c["id"] })).await;

    let changes = ok(&app, &ada, CHANGES, json!({ "s": "downstream" })).await;
    let list = changes["roadmap"]["upstreamChanges"]
        .as_array()
        .unwrap()
        .clone();
    let by_kind = |kind: &str| -> Vec<String> {
        let mut v: Vec<String> = list
            .iter()
            .filter(|c| c["kind"] == kind)
            .map(|c| c["title"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(by_kind("ADDED"), ["D"], "{list:?}");
    assert_eq!(by_kind("CHANGED"), ["A, renamed", "C"], "{list:?}");
    assert_eq!(by_kind("REMOVED"), ["B"], "E came and went: {list:?}");
    assert_eq!(list.len(), 4);
    // Newest first; live ones link to the source topic, removed ones do not.
    assert_eq!(list[0]["title"], "C");
    let added = list.iter().find(|c| c["kind"] == "ADDED").unwrap();
    assert_eq!(added["topicId"], d["id"]);
    assert_eq!(added["topic"]["title"], "D");
    let removed = list.iter().find(|c| c["kind"] == "REMOVED").unwrap();
    assert_eq!(removed["topic"], Value::Null);

    // Once the source is out of reach, nothing is listed.
    let hide = "mutation($id: ID!) { updateRoadmap(id: $id, input: { status: DRAFT }) { id } }";
    ok(&app, &admin, hide, json!({ "id": src["id"] })).await;
    let changes = ok(&app, &ada, CHANGES, json!({ "s": "downstream" })).await;
    assert_eq!(changes["roadmap"]["upstreamChanges"], json!([]));
}
