//! Spaced-repetition review (FSRS): the schedule equals the `rs-fsrs` crate's own for the same
//! reviews and times, only DONE topics can be reviewed, the desired retention is checked and
//! used, the queue is most overdue first (and filters by roadmap), the figures count, late
//! reviews are replayed in `at` order (a retry counts once), and linked topics share one card.

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use rs_fsrs::{Card, Parameters, Rating, FSRS};
use serde_json::{json, Value};

use crate::helpers::catalog::fails;
use crate::helpers::progress::ok;
use crate::helpers::*;
use crate::links::{roadmap_of, SAME_AS};

const REVIEW: &str = "mutation Review($id: ID!, $r: ReviewRating!, $at: DeviceTime) {
    reviewTopic(topicId: $id, rating: $r, at: $at) {
        key myReview { due stability difficulty reps lapses lastReviewedAt } } }";
const CARD: &str = "query Card($id: ID!) { topic(id: $id) {
    myReview { due stability difficulty reps lapses lastReviewedAt } } }";
const QUEUE: &str =
    "query Queue($first: Int, $r: ID) { me { reviewQueue(first: $first, roadmapId: $r) { key } } }";
const STATS: &str =
    "query Stats { me { reviewStats { dueToday dueThisWeek reviewedThisWeek } reviewSettings { desiredRetention } } }";
const SETTINGS: &str = "mutation Settings($d: Float!) {
    updateReviewSettings(input: { desiredRetention: $d }) { desiredRetention } }";

/// Thirty days ago, in whole seconds: the reviews of a test are made at offsets from it.
fn base() -> DateTime<Utc> {
    (Utc::now() - TimeDelta::days(30))
        .with_nanosecond(0)
        .unwrap()
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

fn rating(name: &str) -> Rating {
    match name {
        "AGAIN" => Rating::Again,
        "HARD" => Rating::Hard,
        "GOOD" => Rating::Good,
        _ => Rating::Easy,
    }
}

/// The crate's card after `reviews`, applied in order from a new card.
fn reference(retention: f64, reviews: &[(&str, DateTime<Utc>)]) -> Card {
    let fsrs = FSRS::new(Parameters {
        request_retention: retention,
        ..Parameters::default()
    });
    reviews.iter().fold(Card::default(), |card, (r, at)| {
        fsrs.next(card, *at, rating(r)).card
    })
}

/// The API's card equals the crate's.
fn assert_card(card: &Value, expected: &Card) {
    assert_eq!(time(&card["due"]), expected.due, "{card}");
    assert!(
        (card["stability"].as_f64().unwrap() - expected.stability).abs() < 1e-9,
        "{card}"
    );
    assert!(
        (card["difficulty"].as_f64().unwrap() - expected.difficulty).abs() < 1e-9,
        "{card}"
    );
    assert_eq!(
        card["reps"].as_i64().unwrap(),
        expected.reps as i64,
        "{card}"
    );
    assert_eq!(
        card["lapses"].as_i64().unwrap(),
        expected.lapses as i64,
        "{card}"
    );
    assert_eq!(
        time(&card["lastReviewedAt"]),
        expected.last_review,
        "{card}"
    );
}

impl TestApp {
    async fn review(&self, token: &str, topic: &str, r: &str, at: DateTime<Utc>) -> Value {
        let body = self
            .gql_as(
                token,
                REVIEW,
                json!({ "id": topic, "r": r, "at": at.to_rfc3339() }),
            )
            .await;
        ok(&body)["reviewTopic"]["myReview"].clone()
    }

    async fn card(&self, token: &str, topic: &str) -> Value {
        let body = self.gql_as(token, CARD, json!({ "id": topic })).await;
        ok(&body)["topic"]["myReview"].clone()
    }

    async fn queue(&self, token: &str, roadmap: Option<&str>) -> Vec<String> {
        let body = self
            .gql_as(token, QUEUE, json!({ "first": 50, "r": roadmap }))
            .await;
        ok(&body)["me"]["reviewQueue"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["key"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// An official roadmap of `titles` made by a fresh admin; its id and topics.
async fn roadmap(app: &TestApp, slug: &str, titles: &[&str]) -> (String, Vec<String>) {
    let admin = app.admin_token().await;
    roadmap_of(app, &admin, slug, None, titles).await
}

async fn done(app: &TestApp, token: &str, topics: &[String]) {
    for t in topics {
        app.set_topic_status(token, t, "DONE").await;
    }
}

fn key_of(global: &str) -> String {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global)
        .unwrap();
    let s = String::from_utf8(raw).unwrap();
    s.split_once(':').unwrap().1.to_owned()
}

#[tokio::test]
async fn the_schedule_equals_the_crates_reference() {
    let app = spawn_app().await;
    let (_, topics) = roadmap(&app, "review-ref", &["Recall"]).await;
    let me = app.signup("rev_ref").await;
    done(&app, &me.access_token, &topics).await;
    let t0 = base();
    let reviews = [
        ("GOOD", t0),
        ("GOOD", t0 + TimeDelta::minutes(10)),
        ("HARD", t0 + TimeDelta::days(2)),
        ("AGAIN", t0 + TimeDelta::days(9)),
        ("EASY", t0 + TimeDelta::days(9) + TimeDelta::minutes(5)),
        ("GOOD", t0 + TimeDelta::days(20)),
    ];
    for (i, (r, at)) in reviews.iter().enumerate() {
        let card = app.review(&me.access_token, &topics[0], r, *at).await;
        assert_card(&card, &reference(0.9, &reviews[..=i]));
    }
    let card = app.card(&me.access_token, &topics[0]).await;
    assert_card(&card, &reference(0.9, &reviews));
    assert_eq!(card["lapses"], 1);
}

#[tokio::test]
async fn only_a_done_topic_the_viewer_can_read_is_reviewed() {
    let app = spawn_app().await;
    let (_, topics) = roadmap(&app, "review-bad", &["One"]).await;
    let me = app.signup("rev_bad").await;
    let t = &topics[0];
    let at = json!(base().to_rfc3339());
    let vars = json!({ "id": t, "r": "GOOD", "at": at });
    let (code, field, _) = fails(&app, &me.access_token, REVIEW, vars.clone()).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "topicId")
    );
    app.set_topic_status(&me.access_token, t, "LEARNING").await;
    let (code, field, _) = fails(&app, &me.access_token, REVIEW, vars.clone()).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "topicId")
    );

    // A topic of someone's PRIVATE roadmap does not exist for others; nor does a made-up one.
    let owner = app.signup("rev_owner").await;
    let (_, private) = roadmap_of(
        &app,
        &owner.access_token,
        "review-private",
        Some("PRIVATE"),
        &["Secret"],
    )
    .await;
    let vars = json!({ "id": private[0], "r": "GOOD" });
    let (code, _, _) = fails(&app, &me.access_token, REVIEW, vars).await;
    assert_eq!(code, "NOT_FOUND");
    let made_up = json!({ "id": "VG9waWM6bm9wZQ", "r": "GOOD" }); // Topic:nope
    let (code, _, _) = fails(&app, &me.access_token, REVIEW, made_up).await;
    assert_eq!(code, "NOT_FOUND");

    // Signed out: refused, and nothing was recorded for anyone.
    let body = app.gql(REVIEW, json!({ "id": t, "r": "GOOD" })).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    assert_eq!(count_rows(&app, "SELECT COUNT(*) FROM review_log").await, 0);
    assert!(app.card(&me.access_token, t).await.is_null());
}

