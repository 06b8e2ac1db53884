//! Authoring for everyone: learners' own roadmaps, who reads each visibility (owner, other user,
//! anonymous, admin), who may edit (the authorisation matrix of every editing mutation), share
//! links, the limits, and leaving with one's roadmaps.
use serde_json::{json, Value};

use crate::helpers::catalog::*;
use crate::helpers::*;

const CREATE: &str = "mutation($i: CreateRoadmapInput!) { createRoadmap(input: $i) {
    id slug official visibility status shareToken owner { username } } }";
const READ: &str = "query($s: String!, $t: String) { roadmap(slug: $s, shareToken: $t) {
    id slug visibility shareToken owner { username } topics { id title roadmap { slug } } } }";

/// A learner's roadmap with one topic; returns (roadmap, topic).
async fn own_roadmap(app: &TestApp, token: &str, slug: &str, visibility: &str) -> (Value, Value) {
    let mut input = new_roadmap(slug);
    input["visibility"] = json!(visibility);
    let r = ok(app, token, CREATE, json!({ "i": input })).await["createRoadmap"].clone();
    let t = create_topic(app, token, &r, None, None, "First topic").await;
    (r, t)
}

async fn read(app: &TestApp, token: Option<&str>, slug: &str, share: Option<&str>) -> Value {
    let body = app
        .gql_with(token, READ, json!({ "s": slug, "t": share }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["roadmap"].clone()
}

#[tokio::test]
async fn learners_own_what_they_create_and_admins_curate_the_official_catalogue() {
    let app = spawn_app().await;
    let ada = app.signup("ada").await.access_token;
    let admin = app.admin_token().await;

    let mine = ok(&app, &ada, CREATE, json!({ "i": new_roadmap("ada-notes") })).await
        ["createRoadmap"]
        .clone();
    assert_eq!(mine["official"], false);
    assert_eq!(mine["owner"]["username"], "ada");
    assert_eq!(mine["visibility"], "PRIVATE");
    assert_eq!(mine["status"], "PUBLISHED");
    assert_eq!(mine["shareToken"].as_str().map(str::len), Some(32));

    let mut official = new_roadmap("ada-official");
    official["official"] = json!(true);
    let (code, field, _) = fails(&app, &ada, CREATE, json!({ "i": official })).await;
    assert_eq!((code.as_str(), field.as_str()), ("FORBIDDEN", ""));

    let curated = ok(&app, &admin, CREATE, json!({ "i": new_roadmap("curated") })).await
        ["createRoadmap"]
        .clone();
    assert_eq!(curated["official"], true);
    assert_eq!(curated["owner"], Value::Null);
    assert_eq!(curated["visibility"], "PUBLIC");
    assert_eq!(curated["shareToken"], Value::Null, "nobody owns it");
    let mut admins_own = new_roadmap("admins-own");
    admins_own["official"] = json!(false);
    let a = ok(&app, &admin, CREATE, json!({ "i": admins_own })).await["createRoadmap"].clone();
    assert_eq!(a["official"], false);
    assert_eq!(a["visibility"], "PRIVATE");

    // The official catalogue lists official roadmaps only, whatever their visibility.
    let publish = "mutation($id: ID!) { updateRoadmap(id: $id, input: { visibility: PUBLIC }) { visibility } }";
    ok(&app, &ada, publish, json!({ "id": mine["id"] })).await;
    let list = ok(
        &app,
        &admin,
        "{ roadmaps(first: 100) { nodes { slug official } } }",
        json!({}),
    )
    .await;
    let slugs: Vec<&str> = list["roadmaps"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["slug"].as_str().unwrap())
        .collect();
    assert!(slugs.contains(&"curated") && slugs.contains(&"backend"));
    assert!(!slugs.contains(&"ada-notes") && !slugs.contains(&"admins-own"));

    // Slugs are unique across official and learners' roadmaps.
    let (code, field, _) = fails(&app, &ada, CREATE, json!({ "i": new_roadmap("backend") })).await;
    assert_eq!((code.as_str(), field.as_str()), ("CONFLICT", "slug"));
}

#[tokio::test]
async fn each_visibility_as_owner_other_user_anonymous_and_admin() {
    let app = spawn_app().await;
    let owner = app.signup("owner").await.access_token;
    let other = app.signup("other").await.access_token;
    let admin = app.admin_token().await;
    for visibility in ["PRIVATE", "UNLISTED", "PUBLIC"] {
        let slug = format!("v-{}", visibility.to_lowercase());
        let (r, t) = own_roadmap(&app, &owner, &slug, visibility).await;
        let token = r["shareToken"].as_str().unwrap().to_owned();
        let by_id = |tok: Option<String>, id: Value| {
            let app = &app;
            async move {
                let body = app
                    .gql_with(
                        tok.as_deref(),
                        "query($id: ID!) { node(id: $id) { id } }",
                        json!({ "id": id }),
                    )
                    .await;
                body["data"]["node"].clone()
            }
        };
        let topic_by_id = |tok: Option<String>| {
            let app = &app;
            let id = t["id"].clone();
            async move {
                let body = app
                    .gql_with(tok.as_deref(), ops::TOPIC_ID, json!({ "id": id }))
                    .await;
                body["data"]["topic"].clone()
            }
        };
        for (who, tok) in [
            ("owner", Some(owner.clone())),
            ("other", Some(other.clone())),
            ("anonymous", None),
            ("admin", Some(admin.clone())),
        ] {
            let privileged = who == "owner" || who == "admin";
            let readable = privileged || visibility == "PUBLIC";
            let seen = read(&app, tok.as_deref(), &slug, None).await;
            assert_eq!(seen.is_object(), readable, "{visibility} as {who}: {seen}");
            assert_eq!(
                by_id(tok.clone(), r["id"].clone()).await.is_object(),
                readable,
                "{visibility} node as {who}"
            );
            assert_eq!(
                topic_by_id(tok.clone()).await.is_object(),
                readable,
                "{visibility} topic as {who}"
            );
            if readable {
                // Only the owner sees the share token.
                let shown = seen["shareToken"].as_str().is_some();
                assert_eq!(shown, who == "owner", "{visibility} shareToken as {who}");
                assert_eq!(seen["topics"][0]["roadmap"]["slug"], slug.as_str());
            }
            // With the link: UNLISTED opens to everyone, PRIVATE to nobody new.
            let linked = read(&app, tok.as_deref(), &slug, Some(&token)).await;
            let want = readable || visibility == "UNLISTED";
            assert_eq!(
                linked.is_object(),
                want,
                "{visibility} with link as {who}: {linked}"
            );
            if want {
                assert_eq!(
                    linked["topics"][0]["roadmap"]["slug"],
                    slug.as_str(),
                    "topics resolve their roadmap"
                );
            }
            let wrong = read(&app, tok.as_deref(), &slug, Some("not-the-token")).await;
            assert_eq!(
                wrong.is_object(),
                readable,
                "{visibility} wrong link as {who}"
            );
        }
        // Never in the official catalogue.
        let list = app
            .gql("{ roadmaps(first: 100) { nodes { slug } } }", json!({}))
            .await;
        assert!(!list.to_string().contains(&slug));
    }
}

#[tokio::test]
async fn regenerating_the_share_token_closes_old_links() {
    let app = spawn_app().await;
    let owner = app.signup("sharer").await.access_token;
    let friend = app.signup("friend").await.access_token;
    let stranger = app.signup("stranger").await.access_token;
    let (r, t) = own_roadmap(&app, &owner, "shared-notes", "UNLISTED").await;
    let old = r["shareToken"].as_str().unwrap().to_owned();
    assert!(read(&app, None, "shared-notes", Some(&old))
        .await
        .is_object());

    // Knowing a topic's id is not enough to record progress; opening the link signed in is.
    let mark = "mutation($t: ID!) { setTopicStatus(topicId: $t, status: DONE) {
        changed progress { roadmap { slug } done } } }";
    let (code, _, _) = fails(&app, &stranger, mark, json!({ "t": t["id"] })).await;
    assert_eq!(code, "NOT_FOUND");
    assert!(read(&app, Some(&friend), "shared-notes", Some(&old))
        .await
        .is_object());
    let marked = ok(&app, &friend, mark, json!({ "t": t["id"] })).await;
    assert_eq!(
        marked["setTopicStatus"]["progress"]["roadmap"]["slug"],
        "shared-notes"
    );
    let dashboard = "{ me { progress { nodes { roadmap { slug } done total } } } }";
    let me = ok(&app, &friend, dashboard, json!({})).await;
    assert_eq!(
        me["me"]["progress"]["nodes"][0]["roadmap"]["slug"],
        "shared-notes"
    );
    assert_eq!(me["me"]["progress"]["nodes"][0]["done"], 1);

    let regen = "mutation($id: ID!) { regenerateShareToken(roadmapId: $id) { shareToken } }";
    let (code, _, _) = fails(&app, &friend, regen, json!({ "id": r["id"] })).await;
    assert_eq!(
        code, "NOT_FOUND",
        "an UNLISTED roadmap does not exist for others by id"
    );
    let new = ok(&app, &owner, regen, json!({ "id": r["id"] })).await["regenerateShareToken"]
        ["shareToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    assert_eq!(
        read(&app, None, "shared-notes", Some(&old)).await,
        Value::Null
    );
    assert!(read(&app, None, "shared-notes", Some(&new))
        .await
        .is_object());
    // The old link no longer lets the friend in: their progress is kept, but hidden…
    let (code, _, _) = fails(&app, &friend, mark, json!({ "t": t["id"] })).await;
    assert_eq!(code, "NOT_FOUND");
    let me = ok(&app, &friend, dashboard, json!({})).await;
    assert_eq!(me["me"]["progress"]["nodes"], json!([]));
    // …until they open the new one.
    read(&app, Some(&friend), "shared-notes", Some(&new)).await;
    let me = ok(&app, &friend, dashboard, json!({})).await;
    assert_eq!(me["me"]["progress"]["nodes"][0]["done"], 1);
    // The revision says a token was made, never which.
    let revs = ok(
        &app,
        &owner,
        "{ roadmap(slug: \"shared-notes\") { revisions(first: 1) { nodes { mutation diff } } } }",
        json!({}),
    )
    .await;
    let last = &revs["roadmap"]["revisions"]["nodes"][0];
    assert_eq!(last["mutation"], "regenerateShareToken");
    assert!(!last.to_string().contains(&new));
}

