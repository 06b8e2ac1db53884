//! Public profiles and badges: opt-in visibility (a private or unknown profile is null and its
//! badge 404 for anonymous readers, other users and admins), what a profile lists (only roadmaps
//! the viewer can read and the learner chose), `updateProfile` validation, and the badge's
//! content, ETag / 304, Content-Type and Cache-Control.
use serde_json::{json, Value};

use crate::helpers::catalog::{create_topic, fails, new_roadmap};
use crate::helpers::progress::{ok, topics_of};
use crate::helpers::*;

const PROFILE: &str = "query($u: String!) { profile(username: $u) { username displayName headline
    links streak { current longest } roadmaps { roadmap { slug } done learning skipped total
    percentDone } } }";
const ME: &str = "{ me { profileVisibility headline links profileRoadmaps profileRoadmapIds } }";
const UPDATE: &str = "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) {
    profileVisibility headline links profileRoadmaps profileRoadmapIds } }";
const CREATE: &str = "mutation($i: CreateRoadmapInput!) { createRoadmap(input: $i) { id slug } }";

async fn profile(app: &TestApp, token: Option<&str>, username: &str) -> Value {
    let body = app.gql_with(token, PROFILE, json!({ "u": username })).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["profile"].clone()
}

async fn update(app: &TestApp, token: &str, input: Value) -> Value {
    let body = app.gql_as(token, UPDATE, json!({ "i": input })).await;
    ok(&body)["updateProfile"].clone()
}

