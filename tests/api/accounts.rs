//! Accounts over real HTTP: sign-up → sign-in → me → refresh → sign-out, token rotation and reuse
//! detection, every kind of bad token, validation, rate limiting, admin bootstrap and roles.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::helpers::*;

const GUARDED: &str = "mutation { signOutEverywhere }";

fn code(body: &Value) -> &str {
    error_code(body).unwrap_or("<none>")
}

#[tokio::test]
async fn sign_up_sign_in_me_refresh_sign_out() {
    let app = spawn_app().await;
    let anon = app.gql(ops::ME, json!({})).await;
    assert!(anon["data"]["me"].is_null());

    let s = app.signup("Alice_1").await;
    let me = app.gql_as(&s.access_token, ops::ME, json!({})).await;
    assert_eq!(me["data"]["me"]["username"], "Alice_1");
    assert_eq!(me["data"]["me"]["email"], "alice_1@example.com");
    assert_eq!(me["data"]["me"]["role"], "USER");
    assert_eq!(me["data"]["me"]["timeZone"], "UTC");

    // Email is matched case-insensitively and trimmed.
    let body = app.sign_in("  ALICE_1@Example.com ", &s.password).await;
    let signed = &body["data"]["signIn"];
    assert!(signed["accessToken"].is_string(), "{body}");

    let body = app
        .gql(
            crate::helpers::ops::REFRESH_SESSION,
            json!({ "t": s.refresh_token }),
        )
        .await;
    let r = &body["data"]["refreshSession"];
    assert_eq!(r["user"]["username"], "Alice_1", "{body}");
    let new_refresh = r["refreshToken"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, s.refresh_token);
    let new_access = r["accessToken"].as_str().unwrap().to_owned();
    let me = app.gql_as(&new_access, ops::ME, json!({})).await;
    assert_eq!(me["data"]["me"]["username"], "Alice_1");

    let out = app
        .gql_as(&new_access, ops::SIGN_OUT, json!({ "t": new_refresh }))
        .await;
    assert_eq!(out["data"]["signOut"], true, "{out}");
    let body = app
        .gql(
            crate::helpers::ops::REFRESH_SESSION,
            json!({ "t": new_refresh }),
        )
        .await;
    assert_eq!(code(&body), "UNAUTHENTICATED");

    // Another user's refresh token cannot be signed out by someone else.
    let bob = app.signup("bob").await;
    let out = app
        .gql_as(
            &new_access,
            ops::SIGN_OUT,
            json!({ "t": bob.refresh_token }),
        )
        .await;
    assert_eq!(code(&out), "BAD_USER_INPUT");
    let still = app
        .gql(
            crate::helpers::ops::REFRESH_SESSION,
            json!({ "t": bob.refresh_token }),
        )
        .await;
    assert!(still["data"]["refreshSession"].is_object(), "{still}");
}

