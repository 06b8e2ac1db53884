//! Forgotten passwords: the same answer for known and unknown addresses, a mailed link that works
//! once within the hour and is stored hashed, a reset that ends every session (refresh and access
//! tokens, open sockets), and request limits per address that do not tell whether it exists.
use serde_json::json;

use crate::helpers::catalog::*;
use crate::helpers::email::*;
use crate::helpers::ops::REFRESH_SESSION;
use crate::helpers::smtp::SmtpSink;
use crate::helpers::ws::*;
use crate::helpers::*;

const RESET_SUBJECT: &str = "Reset your roadmap-api password";
const NEW_PASSWORD: &str = "a-Fresh-reset-Pass-91";

async fn app_with_sink() -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(|s| s.mail.smtp_url = Some(sink.url.as_str().into())).await;
    (app, sink)
}

/// A reset through the mailed link sets the password, kills every old session and socket, proves
/// the address, and works once; a weak password leaves the link usable.
#[tokio::test]
async fn a_reset_ends_every_session_and_its_link_works_once() {
    let (app, sink) = app_with_sink().await;
    let rita = app.signup("rita").await;
    let other = app.sign_in(&rita.email, &rita.password).await;
    let other_refresh = other["data"]["signIn"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut socket = live_socket(&app, &rita.access_token).await;

    let known = anon_ok(&app, REQUEST_RESET, json!({ "e": rita.email })).await;
    let unknown = anon_ok(&app, REQUEST_RESET, json!({ "e": "nobody@example.com" })).await;
    assert_eq!(
        known, unknown,
        "the same answer whether or not the address exists"
    );
    assert_eq!(known["requestPasswordReset"], true);
    let mail = mails_to(&sink, &rita.email, RESET_SUBJECT, 1)
        .await
        .remove(0);
    assert!(
        text_of(&mail).contains("/reset-password?token="),
        "{}",
        mail.data
    );
    let token = token_of(&mail);
    assert_eq!(
        strings(
            &app,
            "SELECT token_hash FROM email_tokens WHERE purpose = 'RESET'"
        )
        .await,
        [sha256_hex(&token)],
        "one link, for the known address, stored hashed"
    );

    // A weak password is refused and the link still works.
    let (code, field, _) = anon_fails(&app, RESET, json!({ "t": token, "p": "password" })).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "newPassword")
    );
    let d = anon_ok(&app, RESET, json!({ "t": token, "p": NEW_PASSWORD })).await;
    assert_eq!(d["resetPassword"], true);

    assert_eq!(
        close_code(&mut socket).await,
        Some(4403),
        "the open socket closes"
    );
    // The old access token is refused on a guarded field (and signs no one in elsewhere).
    let body = app.gql_as(&rita.access_token, RESEND, json!({})).await;
    assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    let body = app.gql_as(&rita.access_token, ME_EMAIL, json!({})).await;
    assert!(body["data"]["me"].is_null(), "{body}");
    for refresh in [&rita.refresh_token, &other_refresh] {
        let body = app.gql(REFRESH_SESSION, json!({ "t": refresh })).await;
        assert_eq!(error_code(&body), Some("UNAUTHENTICATED"), "{body}");
    }
    assert!(app.sign_in(&rita.email, &rita.password).await["data"]["signIn"].is_null());
    let fresh = app.sign_in(&rita.email, NEW_PASSWORD).await;
    let access = fresh["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let d = ok(&app, &access, ME_EMAIL, json!({})).await;
    assert_eq!(
        d["me"]["emailVerified"], true,
        "the link proved the address"
    );

    // Single use; and the sign-up verification link (mailed before) is void too.
    let (code, field, message) = anon_fails(
        &app,
        RESET,
        json!({ "t": token, "p": "another-Good-Pass-12" }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "token"));
    assert!(message.contains("already used"), "{message}");
    let verify = latest_token(&sink, &rita.email, "Verify your email").await;
    let (code, field, _) = anon_fails(&app, VERIFY_EMAIL, json!({ "t": verify })).await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "token"));
}

/// Expired and unknown links are refused naming `token`; requests are limited per address the
/// same way whether or not an account has it.
#[tokio::test]
async fn expired_links_and_request_limits() {
    let (app, sink) = app_with_sink().await;
    let eve = app.signup("eve").await;
    anon_ok(&app, REQUEST_RESET, json!({ "e": eve.email })).await;
    let token = latest_token(&sink, &eve.email, RESET_SUBJECT).await;
    sql(&app, "UPDATE email_tokens SET expires_at = created_at").await;
    let (code, field, message) =
        anon_fails(&app, RESET, json!({ "t": token, "p": NEW_PASSWORD })).await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "token"));
    assert!(message.contains("expired"), "{message}");
    let (code, field, _) =
        anon_fails(&app, RESET, json!({ "t": "made-up", "p": NEW_PASSWORD })).await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "token"));
    assert!(app.sign_in(&eve.email, &eve.password).await["data"]["signIn"].is_object());
    // Oversized values are refused naming their field, before any lookup.
    let long = "x".repeat(100_000);
    for (t, p, want) in [
        (long.as_str(), NEW_PASSWORD, "token"),
        ("made-up", long.as_str(), "newPassword"),
    ] {
        let (code, field, _) = anon_fails(&app, RESET, json!({ "t": t, "p": p })).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", want));
    }
    for q in [VERIFY_EMAIL, REQUEST_RESET] {
        let body = app
            .gql(q, json!({ "t": long, "e": format!("{long}@x.io") }))
            .await;
        assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    }

    // Three requests per address an hour, for an account's address and for any other alike.
    for address in [eve.email.as_str(), "ghost@example.com"] {
        let already = if address == eve.email { 1 } else { 0 };
        for _ in already..3 {
            anon_ok(&app, REQUEST_RESET, json!({ "e": address })).await;
        }
        let (code, _, _) = anon_fails(&app, REQUEST_RESET, json!({ "e": address })).await;
        assert_eq!(code, "RATE_LIMITED", "{address}");
    }
    let (code, field, _) = anon_fails(&app, REQUEST_RESET, json!({ "e": "not-an-email" })).await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "email"));
    mails_to(&sink, &eve.email, RESET_SUBJECT, 3).await;
    assert!(
        sink.received()
            .iter()
            .all(|m| !m.to.iter().any(|t| t == "ghost@example.com")),
        "no mail to an address without an account"
    );
}
