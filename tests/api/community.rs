//! `communityRoadmaps`: which roadmaps it lists, its three orders, its pages, and the cost of a
//! page that asks every roadmap for its rating.
use serde_json::{json, Value};

use crate::helpers::catalog::*;
use crate::helpers::*;
use crate::ratings::own_roadmap;

const COMMUNITY: &str = "query Community($first: Int, $after: String, $last: Int,
    $before: String, $o: CommunityRoadmapOrder) {
    communityRoadmaps(first: $first, after: $after, last: $last, before: $before, orderBy: $o) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
      nodes { slug official owner { username } visibility status } } }";

fn slugs(conn: &Value) -> Vec<String> {
    conn["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn listed(app: &TestApp, order: &str) -> Vec<String> {
    let body = app
        .gql(COMMUNITY, json!({ "first": 100, "o": order }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    slugs(&body["data"]["communityRoadmaps"])
}

#[tokio::test]
async fn lists_only_public_published_learner_roadmaps_in_pages() {
    let app = spawn_app().await;
    let ann = app.signup("ann").await.access_token;
    let ben = app.signup("ben").await.access_token;
    let admin = app.admin_token().await;
    for (token, slug, vis, status) in [
        (&ann, "ann-one", "PUBLIC", None),
        (&ann, "ann-private", "PRIVATE", None),
        (&ann, "ann-unlisted", "UNLISTED", None),
        (&ann, "ann-draft", "PUBLIC", Some("DRAFT")),
        (&ben, "ben-one", "PUBLIC", None),
        (&ann, "ann-two", "PUBLIC", None),
        (&ben, "ben-gone", "PUBLIC", None),
        (&ben, "ben-two", "PUBLIC", None),
    ] {
        own_roadmap(&app, token, slug, vis, status).await;
    }
    // An official PUBLIC roadmap, and a deleted community one.
    let mut official = new_roadmap("official-new");
    official["status"] = json!("PUBLISHED");
    ok(&app, &admin, ops::CREATE_ROADMAP, json!({ "i": official })).await;
    let gone = roadmap_row(&app, "ben-gone").await.id;
    ok(
        &app,
        &ben,
        ops::DELETE_ROADMAP,
        json!({ "id": base64_id("Roadmap", gone) }),
    )
    .await;

    let want = ["ben-two", "ann-two", "ben-one", "ann-one"];
    // The same for everyone, the owner of private ones included.
    for token in [None, Some(ann.as_str()), Some(admin.as_str())] {
        let body = app
            .gql_with(token, COMMUNITY, json!({ "first": 100 }))
            .await;
        let c = &body["data"]["communityRoadmaps"];
        assert_eq!(slugs(c), want, "{body}");
        assert_eq!(c["totalCount"], 4);
        for n in c["nodes"].as_array().unwrap() {
            assert_eq!(n["official"], false);
            assert_eq!(n["visibility"], "PUBLIC");
            assert_eq!(n["status"], "PUBLISHED");
        }
    }

    // Forwards two at a time, then backwards from the end.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = app
            .gql(COMMUNITY, json!({ "first": 2, "after": after }))
            .await;
        let c = &body["data"]["communityRoadmaps"];
        assert_eq!(c["totalCount"], 4);
        seen.extend(slugs(c));
        if c["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = c["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, want);
    let body = app.gql(COMMUNITY, json!({ "last": 3 })).await;
    let c = &body["data"]["communityRoadmaps"];
    assert_eq!(slugs(c), want[1..]);
    assert_eq!(c["pageInfo"]["hasPreviousPage"], true);
    let before = c["pageInfo"]["startCursor"].clone();
    let body = app
        .gql(COMMUNITY, json!({ "last": 3, "before": before }))
        .await;
    assert_eq!(slugs(&body["data"]["communityRoadmaps"]), want[..1]);

    for first in [0, 101] {
        let body = app.gql(COMMUNITY, json!({ "first": first })).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    }
}

fn base64_id(kind: &str, id: impl std::fmt::Display) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

async fn rate(app: &TestApp, token: &str, roadmap: &Value, stars: i64) {
    ok(
        app,
        token,
        "mutation($r: ID!, $s: Int!) { rateRoadmap(roadmapId: $r, rating: $s) { id } }",
        json!({ "r": roadmap["id"], "s": stars }),
    )
    .await;
}

#[tokio::test]
async fn orders_newest_top_rated_and_most_learners() {
    let app = spawn_app().await;
    let author = app.signup("author").await.access_token;
    let mut roadmaps = Vec::new();
    for slug in ["one-five", "many-good", "one-bad", "unrated"] {
        roadmaps.push(own_roadmap(&app, &author, slug, "PUBLIC", None).await);
    }
    let mut raters = Vec::new();
    for i in 0..3 {
        raters.push(app.signup(&format!("rater{i}")).await.access_token);
    }
    // one-five: a single 5 (mean 5.0); many-good: 5, 5, 4 (mean 4.67); one-bad: a single 1.
    rate(&app, &raters[0], &roadmaps[0], 5).await;
    for (t, s) in raters.iter().zip([5, 5, 4]) {
        rate(&app, t, &roadmaps[1], s).await;
    }
    rate(&app, &raters[1], &roadmaps[2], 1).await;

    assert_eq!(
        listed(&app, "NEWEST").await,
        ["unrated", "one-bad", "many-good", "one-five"]
    );
    // The weighted average puts three good ratings above a single perfect one.
    assert_eq!(
        listed(&app, "TOP_RATED").await,
        ["many-good", "one-five", "one-bad", "unrated"]
    );

    // Learners: many-good has three, one-bad one (plus an archived row that does not count).
    let mut topics = Vec::new();
    for r in &roadmaps {
        topics.push(create_topic(&app, &author, r, None, None, "First").await);
    }
    for t in &raters {
        app.set_topic_status(t, topics[1]["id"].as_str().unwrap(), "DONE")
            .await;
    }
    app.set_topic_status(&raters[0], topics[2]["id"].as_str().unwrap(), "LEARNING")
        .await;
    let archived_user = user_number(&app.signup("archived").await.user_id);
    let r0 = roadmap_row(&app, "one-five").await.id;
    let keys: Vec<String> = live_topic_keys(&app, r0).await.into_iter().collect();
    record_progress(&app, archived_user, r0, &keys).await;
    sql(
        &app,
        &format!("UPDATE progress SET archived_at = updated_at WHERE user_id = {archived_user}"),
    )
    .await;
    assert_eq!(
        listed(&app, "MOST_LEARNERS").await,
        ["many-good", "one-bad", "unrated", "one-five"]
    );
    // The default is NEWEST.
    let body = app.gql(COMMUNITY, json!({})).await;
    assert_eq!(
        slugs(&body["data"]["communityRoadmaps"]),
        listed(&app, "NEWEST").await
    );
}

/// `rating` and `myRating` on every roadmap of a page cost the same whether the page has 3 or
/// 30 roadmaps.
#[tokio::test]
async fn a_page_with_ratings_costs_a_fixed_number_of_statements() {
    let app = spawn_app_with(|s| {
        s.cache.tree_cache = false;
        s.cache.response_cache_bytes = 0;
    })
    .await;
    let author = app.signup("author").await.access_token;
    let reader = app.signup("reader").await.access_token;
    for i in 0..30 {
        let r = own_roadmap(&app, &author, &format!("c{i}"), "PUBLIC", None).await;
        if i % 2 == 0 {
            ok(
                &app,
                &reader,
                "mutation($r: ID!) { rateRoadmap(roadmapId: $r, rating: 4) { id } }",
                json!({ "r": r["id"] }),
            )
            .await;
        }
    }
    let q = "query Page($first: Int, $o: CommunityRoadmapOrder) {
        communityRoadmaps(first: $first, orderBy: $o) { totalCount
          nodes { slug myRating rating { average count distribution } } } }";
    for order in ["NEWEST", "TOP_RATED", "MOST_LEARNERS"] {
        let mut costs = Vec::new();
        for first in [3, 30] {
            let before = app.metric("roadmap_db_statements_total").await;
            let body = app
                .gql_as(&reader, q, json!({ "first": first, "o": order }))
                .await;
            let after = app.metric("roadmap_db_statements_total").await;
            assert!(body.get("errors").is_none(), "{body}");
            let nodes = body["data"]["communityRoadmaps"]["nodes"]
                .as_array()
                .unwrap();
            assert_eq!(nodes.len(), first);
            assert!(nodes.iter().any(|n| n["myRating"] == 4));
            costs.push((after - before) as u64);
        }
        println!("statements per community page ({order}) of 3 and 30 with ratings: {costs:?}");
        assert_eq!(costs[0], costs[1], "SQL grows with the page: {costs:?}");
        // Viewer and budget bookkeeping, the count, the page, ratings, my ratings.
        assert!(costs[0] <= 8, "too many statements: {costs:?}");
    }
}

/// Anonymous listings are cached like the catalogue: a rating shows at once (it moves the content
/// version), and MOST_LEARNERS, which reads progress, is never served from the cache.
#[tokio::test]
async fn cached_listings_follow_ratings_and_progress() {
    let app = spawn_app().await;
    let author = app.signup("author").await.access_token;
    let learner = app.signup("learner").await.access_token;
    let older = own_roadmap(&app, &author, "older", "PUBLIC", None).await;
    own_roadmap(&app, &author, "newer", "PUBLIC", None).await;
    let topic = create_topic(&app, &author, &older, None, None, "First").await;
    for _ in 0..2 {
        assert_eq!(listed(&app, "MOST_LEARNERS").await, ["newer", "older"]);
        assert_eq!(listed(&app, "TOP_RATED").await, ["newer", "older"]);
    }
    app.set_topic_status(&learner, topic["id"].as_str().unwrap(), "DONE")
        .await;
    assert_eq!(listed(&app, "MOST_LEARNERS").await, ["older", "newer"]);
    rate(&app, &learner, &older, 4).await;
    assert!(
        eventually(std::time::Duration::from_secs(5), || async {
            listed(&app, "TOP_RATED").await == ["older", "newer"]
        })
        .await,
        "a cached TOP_RATED page outlived a rating"
    );
}
