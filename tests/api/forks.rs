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
    // Admins read everything, so they may fork a private roadmap; the fork is theirs.
    let admin = app.admin_token().await;
    let theirs = ok(
        &app,
        &admin,
        FORK,
        json!({ "id": private["id"], "slug": "moderated-copy" }),
    )
    .await["forkRoadmap"]
        .clone();
    assert_eq!(theirs["official"], false);
    assert_eq!(theirs["visibility"], "PRIVATE");
    // The owner forks their own private roadmap.
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

/// Statuses of the viewer on a roadmap's topics, by the key of the topic they were copied from
/// (or their own key when not a copy).
async fn statuses_by_source(app: &TestApp, token: &str, slug: &str) -> Vec<(String, String)> {
    let q = "query($s: String!) { roadmap(slug: $s) { topics { ...T children { ...T
        children { ...T children { ...T } } } } } }
        fragment T on Topic { key myStatus forkedFrom { key } }";
    let body = ok(app, token, q, json!({ "s": slug })).await;
    let mut all = Vec::new();
    walk(&body["roadmap"]["topics"], &mut all);
    all.iter()
        .map(|t| {
            let key = t["forkedFrom"]["key"].as_str().or(t["key"].as_str());
            (
                key.unwrap_or("").to_owned(),
                t["myStatus"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn progress_carries_over_to_a_fork_and_flows_both_ways() {
    let app = spawn_app().await;
    let ada = app.signup("ada").await.access_token;
    let (backend_id, topics) = crate::helpers::progress::topics_of(&app, "backend").await;
    for ((id, _), status) in topics.iter().zip(["DONE", "LEARNING", "SKIPPED", "DONE"]) {
        app.set_topic_status(&ada, id, status).await;
    }
    ok(
        &app,
        &ada,
        FORK,
        json!({ "id": backend_id, "slug": "ada-backend" }),
    )
    .await;

    // The fork shows each status on the copy of the topic, and the same counts.
    let source = statuses_by_source(&app, &ada, "backend").await;
    let copy = statuses_by_source(&app, &ada, "ada-backend").await;
    assert_eq!(source, copy);
    let on_source = app.my_progress(&ada, "backend").await;
    let on_fork = app.my_progress(&ada, "ada-backend").await;
    for field in ["done", "learning", "skipped", "pending", "total"] {
        assert_eq!(on_source[field], on_fork[field], "{field}");
    }
    assert_eq!(on_fork["done"], 2);

    // A change on the fork shows on the source, and back; each is one history event.
    let fork_tree = ok(
        &app,
        &ada,
        "{ roadmap(slug: \"ada-backend\") { topics { id forkedFrom { id } } } }",
        json!({}),
    )
    .await;
    let fifth = &fork_tree["roadmap"]["topics"][4];
    app.set_topic_status(&ada, fifth["id"].as_str().unwrap(), "DONE")
        .await;
    assert_eq!(app.my_progress(&ada, "backend").await["done"], 3);
    app.set_topic_status(&ada, fifth["forkedFrom"]["id"].as_str().unwrap(), "PENDING")
        .await;
    assert_eq!(app.my_progress(&ada, "ada-backend").await["done"], 2);
    let activity = ok(
        &app,
        &ada,
        "{ me { activity(first: 100) { totalCount } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        activity["me"]["activity"]["totalCount"], 6,
        "4 before the fork, 2 after"
    );

    // Another learner's progress is theirs alone: the fork is private to its owner.
    let bob = app.signup("bob").await.access_token;
    app.set_topic_status(&bob, &topics[0].0, "DONE").await;
    assert_eq!(app.my_progress(&ada, "ada-backend").await["done"], 2);
}

/// A whole forked, linked tree with `myStatus`, `linkedTopics`, `forkedFrom` and `myProgress`
/// costs the same number of statements for a roadmap five times the size.
#[tokio::test]
async fn a_forked_tree_with_progress_costs_a_fixed_number_of_statements() {
    let app = spawn_app().await;
    let (_, backend) = crate::helpers::progress::topics_of(&app, "backend").await;
    crate::helpers::progress::import_generated(&app, "bigtree", backend.len() * 5).await;
    let (big_id, big) = crate::helpers::progress::topics_of(&app, "bigtree").await;
    let (backend_id, _) = crate::helpers::progress::topics_of(&app, "backend").await;
    let s = app.signup("counter").await.access_token;
    for (id, _) in backend.iter().take(7).chain(big.iter().take(9)) {
        app.set_topic_status(&s, id, "DONE").await;
    }
    ok(
        &app,
        &s,
        FORK,
        json!({ "id": backend_id, "slug": "small-fork" }),
    )
    .await;
    ok(&app, &s, FORK, json!({ "id": big_id, "slug": "big-fork" })).await;
    let q = "query($s: String!) { roadmap(slug: $s) { forkedFrom { slug }
        myProgress { done total } topics { ...T children { ...T children { ...T
        children { ...T } } } } } }
        fragment T on Topic { key myStatus forkedFrom { key } linkedTopics { key myStatus } }";
    for slug in ["small-fork", "big-fork"] {
        app.gql_as(&s, q, json!({ "s": slug })).await;
    }
    let mut costs = Vec::new();
    for slug in ["small-fork", "big-fork"] {
        let before = app.metric("roadmap_db_statements_total").await;
        let body = app.gql_as(&s, q, json!({ "s": slug })).await;
        let after = app.metric("roadmap_db_statements_total").await;
        assert!(body.get("errors").is_none(), "{body}");
        let mut all = Vec::new();
        walk(&body["data"]["roadmap"]["topics"], &mut all);
        assert!(all.iter().all(|t| t["forkedFrom"]["key"].is_string()));
        // Each copy is linked with its source; copies of a repeat also with each other.
        assert!(all
            .iter()
            .all(|t| t["linkedTopics"].as_array().is_some_and(|l| !l.is_empty())));
        costs.push((slug, all.len(), (after - before) as u64));
    }
    println!("statements per forked whole-tree query with progress: {costs:?}");
    assert!(costs[1].1 >= 5 * costs[0].1 / 2, "{costs:?}");
    assert_eq!(costs[0].2, costs[1].2, "SQL grows with the tree: {costs:?}");
}

/// Other learners' changes are not written onto a PRIVATE fork they cannot read (so forks do not
/// make everyone's writes dearer); when the fork opens up (PUBLIC, or a followed share link),
/// their statuses arrive on it.
#[tokio::test]
async fn a_private_fork_receives_others_statuses_once_it_opens_up() {
    let app = spawn_app().await;
    let (backend_id, topics) = crate::helpers::progress::topics_of(&app, "backend").await;
    let ada = app.signup("ada").await.access_token;
    let bob = app.signup("bob").await;
    let cyd = app.signup("cyd").await;
    for s in [&bob, &cyd] {
        app.set_topic_status(&s.access_token, &topics[0].0, "DONE")
            .await;
    }
    let fork = ok(
        &app,
        &ada,
        FORK,
        json!({ "id": backend_id, "slug": "ada-fork" }),
    )
    .await["forkRoadmap"]
        .clone();
    app.set_topic_status(&bob.access_token, &topics[1].0, "LEARNING")
        .await;
    let rows = |user: &str| {
        format!(
            "SELECT COUNT(*) FROM progress WHERE user_id = {} AND archived_at IS NULL",
            user_number(user)
        )
    };
    assert_eq!(
        count_rows(&app, &rows(&bob.user_id)).await,
        2,
        "nothing on the private fork"
    );

    // UNLISTED: only who opens the link gets their statuses onto it.
    let share = "mutation($id: ID!) { updateRoadmap(id: $id, input: { visibility: UNLISTED }) {
        shareToken } }";
    let token = ok(&app, &ada, share, json!({ "id": fork["id"] })).await["updateRoadmap"]
        ["shareToken"]
        .clone();
    assert_eq!(count_rows(&app, &rows(&bob.user_id)).await, 2);
    let open = "query($t: String) { roadmap(slug: \"ada-fork\", shareToken: $t) { id } }";
    ok(&app, &bob.access_token, open, json!({ "t": token })).await;
    assert_eq!(count_rows(&app, &rows(&bob.user_id)).await, 4);
    let mine = "query($t: String) { roadmap(slug: \"ada-fork\", shareToken: $t) {
        myProgress { done learning } } }";
    let on_fork = ok(&app, &bob.access_token, mine, json!({ "t": token })).await;
    assert_eq!(
        on_fork["roadmap"]["myProgress"],
        json!({ "done": 1, "learning": 1 })
    );
    assert_eq!(count_rows(&app, &rows(&cyd.user_id)).await, 1);

    // PUBLIC: everyone's statuses arrive.
    let publish = "mutation($id: ID!) { updateRoadmap(id: $id, input: { visibility: PUBLIC }) {
        id } }";
    ok(&app, &ada, publish, json!({ "id": fork["id"] })).await;
    assert_eq!(count_rows(&app, &rows(&cyd.user_id)).await, 2);
    assert_eq!(
        app.my_progress(&cyd.access_token, "ada-fork").await["done"],
        1
    );
    // And from now on a change flows onto it directly.
    app.set_topic_status(&cyd.access_token, &topics[2].0, "SKIPPED")
        .await;
    assert_eq!(
        app.my_progress(&cyd.access_token, "ada-fork").await["skipped"],
        1
    );
}

