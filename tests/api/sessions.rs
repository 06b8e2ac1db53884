//! Kept sessions (`accounts::sessions`): a signed-in request whose user nothing changed costs no
//! SQL statement, and every change of the user's row, team seats, progress or tokens shows in
//! their next request: on the server that made it at once, and on another server on the same
//! PostgreSQL database once the notice arrives.
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::catalog::ok;
use crate::helpers::teams::*;
use crate::helpers::*;

const ME: &str = "{ me { displayName streak { current } } }";
const NAME: &str = "{ me { displayName } }";
const STREAK_ZONE: &str = "{ me { streak { timeZone } } }";
const ZONE: &str = "mutation($z: String!) { updateProfile(input: { timeZone: $z }) { timeZone } }";
const RENAME: &str =
    "mutation($n: String!) { updateProfile(input: { displayName: $n }) { displayName } }";
const TEAM_ROADMAP: &str = "query($s: String!) { roadmap(slug: $s) { slug } }";
const CREATE_FOR_TEAM: &str =
    "mutation($i: CreateRoadmapInput!) { createRoadmap(input: $i) { slug } }";
const REMOVE: &str =
    "mutation($t: ID!, $u: ID!) { removeTeamMember(teamId: $t, userId: $u) { id } }";
const SIGN_OUT: &str = "mutation { signOutEverywhere }";
const FIRST_TOPIC: &str = "{ roadmap(slug: \"backend\") { topics { id } } }";

/// The statements `f` cost on `app`'s server.
async fn statements<F, Fut>(app: &TestApp, f: F) -> f64
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let before = app.metric("roadmap_db_statements_total").await;
    f().await;
    app.metric("roadmap_db_statements_total").await - before
}

/// A team whose owner made it a roadmap (`ks-onb`), which only its members read.
async fn crew_with_a_roadmap(app: &TestApp, prefix: &str) -> Crew {
    let c = Crew::new(app, prefix).await;
    let input = json!({ "i": { "slug": "ks-onb", "title": "Onboarding", "briefTitle": "Onb",
        "description": "Our onboarding.", "briefDescription": "Onb.", "kind": "SKILL",
        "teamId": c.team } });
    ok(app, &c.owner.access_token, CREATE_FOR_TEAM, input).await;
    c
}

async fn sees_team_roadmap(app: &TestApp, token: &str) -> bool {
    let d = app
        .gql_as(token, TEAM_ROADMAP, json!({ "s": "ks-onb" }))
        .await;
    d["data"]["roadmap"]["slug"] == "ks-onb"
}

#[tokio::test]
async fn a_kept_session_costs_no_statement_and_every_change_shows_in_the_next_request() {
    let app = spawn_app().await;
    let c = crew_with_a_roadmap(&app, "ks").await;
    let member = c.member.access_token.as_str();
    assert!(sees_team_roadmap(&app, member).await);

    // Nothing changed since the last request: no statement at all (the budget share is held;
    // `me.streak` would read the content version on SQLite).
    let me = || app.gql_as(member, NAME, json!({}));
    me().await;
    let hits = app
        .metric("roadmap_session_lookups_total{result=\"hit\"}")
        .await;
    assert_eq!(statements(&app, me).await, 0.0);
    // `/metrics` says so, and what the kept sessions hold.
    let more = app
        .metric("roadmap_session_lookups_total{result=\"hit\"}")
        .await;
    assert_eq!(more - hits, 1.0);
    assert!(app.metric("roadmap_kept_sessions").await >= 1.0);
    assert!(app.metric("roadmap_kept_session_bytes").await >= 400.0);

    // Their profile: the next request shows it.
    ok(&app, member, RENAME, json!({ "n": "Kept Name" })).await;
    assert_eq!(
        ok(&app, member, ME, json!({})).await["me"]["displayName"],
        "Kept Name"
    );

    // Their progress: the streak kept on their row moves, and the next request shows it.
    let topics = app.gql(FIRST_TOPIC, json!({})).await;
    let topic = topics["data"]["roadmap"]["topics"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        ok(&app, member, ME, json!({})).await["me"]["streak"]["current"],
        0
    );
    app.set_topic_status(member, &topic, "DONE").await;
    assert_eq!(
        ok(&app, member, ME, json!({})).await["me"]["streak"]["current"],
        1
    );

    // Their team seat: removed, they no longer read the team's roadmap.
    ok(
        &app,
        &c.owner.access_token,
        REMOVE,
        json!({ "t": c.team, "u": c.member.user_id }),
    )
    .await;
    assert!(!sees_team_roadmap(&app, member).await);

    // Their tokens: revoked, the old one is refused at once.
    ok(&app, member, SIGN_OUT, json!({})).await;
    let body = app.gql_as(member, SIGN_OUT, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");

    // Off, every request checks its token with one statement, and answers the same.
    let off = spawn_on_with(app.db.clone(), |s| s.cache.session_cache_bytes = 0).await;
    let owner = c.owner.access_token.as_str();
    let kept = ok(&app, owner, ME, json!({})).await;
    assert_eq!(ok(&off, owner, ME, json!({})).await, kept);
    let me_off = || off.gql_as(owner, NAME, json!({}));
    assert_eq!(statements(&off, me_off).await, 1.0);
}

#[tokio::test]
async fn a_change_on_another_server_reaches_the_session_kept_here() {
    if backend() != Backend::Postgres {
        println!("notices cross servers on PostgreSQL only; skipped on SQLite");
        return;
    }
    let a = spawn_app().await;
    let b = spawn_on(a.db.clone()).await;
    let c = crew_with_a_roadmap(&a, "kx").await;
    let member = c.member.access_token.as_str();
    // Kept on b.
    assert!(sees_team_roadmap(&b, member).await);
    let me_b = || b.gql_as(member, NAME, json!({}));
    me_b().await;
    assert_eq!(statements(&b, me_b).await, 0.0);

    let wait = Duration::from_secs(10);
    ok(&a, member, RENAME, json!({ "n": "Renamed On A" })).await;
    assert!(
        eventually(wait, || async {
            b.gql_as(member, ME, json!({})).await["data"]["me"]["displayName"] == "Renamed On A"
        })
        .await,
        "b shows the new name"
    );

    // A new time zone: b's kept streak was counted in the old one.
    assert_eq!(
        ok(&b, member, STREAK_ZONE, json!({})).await["me"]["streak"]["timeZone"],
        "UTC"
    );
    ok(&a, member, ZONE, json!({ "z": "Asia/Tokyo" })).await;
    assert!(
        eventually(wait, || async {
            let d = b.gql_as(member, STREAK_ZONE, json!({})).await;
            d["data"]["me"]["streak"]["timeZone"] == "Asia/Tokyo"
        })
        .await,
        "b counts the streak in the new zone"
    );

    ok(
        &a,
        &c.owner.access_token,
        REMOVE,
        json!({ "t": c.team, "u": c.member.user_id }),
    )
    .await;
    assert!(
        eventually(wait, || async { !sees_team_roadmap(&b, member).await }).await,
        "b forgets the team seat"
    );

    ok(&a, member, SIGN_OUT, json!({})).await;
    assert!(
        eventually(wait, || async {
            // A refused token reads as anonymous: no `me`.
            let body = b.gql_as(member, ME, json!({})).await;
            body["data"]["me"].is_null() && body["errors"].is_null()
        })
        .await,
        "b refuses the revoked token"
    );
}
