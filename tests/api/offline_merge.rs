//! Offline merge over HTTP: changes carry `at` (when the learner made them, by their device's
//! clock); one older than what is stored is skipped and reported, so the newest change wins in
//! whatever order devices sync. Also: the 5-minute rule, malformed times, no `at` = now, the
//! history at `at` (and streaks from it), and no notification for a skipped change.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use serde_json::{json, Value};

use crate::helpers::progress::*;
use crate::helpers::ws::{live_socket, next_json, wait_for_subscriptions};
use crate::helpers::*;

/// A time two hours ago, in whole seconds: the changes of a test are made at offsets from it.
fn base() -> DateTime<Utc> {
    let t = Utc::now() - TimeDelta::hours(2);
    t.with_nanosecond(0).unwrap()
}

fn min(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// A `DateTime` the API returned.
fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

fn field(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["field"].as_str()
}

fn change(topic: &str, status: &str, at: Option<DateTime<Utc>>) -> Value {
    match at {
        Some(at) => json!({ "topicId": topic, "status": status, "at": iso(at) }),
        None => json!({ "topicId": topic, "status": status }),
    }
}

impl TestApp {
    /// `setTopicStatuses` with `changes`: the whole answer, errors included.
    async fn statuses_body(&self, token: &str, roadmap: &str, changes: Value) -> Value {
        self.gql_as(
            token,
            ops::SET_TOPIC_STATUSES_AT,
            json!({ "r": roadmap, "c": changes }),
        )
        .await
    }

    async fn statuses_at(&self, token: &str, roadmap: &str, changes: Value) -> Value {
        let body = self.statuses_body(token, roadmap, changes).await;
        ok(&body)["setTopicStatuses"].clone()
    }

    async fn status_at(&self, token: &str, topic: &str, status: &str, at: DateTime<Utc>) -> Value {
        let body = self
            .gql_as(
                token,
                ops::SET_TOPIC_STATUS_AT,
                json!({ "id": topic, "s": status, "at": iso(at) }),
            )
            .await;
        ok(&body)["setTopicStatus"].clone()
    }

    async fn note_at(
        &self,
        token: &str,
        topic: &str,
        note: Value,
        at: Option<DateTime<Utc>>,
    ) -> Value {
        let body = self
            .gql_as(
                token,
                ops::SET_TOPIC_NOTE_AT,
                json!({ "id": topic, "n": note, "at": at.map(iso) }),
            )
            .await;
        ok(&body)["setTopicNote"].clone()
    }

    /// The viewer's whole history, newest first.
    async fn history(&self, token: &str) -> Vec<Value> {
        let body = self
            .gql_as(token, ops::MY_ACTIVITY, json!({ "first": 100 }))
            .await;
        ok(&body)["me"]["activity"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .collect()
    }

    /// `myStatus` and `myNote` of every topic of a roadmap, by key.
    async fn my_topics(&self, token: &str, slug: &str) -> std::collections::HashMap<String, Value> {
        let body = self
            .gql_as(token, ops::MY_TREE, json!({ "slug": slug }))
            .await;
        let mut all = Vec::new();
        walk(&ok(&body)["roadmap"]["topics"], &mut all);
        all.into_iter()
            .map(|t| (t["key"].as_str().unwrap().to_owned(), t.clone()))
            .collect()
    }
}

async fn events(app: &TestApp) -> i64 {
    count_rows(app, "SELECT COUNT(*) FROM progress_events").await
}

/// The one skipped change of a payload, checked against what was sent and what won.
fn assert_skipped(payload: &Value, topic: &str, at: DateTime<Utc>, stored_at: DateTime<Utc>) {
    let skipped = payload["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 1, "{payload}");
    assert_eq!(skipped[0]["topicId"], topic, "{payload}");
    assert_eq!(time(&skipped[0]["at"]), at, "{payload}");
    assert_eq!(time(&skipped[0]["storedAt"]), stored_at, "{payload}");
    assert_eq!(skipped[0]["reason"], "NEWER_CHANGE_STORED");
}

#[tokio::test]
async fn an_older_status_change_is_skipped_and_reported_while_the_newer_stays() {
    let app = spawn_app().await;
    let (roadmap, topics) = topics_of(&app, "backend").await;
    let s = app.signup("laptop").await;
    let tk = &s.access_token;
    let b = base();
    let (a, a_key) = (&topics[0].0, &topics[0].1);
    let (c, c_key) = (&topics[1].0, &topics[1].1);

    // The laptop marks A done at b+30.
    let r = app
        .statuses_at(tk, &roadmap, json!([change(a, "DONE", Some(b + min(30)))]))
        .await;
    assert_eq!(r["changedCount"], 1);
    assert_eq!(r["skipped"], json!([]));

    // The phone replays what it did offline earlier: A (older than the laptop's) and C (new).
    let before = events(&app).await;
    let r = app
        .statuses_at(
            tk,
            &roadmap,
            json!([
                change(a, "LEARNING", Some(b + min(10))),
                change(c, "LEARNING", Some(b + min(10)))
            ]),
        )
        .await;
    assert_eq!(r["changedCount"], 1, "{r}");
    assert_skipped(&r, a, b + min(10), b + min(30));
    assert_eq!(r["topics"][0]["key"], a_key.as_str());
    assert_eq!(r["topics"][0]["myStatus"], "DONE");
    assert_eq!(r["topics"][1]["key"], c_key.as_str());
    assert_eq!(r["topics"][1]["myStatus"], "LEARNING");
    assert_eq!(r["progress"]["done"], 1);
    assert_eq!(r["progress"]["learning"], 1);
    assert_eq!(events(&app).await, before + 1, "one event: C's");

    // The single mutation takes `at` too: older, it is skipped and reports the stored status.
    let r = app.status_at(tk, a, "SKIPPED", b + min(20)).await;
    assert_eq!(r["changed"], false);
    assert_eq!(r["status"], "DONE");
    assert_eq!(r["topic"]["myStatus"], "DONE");
    assert_skipped(&r, a, b + min(20), b + min(30));

    // A tie goes to the later-arriving change.
    let r = app.status_at(tk, a, "LEARNING", b + min(30)).await;
    assert_eq!(r["changed"], true, "{r}");
    assert_eq!(r["status"], "LEARNING");
    assert_eq!(r["skipped"], json!([]));

    // A row written before `changed_at` existed compares by its `updated_at` (the server's
    // time of the write, here about now).
    sql(&app, "UPDATE progress SET changed_at = NULL").await;
    let r = app.status_at(tk, c, "DONE", b + min(60)).await;
    assert_eq!(r["changed"], false, "{r}");
    let stored = time(&r["skipped"][0]["storedAt"]);
    assert!(stored > b + min(90), "{r}");
    assert_eq!(
        app.my_topics(tk, "backend").await[c_key]["myStatus"],
        "LEARNING"
    );
}

#[tokio::test]
async fn an_older_note_is_skipped_and_reported_while_the_newer_stays() {
    let app = spawn_app().await;
    let (_, topics) = topics_of(&app, "backend").await;
    let s = app.signup("writer").await;
    let tk = &s.access_token;
    let b = base();
    let (a, a_key) = (&topics[0].0, &topics[0].1);

    let r = app
        .note_at(tk, a, json!("from the laptop"), Some(b + min(30)))
        .await;
    assert_eq!(r["note"], "from the laptop");
    assert_eq!(r["skipped"], json!([]));

    // An older edit and an older clear from the phone: neither applies; the stored note wins.
    let r = app
        .note_at(tk, a, json!("from the phone"), Some(b + min(10)))
        .await;
    assert_eq!(r["note"], "from the laptop", "{r}");
    assert_eq!(r["topic"]["myNote"], "from the laptop");
    assert_skipped(&r, a, b + min(10), b + min(30));
    let r = app.note_at(tk, a, Value::Null, Some(b + min(20))).await;
    assert_eq!(r["note"], "from the laptop", "{r}");
    assert_skipped(&r, a, b + min(20), b + min(30));
    assert_eq!(
        app.my_topics(tk, "backend").await[a_key]["myNote"],
        "from the laptop"
    );

    // Newer, or equal (the later arrival wins), it applies.
    let r = app
        .note_at(tk, a, json!("same time"), Some(b + min(30)))
        .await;
    assert_eq!(r["note"], "same time");
    assert_eq!(r["skipped"], json!([]));
    let r = app.note_at(tk, a, json!("newest"), Some(b + min(40))).await;
    assert_eq!(r["note"], "newest");
    assert_eq!(r["topic"]["myNote"], "newest");
    // No `at` is now: newer than all of them.
    let r = app.note_at(tk, a, Value::Null, None).await;
    assert!(r["note"].is_null(), "{r}");
    assert_eq!(r["skipped"], json!([]));
}

/// Two devices of one learner, each with changes queued offline, sync in both orders (two
/// learners): both end with the newest change of every topic, statuses and notes.
#[tokio::test]
async fn out_of_order_sync_of_two_devices_ends_with_the_newest() {
    let app = spawn_app().await;
    let (roadmap, topics) = topics_of(&app, "backend").await;
    let b = base();
    let (a, b_, c, d) = (&topics[0].0, &topics[1].0, &topics[2].0, &topics[3].0);
    let keys = [&topics[0].1, &topics[1].1, &topics[2].1, &topics[3].1];
    let phone = json!([
        change(a, "LEARNING", Some(b + min(10))),
        change(b_, "SKIPPED", Some(b + min(50))),
        change(c, "DONE", Some(b + min(10))),
        change(d, "DONE", Some(b + min(35)))
    ]);
    // D: the laptop states again the status D already has, later than the phone's change.
    let laptop = json!([
        change(a, "DONE", Some(b + min(20))),
        change(b_, "LEARNING", Some(b + min(40))),
        change(c, "PENDING", Some(b + min(30))),
        change(d, "LEARNING", Some(b + min(40)))
    ]);
    for (name, laptop_first) in [("phonefirst", false), ("laptopfirst", true)] {
        let s = app.signup(name).await;
        let second = app.sign_in(&s.email, &s.password).await;
        let phone_token = s.access_token.clone();
        let laptop_token = second["data"]["signIn"]["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
        // Where both devices started from (synced before going offline).
        app.statuses_at(
            &phone_token,
            &roadmap,
            json!([
                change(a, "LEARNING", Some(b)),
                change(b_, "LEARNING", Some(b)),
                change(c, "LEARNING", Some(b)),
                change(d, "LEARNING", Some(b))
            ]),
        )
        .await;
        let mut syncs = vec![
            (&phone_token, phone.clone(), "from the phone", b + min(15)),
            (
                &laptop_token,
                laptop.clone(),
                "from the laptop",
                b + min(25),
            ),
        ];
        if laptop_first {
            syncs.reverse();
        }
        let mut skipped = 0;
        for (token, changes, note, note_at) in syncs {
            let r = app.statuses_at(token, &roadmap, changes).await;
            skipped += r["skipped"].as_array().unwrap().len();
            app.note_at(token, a, json!(note), Some(note_at)).await;
        }
        // Phone first: the laptop's A, C and D win over applied phone changes, B is skipped (1).
        // Laptop first: the phone's A, C (its clear left its time in the history) and D (the
        // laptop's later restatement is remembered) are skipped, B applies (3).
        assert_eq!(skipped, if laptop_first { 3 } else { 1 }, "{name}");
        let mine = app.my_topics(&s.access_token, "backend").await;
        assert_eq!(mine[keys[0]]["myStatus"], "DONE", "{name}");
        assert_eq!(mine[keys[1]]["myStatus"], "SKIPPED", "{name}");
        assert_eq!(mine[keys[2]]["myStatus"], "PENDING", "{name}");
        assert_eq!(mine[keys[3]]["myStatus"], "LEARNING", "{name}");
        assert_eq!(mine[keys[0]]["myNote"], "from the laptop", "{name}");
    }
}

/// A status cleared (`PENDING`, or a roadmap reset) leaves no row; its time is kept by the
/// history, so an older change queued elsewhere does not bring the status back.
#[tokio::test]
async fn a_cleared_status_keeps_its_time_against_older_changes() {
    let app = spawn_app().await;
    let (roadmap, topics) = topics_of(&app, "backend").await;
    let s = app.signup("clearer").await;
    let tk = &s.access_token;
    let b = base();
    let (a, c) = (&topics[0].0, &topics[1].0);
    app.statuses_at(
        tk,
        &roadmap,
        json!([change(a, "DONE", Some(b)), change(c, "DONE", Some(b))]),
    )
    .await;
    let r = app.status_at(tk, a, "PENDING", b + min(30)).await;
    assert_eq!(r["changed"], true);
    let r = app.status_at(tk, a, "LEARNING", b + min(20)).await;
    assert_eq!(r["status"], "PENDING", "{r}");
    assert_skipped(&r, a, b + min(20), b + min(30));

    let before_reset = Utc::now() - TimeDelta::seconds(1);
    let body = app
        .gql_as(tk, ops::RESET_ROADMAP_PROGRESS, json!({ "r": roadmap }))
        .await;
    assert_eq!(ok(&body)["resetRoadmapProgress"]["clearedCount"], 1);
    let r = app.status_at(tk, c, "LEARNING", b + min(60)).await;
    assert_eq!(r["status"], "PENDING", "{r}");
    assert!(time(&r["skipped"][0]["storedAt"]) > before_reset, "{r}");
    assert_eq!(app.my_progress(tk, "backend").await["learning"], 0);
}

#[tokio::test]
async fn an_at_more_than_five_minutes_ahead_is_refused_naming_the_change() {
    let app = spawn_app().await;
    let (roadmap, topics) = topics_of(&app, "backend").await;
    let s = app.signup("ahead").await;
    let tk = &s.access_token;
    let now = Utc::now();
    let mut changes: Vec<Value> = topics[..5]
        .iter()
        .map(|(id, _)| change(id, "DONE", Some(now - min(1))))
        .collect();
    changes[3] = change(&topics[3].0, "DONE", Some(now + min(10)));
    let body = app.statuses_body(tk, &roadmap, json!(changes)).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(field(&body), Some("changes[3].at"), "{body}");
    assert_eq!(count_rows(&app, "SELECT COUNT(*) FROM progress").await, 0);
    assert_eq!(events(&app).await, 0);

    for (query, vars) in [
        (
            ops::SET_TOPIC_STATUS_AT,
            json!({ "id": topics[0].0, "s": "DONE", "at": iso(now + TimeDelta::hours(1)) }),
        ),
        (
            ops::SET_TOPIC_NOTE_AT,
            json!({ "id": topics[0].0, "n": "x", "at": iso(now + TimeDelta::hours(1)) }),
        ),
    ] {
        let body = app.gql_as(tk, query, vars).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
        assert_eq!(field(&body), Some("at"), "{body}");
    }
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM topic_notes").await,
        0
    );

    // Within 5 minutes ahead (a device clock a little fast) is accepted as sent.
    let ahead = (now + min(4)).with_nanosecond(0).unwrap();
    let r = app
        .statuses_at(
            tk,
            &roadmap,
            json!([change(&topics[0].0, "DONE", Some(ahead))]),
        )
        .await;
    assert_eq!(r["changedCount"], 1);
    assert_eq!(time(&app.history(tk).await[0]["at"]), ahead);
}

#[tokio::test]
async fn a_malformed_at_is_refused_naming_the_field() {
    let app = spawn_app().await;
    let (roadmap, topics) = topics_of(&app, "backend").await;
    let s = app.signup("garbled").await;
    let tk = &s.access_token;
    let good = iso(Utc::now() - min(5));
    for bad in [
        json!("yesterday"),
        json!("2026-11-30 09:15"),
        json!("2026-11-30T09:15:00"),
        json!("2026-13-01T00:00:00Z"),
        json!(5),
    ] {
        let changes = json!([
            { "topicId": topics[0].0, "status": "DONE", "at": good },
            { "topicId": topics[1].0, "status": "DONE", "at": bad }
        ]);
        let body = app.statuses_body(tk, &roadmap, json!(changes)).await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{bad}: {body}");
        assert_eq!(field(&body), Some("changes[1].at"), "{bad}: {body}");
        for (query, vars) in [
            (
                ops::SET_TOPIC_STATUS_AT,
                json!({ "id": topics[0].0, "s": "DONE", "at": bad }),
            ),
            (
                ops::SET_TOPIC_NOTE_AT,
                json!({ "id": topics[0].0, "n": "x", "at": bad }),
            ),
        ] {
            let body = app.gql_as(tk, query, vars).await;
            assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{bad}: {body}");
            assert_eq!(field(&body), Some("at"), "{bad}: {body}");
        }
    }
    // Written into the document rather than sent as a variable: the same answer.
    let body = app
        .gql_as(
            tk,
            &format!(
                r#"mutation {{ setTopicStatus(topicId: "{}", status: DONE, at: "noon") {{ changed }} }}"#,
                topics[0].0
            ),
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert_eq!(field(&body), Some("at"), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("RFC 3339")),
        "{body}"
    );
    assert_eq!(count_rows(&app, "SELECT COUNT(*) FROM progress").await, 0);
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM topic_notes").await,
        0
    );
}

#[tokio::test]
async fn no_at_means_now() {
    let app = spawn_app().await;
    let (roadmap, topics) = topics_of(&app, "backend").await;
    let s = app.signup("rightnow").await;
    let tk = &s.access_token;
    let before = Utc::now() - TimeDelta::seconds(1);
    let r = app
        .statuses_at(tk, &roadmap, json!([change(&topics[0].0, "DONE", None)]))
        .await;
    let after = Utc::now() + TimeDelta::seconds(1);
    assert_eq!(r["changedCount"], 1);
    let at = time(&app.history(tk).await[0]["at"]);
    assert!(before <= at && at <= after, "{at}");
    // So a change made a minute ago on another device is older, and skipped.
    let r = app
        .status_at(tk, &topics[0].0, "LEARNING", Utc::now() - min(1))
        .await;
    assert_eq!(r["status"], "DONE", "{r}");
    assert_eq!(time(&r["skipped"][0]["storedAt"]), at);
    // And a skipped change made with no `at` reports the server's time as its `at`.
    let ahead = Utc::now() + min(3);
    let r = app.status_at(tk, &topics[1].0, "DONE", ahead).await;
    assert_eq!(r["changed"], true);
    let body = app
        .gql_as(
            tk,
            ops::SET_TOPIC_STATUS_AT,
            json!({ "id": topics[1].0, "s": "SKIPPED" }),
        )
        .await;
    let r = &ok(&body)["setTopicStatus"];
    assert_eq!(r["status"], "DONE", "{r}");
    let skipped_at = time(&r["skipped"][0]["at"]);
    assert!(skipped_at > before && skipped_at < ahead, "{r}");
}

#[tokio::test]
async fn history_records_each_change_at_its_at_and_streaks_follow() {
    let app = spawn_app().await;
    let (roadmap, topics) = topics_of(&app, "backend").await;
    let s = app.signup("historian").await;
    let tk = &s.access_token;
    let now = Utc::now().with_nanosecond(0).unwrap();
    let two_days_ago = now - TimeDelta::days(2);
    let yesterday = now - TimeDelta::days(1);
    // Sent with an offset other than UTC: the same instant.
    let yesterday_paris = yesterday
        .with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap())
        .to_rfc3339();
    let body = app
        .gql_as(
            tk,
            ops::SET_TOPIC_STATUSES_AT,
            json!({ "r": roadmap, "c": [
                change(&topics[0].0, "DONE", Some(two_days_ago)),
                { "topicId": topics[1].0, "status": "LEARNING", "at": yesterday_paris },
                change(&topics[2].0, "SKIPPED", None)
            ] }),
        )
        .await;
    assert_eq!(ok(&body)["setTopicStatuses"]["changedCount"], 3);
    let history = app.history(tk).await;
    let at_of = |key: &str| {
        time(
            &history
                .iter()
                .find(|e| e["topicKey"] == key)
                .unwrap_or_else(|| panic!("no entry for {key}"))["at"],
        )
    };
    assert_eq!(at_of(&topics[0].1), two_days_ago);
    assert_eq!(at_of(&topics[1].1), yesterday);
    assert!(at_of(&topics[2].1) >= now);

    // Streaks count the days the history says: two days ago, yesterday and today.
    const STREAK: &str = "{ me { streak { current longest lastActiveOn } } }";
    let body = app.gql_as(tk, STREAK, json!({})).await;
    let st = &ok(&body)["me"]["streak"];
    assert_eq!(st["current"], 3, "{st}");
    assert_eq!(st["longest"], 3);
    assert_eq!(st["lastActiveOn"], Utc::now().date_naive().to_string());
}

#[tokio::test]
async fn a_skipped_change_leaves_history_and_progress_untouched() {
    let app = spawn_app().await;
    let (roadmap, topics) = topics_of(&app, "backend").await;
    let s = app.signup("untouched").await;
    let tk = &s.access_token;
    let a = &topics[0].0;
    app.set_topic_status(tk, a, "DONE").await;
    let history = app.history(tk).await;
    let progress = app.my_progress(tk, "backend").await;
    let an_hour_ago = Utc::now() - TimeDelta::hours(1);

    let r = app
        .statuses_at(
            tk,
            &roadmap,
            json!([change(a, "LEARNING", Some(an_hour_ago))]),
        )
        .await;
    assert_eq!(r["changedCount"], 0);
    assert_eq!(r["skipped"].as_array().unwrap().len(), 1);
    let r = app.status_at(tk, a, "PENDING", an_hour_ago).await;
    assert_eq!(r["changed"], false);

    assert_eq!(app.history(tk).await, history);
    assert_eq!(app.my_progress(tk, "backend").await, progress);
    assert_eq!(count_rows(&app, "SELECT COUNT(*) FROM progress").await, 1);
}

/// A skipped change publishes nothing on `myProgressChanged`; applied ones do, as always.
#[tokio::test]
async fn a_skipped_change_publishes_no_notification() {
    let app = spawn_app().await;
    let (roadmap, topics) = topics_of(&app, "backend").await;
    let s = app.signup("listening").await;
    let other = app.sign_in(&s.email, &s.password).await;
    let phone = other["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (a, c, d) = (&topics[0].0, &topics[1].0, &topics[2].0);
    app.set_topic_status(&s.access_token, a, "DONE").await;
    app.note_at(&s.access_token, a, json!("kept"), None).await;

    let mut ws = live_socket(&app, &s.access_token).await;
    wait_for_subscriptions(&app, 1.0).await;

    // Skipped (older than what is stored), then applied: the first notification is the applied
    // one, with only its change.
    let an_hour_ago = Utc::now() - TimeDelta::hours(1);
    let r = app
        .statuses_at(
            &phone,
            &roadmap,
            json!([change(a, "LEARNING", Some(an_hour_ago))]),
        )
        .await;
    assert_eq!(r["skipped"].as_array().unwrap().len(), 1);
    let r = app
        .statuses_at(
            &phone,
            &roadmap,
            json!([
                change(a, "SKIPPED", Some(an_hour_ago)),
                change(c, "DONE", None)
            ]),
        )
        .await;
    assert_eq!(r["changedCount"], 1);
    let msg = next_json(&mut ws, Duration::from_secs(5))
        .await
        .expect("a notification");
    let change = &msg["payload"]["data"]["myProgressChanged"];
    assert_eq!(change["kind"], "STATUS", "{msg}");
    assert_eq!(change["changes"].as_array().unwrap().len(), 1, "{msg}");
    assert_eq!(change["changes"][0]["key"], topics[1].1.as_str(), "{msg}");

    // A skipped note, then an applied status: the next notification is the status.
    let r = app
        .note_at(&phone, a, json!("stale"), Some(an_hour_ago))
        .await;
    assert_eq!(r["note"], "kept");
    app.set_topic_status(&phone, d, "LEARNING").await;
    let msg = next_json(&mut ws, Duration::from_secs(5))
        .await
        .expect("a notification");
    let change = &msg["payload"]["data"]["myProgressChanged"];
    assert_eq!(
        change["kind"], "STATUS",
        "a skipped note was announced: {msg}"
    );
    assert_eq!(change["changes"][0]["key"], topics[2].1.as_str(), "{msg}");
}