/// Every editing mutation on a learner's roadmap, for the owner, another user, anonymous and an
/// admin: owners and admins may, another user is refused (`FORBIDDEN` when they can read the
/// roadmap, `NOT_FOUND` when it is PRIVATE), anonymous callers must sign in.
#[tokio::test]
async fn editing_matrix_for_owner_other_user_anonymous_and_admin() {
    let app = spawn_app().await;
    let owner = app.signup("author").await.access_token;
    let other = app.signup("stranger").await.access_token;
    let admin = app.admin_token().await;
    for visibility in ["PUBLIC", "PRIVATE"] {
        let slug = format!("m-{}", visibility.to_lowercase());
        let (r, t) = own_roadmap(&app, &owner, &slug, visibility).await;
        let add = "mutation($id: ID!) { addResource(topicId: $id, input: { kind: VIDEO, title: \"V\", url: \"https://x.org/v\" }) { resource { id } } }";
        let res = ok(&app, &owner, add, json!({ "id": t["id"] })).await["addResource"]["resource"]
            ["id"]
            .clone();
        let export = ok(
            &app,
            &owner,
            "query($s: String!) { exportRoadmap(slug: $s) { json } }",
            json!({ "s": slug }),
        )
        .await["exportRoadmap"]["json"]
            .clone();
        let ops: Vec<(&str, &str, Value)> = vec![
            ("updateRoadmap", "mutation($id: ID!) { updateRoadmap(id: $id, input: { title: \"New title\" }) { id } }", json!({ "id": r["id"] })),
            ("setRelatedRoadmaps", "mutation($id: ID!) { setRelatedRoadmaps(id: $id, slugs: [\"backend\"]) { id } }", json!({ "id": r["id"] })),
            ("regenerateShareToken", "mutation($id: ID!) { regenerateShareToken(roadmapId: $id) { id } }", json!({ "id": r["id"] })),
            ("importRoadmap", "mutation($d: JSON) { importRoadmap(document: $d, mode: REPLACE) { slug } }", json!({ "d": export })),
            ("exportRoadmap", "query($s: String!) { exportRoadmap(slug: $s) { slug } }", json!({ "s": slug })),
            ("revisions", "query($s: String!) { roadmap(slug: $s) { revisions { totalCount } } }", json!({ "s": slug })),
            ("createTopic", "mutation($r: ID!) { createTopic(roadmapId: $r, input: { title: \"X\" }) { id } }", json!({ "r": r["id"] })),
            ("updateTopic", "mutation($id: ID!) { updateTopic(id: $id, input: { title: \"Y\" }) { id } }", json!({ "id": t["id"] })),
            ("moveTopic", "mutation($id: ID!) { moveTopic(id: $id, position: 0) { id } }", json!({ "id": t["id"] })),
            ("updateResource", "mutation($id: ID!) { updateResource(id: $id, input: { title: \"W\" }) { resource { id } } }", json!({ "id": res })),
            ("reorderResources", "mutation($id: ID!, $r: ID!) { reorderResources(topicId: $id, resourceIds: [$r]) { id } }", json!({ "id": t["id"], "r": res })),
            ("removeResource", "mutation($id: ID!) { removeResource(id: $id) { removedResourceId } }", json!({ "id": res })),
            ("addResource", add, json!({ "id": t["id"] })),
            ("deleteTopic", "mutation($id: ID!) { deleteTopic(id: $id) { deletedTopicIds } }", json!({ "id": t["id"] })),
            ("deleteRoadmap", "mutation($id: ID!) { deleteRoadmap(id: $id) { slug } }", json!({ "id": r["id"] })),
        ];
        let refused = if visibility == "PRIVATE" {
            "NOT_FOUND"
        } else {
            "FORBIDDEN"
        };
        for (name, q, vars) in &ops {
            let body = app.gql_with(None, q, vars.clone()).await;
            if *name == "revisions" && visibility == "PRIVATE" {
                assert_eq!(body["data"]["roadmap"], Value::Null, "{body}");
            } else {
                assert_eq!(
                    error_code(&body),
                    Some("UNAUTHENTICATED"),
                    "{name} anonymous: {body}"
                );
            }
            let body = app.gql_with(Some(&other), q, vars.clone()).await;
            let got = error_code(&body);
            // A private roadmap's `revisions` field sits under a null `roadmap`.
            if *name == "revisions" && visibility == "PRIVATE" {
                assert_eq!(body["data"]["roadmap"], Value::Null, "{body}");
            } else if *name == "exportRoadmap" && visibility == "PRIVATE" {
                assert_eq!(body["data"]["exportRoadmap"], Value::Null, "{body}");
            } else {
                assert_eq!(
                    got,
                    Some(refused),
                    "{name} on {visibility} as another user: {body}"
                );
            }
        }
        // The owner, then an admin (moderation), may run each; what destroys runs once, by the
        // owner, last.
        for (name, q, vars) in &ops {
            let destroys = name.starts_with("delete") || *name == "removeResource";
            let callers: &[&String] = if destroys {
                &[&owner]
            } else {
                &[&owner, &admin]
            };
            for tok in callers {
                let body = app.gql_with(Some(tok.as_str()), q, vars.clone()).await;
                assert!(
                    body.get("errors").is_none(),
                    "{name} on {visibility}: {body}"
                );
            }
        }
    }
    // Admins moderate: they may delete a learner's roadmap too.
    let (r, _) = own_roadmap(&app, &owner, "moderated", "PUBLIC").await;
    ok(
        &app,
        &admin,
        "mutation($id: ID!) { deleteRoadmap(id: $id) { slug } }",
        json!({ "id": r["id"] }),
    )
    .await;
    assert_eq!(
        read(&app, Some(&owner), "moderated", None).await,
        Value::Null
    );
}