#[tokio::test]
async fn the_desired_retention_is_checked_and_schedules() {
    let app = spawn_app().await;
    let (_, topics) = roadmap(&app, "review-ret", &["One"]).await;
    let me = app.signup("rev_ret").await;
    for bad in [0.5, 0.69, 0.995, 1.0, 2.0, -1.0] {
        let (code, field, _) = fails(&app, &me.access_token, SETTINGS, json!({ "d": bad })).await;
        assert_eq!(
            (code.as_str(), field.as_str()),
            ("BAD_USER_INPUT", "desiredRetention"),
            "{bad}"
        );
    }
    let body = app.gql_as(&me.access_token, STATS, json!({})).await;
    assert_eq!(ok(&body)["me"]["reviewSettings"]["desiredRetention"], 0.9);
    let body = app
        .gql_as(&me.access_token, SETTINGS, json!({ "d": 0.8 }))
        .await;
    assert_eq!(ok(&body)["updateReviewSettings"]["desiredRetention"], 0.8);
    let body = app.gql_as(&me.access_token, STATS, json!({})).await;
    assert_eq!(ok(&body)["me"]["reviewSettings"]["desiredRetention"], 0.8);

    done(&app, &me.access_token, &topics).await;
    let t0 = base();
    let reviews = [
        ("GOOD", t0),
        ("GOOD", t0 + TimeDelta::days(1)),
        ("GOOD", t0 + TimeDelta::days(5)),
    ];
    for (r, at) in reviews {
        app.review(&me.access_token, &topics[0], r, at).await;
    }
    let card = app.card(&me.access_token, &topics[0]).await;
    assert_card(&card, &reference(0.8, &reviews));
    assert_ne!(reference(0.8, &reviews).due, reference(0.9, &reviews).due);
}

