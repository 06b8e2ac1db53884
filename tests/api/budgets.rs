//! Per-user budgets: signed-in requests spend points (complexity / 100, at least 1) from their
//! user's budget, shown by `rateLimit` and the `X-RateLimit-*` headers; past it, 429
//! `RATE_LIMITED` until the window resets. The per-address bucket governs anonymous requests only
//! (and requests whose token signs no one in). Servers on one database share a user's budget.
use std::time::Duration;

use reqwest::header::HeaderMap;
use roadmap_api::config::Settings;
use serde_json::{json, Value};

use crate::helpers::*;

const RATE_LIMIT: &str = "{ rateLimit { limit cost remaining resetAt } }";
/// A connection of 100 roadmaps with a few fields each: complexity well over 100.
const EXPENSIVE: &str = "{ roadmaps(first: 100) { totalCount edges { cursor node { id slug title \
    description tags } } } rateLimit { cost remaining } }";

struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> Option<i64> {
        self.headers.get(name)?.to_str().ok()?.parse().ok()
    }
}

async fn post(app: &TestApp, token: Option<&str>, query: &str) -> Reply {
    let mut req = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": query }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.json().await.expect("json body");
    Reply {
        status,
        headers,
        body,
    }
}

#[tokio::test]
async fn signed_in_requests_spend_points_shown_by_the_field_and_the_headers() {
    let app = spawn_app_with(|s| s.hardening.rate_limit_user_points = 500).await;
    let s = app.signup("spender").await;

    let first = post(&app, Some(&s.access_token), RATE_LIMIT).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let rl = &first.body["data"]["rateLimit"];
    assert_eq!(rl["limit"], 500, "{}", first.body);
    assert_eq!(rl["cost"], 1);
    assert_eq!(rl["remaining"], 499);
    let reset = chrono::DateTime::parse_from_rfc3339(rl["resetAt"].as_str().unwrap()).unwrap();
    let in_an_hour = chrono::Utc::now() + chrono::Duration::hours(1);
    assert!(
        (reset.timestamp() - in_an_hour.timestamp()).abs() <= 5,
        "{reset}"
    );
    assert_eq!(first.header("x-ratelimit-limit"), Some(500));
    assert_eq!(first.header("x-ratelimit-remaining"), Some(499));
    assert_eq!(first.header("x-ratelimit-used"), Some(1));
    assert_eq!(first.header("x-ratelimit-reset"), Some(reset.timestamp()));

    // A bigger query costs more, rounded up from its complexity.
    let big = post(&app, Some(&s.access_token), EXPENSIVE).await;
    let cost = big.body["data"]["rateLimit"]["cost"].as_i64().unwrap();
    println!("a page of 100 roadmaps with five fields each costs {cost} points");
    assert!(cost > 1, "{}", big.body);
    assert_eq!(big.body["data"]["rateLimit"]["remaining"], 499 - cost);
    assert_eq!(big.header("x-ratelimit-remaining"), Some(499 - cost));

    // Anonymous requests have no budget: null and no headers.
    let anon = post(&app, None, RATE_LIMIT).await;
    assert_eq!(anon.body["data"]["rateLimit"], Value::Null, "{}", anon.body);
    assert!(anon.headers.get("x-ratelimit-limit").is_none());
}