#[tokio::test]
async fn a_learner_may_own_max_roadmaps_per_user_of_at_most_2000_topics() {
    let app = spawn_app_with(|s| s.max_roadmaps_per_user = 2).await;
    let ada = app.signup("limited").await.access_token;
    let admin = app.admin_token().await;
    for slug in ["one", "two"] {
        ok(&app, &ada, CREATE, json!({ "i": new_roadmap(slug) })).await;
    }
    let (code, field, message) =
        fails(&app, &ada, CREATE, json!({ "i": new_roadmap("three") })).await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "input"));
    assert!(message.contains("MAX_ROADMAPS_PER_USER = 2"), "{message}");
    let fork = "mutation { forkRoadmap(roadmapId: \"Um9hZG1hcDox\") { slug } }";
    let (code, _, message) = fails(&app, &ada, fork, json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT", "{message}");
    // Official roadmaps do not count against anyone.
    ok(
        &app,
        &admin,
        CREATE,
        json!({ "i": new_roadmap("official-three") }),
    )
    .await;
    // Deleting one frees a place.
    let id = ok(&app, &ada, "{ roadmap(slug: \"one\") { id } }", json!({})).await["roadmap"]["id"]
        .clone();
    ok(
        &app,
        &ada,
        "mutation($id: ID!) { deleteRoadmap(id: $id) { slug } }",
        json!({ "id": id }),
    )
    .await;
    ok(&app, &ada, CREATE, json!({ "i": new_roadmap("three") })).await;

    // 2,001 topics in a document of one's own: refused, naming the limit.
    let bob = app.signup("bigimport").await.access_token;
    let topics: Vec<Value> = (0..2001)
        .map(
            |i| json!({ "id": format!("big-{i}"), "title": format!("Topic {i}"), "kind": "TOPIC" }),
        )
        .collect();
    let doc = json!({ "format": "roadmap-api/roadmap@1",
        "roadmap": { "slug": "too-big", "title": "Too big", "briefTitle": "Big", "description": "d",
                     "briefDescription": "b", "order": 1, "kind": "SKILL" },
        "topics": topics });
    let import = "mutation($d: JSON) { importRoadmap(document: $d) { slug } }";
    let (code, field, message) = fails(&app, &bob, import, json!({ "d": doc })).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "topics"),
        "{message}"
    );
    assert!(message.contains("2000"), "{message}");
    assert_eq!(
        read(&app, Some(&bob), "too-big", None).await,
        Value::Null,
        "nothing kept"
    );
}

#[tokio::test]
async fn deleting_an_account_deletes_the_roadmaps_it_owns() {
    let app = spawn_app().await;
    let leaver = app.signup("leaver").await;
    let (r, _) = own_roadmap(&app, &leaver.access_token, "leavers-map", "PUBLIC").await;
    assert!(read(&app, None, "leavers-map", None).await.is_object());
    let del = "mutation($p: String!) { deleteAccount(input: { password: $p }) }";
    ok(
        &app,
        &leaver.access_token,
        del,
        json!({ "p": leaver.password }),
    )
    .await;
    assert_eq!(read(&app, None, "leavers-map", None).await, Value::Null);
    let admin = app.admin_token().await;
    let body = app
        .gql_as(&admin, ops::NODE_ID, json!({ "id": r["id"] }))
        .await;
    assert_eq!(body["data"]["node"], Value::Null, "gone for admins too");
    // Its slug is free again.
    ok(
        &app,
        &admin,
        CREATE,
        json!({ "i": new_roadmap("leavers-map") }),
    )
    .await;
}
