//! Revocation reaches open sockets: a subscription socket closes with 4403 when its access token
//! expires, and as soon as the user's tokens are revoked — sign out everywhere, a new password, a
//! role change, a deleted account, a refresh token used twice (that sign-in only) — on every
//! server sharing the database.
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::catalog::user_number;
use crate::helpers::ws::*;
use crate::helpers::*;

const SIGN_OUT_EVERYWHERE: &str = "mutation { signOutEverywhere }";
const CHANGE_PASSWORD: &str =
    "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { accessToken } }";
const SET_ROLE: &str =
    "mutation($id: ID!, $r: Role!) { setUserRole(userId: $id, role: $r) { role } }";
const DELETE_ACCOUNT: &str = "mutation($i: DeleteAccountInput!) { deleteAccount(input: $i) }";

/// Waits for the socket's close code and prints how long it took after `since` (the revocation).
async fn closed_with(ws: &mut Ws, since: Instant, what: &str) -> Option<u16> {
    let code = close_code(ws).await;
    println!(
        "{what}: socket closed with {code:?} {:?} after it",
        since.elapsed()
    );
    code
}

const SECRET: &str = "a-test-secret-that-is-long-enough-for-hs256";

/// An access token for `user_id` that expires `seconds` from now (signed with `SECRET`), as the
/// server would have issued it with a shorter lifetime.
fn short_lived_token(user_id: i32, seconds: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = roadmap_api::accounts::tokens::Claims {
        sub: user_id.to_string(),
        role: "USER".to_owned(),
        ver: 0,
        iat: now,
        exp: now + seconds,
        iss: "roadmap-api".to_owned(),
        aud: "roadmap-api".to_owned(),
        jti: uuid::Uuid::new_v4().to_string(),
        fam: None,
    };
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &key).unwrap()
}

#[tokio::test]
async fn a_socket_closes_when_its_access_token_expires() {
    let app = spawn_app_with(|s| s.auth.jwt_secret = Some(SECRET.into())).await;
    let s = app.signup("expiring").await;
    let token = short_lived_token(user_number(&s.user_id), 3);
    let mut ws = live_socket(&app, &token).await;
    assert!(answers_ping(&mut ws).await);
    assert_eq!(close_code(&mut ws).await, Some(4403));
}

#[tokio::test]
async fn signing_out_everywhere_closes_the_users_sockets_and_no_one_elses() {
    let app = spawn_app().await;
    let s = app.signup("leaver").await;
    let other = app.signup("stayer").await;
    let mut mine = live_socket(&app, &s.access_token).await;
    let mut theirs = live_socket(&app, &other.access_token).await;
    assert!(answers_ping(&mut mine).await);

    let at = Instant::now();
    let out = app
        .gql_as(&s.access_token, SIGN_OUT_EVERYWHERE, json!({}))
        .await;
    assert_eq!(out["data"]["signOutEverywhere"], true, "{out}");
    assert_eq!(
        closed_with(&mut mine, at, "signOutEverywhere").await,
        Some(4403)
    );
    assert!(
        answers_ping(&mut theirs).await,
        "another user's socket was closed"
    );
    // A new socket with the revoked token is refused too.
    let mut again = ws_connect(&app).await;
    let refused = ws_init(&mut again, &s.access_token).await;
    assert_ne!(refused["type"], "connection_ack", "{refused}");
}