#[tokio::test]
async fn past_the_budget_requests_are_refused_until_the_window_resets() {
    let app = spawn_app_with(|s| {
        s.hardening.rate_limit_user_points = 3;
        s.hardening.rate_limit_user_window = Duration::from_secs(2);
    })
    .await;
    let s = app.signup("thrifty").await;
    let other = app.signup("untouched").await;
    for _ in 0..3 {
        let r = post(&app, Some(&s.access_token), "{ me { id } }").await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let refused = post(&app, Some(&s.access_token), "{ me { id } }").await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(error_code(&refused.body), Some("RATE_LIMITED"));
    assert!(refused.body.get("data").is_none(), "{}", refused.body);
    let retry = refused.body["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_i64()
        .unwrap();
    assert!((1..=2).contains(&retry), "{}", refused.body);
    assert_eq!(refused.header("retry-after"), Some(retry));
    assert_eq!(refused.header("x-ratelimit-remaining"), Some(0));
    // A mutation past the budget writes nothing.
    let update = "mutation { updateProfile(input: {displayName: \"Spent\"}) { displayName } }";
    let blocked = post(&app, Some(&s.access_token), update).await;
    assert_eq!(blocked.status, 429, "{}", blocked.body);
    // Another user on the same address is not affected.
    let theirs = post(&app, Some(&other.access_token), "{ me { id } }").await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    // The window ends and the budget is whole again.
    let back = eventually(Duration::from_secs(10), || async {
        post(&app, Some(&s.access_token), RATE_LIMIT).await.status == 200
    })
    .await;
    assert!(back, "the budget never reset");
    let me = post(&app, Some(&s.access_token), "{ me { displayName } }").await;
    assert_ne!(me.body["data"]["me"]["displayName"], "Spent", "{}", me.body);
}

#[tokio::test]
async fn a_query_costing_more_than_the_whole_budget_is_refused_and_spends_nothing() {
    let app = spawn_app_with(|s| s.hardening.rate_limit_user_points = 2).await;
    let s = app.signup("bigspender").await;
    let refused = post(&app, Some(&s.access_token), EXPENSIVE).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert_eq!(error_code(&refused.body), Some("RATE_LIMITED"));
    let cheap = post(&app, Some(&s.access_token), RATE_LIMIT).await;
    assert_eq!(
        cheap.body["data"]["rateLimit"]["remaining"], 1,
        "{}",
        cheap.body
    );
}

/// Thirty learners behind one office address: the per-address bucket no longer stands in their
/// way (it is for anonymous requests), and a request whose token signs no one in is anonymous.
#[tokio::test]
async fn one_address_many_learners_and_bogus_tokens_meet_the_address_bucket() {
    let app = spawn_app_with(|s| {
        s.hardening.rate_limit_per_second = 0.01;
        s.hardening.rate_limit_burst = 40;
    })
    .await;
    // Sign-ups are anonymous requests: they take 30 of the address's 40.
    let mut learners = Vec::new();
    for i in 0..30 {
        learners.push(app.signup(&format!("office{i}")).await);
    }
    for learner in &learners {
        for _ in 0..12 {
            let r = post(&app, Some(&learner.access_token), "{ me { id } }").await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
    }
    // A made-up token buys nothing: those requests spend the address's bucket.
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(
            post(&app, Some("not-a-token"), "{ __typename }")
                .await
                .status,
        );
    }
    assert!(
        statuses.contains(&429),
        "bogus tokens dodged the address bucket: {statuses:?}"
    );
    let anon = post(&app, None, "{ __typename }").await;
    assert_eq!(anon.status, 429, "{}", anon.body);
    // Signed-in learners go on.
    let r = post(&app, Some(&learners[0].access_token), "{ me { id } }").await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// Two servers on one PostgreSQL database share each user's budget (it is a row, reserved from
/// with one conditional upsert).
#[tokio::test]
async fn servers_on_one_database_share_a_users_budget() {
    if backend() != Backend::Postgres {
        println!("several processes on one database need PostgreSQL; skipped on SQLite");
        return;
    }
    let four_points = |s: &mut Settings| s.hardening.rate_limit_user_points = 4;
    let a = spawn_app_with(four_points).await;
    let b = spawn_on_with(a.db.clone(), four_points).await;
    let s = a.signup("shared").await;
    for app in [&a, &b, &a, &b] {
        let r = post(app, Some(&s.access_token), "{ me { id } }").await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    for app in [&a, &b] {
        let r = post(app, Some(&s.access_token), "{ me { id } }").await;
        assert_eq!(r.status, 429, "{}", r.body);
        assert_eq!(r.header("x-ratelimit-remaining"), Some(0));
    }
}

/// Each server reserves a share of the budget at a time (a fiftieth) and spends it in memory:
/// two servers taking turns on one database spend exactly the budget between them, never more,
/// and the last points stay spendable on whichever server still holds them.
#[tokio::test]
async fn servers_reserving_shares_never_allow_more_than_the_budget() {
    if backend() != Backend::Postgres {
        println!("several processes on one database need PostgreSQL; skipped on SQLite");
        return;
    }
    let hundred_points = |s: &mut Settings| s.hardening.rate_limit_user_points = 100;
    let a = spawn_app_with(hundred_points).await;
    let b = spawn_on_with(a.db.clone(), hundred_points).await;
    let s = a.signup("shares").await;
    let mut allowed = 0;
    let mut refused = [false, false];
    // Three to one, so the servers' shares run out at different times.
    for turn in 0..400 {
        let side = usize::from(turn % 4 == 3);
        let r = post([&a, &b][side], Some(&s.access_token), "{ me { id } }").await;
        match r.status {
            200 => allowed += 1,
            429 => refused[side] = true,
            other => panic!("status {other}: {}", r.body),
        }
        if refused == [true, true] {
            break;
        }
    }
    assert_eq!(refused, [true, true], "both servers end up refusing");
    assert_eq!(
        allowed, 100,
        "the two servers together allow exactly the budget"
    );
}

/// A signed-in request costs no budget statement while its server holds points for the user,
/// and no authentication statement while their session is kept: after the first, `{ me { id } }`
/// runs no statement at all.
#[tokio::test]
async fn a_held_share_costs_no_statement() {
    let app = spawn_app_with(|s| s.hardening.rate_limit_user_points = 5_000).await;
    let s = app.signup("held").await;
    let first = post(&app, Some(&s.access_token), RATE_LIMIT).await;
    assert_eq!(
        first.body["data"]["rateLimit"]["remaining"], 4_999,
        "{}",
        first.body
    );
    let before = app.metric("roadmap_db_statements_total").await;
    for _ in 0..10 {
        let r = post(&app, Some(&s.access_token), "{ me { id } }").await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let after = app.metric("roadmap_db_statements_total").await;
    assert_eq!(
        after - before,
        0.0,
        "no statement: the budget share is held and the session kept"
    );
    let last = post(&app, Some(&s.access_token), RATE_LIMIT).await;
    assert_eq!(
        last.body["data"]["rateLimit"]["remaining"], 4_988,
        "{}",
        last.body
    );
}

/// A burst of one user's requests on a server holding nothing for them waits for one reservation
/// and spends from it: none is refused while the budget has room (each reserving its own share
/// would have claimed more than the budget and refused the rest).
#[tokio::test]
async fn a_burst_of_one_users_requests_shares_one_reservation() {
    let app = spawn_app_with(|s| s.hardening.rate_limit_user_points = 1_000).await;
    let s = app.signup("burst").await;
    let requests = (0..100).map(|_| post(&app, Some(&s.access_token), "{ me { id } }"));
    let replies = futures_util::future::join_all(requests).await;
    for r in &replies {
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let last = post(&app, Some(&s.access_token), RATE_LIMIT).await;
    assert_eq!(
        last.body["data"]["rateLimit"]["remaining"], 899,
        "{}",
        last.body
    );
}