#[tokio::test]
async fn the_queue_is_most_overdue_first_and_counts_only_done_topics() {
    let app = spawn_app().await;
    let (a, ta) = roadmap(&app, "review-qa", &["A1", "A2"]).await;
    let (_, tb) = roadmap(&app, "review-qb", &["B1"]).await;
    let me = app.signup("rev_queue").await;
    let tok = &me.access_token;
    done(&app, tok, &ta).await;
    done(&app, tok, &tb).await;
    let now = Utc::now().with_nanosecond(0).unwrap();
    // AGAIN on a new card is due a minute later: these are 3, 2 and 1 days overdue.
    app.review(tok, &ta[1], "AGAIN", now - TimeDelta::days(3))
        .await;
    app.review(tok, &tb[0], "AGAIN", now - TimeDelta::days(2))
        .await;
    app.review(tok, &ta[0], "AGAIN", now - TimeDelta::days(1))
        .await;
    let keys = |ids: &[&String]| ids.iter().map(|g| key_of(g)).collect::<Vec<_>>();
    assert_eq!(app.queue(tok, None).await, keys(&[&ta[1], &tb[0], &ta[0]]));
    assert_eq!(app.queue(tok, Some(&a)).await, keys(&[&ta[1], &ta[0]]));

    let body = app.gql_as(tok, STATS, json!({})).await;
    let stats = &ok(&body)["me"]["reviewStats"];
    assert_eq!(stats["dueToday"], 3, "{stats}");
    assert_eq!(stats["dueThisWeek"], 3, "{stats}");
    assert_eq!(stats["reviewedThisWeek"], 3, "{stats}");

    // Back from DONE: the card stays, the topic leaves the queue and the counts.
    app.set_topic_status(tok, &ta[1], "LEARNING").await;
    assert!(!app.card(tok, &ta[1]).await.is_null());
    assert_eq!(app.queue(tok, None).await, keys(&[&tb[0], &ta[0]]));
    let body = app.gql_as(tok, STATS, json!({})).await;
    assert_eq!(ok(&body)["me"]["reviewStats"]["dueToday"], 2);

    // A GOOD review graduates a card out of the queue for now.
    app.review(tok, &tb[0], "GOOD", now).await;
    app.review(tok, &tb[0], "GOOD", now + TimeDelta::seconds(1))
        .await;
    assert_eq!(app.queue(tok, None).await, keys(&[&ta[0]]));

    for first in [0, 51] {
        let vars = json!({ "first": first });
        let (code, field, _) = fails(&app, tok, QUEUE, vars).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "first"));
    }
    // Nobody else sees it.
    let other = app.signup("rev_other").await;
    assert!(app.queue(&other.access_token, None).await.is_empty());
}

#[tokio::test]
async fn late_reviews_are_replayed_in_order_and_a_retry_counts_once() {
    let app = spawn_app().await;
    let (_, topics) = roadmap(&app, "review-late", &["In order", "Out of order"]).await;
    let me = app.signup("rev_late").await;
    let tok = &me.access_token;
    done(&app, tok, &topics).await;
    let t0 = base();
    let reviews = [
        ("GOOD", t0),
        ("AGAIN", t0 + TimeDelta::days(3)),
        ("GOOD", t0 + TimeDelta::days(3) + TimeDelta::minutes(10)),
        ("EASY", t0 + TimeDelta::days(12)),
    ];
    for (r, at) in reviews {
        app.review(tok, &topics[0], r, at).await;
    }
    // The same reviews, synced by a device that was offline for the first ones.
    for i in [3, 1, 0, 2] {
        let (r, at) = reviews[i];
        app.review(tok, &topics[1], r, at).await;
    }
    let expected = reference(0.9, &reviews);
    assert_card(&app.card(tok, &topics[0]).await, &expected);
    assert_card(&app.card(tok, &topics[1]).await, &expected);

    // A retry of a review already stored changes nothing.
    let (r, at) = reviews[3];
    let again = app.review(tok, &topics[1], r, at).await;
    assert_card(&again, &expected);
    let (r, at) = reviews[1];
    app.review(tok, &topics[1], r, at).await;
    assert_card(&app.card(tok, &topics[1]).await, &expected);
    assert_eq!(count_rows(&app, "SELECT COUNT(*) FROM review_log").await, 8);

    // More than 5 minutes ahead of the server: refused.
    let vars = json!({ "id": topics[0], "r": "GOOD", "at": (Utc::now() + TimeDelta::hours(1)).to_rfc3339() });
    let (code, field, _) = fails(&app, tok, REVIEW, vars).await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "at"));
}

