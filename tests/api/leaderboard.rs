//! The leaderboard: each kind, ties sharing a rank (1, 2, 2, 4), public profiles only, `first`
//! bounds, a team's board, and figures that decay as days pass (activity is dated in
//! the past with the offline `at`, and a day passing is simulated by moving the stored last
//! active day back with SQL).
use chrono::{Duration, Utc};
use serde_json::json;

use crate::helpers::catalog::fails;
use crate::helpers::progress::{ok, topics_of};
use crate::helpers::*;

const BOARD: &str = "query($k: LeaderboardKind!, $f: Int, $t: ID) {
    leaderboard(kind: $k, first: $f, teamId: $t) { rank value user { username } } }";
const PUBLIC: &str = "mutation { updateProfile(input: {profileVisibility: PUBLIC}) { username } }";

/// Signs up `name`, optionally public, and records one DONE per entry of `days_ago` (on distinct
/// topics of `backend`, starting at topic `offset`), each dated that many days back.
async fn learner(
    app: &TestApp,
    name: &str,
    public: bool,
    topics: &[(String, String)],
    offset: usize,
    days_ago: &[i64],
) -> String {
    let token = app.signup(name).await.access_token;
    if public {
        ok(&app.gql_as(&token, PUBLIC, json!({})).await);
    }
    for (i, d) in days_ago.iter().enumerate() {
        let at = (Utc::now() - Duration::days(*d) - Duration::minutes(1)).to_rfc3339();
        let body = app
            .gql_as(
                &token,
                ops::SET_TOPIC_STATUS_AT,
                json!({ "id": topics[offset + i].0, "s": "DONE", "at": at }),
            )
            .await;
        assert_eq!(ok(&body)["setTopicStatus"]["changed"], true, "{body}");
    }
    token
}