/// `me.roadmaps` lists the roadmaps one owns, a fork as soon as it exists (before any progress),
/// newest first, drafts and PRIVATE ones included; nobody else sees another's list.
#[tokio::test]
async fn my_roadmaps_list_a_fork_at_once_and_only_to_me() {
    let app = spawn_app().await;
    let ada = app.signup("ada").await.access_token;
    let bob = app.signup("bob").await.access_token;
    const MINE: &str = "{ me { roadmaps { slug visibility forkedFrom { slug } } } }";
    assert_eq!(
        ok(&app, &ada, MINE, json!({})).await["me"]["roadmaps"],
        json!([])
    );
    ok(
        &app,
        &ada,
        "mutation { createRoadmap(input: { slug: \"ada-notes\", title: \"Notes\", briefTitle: \
         \"Notes\", description: \"N.\", briefDescription: \"N.\", kind: SKILL, visibility: \
         PUBLIC, isForkable: true }) { id } }",
        json!({}),
    )
    .await;
    let backend = ok(
        &app,
        &ada,
        "{ roadmap(slug: \"backend\") { id } }",
        json!({}),
    )
    .await["roadmap"]["id"]
        .clone();
    ok(&app, &ada, FORK, json!({ "id": backend })).await;
    assert_eq!(
        ok(&app, &ada, MINE, json!({})).await["me"]["roadmaps"],
        json!([
            { "slug": "backend-ada", "visibility": "PRIVATE", "forkedFrom": { "slug": "backend" } },
            { "slug": "ada-notes", "visibility": "PUBLIC", "forkedFrom": null },
        ])
    );
    // Through a roadmap's owner, someone else reads no list.
    let theirs = ok(
        &app,
        &bob,
        "{ roadmap(slug: \"ada-notes\") { owner { username roadmaps { slug } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        theirs["roadmap"]["owner"],
        json!({ "username": "ada", "roadmaps": null })
    );
    assert_eq!(
        ok(&app, &bob, MINE, json!({})).await["me"]["roadmaps"],
        json!([])
    );
}