#[tokio::test]
async fn linked_topics_share_one_card() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, a) = roadmap_of(&app, &admin, "review-link-a", None, &["Git"]).await;
    let (_, b) = roadmap_of(&app, &admin, "review-link-b", None, &["Git"]).await;
    let body = app
        .gql_as(&admin, SAME_AS, json!({ "id": b[0], "to": a[0] }))
        .await;
    ok(&body);
    let me = app.signup("rev_link").await;
    let tok = &me.access_token;
    // DONE on one is DONE on both: either can be reviewed, and they share the schedule.
    done(&app, tok, &a[..1]).await;
    let t0 = base();
    let reviews = [("GOOD", t0), ("GOOD", t0 + TimeDelta::days(4))];
    app.review(tok, &a[0], reviews[0].0, reviews[0].1).await;
    app.review(tok, &b[0], reviews[1].0, reviews[1].1).await;
    let expected = reference(0.9, &reviews);
    assert_card(&app.card(tok, &a[0]).await, &expected);
    assert_card(&app.card(tok, &b[0]).await, &expected);
}

#[tokio::test]
async fn export_then_import_keeps_the_reviews() {
    let app = spawn_app().await;
    let (_, topics) = roadmap(&app, "review-export", &["Kept", "Not reviewed"]).await;
    let ana = app.signup("rev_ana").await;
    done(&app, &ana.access_token, &topics).await;
    let t0 = base();
    let reviews = [
        ("GOOD", t0),
        ("AGAIN", t0 + TimeDelta::days(3)),
        ("EASY", t0 + TimeDelta::days(6)),
    ];
    for (r, at) in reviews {
        app.review(&ana.access_token, &topics[0], r, at).await;
    }
    let body = app
        .gql_as(&ana.access_token, ops::EXPORT_MY_PROGRESS, json!({}))
        .await;
    let doc = ok(&body)["exportMyProgress"].clone();
    let entries = doc["roadmaps"][0]["topics"].as_array().unwrap();
    let kept = entries.iter().find(|t| t["title"] == "Kept").unwrap();
    assert_eq!(kept["reviews"].as_array().unwrap().len(), 3, "{doc}");
    assert_eq!(kept["reviews"][1]["rating"], "AGAIN", "{doc}");
    assert!(entries
        .iter()
        .all(|t| t["title"] == "Kept" || t.get("reviews").is_none()));

    // Another account imports it (twice: the second changes nothing) and has the same schedule.
    let ben = app.signup("rev_ben").await;
    for _ in 0..2 {
        let body = app
            .gql_as(&ben.access_token, IMPORT, json!({ "d": doc }))
            .await;
        ok(&body);
    }
    let expected = reference(0.9, &reviews);
    assert_card(&app.card(&ben.access_token, &topics[0]).await, &expected);
    assert!(app.card(&ben.access_token, &topics[1]).await.is_null());
    assert_eq!(
        app.queue(&ben.access_token, None).await.len(),
        app.queue(&ana.access_token, None).await.len()
    );

    // A bad rating is refused where it is.
    let mut bad = doc.clone();
    let i = entries.iter().position(|t| t["title"] == "Kept").unwrap();
    bad["roadmaps"][0]["topics"][i]["reviews"][2]["rating"] = json!("MEH");
    let (code, field, _) = fails(&app, &ben.access_token, IMPORT, json!({ "d": bad })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(
        field,
        format!("document.roadmaps[0].topics[{i}].reviews[2].rating")
    );
}

const IMPORT: &str =
    "mutation Import($d: JSON!) { importMyProgress(document: $d) { roadmapCount } }";

#[tokio::test]
async fn a_review_is_announced_live_once() {
    use crate::helpers::ws::{next_json, wait_for_subscriptions, ws_connect, ws_init};
    use futures_util::SinkExt;
    use std::time::Duration;
    use tokio_tungstenite::tungstenite::Message;

    let app = spawn_app().await;
    let (rid, topics) = roadmap(&app, "review-live", &["Live"]).await;
    let me = app.signup("rev_live").await;
    let tok = &me.access_token;
    done(&app, tok, &topics).await;
    let mut ws = ws_connect(&app).await;
    assert_eq!(ws_init(&mut ws, tok).await["type"], "connection_ack");
    let query = "subscription { myProgressChanged { kind roadmapId reviewedTopicId } }";
    ws.send(Message::text(
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }).to_string(),
    ))
    .await
    .unwrap();
    wait_for_subscriptions(&app, 1.0).await;

    let at = base();
    app.review(tok, &topics[0], "GOOD", at).await;
    let msg = next_json(&mut ws, Duration::from_secs(5))
        .await
        .expect("a notification");
    let change = &msg["payload"]["data"]["myProgressChanged"];
    assert_eq!(change["kind"], "REVIEW", "{msg}");
    assert_eq!(change["roadmapId"], rid.as_str(), "{msg}");
    assert_eq!(change["reviewedTopicId"], topics[0].as_str(), "{msg}");

    // A retry announces nothing: the next notification is the status change after it.
    app.review(tok, &topics[0], "GOOD", at).await;
    app.set_topic_status(tok, &topics[0], "LEARNING").await;
    let msg = next_json(&mut ws, Duration::from_secs(5))
        .await
        .expect("a notification");
    assert_eq!(
        msg["payload"]["data"]["myProgressChanged"]["kind"], "STATUS",
        "{msg}"
    );
}