#[tokio::test]
async fn a_new_password_closes_old_sockets_and_the_new_token_connects() {
    let app = spawn_app().await;
    let s = app.signup("rotator").await;
    let mut old = live_socket(&app, &s.access_token).await;
    let at = Instant::now();
    let out = app
        .gql_as(
            &s.access_token,
            CHANGE_PASSWORD,
            json!({ "i": { "currentPassword": s.password, "newPassword": "a-Brand-new-Pass-77" } }),
        )
        .await;
    let fresh = out["data"]["changePassword"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{out}"))
        .to_owned();
    assert_eq!(
        closed_with(&mut old, at, "changePassword").await,
        Some(4403)
    );
    let mut new = live_socket(&app, &fresh).await;
    assert!(answers_ping(&mut new).await);
}

#[tokio::test]
async fn a_role_change_closes_the_users_sockets_and_a_refresh_brings_the_new_role() {
    let app = spawn_app().await;
    let admin = app.admin_session("roleadmin").await;
    let s = app.signup("promoted").await;
    let mut ws = live_socket(&app, &s.access_token).await;
    let at = Instant::now();
    let out = app
        .gql_as(
            &admin.access_token,
            SET_ROLE,
            json!({ "id": s.user_id, "r": "ADMIN" }),
        )
        .await;
    assert_eq!(out["data"]["setUserRole"]["role"], "ADMIN", "{out}");
    assert_eq!(closed_with(&mut ws, at, "setUserRole").await, Some(4403));
    // The session goes on: the refresh token gives an access token with the new role.
    let refreshed = app
        .gql(ops::REFRESH_SESSION, json!({ "t": s.refresh_token }))
        .await;
    let token = refreshed["data"]["refreshSession"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{refreshed}"));
    let me = app.gql_as(token, ops::ME, json!({})).await;
    assert_eq!(me["data"]["me"]["role"], "ADMIN", "{me}");
    // Setting the role it already has revokes nothing.
    let mut ws = live_socket(&app, token).await;
    let same = app
        .gql_as(
            &admin.access_token,
            SET_ROLE,
            json!({ "id": s.user_id, "r": "ADMIN" }),
        )
        .await;
    assert_eq!(same["data"]["setUserRole"]["role"], "ADMIN", "{same}");
    assert!(answers_ping(&mut ws).await);
}

#[tokio::test]
async fn deleting_the_account_closes_its_sockets_and_removes_its_data() {
    let app = spawn_app().await;
    let (_, topics) = crate::helpers::progress::topics_of(&app, "backend").await;
    let s = app.signup("goodbye").await;
    app.set_topic_status(&s.access_token, &topics[0].0, "DONE")
        .await;
    let id = user_number(&s.user_id);
    let mut ws = live_socket(&app, &s.access_token).await;

    let wrong = app
        .gql_as(
            &s.access_token,
            DELETE_ACCOUNT,
            json!({ "i": { "password": "not-the-password" } }),
        )
        .await;
    assert_eq!(error_code(&wrong), Some("BAD_USER_INPUT"), "{wrong}");
    assert_eq!(
        wrong["errors"][0]["extensions"]["field"], "password",
        "{wrong}"
    );
    assert!(
        answers_ping(&mut ws).await,
        "a refused deletion closed the socket"
    );

    let at = Instant::now();
    let out = app
        .gql_as(
            &s.access_token,
            DELETE_ACCOUNT,
            json!({ "i": { "password": s.password } }),
        )
        .await;
    assert_eq!(out["data"]["deleteAccount"], true, "{out}");
    assert_eq!(closed_with(&mut ws, at, "deleteAccount").await, Some(4403));
    for table in [
        "users WHERE id",
        "progress WHERE user_id",
        "progress_events WHERE user_id",
        "refresh_tokens WHERE user_id",
    ] {
        let n = count_rows(&app, &format!("SELECT COUNT(*) FROM {table} = {id}")).await;
        assert_eq!(n, 0, "rows left in {table}");
    }
    let again = app.sign_in(&s.email, &s.password).await;
    assert_eq!(error_code(&again), Some("UNAUTHENTICATED"), "{again}");
}

#[tokio::test]
async fn the_last_admin_cannot_delete_their_account() {
    let app = spawn_app().await;
    let admin = app.admin_session("onlyadmin").await;
    let out = app
        .gql_as(
            &admin.access_token,
            DELETE_ACCOUNT,
            json!({ "i": { "password": admin.password } }),
        )
        .await;
    assert_eq!(error_code(&out), Some("CONFLICT"), "{out}");
    let me = app.gql_as(&admin.access_token, ops::ME, json!({})).await;
    assert_eq!(me["data"]["me"]["role"], "ADMIN", "{me}");
}

/// Two servers on one PostgreSQL database (each with its own relay, as two processes have): a
/// revocation made through one closes a socket held by the other.
#[tokio::test]
async fn a_revocation_through_one_server_closes_sockets_on_another() {
    if backend() != Backend::Postgres {
        println!("cross-process revocation needs PostgreSQL; skipped on SQLite");
        return;
    }
    let a = spawn_app().await;
    let b = spawn_on(a.db.clone()).await;
    // Both servers' relays listen before the revocation is sent (LISTEN starts asynchronously).
    let listening = "SELECT COUNT(*) FROM pg_stat_activity \
        WHERE datname = current_database() AND query ILIKE '%LISTEN%roadmap_revocations%'";
    let ready = eventually(Duration::from_secs(15), || async {
        count_rows(&a, listening).await >= 2
    })
    .await;
    assert!(ready, "the revocation relays never started listening");
    let s = a.signup("twoplaces").await;
    let mut ws = live_socket(&a, &s.access_token).await;
    let at = Instant::now();
    let out = b
        .gql_as(&s.access_token, SIGN_OUT_EVERYWHERE, json!({}))
        .await;
    assert_eq!(out["data"]["signOutEverywhere"], true, "{out}");
    assert_eq!(
        closed_with(&mut ws, at, "signOutEverywhere on another server").await,
        Some(4403)
    );
}

/// The user of an access token, or null when the token is refused.
async fn who(app: &TestApp, token: &str) -> serde_json::Value {
    app.gql_as(token, ops::ME, json!({})).await["data"]["me"]["username"].clone()
}

async fn refresh(app: &TestApp, refresh_token: &str) -> serde_json::Value {
    app.gql(ops::REFRESH_SESSION, json!({ "t": refresh_token }))
        .await
}

/// A refresh token used twice revokes its sign-in: its refresh tokens, the access tokens already
/// issued in it (at once, on every server on the database) and the sockets they opened — and
/// nothing of the user's other sign-ins.
#[tokio::test]
async fn a_reused_refresh_token_kills_its_sign_ins_access_tokens_and_sockets() {
    let app = spawn_app().await;
    // On PostgreSQL, a second server on the same database (as a second process would be): the
    // revocation must reach it over NOTIFY. SQLite is served by one process.
    let cross = backend() == Backend::Postgres;
    let other = match cross {
        true => Some(spawn_on(app.db.clone()).await),
        false => None,
    };
    let s = app.signup("reused").await;
    let second = app.sign_in(&s.email, &s.password).await;
    let kept = second["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{second}"))
        .to_owned();
    let rotated = refresh(&app, &s.refresh_token).await;
    let rotated_access = rotated["data"]["refreshSession"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{rotated}"))
        .to_owned();
    for token in [&s.access_token, &rotated_access, &kept] {
        assert_eq!(who(&app, token).await, "reused");
    }
    let mut doomed = live_socket(&app, &s.access_token).await;
    let elsewhere = other.as_ref().unwrap_or(&app);
    let mut doomed_elsewhere = live_socket(elsewhere, &rotated_access).await;
    let mut spared = live_socket(&app, &kept).await;
    wait_for_subscriptions(&app, 2.0).await;

    // The thief (or a confused client) presents the first refresh token again.
    let at = Instant::now();
    let replay = refresh(&app, &s.refresh_token).await;
    assert_eq!(error_code(&replay), Some("UNAUTHENTICATED"), "{replay}");

    // Both access tokens of that sign-in are refused at once on this server, and soon on the
    // other (the relay is asynchronous on PostgreSQL).
    for token in [&s.access_token, &rotated_access] {
        assert!(who(&app, token).await.is_null(), "the token still works");
        let refused_elsewhere = eventually(Duration::from_secs(10), || async {
            who(elsewhere, token).await.is_null()
        })
        .await;
        assert!(
            refused_elsewhere,
            "the other server still accepts the token"
        );
    }
    assert_eq!(
        closed_with(&mut doomed, at, "refresh reuse").await,
        Some(4403)
    );
    assert_eq!(
        closed_with(&mut doomed_elsewhere, at, "refresh reuse on another server").await,
        Some(4403)
    );
    // A new socket with a revoked token is refused; the rotated refresh token is dead too.
    let mut again = ws_connect(&app).await;
    let refused = ws_init(&mut again, &rotated_access).await;
    assert_ne!(refused["type"], "connection_ack", "{refused}");
    let next = rotated["data"]["refreshSession"]["refreshToken"]
        .as_str()
        .unwrap();
    assert_eq!(
        error_code(&refresh(&app, next).await),
        Some("UNAUTHENTICATED")
    );

    // The other sign-in lives on, over HTTP and on its socket.
    assert_eq!(who(&app, &kept).await, "reused");
    assert!(
        answers_ping(&mut spared).await,
        "another sign-in's socket was closed"
    );

    // The revocation is in the database, so a server started later refuses the tokens too.
    let revoked = count_rows(&app, "SELECT COUNT(*) FROM revoked_families").await;
    assert_eq!(revoked, 1);
    drop(other);
    let later = spawn_on(app.db.clone()).await;
    assert!(who(&later, &s.access_token).await.is_null());
    assert_eq!(who(&later, &kept).await, "reused");
}