#[tokio::test]
async fn refresh_rotation_and_reuse_detection() {
    let app = spawn_app().await;
    let s = app.signup("carol").await;
    let first = app
        .gql(
            crate::helpers::ops::REFRESH_SESSION,
            json!({ "t": s.refresh_token }),
        )
        .await;
    let second_token = first["data"]["refreshSession"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();

    // Replaying the rotated token: refused, and the whole family dies with it.
    let replay = app
        .gql(
            crate::helpers::ops::REFRESH_SESSION,
            json!({ "t": s.refresh_token }),
        )
        .await;
    assert_eq!(code(&replay), "UNAUTHENTICATED");
    assert!(replay["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("already used"));
    let after = app
        .gql(
            crate::helpers::ops::REFRESH_SESSION,
            json!({ "t": second_token }),
        )
        .await;
    assert_eq!(code(&after), "UNAUTHENTICATED", "{after}");

    // Other sign-ins (other families) are untouched.
    let other = app.sign_in(&s.email, &s.password).await;
    let t = other["data"]["signIn"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let ok = app.gql(ops::REFRESH_SESSION, json!({ "t": t })).await;
    assert!(ok["data"]["refreshSession"].is_object());

    for garbage in ["", "nope", &"A".repeat(43)] {
        let body = app.gql(ops::REFRESH_SESSION, json!({ "t": garbage })).await;
        assert_eq!(code(&body), "UNAUTHENTICATED");
    }
}

fn forge(secret: &[u8], alg: Algorithm, claims: &Value) -> String {
    encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

#[tokio::test]
async fn every_kind_of_bad_token_is_unauthenticated() {
    let secret = "test-secret-that-is-long-enough-0123456789";
    let app = spawn_app_with(|s| s.auth.jwt_secret = Some(secret.into())).await;
    let s = app.signup("dave").await;
    let me = app.gql_as(&s.access_token, ops::ME, json!({})).await;
    let user_id = {
        let raw = URL_SAFE_NO_PAD
            .decode(me["data"]["me"]["id"].as_str().unwrap())
            .unwrap();
        String::from_utf8(raw)
            .unwrap()
            .trim_start_matches("User:")
            .to_owned()
    };
    let now = chrono::Utc::now().timestamp();
    let good = json!({ "sub": user_id, "role": "ADMIN", "ver": 0, "iat": now, "exp": now + 600,
        "iss": "roadmap-api", "aud": "roadmap-api", "jti": "x" });
    // Sanity: a correctly forged token works, so the failures below are about what we changed.
    let ok = forge(secret.as_bytes(), Algorithm::HS256, &good);
    let body = app.gql_as(&ok, ops::ME, json!({})).await;
    assert_eq!(body["data"]["me"]["username"], "dave", "{body}");

    let mut cases: Vec<(&str, String)> = Vec::new();
    cases.push((
        "wrong key",
        forge(
            b"another-secret-that-is-long-enough-xx",
            Algorithm::HS256,
            &good,
        ),
    ));
    cases.push((
        "HS512 swap",
        forge(secret.as_bytes(), Algorithm::HS512, &good),
    ));
    let mut c = good.clone();
    c["exp"] = json!(now - 3600);
    c["iat"] = json!(now - 7200);
    cases.push(("expired", forge(secret.as_bytes(), Algorithm::HS256, &c)));
    let mut c = good.clone();
    c["aud"] = json!("someone-else");
    cases.push(("wrong aud", forge(secret.as_bytes(), Algorithm::HS256, &c)));
    let mut c = good.clone();
    c["iss"] = json!("evil");
    cases.push(("wrong iss", forge(secret.as_bytes(), Algorithm::HS256, &c)));
    let mut c = good.clone();
    c["ver"] = json!(-1);
    cases.push(("old ver", forge(secret.as_bytes(), Algorithm::HS256, &c)));
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(good.to_string());
    cases.push(("alg none", format!("{header}.{payload}.")));
    let mut tampered = s.access_token.clone();
    tampered.pop();
    tampered.push(if s.access_token.ends_with('A') {
        'B'
    } else {
        'A'
    });
    cases.push(("tampered", tampered));
    cases.push(("garbage", "not.a.jwt".to_owned()));

    for (name, token) in &cases {
        let body = app.gql_as(token, GUARDED, json!({})).await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "{name}: {body}");
        // Public reads still work with a bad token; `me` is simply null.
        let body = app.gql_as(token, ops::ME, json!({})).await;
        assert!(body["data"]["me"].is_null(), "{name}: {body}");
    }
    // A malformed Authorization header.
    let r: Value = app
        .client
        .post(app.url("/graphql"))
        .header("authorization", "Basic abc")
        .json(&json!({ "query": GUARDED }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(code(&r), "UNAUTHENTICATED");

    // Revocation: signOutEverywhere bumps the version, so the old token dies.
    let out = app.gql_as(&s.access_token, GUARDED, json!({})).await;
    assert_eq!(out["data"]["signOutEverywhere"], true, "{out}");
    let body = app.gql_as(&s.access_token, GUARDED, json!({})).await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("revoked"));
    let body = app
        .gql(
            crate::helpers::ops::REFRESH_SESSION,
            json!({ "t": s.refresh_token }),
        )
        .await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
}

#[tokio::test]
async fn sign_up_validation_names_the_field() {
    let app = spawn_app().await;
    app.signup("erin").await;
    let cases = [
        (
            json!({ "email": "not-an-email", "username": "u1x", "password": "long enough pass" }),
            "BAD_USER_INPUT",
            "email",
        ),
        (
            json!({ "email": "a@b.co", "username": "x", "password": "long enough pass" }),
            "BAD_USER_INPUT",
            "username",
        ),
        (
            json!({ "email": "a@b.co", "username": "has space", "password": "long enough pass" }),
            "BAD_USER_INPUT",
            "username",
        ),
        (
            json!({ "email": "a@b.co", "username": "frank", "password": "short" }),
            "BAD_USER_INPUT",
            "password",
        ),
        (
            json!({ "email": "a@b.co", "username": "frank", "password": "x".repeat(129) }),
            "BAD_USER_INPUT",
            "password",
        ),
        (
            json!({ "email": "a@b.co", "username": "frank", "password": "password123" }),
            "BAD_USER_INPUT",
            "password",
        ),
        (
            json!({ "email": " ERIN@example.com", "username": "frank", "password": "long enough pass" }),
            "CONFLICT",
            "email",
        ),
        (
            json!({ "email": "f@b.co", "username": "ERIN", "password": "long enough pass" }),
            "CONFLICT",
            "username",
        ),
    ];
    for (input, want, field) in cases {
        let body = app.gql(ops::SIGN_UP, json!({ "input": input })).await;
        assert_eq!(code(&body), want, "{input}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"], field,
            "{input}: {body}"
        );
    }
}

#[tokio::test]
async fn wrong_credentials_get_one_generic_message() {
    let app = spawn_app().await;
    let s = app.signup("gina").await;
    let wrong_pass = app.sign_in(&s.email, "wrong password here").await;
    let unknown = app
        .sign_in("nobody@example.com", "wrong password here")
        .await;
    let malformed = app.sign_in("not an email", "whatever it is").await;
    for body in [&wrong_pass, &unknown, &malformed] {
        assert_eq!(code(body), "UNAUTHENTICATED", "{body}");
    }
    assert_eq!(
        wrong_pass["errors"][0]["message"],
        unknown["errors"][0]["message"]
    );
    assert_eq!(
        wrong_pass["errors"][0]["message"],
        malformed["errors"][0]["message"]
    );
}

#[tokio::test]
async fn sign_in_failures_are_rate_limited() {
    let app = spawn_app_with(|s| s.auth.signin_max_failures = 3).await;
    let s = app.signup("hank").await;
    for _ in 0..3 {
        let body = app.sign_in(&s.email, "not the password").await;
        assert_eq!(code(&body), "UNAUTHENTICATED");
    }
    // Now even the right password is refused until the window passes.
    let body = app.sign_in(&s.email, &s.password).await;
    assert_eq!(code(&body), "RATE_LIMITED", "{body}");
    let retry = body["errors"][0]["extensions"]["retryAfterSeconds"]
        .as_u64()
        .unwrap();
    assert!(retry > 0 && retry <= 900, "{retry}");
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("seconds"));
    // The same client address is blocked for other accounts too.
    let other = app.signup("ivan").await;
    let body = app.sign_in(&other.email, &other.password).await;
    assert_eq!(code(&body), "RATE_LIMITED");
}

#[tokio::test]
async fn admin_bootstrap_and_roles() {
    let app = spawn_app().await;
    let admin = app.admin_session("root_admin").await;
    let me = app.gql_as(&admin.access_token, ops::ME, json!({})).await;
    assert_eq!(me["data"]["me"]["role"], "ADMIN");

    // A weak password on stdin is refused with a one-line error.
    let out = app.cli_with_stdin(
        &[
            "create-admin",
            "--email",
            "weak@example.com",
            "--username",
            "weakling",
            "--password-stdin",
        ],
        "password\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "));

    // Promote an existing user from the CLI; their password keeps working.
    let user = app.signup("jill").await;
    let out = app.cli_with_stdin(
        &[
            "create-admin",
            "--email",
            &user.email,
            "--username",
            "jill",
            "--password-stdin",
        ],
        "ignored-for-existing-users\n",
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("promoted"));
    let body = app.sign_in(&user.email, &user.password).await;
    assert_eq!(body["data"]["signIn"]["user"]["role"], "ADMIN");

    const SET_ROLE: &str = "mutation($id: ID!, $r: Role!) { setUserRole(userId: $id, role: $r) { username role email } }";
    let kim = app.signup("kim").await;
    // A USER may not change roles.
    let body = app
        .gql_as(
            &kim.access_token,
            SET_ROLE,
            json!({ "id": kim.user_id, "r": "ADMIN" }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN");
    // An admin may, and sees the email.
    let body = app
        .gql_as(
            &admin.access_token,
            SET_ROLE,
            json!({ "id": kim.user_id, "r": "ADMIN" }),
        )
        .await;
    assert_eq!(body["data"]["setUserRole"]["role"], "ADMIN", "{body}");
    assert_eq!(body["data"]["setUserRole"]["email"], "kim@example.com");
    // Demote everyone but one admin, then the last one cannot be demoted.
    for id in [&kim.user_id, &user.user_id] {
        let body = app
            .gql_as(
                &admin.access_token,
                SET_ROLE,
                json!({ "id": id, "r": "USER" }),
            )
            .await;
        assert_eq!(body["data"]["setUserRole"]["role"], "USER", "{body}");
    }
    let body = app
        .gql_as(
            &admin.access_token,
            SET_ROLE,
            json!({ "id": admin.user_id, "r": "USER" }),
        )
        .await;
    assert_eq!(code(&body), "CONFLICT", "{body}");
    // A demoted admin's access token is revoked at once; a refreshed one carries no admin rights.
    let body = app
        .gql_as(
            &kim.access_token,
            SET_ROLE,
            json!({ "id": kim.user_id, "r": "ADMIN" }),
        )
        .await;
    assert_eq!(code(&body), "UNAUTHENTICATED", "{body}");
    let refreshed = app
        .gql(
            crate::helpers::ops::REFRESH_SESSION,
            json!({ "t": kim.refresh_token }),
        )
        .await;
    let kim_token = refreshed["data"]["refreshSession"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{refreshed}"));
    let body = app
        .gql_as(
            kim_token,
            SET_ROLE,
            json!({ "id": kim.user_id, "r": "ADMIN" }),
        )
        .await;
    assert_eq!(code(&body), "FORBIDDEN", "{body}");
    let body = app
        .gql_as(
            &admin.access_token,
            SET_ROLE,
            json!({ "id": "garbage", "r": "USER" }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn change_password_revokes_other_sessions_and_profile_updates() {
    let app = spawn_app().await;
    let s = app.signup("liam").await;
    let other_device = app.sign_in(&s.email, &s.password).await["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    const CHANGE: &str = "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { accessToken refreshToken } }";
    let body = app
        .gql_as(&s.access_token, CHANGE, json!({ "i": { "currentPassword": "wrong one!", "newPassword": "brand new passphrase" } }))
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "currentPassword");
    let body = app
        .gql_as(&s.access_token, CHANGE, json!({ "i": { "currentPassword": s.password, "newPassword": "brand new passphrase" } }))
        .await;
    let fresh = body["data"]["changePassword"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    for old in [&s.access_token, &other_device] {
        assert_eq!(
            code(&app.gql_as(old, GUARDED, json!({})).await),
            "UNAUTHENTICATED"
        );
    }
    assert_eq!(
        code(
            &app.gql(ops::REFRESH_SESSION, json!({ "t": s.refresh_token }))
                .await
        ),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        code(&app.sign_in(&s.email, &s.password).await),
        "UNAUTHENTICATED"
    );
    assert!(app.sign_in(&s.email, "brand new passphrase").await["data"]["signIn"].is_object());

    const UPDATE: &str = "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { username displayName timeZone } }";
    let body = app
        .gql_as(
            &fresh,
            UPDATE,
            json!({ "i": { "displayName": "Liam L.", "timeZone": "Europe/Paris" } }),
        )
        .await;
    assert_eq!(
        body["data"]["updateProfile"]["displayName"], "Liam L.",
        "{body}"
    );
    assert_eq!(body["data"]["updateProfile"]["timeZone"], "Europe/Paris");
    assert_eq!(body["data"]["updateProfile"]["username"], "liam");
    let body = app
        .gql_as(
            &fresh,
            UPDATE,
            json!({ "i": { "timeZone": "Mars/Olympus" } }),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "timeZone");
    app.signup("mia").await;
    let body = app
        .gql_as(&fresh, UPDATE, json!({ "i": { "username": "MIA" } }))
        .await;
    assert_eq!(code(&body), "CONFLICT");
}

#[tokio::test]
async fn passwords_never_reach_the_log() {
    // The binary, not spawn_app: this is about what the process writes to its log (its own
    // subscriber, RUST_LOG), which an in-process server in a shared test process does not have.
    let app = spawn_process(&[("RUST_LOG", "trace")]).await;
    let s = app.signup("nora").await;
    app.sign_in(&s.email, "a-wrong-password-77").await;
    app.sign_in(&s.email, &s.password).await;
    app.gql_as(
        &s.access_token,
        "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { accessToken } }",
        json!({ "i": { "currentPassword": s.password, "newPassword": "another-new-secret-88" } }),
    )
    .await;
    let logs = app.logs();
    assert!(!logs.is_empty());
    for secret in [
        s.password.as_str(),
        "a-wrong-password-77",
        "another-new-secret-88",
    ] {
        assert!(
            !logs.contains(secret),
            "password {secret} appears in the log"
        );
    }
}

/// Expired refresh tokens are deleted when the server starts (and hourly): a rotation leaves a
/// spent row behind, and the web app rotates on every page load. Live ones stay.
#[tokio::test]
async fn expired_refresh_tokens_are_purged() {
    let first = spawn_app().await;
    let old = first.signup("purgeold").await;
    let kept = first.signup("purgekept").await;
    let user = crate::helpers::catalog::user_number(&old.user_id);
    sql(
        &first,
        &format!(
            "UPDATE refresh_tokens SET expires_at = '2001-01-01 00:00:00+00:00' WHERE user_id = {user}"
        ),
    )
    .await;
    let second = spawn_on(first.db.clone()).await;
    let gone = eventually(std::time::Duration::from_secs(20), || async {
        count_rows(
            &second,
            &format!("SELECT COUNT(*) AS n FROM refresh_tokens WHERE user_id = {user}"),
        )
        .await
            == 0
    })
    .await;
    assert!(gone, "the expired token was not purged");
    let body = second
        .gql(
            crate::helpers::ops::REFRESH_SESSION,
            json!({ "t": kept.refresh_token }),
        )
        .await;
    assert_eq!(error_code(&body), None, "{body}");
}

/// `me` answers from the row authentication read for the same request (one statement less), so a
/// change shows on the next request; a socket, which outlives any one read, reads it per operation.
#[tokio::test]
async fn me_shows_the_profile_as_it_is_now_on_every_path() {
    let app = spawn_app().await;
    let s = app.signup("nora").await;
    let t = &s.access_token;
    let mut ws = crate::helpers::ws::ws_connect(&app).await;
    let ack = crate::helpers::ws::ws_init(&mut ws, t).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let before = app.gql_as(t, "{ me { displayName } }", json!({})).await;
    assert_ne!(before["data"]["me"]["displayName"], "Nora N.", "{before}");
    let changed = app
        .gql_as(
            t,
            "mutation { updateProfile(input: { displayName: \"Nora N.\" }) { displayName } }",
            json!({}),
        )
        .await;
    assert_eq!(
        changed["data"]["updateProfile"]["displayName"], "Nora N.",
        "{changed}"
    );
    let query = app.gql_as(t, "{ me { displayName } }", json!({})).await;
    assert_eq!(query["data"]["me"]["displayName"], "Nora N.", "{query}");
    let over_socket =
        crate::helpers::ws::ws_query(&mut ws, "me", &json!({ "query": "{ me { displayName } }" }))
            .await;
    assert_eq!(
        over_socket["data"]["me"]["displayName"], "Nora N.",
        "{over_socket}"
    );
}