/// The queue with each topic's card costs the same number of statements for 2 due topics as for
/// 12.
#[tokio::test]
async fn the_queue_costs_a_fixed_number_of_statements() {
    let app = spawn_app().await;
    let titles: Vec<String> = (0..12).map(|i| format!("Topic {i}")).collect();
    let titles: Vec<&str> = titles.iter().map(String::as_str).collect();
    let (_, topics) = roadmap(&app, "review-cost", &titles).await;
    let me = app.signup("rev_cost").await;
    let tok = &me.access_token;
    done(&app, tok, &topics).await;
    let query = "query { me { reviewQueue(first: 50) { key myStatus myReview { due reps } } } }";
    let now = Utc::now().with_nanosecond(0).unwrap();
    let mut costs = Vec::new();
    for (from, to) in [(0, 2), (2, 12)] {
        for (i, t) in topics[from..to].iter().enumerate() {
            let at = now - TimeDelta::days(2) + TimeDelta::minutes(i as i64);
            app.review(tok, t, "AGAIN", at).await;
        }
        app.gql_as(tok, query, json!({})).await;
        let before = app.metric("roadmap_db_statements_total").await;
        let body = app.gql_as(tok, query, json!({})).await;
        let after = app.metric("roadmap_db_statements_total").await;
        let queue = ok(&body)["me"]["reviewQueue"].as_array().unwrap().clone();
        assert_eq!(queue.len(), to, "{body}");
        assert!(queue.iter().all(|t| t["myReview"]["reps"] == 1), "{body}");
        costs.push((to, (after - before) as u64));
    }
    println!("statements per reviewQueue with cards: {costs:?}");
    assert_eq!(
        costs[0].1, costs[1].1,
        "SQL grows with the queue: {costs:?}"
    );
    // Viewer, budget, the queue, then per roadmap: roadmap, tree, statuses, cards.
    assert!(costs[0].1 <= 10, "too many statements: {costs:?}");
}

#[tokio::test]
async fn topics_reviewed_apart_share_one_card_once_linked() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, a) = roadmap_of(&app, &admin, "review-late-link-a", None, &["Git"]).await;
    let (_, b) = roadmap_of(&app, &admin, "review-late-link-b", None, &["Git"]).await;
    let me = app.signup("rev_late_link").await;
    let tok = &me.access_token;
    done(&app, tok, &[a[0].clone(), b[0].clone()]).await;
    let t0 = base();
    let reviews = [
        ("GOOD", t0),
        ("HARD", t0 + TimeDelta::days(1)),
        ("GOOD", t0 + TimeDelta::days(6)),
    ];
    app.review(tok, &a[0], reviews[0].0, reviews[0].1).await;
    app.review(tok, &b[0], reviews[1].0, reviews[1].1).await;
    assert_card(&app.card(tok, &b[0]).await, &reference(0.9, &reviews[1..2]));
    ok(&app
        .gql_as(&admin, SAME_AS, json!({ "id": b[0], "to": a[0] }))
        .await);
    // The next review of either puts the group's reviews in one order.
    app.review(tok, &a[0], reviews[2].0, reviews[2].1).await;
    let expected = reference(0.9, &reviews);
    assert_card(&app.card(tok, &a[0]).await, &expected);
    assert_card(&app.card(tok, &b[0]).await, &expected);
}