async fn board(app: &TestApp, kind: &str, first: Option<i64>) -> Vec<(i64, i64, String)> {
    let body = app.gql(BOARD, json!({ "k": kind, "f": first })).await;
    ok(&body)["leaderboard"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["rank"].as_i64().unwrap(),
                e["value"].as_i64().unwrap(),
                e["user"]["username"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn row(rank: i64, value: i64, name: &str) -> (i64, i64, String) {
    (rank, value, name.to_owned())
}

#[tokio::test]
async fn leaderboard_ranks_public_profiles_with_ties_and_decays() {
    let app = spawn_app().await;
    let (_, topics) = topics_of(&app, "backend").await;
    // alice: today, yesterday, the day before, plus a second DONE today (current 3, 4 DONE).
    learner(&app, "alice", true, &topics, 0, &[2, 1, 0, 0]).await;
    // bob: the same three days (ties with alice on both streaks).
    learner(&app, "bob", true, &topics, 10, &[0, 1, 2]).await;
    // carol: yesterday, then (synced late, out of order) a run of five days two weeks ago.
    learner(&app, "carol", true, &topics, 20, &[1, 14, 13, 12, 11, 10]).await;
    // dave: a run of two that ended five days ago, and a DONE 40 days ago (outside 30 days).
    learner(&app, "dave", true, &topics, 30, &[6, 5, 40]).await;
    // eve would lead everything, but her profile is private.
    let eve = learner(&app, "eve", false, &topics, 40, &[0, 1, 2, 3, 4, 5, 6, 7]).await;
    // frank is public with no activity: value 0 is not listed.
    learner(&app, "frank", true, &topics, 0, &[]).await;

    assert_eq!(
        board(&app, "CURRENT_STREAK", None).await,
        [row(1, 3, "alice"), row(1, 3, "bob"), row(3, 1, "carol")]
    );
    assert_eq!(
        board(&app, "LONGEST_STREAK", None).await,
        [
            row(1, 5, "carol"),
            row(2, 3, "alice"),
            row(2, 3, "bob"),
            row(4, 2, "dave")
        ]
    );
    assert_eq!(
        board(&app, "DONE_LAST_30_DAYS", None).await,
        [
            row(1, 6, "carol"),
            row(2, 4, "alice"),
            row(3, 3, "bob"),
            row(4, 2, "dave")
        ]
    );
    // `first` cuts the list, ties keep their shared rank.
    assert_eq!(
        board(&app, "LONGEST_STREAK", Some(2)).await,
        [row(1, 5, "carol"), row(2, 3, "alice")]
    );
    assert_eq!(
        board(&app, "CURRENT_STREAK", Some(1)).await,
        [row(1, 3, "alice")]
    );
    let user = app.signup("asker").await.access_token;
    for (first, field) in [(0, "first"), (101, "first"), (-5, "first")] {
        let (code, f, _) = fails(
            &app,
            &user,
            BOARD,
            json!({ "k": "CURRENT_STREAK", "f": first }),
        )
        .await;
        assert_eq!((code.as_str(), f.as_str()), ("BAD_USER_INPUT", field));
    }
    assert_eq!(board(&app, "CURRENT_STREAK", Some(100)).await.len(), 3);
    // A team's board ranks its members, public profile or not, for its members only.
    let team = crate::helpers::teams::create_team(&app, &eve, "Eve's club").await;
    let body = app
        .gql_as(&eve, BOARD, json!({ "k": "CURRENT_STREAK", "t": team }))
        .await;
    let entries = ok(&body)["leaderboard"].clone();
    assert_eq!(entries[0]["user"]["username"], "eve");
    assert_eq!(entries[0]["value"], 8);
    assert_eq!(entries.as_array().map(Vec::len), Some(1));
    let (code, f, _) = fails(
        &app,
        &user,
        BOARD,
        json!({ "k": "CURRENT_STREAK", "t": team }),
    )
    .await;
    assert_eq!((code.as_str(), f.as_str()), ("NOT_FOUND", "teamId"));
    let body = app
        .gql(BOARD, json!({ "k": "CURRENT_STREAK", "t": team }))
        .await;
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");

    // Two days pass for bob without activity: his current streak is over, his longest stays.
    sql(
        &app,
        "UPDATE users SET streak_last_day = streak_last_day - 2 WHERE username = 'bob'",
    )
    .await;
    assert_eq!(
        board(&app, "CURRENT_STREAK", None).await,
        [row(1, 3, "alice"), row(2, 1, "carol")]
    );
    assert_eq!(
        board(&app, "LONGEST_STREAK", Some(3)).await[2],
        row(2, 3, "bob")
    );
    // A stored DONE figure above the live one (as it is once changes leave the window) ranks by
    // the live count.
    sql(
        &app,
        "UPDATE users SET done_30d = 100 WHERE username = 'dave'",
    )
    .await;
    assert_eq!(
        board(&app, "DONE_LAST_30_DAYS", None).await[3],
        row(4, 2, "dave")
    );
    // Going private leaves every board; back to public, back on it.
    let carol = app
        .sign_in("carol@example.com", "carol-Secret-Pass-42")
        .await;
    let carol = carol["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let private = "mutation { updateProfile(input: {profileVisibility: PRIVATE}) { username } }";
    ok(&app.gql_as(&carol, private, json!({})).await);
    for kind in ["CURRENT_STREAK", "LONGEST_STREAK", "DONE_LAST_30_DAYS"] {
        assert!(board(&app, kind, None).await.iter().all(|r| r.2 != "carol"));
    }
    ok(&app.gql_as(&carol, PUBLIC, json!({})).await);
    assert_eq!(
        board(&app, "LONGEST_STREAK", Some(1)).await,
        [row(1, 5, "carol")]
    );
    // The profile shows the same streak as the board.
    let body = app
        .gql(
            "{ profile(username: \"alice\") { streak { current longest } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ok(&body)["profile"]["streak"],
        json!({ "current": 3, "longest": 3 })
    );
}

/// A new time zone moves the local days: the stored streak follows.
#[tokio::test]
async fn streak_statistics_follow_the_time_zone() {
    let app = spawn_app().await;
    let (_, topics) = topics_of(&app, "backend").await;
    let token = learner(&app, "tokyo", true, &topics, 0, &[]).await;
    // Half an hour either side of midnight UTC, three days back: two days in UTC, one morning in
    // Tokyo (UTC+9).
    let midnight = (Utc::now() - Duration::days(3))
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    for (i, at) in [
        midnight - Duration::minutes(30),
        midnight + Duration::minutes(30),
    ]
    .iter()
    .enumerate()
    {
        let body = app
            .gql_as(
                &token,
                ops::SET_TOPIC_STATUS_AT,
                json!({ "id": topics[i].0, "s": "DONE", "at": at.to_rfc3339() }),
            )
            .await;
        ok(&body);
    }
    assert_eq!(
        board(&app, "LONGEST_STREAK", None).await,
        [row(1, 2, "tokyo")]
    );
    let body = app
        .gql_as(
            &token,
            "mutation { updateProfile(input: {timeZone: \"Asia/Tokyo\"}) { timeZone } }",
            json!({}),
        )
        .await;
    ok(&body);
    assert_eq!(
        board(&app, "LONGEST_STREAK", None).await,
        [row(1, 1, "tokyo")]
    );
}

/// Two status writes in one operation: the second one's request read the learner's row before the
/// first write moved their statistics, so its guarded update finds them changed and reads them
/// again; the figures are those of both writes.
#[tokio::test]
async fn two_writes_in_one_operation_keep_the_statistics_exact() {
    let app = spawn_app().await;
    let (_, topics) = topics_of(&app, "backend").await;
    let token = app.signup("twice").await.access_token;
    ok(&app.gql_as(&token, PUBLIC, json!({})).await);
    let yesterday = (Utc::now() - Duration::days(1) - Duration::minutes(1)).to_rfc3339();
    let body = app
        .gql_as(
            &token,
            "mutation($a: ID!, $b: ID!, $at: DeviceTime) { \
             a: setTopicStatus(topicId: $a, status: DONE, at: $at) { changed } \
             b: setTopicStatus(topicId: $b, status: DONE) { changed } }",
            json!({ "a": topics[1].0, "b": topics[2].0, "at": yesterday }),
        )
        .await;
    assert_eq!(ok(&body)["a"]["changed"], true, "{body}");
    assert_eq!(ok(&body)["b"]["changed"], true, "{body}");
    for kind in ["CURRENT_STREAK", "LONGEST_STREAK", "DONE_LAST_30_DAYS"] {
        assert_eq!(
            board(&app, kind, None).await,
            vec![row(1, 2, "twice")],
            "{kind}"
        );
    }
}