fn slugs(p: &Value) -> Vec<String> {
    p["roadmaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["roadmap"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

/// A learner roadmap with one topic, `visibility`, titled `title`; returns (roadmap id, topic id).
async fn own_roadmap(
    app: &TestApp,
    token: &str,
    slug: &str,
    title: &str,
    visibility: &str,
) -> (String, String) {
    let mut input = new_roadmap(slug);
    input["visibility"] = json!(visibility);
    input["title"] = json!(title);
    let body = app.gql_as(token, CREATE, json!({ "i": input })).await;
    let r = ok(&body)["createRoadmap"].clone();
    let t = create_topic(app, token, &r, None, None, "First topic").await;
    (
        r["id"].as_str().unwrap().to_owned(),
        t["id"].as_str().unwrap().to_owned(),
    )
}

async fn badge(app: &TestApp, path: &str, etag: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    if let Some(e) = etag {
        req = req.header("If-None-Match", e);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn profiles_are_private_until_opted_in_and_show_only_readable_chosen_roadmaps() {
    let app = spawn_app().await;
    let ada = app.signup("ada").await.access_token;
    let bob = app.signup("bob").await.access_token;
    let admin = app.admin_token().await;
    let (_, backend_topics) = topics_of(&app, "backend").await;
    let (docker, docker_topic) =
        own_roadmap(&app, &bob, "bob-docker", "Bob's Docker", "PUBLIC").await;
    let (_, secret_topic) = own_roadmap(&app, &ada, "ada-secret", "Secret", "PRIVATE").await;
    let (_, bob_topic) = own_roadmap(&app, &bob, "bob-secret", "Bob's", "PRIVATE").await;
    app.set_topic_status(&ada, &backend_topics[0].0, "DONE")
        .await;
    app.set_topic_status(&ada, &backend_topics[1].0, "LEARNING")
        .await;
    app.set_topic_status(&ada, &docker_topic, "SKIPPED").await;
    app.set_topic_status(&ada, &secret_topic, "DONE").await;
    app.set_topic_status(&bob, &bob_topic, "DONE").await;

    // Defaults: private, every followed roadmap, nothing written.
    let body = app.gql_as(&ada, ME, json!({})).await;
    assert_eq!(
        ok(&body)["me"],
        json!({ "profileVisibility": "PRIVATE", "headline": null, "links": [],
                "profileRoadmaps": "ALL", "profileRoadmapIds": [] })
    );
    // Private (and unknown) profiles are null for everyone, the learner included.
    for who in [
        None,
        Some(bob.as_str()),
        Some(admin.as_str()),
        Some(ada.as_str()),
    ] {
        assert_eq!(profile(&app, who, "ada").await, Value::Null);
        assert_eq!(profile(&app, who, "nobody-here").await, Value::Null);
    }
    // Nor do other users see them through `User`.
    let body = app
        .gql_as(
            &bob,
            "{ leaderboard(kind: LONGEST_STREAK) { user { username } } }",
            json!({}),
        )
        .await;
    assert_eq!(ok(&body)["leaderboard"], json!([]));

    let me = update(
        &app,
        &ada,
        json!({ "profileVisibility": "PUBLIC", "headline": "  Learning Rust  ",
                "links": ["https://example.org/ada", "http://blog.example.com/x?y=1"] }),
    )
    .await;
    assert_eq!(me["profileVisibility"], "PUBLIC");
    assert_eq!(me["headline"], "Learning Rust");
    assert_eq!(
        me["links"],
        json!(["https://example.org/ada", "http://blog.example.com/x?y=1"])
    );

    // Anonymous, another user and an admin see the same: never ada's private roadmap.
    for who in [None, Some(bob.as_str()), Some(admin.as_str())] {
        let p = profile(&app, who, "ADA").await;
        assert_eq!(p["username"], "ada");
        assert_eq!(p["displayName"], "ada");
        assert_eq!(p["headline"], "Learning Rust");
        assert_eq!(p["streak"], json!({ "current": 1, "longest": 1 }));
        let mut shown = slugs(&p);
        shown.sort();
        assert_eq!(shown, ["backend", "bob-docker"], "{p}");
        let b = p["roadmaps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["roadmap"]["slug"] == "backend")
            .unwrap();
        assert_eq!(
            (b["done"].as_i64(), b["learning"].as_i64()),
            (Some(1), Some(1))
        );
        let total = b["total"].as_f64().unwrap();
        assert!((b["percentDone"].as_f64().unwrap() - 100.0 / total).abs() < 1e-9);
    }
    // The learner sees their own private roadmap on it.
    let mut own = slugs(&profile(&app, Some(&ada), "ada").await);
    own.sort();
    assert_eq!(own, ["ada-secret", "backend", "bob-docker"]);
    // Bob's profile stays private.
    assert_eq!(profile(&app, None, "bob").await, Value::Null);

    // SELECTED: only the chosen roadmaps; NONE: none.
    let me = update(
        &app,
        &ada,
        json!({ "profileRoadmaps": "SELECTED", "profileRoadmapIds": [docker] }),
    )
    .await;
    assert_eq!(me["profileRoadmaps"], "SELECTED");
    assert_eq!(me["profileRoadmapIds"], json!([docker]));
    assert_eq!(slugs(&profile(&app, None, "ada").await), ["bob-docker"]);
    update(&app, &ada, json!({ "profileRoadmaps": "NONE" })).await;
    assert_eq!(profile(&app, None, "ada").await["roadmaps"], json!([]));
    update(&app, &ada, json!({ "profileRoadmaps": "ALL" })).await;
    assert_eq!(
        profile(&app, None, "ada").await["roadmaps"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Back to private: null again.
    update(&app, &ada, json!({ "profileVisibility": "PRIVATE" })).await;
    assert_eq!(profile(&app, None, "ada").await, Value::Null);
}

#[tokio::test]
async fn update_profile_rejects_bad_values_naming_the_field() {
    let app = spawn_app().await;
    let ada = app.signup("ada").await.access_token;
    let bob = app.signup("bob").await.access_token;
    let (bobs, _) = own_roadmap(&app, &bob, "bob-secret", "Bob's", "PRIVATE").await;
    let (backend, _) = topics_of(&app, "backend").await;
    let eleven: Vec<String> = (0..11)
        .map(|i| format!("https://example.org/{i}"))
        .collect();
    let cases = [
        (json!({ "headline": "x".repeat(201) }), "headline"),
        (json!({ "headline": "two\nlines" }), "headline"),
        (json!({ "links": ["ftp://example.org/x"] }), "links[0]"),
        (
            json!({ "links": ["https://example.org", "javascript:alert(1)"] }),
            "links[1]",
        ),
        (json!({ "links": ["not a url"] }), "links[0]"),
        (json!({ "links": eleven }), "links"),
        (
            json!({ "profileRoadmapIds": [backend, bobs] }),
            "profileRoadmapIds[1]",
        ),
        (
            json!({ "profileRoadmapIds": ["garbage"] }),
            "profileRoadmapIds[0]",
        ),
    ];
    for (input, field) in cases {
        let (code, f, _) = fails(&app, &ada, UPDATE, json!({ "i": input })).await;
        assert_eq!(
            (code.as_str(), f.as_str()),
            ("BAD_USER_INPUT", field),
            "{input}"
        );
    }
    // An enum value outside the list is a request error.
    let body = app
        .gql_as(
            &ada,
            UPDATE,
            json!({ "i": { "profileVisibility": "FRIENDS" } }),
        )
        .await;
    assert!(
        body["errors"].is_array() && body.get("data").is_none(),
        "{body}"
    );
    // Nothing was stored; "" clears the headline; signed out → UNAUTHENTICATED.
    let body = app.gql_as(&ada, ME, json!({})).await;
    assert_eq!(ok(&body)["me"]["links"], json!([]));
    update(&app, &ada, json!({ "headline": "Hi" })).await;
    assert_eq!(
        update(&app, &ada, json!({ "headline": "" })).await["headline"],
        Value::Null
    );
    let body = app.gql(UPDATE, json!({ "i": { "headline": "x" } })).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"));
    // Admins read these fields of others; other users do not.
    let q =
        "query($id: ID!) { node(id: $id) { ... on User { headline links profileVisibility } } }";
    let ada_id = app.gql_as(&ada, "{ me { id } }", json!({})).await["data"]["me"]["id"].clone();
    let body = app.gql_as(&bob, q, json!({ "id": ada_id })).await;
    assert_eq!(body["data"]["node"]["links"], Value::Null, "{body}");
}

#[tokio::test]
async fn badges_show_progress_and_streak_with_etag_and_cache_headers() {
    let app = spawn_app().await;
    let ada = app.signup("ada").await.access_token;
    let bob = app.signup("bob").await.access_token;
    let (_, backend_topics) = topics_of(&app, "backend").await;
    let (_, secret_topic) = own_roadmap(&app, &ada, "ada-secret", "Secret", "PRIVATE").await;
    let (_, tips_topic) = own_roadmap(&app, &ada, "ada-tips", "Tips & <tricks>", "PUBLIC").await;
    app.set_topic_status(&ada, &backend_topics[0].0, "DONE")
        .await;
    app.set_topic_status(&ada, &backend_topics[1].0, "DONE")
        .await;
    app.set_topic_status(&ada, &secret_topic, "DONE").await;
    app.set_topic_status(&ada, &tips_topic, "DONE").await;

    // Private or unknown: 404.
    for path in [
        "/badges/ada.svg",
        "/badges/bob.svg",
        "/badges/nobody.svg",
        "/badges/ada",
    ] {
        assert_eq!(badge(&app, path, None).await.status(), 404, "{path}");
    }
    update(&app, &ada, json!({ "profileVisibility": "PUBLIC" })).await;

    let r = badge(&app, "/badges/ada.svg", None).await;
    assert_eq!(r.status(), 200);
    let header = |r: &reqwest::Response, h: &str| {
        r.headers()
            .get(h)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert!(header(&r, "content-type").starts_with("image/svg+xml"));
    let cache = header(&r, "cache-control");
    assert!(
        cache.contains("public") && cache.contains("max-age="),
        "{cache}"
    );
    let etag = header(&r, "etag");
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2,
        "{etag}"
    );
    let svg = r.text().await.unwrap();
    // The private roadmap's topic does not count for the public: 3 of 4.
    assert!(
        svg.contains("<title>ada: 3 topics done | 1 day streak</title>"),
        "{svg}"
    );
    assert!(svg.contains("role=\"img\""));

    // Revalidation: 304 with the same ETag, no body.
    let r = badge(&app, "/badges/ada.svg", Some(&etag)).await;
    assert_eq!(r.status(), 304);
    assert_eq!(header(&r, "etag"), etag);
    assert!(header(&r, "cache-control").contains("max-age="));
    assert!(r.text().await.unwrap().is_empty());
    assert_eq!(
        badge(&app, "/badges/ada.svg", Some("\"other\""))
            .await
            .status(),
        200
    );

    // One roadmap: percent done, title escaped.
    let r = badge(&app, "/badges/ada.svg?roadmap=ada-tips", None).await;
    assert_eq!(r.status(), 200);
    let svg = r.text().await.unwrap();
    assert!(
        svg.contains("<title>Tips &amp; &lt;tricks&gt;: 100% done | 1 day streak</title>"),
        "{svg}"
    );
    assert!(!svg.contains("<tricks>"));
    let r = badge(&app, "/badges/ada.svg?roadmap=backend", None).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("% done"));

    // A roadmap the public cannot read, one without progress, an unknown one, one not selected.
    for q in ["ada-secret", "docker", "nope"] {
        let path = format!("/badges/ada.svg?roadmap={q}");
        assert_eq!(badge(&app, &path, None).await.status(), 404, "{q}");
    }
    update(&app, &ada, json!({ "profileRoadmaps": "NONE" })).await;
    let r = badge(&app, "/badges/ada.svg?roadmap=backend", None).await;
    assert_eq!(r.status(), 404);
    // The badge changes with the data, and so does its ETag.
    let r = badge(&app, "/badges/ada.svg", Some(&etag)).await;
    assert_eq!(r.status(), 200);
    assert_ne!(header(&r, "etag"), etag);

    // Private again: 404, whatever the validator.
    update(&app, &ada, json!({ "profileVisibility": "PRIVATE" })).await;
    assert_eq!(
        badge(&app, "/badges/ada.svg", Some(&etag)).await.status(),
        404
    );
    let _ = bob;
}
