//! Email ownership: sign-up mails a verification link (single use, expiring, stored hashed);
//! resending is limited; invites show only to a verified address or through their own mailed
//! link (the "gina" attack: someone who signs up first with an invited address sees nothing);
//! changing the address takes effect only once the new one is proved. Mail is read from a local
//! SMTP sink; without `SMTP_URL` it is in the log.
use serde_json::json;

use crate::helpers::catalog::*;
use crate::helpers::email::*;
use crate::helpers::smtp::SmtpSink;
use crate::helpers::teams::*;
use crate::helpers::*;

const VERIFY_SUBJECT: &str = "Verify your email";

async fn app_with_sink() -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(|s| {
        s.mail.smtp_url = Some(sink.url.as_str().into());
        s.mail.public_base_url = "https://roadmap.test".parse().expect("a URL");
    })
    .await;
    (app, sink)
}

/// Sign-up leaves the address unverified and mails a link; the link verifies it once, and only
/// its hash is stored. Used, expired and unknown links are refused naming `token`.
#[tokio::test]
async fn sign_up_mails_a_link_that_verifies_the_address_once() {
    let (app, sink) = app_with_sink().await;
    let vera = app.signup("vera").await;
    let d = ok(&app, &vera.access_token, ME_EMAIL, json!({})).await;
    assert_eq!(
        d["me"],
        json!({ "email": vera.email, "emailVerified": false })
    );

    let mail = mails_to(&sink, &vera.email, VERIFY_SUBJECT, 1)
        .await
        .remove(0);
    assert!(
        text_of(&mail).contains("https://roadmap.test/verify-email?token="),
        "{}",
        mail.data
    );
    let token = token_of(&mail);
    let stored = strings(&app, "SELECT token_hash FROM email_tokens").await;
    assert_eq!(stored, [sha256_hex(&token)], "only the hash is stored");

    // Anyone holding the link may follow it (another device, signed out).
    let body = app.gql(VERIFY_EMAIL, json!({ "t": token })).await;
    assert_eq!(body["data"]["verifyEmail"]["username"], "vera", "{body}");
    assert!(body["data"]["verifyEmail"]["email"].is_null(), "{body}");
    let d = ok(&app, &vera.access_token, ME_EMAIL, json!({})).await;
    assert_eq!(d["me"]["emailVerified"], true);

    for (t, wants) in [
        (token.as_str(), "already used"),
        ("not-a-token", "not valid"),
        ("", "not valid"),
    ] {
        let (code, field, message) = anon_fails(&app, VERIFY_EMAIL, json!({ "t": t })).await;
        assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "token"));
        assert!(message.contains(wants), "{t}: {message}");
    }

    let late = app.signup("late").await;
    let token = latest_token(&sink, &late.email, VERIFY_SUBJECT).await;
    sql(&app, "UPDATE email_tokens SET expires_at = created_at").await;
    let (code, field, message) = anon_fails(&app, VERIFY_EMAIL, json!({ "t": token })).await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "token"));
    assert!(message.contains("expired"), "{message}");
    let d = ok(&app, &late.access_token, ME_EMAIL, json!({})).await;
    assert_eq!(d["me"]["emailVerified"], false);

    // Someone else's verification state is as private as their address.
    let team = create_team(&app, &vera.access_token, "Peers").await;
    join(&app, &vera.access_token, &team, &late, "MEMBER").await;
    let d = ok(
        &app,
        &late.access_token,
        "query($id: ID!) { team(id: $id) { members { nodes { user { username emailVerified } } } } }",
        json!({ "id": team }),
    )
    .await;
    for n in d["team"]["members"]["nodes"].as_array().unwrap() {
        let own = n["user"]["username"] == "late";
        assert_eq!(n["user"]["emailVerified"].is_null(), !own, "{d}");
    }
}

/// Resending mails a new link (the latest works); more than three verification mails an hour
/// are refused, and a verified address needs none.
#[tokio::test]
async fn resending_the_link_is_limited_and_needless_once_verified() {
    let (app, sink) = app_with_sink().await;
    let rosa = app.signup("rosa").await;
    for _ in 0..2 {
        let d = ok(&app, &rosa.access_token, RESEND, json!({})).await;
        assert_eq!(d["resendVerificationEmail"], true);
    }
    let (code, _, _) = fails(&app, &rosa.access_token, RESEND, json!({})).await;
    assert_eq!(code, "RATE_LIMITED");
    let mails = mails_to(&sink, &rosa.email, VERIFY_SUBJECT, 3).await;
    assert_eq!(mails.len(), 3);
    let tokens: std::collections::HashSet<String> = mails.iter().map(token_of).collect();
    assert_eq!(tokens.len(), 3, "each mail has its own link");
    let latest = token_of(mails.last().unwrap());
    anon_ok(&app, VERIFY_EMAIL, json!({ "t": latest })).await;
    let (code, field, _) = fails(&app, &rosa.access_token, RESEND, json!({})).await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "email"));
    let (code, _, _) = anon_fails(&app, RESEND, json!({})).await;
    assert_eq!(code, "UNAUTHENTICATED");
}

/// The "gina" attack: an owner invites gina@…; someone else signs up first with that address.
/// Unverified, they see no invite, cannot read or answer it, and cannot see the team; once the
/// address is proved through the mailed link, the invite shows and can be accepted.
#[tokio::test]
async fn an_unverified_account_of_an_invited_address_sees_nothing() {
    let (app, sink) = app_with_sink().await;
    let owner = app.signup("ginaowner").await;
    let team = create_team(&app, &owner.access_token, "Secret Crew").await;
    let inv = invite(
        &app,
        &owner.access_token,
        &team,
        "gina@example.com",
        "MEMBER",
    )
    .await;
    let squatter = app.signup("gina").await;
    assert_eq!(squatter.email, "gina@example.com");

    let d = ok(&app, &squatter.access_token, MY_INVITES, json!({})).await;
    assert_eq!(d["me"]["teamInvites"], json!([]), "{d}");
    let d = ok(
        &app,
        &squatter.access_token,
        "query($id: ID!) { node(id: $id) { id } }",
        json!({ "id": inv["id"] }),
    )
    .await;
    assert!(d["node"].is_null(), "{d}");
    for accept in [true, false] {
        let (code, field, _) = fails(
            &app,
            &squatter.access_token,
            RESPOND,
            json!({ "i": inv["id"], "a": accept }),
        )
        .await;
        assert_eq!((code.as_str(), field.as_str()), ("NOT_FOUND", "inviteId"));
    }
    let d = ok(&app, &squatter.access_token, TEAM, json!({ "id": team })).await;
    assert!(d["team"].is_null());
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM team_invites").await,
        1,
        "the invite is untouched"
    );

    // Whoever reads gina@'s mail follows the verification link: now the invite is theirs.
    let token = latest_token(&sink, "gina@example.com", VERIFY_SUBJECT).await;
    anon_ok(&app, VERIFY_EMAIL, json!({ "t": token })).await;
    let d = ok(&app, &squatter.access_token, MY_INVITES, json!({})).await;
    assert_eq!(d["me"]["teamInvites"][0]["id"], inv["id"], "{d}");
    let d = ok(
        &app,
        &squatter.access_token,
        RESPOND,
        json!({ "i": inv["id"], "a": true }),
    )
    .await;
    assert_eq!(d["respondToTeamInvite"]["myRole"], "MEMBER");
}

/// The invite's own mailed link accepts it from any account, once; a renewed invite's old link
/// is dead; accepting through the link of one's own address verifies it.
#[tokio::test]
async fn the_mailed_invite_link_accepts_once() {
    let (app, sink) = app_with_sink().await;
    let owner = app.signup("linkowner").await;
    let team = create_team(&app, &owner.access_token, "Linked").await;
    let first = invite(
        &app,
        &owner.access_token,
        &team,
        "lina@example.com",
        "MEMBER",
    )
    .await;
    let old_token = latest_token(&sink, "lina@example.com", "Join the team").await;
    // Renewed: a new link, the old one stops working.
    let second = invite(
        &app,
        &owner.access_token,
        &team,
        "lina@example.com",
        "MANAGER",
    )
    .await;
    assert_eq!(first["id"], second["id"]);
    let mails = mails_to(&sink, "lina@example.com", "Join the team", 2).await;
    let token = token_of(mails.last().unwrap());
    assert_ne!(token, old_token);
    let stored = strings(&app, "SELECT token_hash FROM team_invites").await;
    assert_eq!(stored, [sha256_hex(&token)]);

    // Lina signed up with another address: the link is her proof.
    let lina = app.signup("linawork").await;
    let (code, field, _) = fails(
        &app,
        &lina.access_token,
        ACCEPT_BY_TOKEN,
        json!({ "t": old_token }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "token"));
    let d = ok(
        &app,
        &lina.access_token,
        ACCEPT_BY_TOKEN,
        json!({ "t": token }),
    )
    .await;
    assert_eq!(d["acceptTeamInvite"]["myRole"], "MANAGER");
    assert_eq!(d["acceptTeamInvite"]["name"], "Linked");
    let (code, field, message) = fails(
        &app,
        &lina.access_token,
        ACCEPT_BY_TOKEN,
        json!({ "t": token }),
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "token"),
        "{message}"
    );
    let (code, _, _) = anon_fails(&app, ACCEPT_BY_TOKEN, json!({ "t": token })).await;
    assert_eq!(code, "UNAUTHENTICATED");

    // Invited at the address of one's unverified account: accepting through the link proves it.
    let tom = app.signup("tomlink").await;
    invite(&app, &owner.access_token, &team, &tom.email, "MEMBER").await;
    let token = latest_token(&sink, &tom.email, "Join the team").await;
    let d = ok(
        &app,
        &tom.access_token,
        ACCEPT_BY_TOKEN,
        json!({ "t": token }),
    )
    .await;
    assert_eq!(d["acceptTeamInvite"]["myRole"], "MEMBER");
    let d = ok(&app, &tom.access_token, ME_EMAIL, json!({})).await;
    assert_eq!(d["me"]["emailVerified"], true);

    // An expired invite's link is refused.
    invite(
        &app,
        &owner.access_token,
        &team,
        "late@example.com",
        "MEMBER",
    )
    .await;
    let token = latest_token(&sink, "late@example.com", "Join the team").await;
    sql(&app, "UPDATE team_invites SET expires_at = created_at").await;
    let (code, field, message) = fails(
        &app,
        &tom.access_token,
        ACCEPT_BY_TOKEN,
        json!({ "t": token }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "token"));
    assert!(message.contains("expired"), "{message}");
}

/// Changing the address: password checked, the new address must be free, nothing changes until
/// the link mailed to the new address is followed, and the old address is told.
#[tokio::test]
async fn a_new_address_takes_effect_once_proved() {
    let (app, sink) = app_with_sink().await;
    let carl = app.signup("carl").await;
    let taken = app.signup("takenaddr").await;
    let sign_up_token = latest_token(&sink, &carl.email, VERIFY_SUBJECT).await;
    let (long_email, long_password) = (format!("{}@x.io", "a".repeat(300)), "p".repeat(100_000));
    for (email, password, want) in [
        (
            "carl@new.example",
            "wrong password",
            ("BAD_USER_INPUT", "password"),
        ),
        (
            "not-an-email",
            carl.password.as_str(),
            ("BAD_USER_INPUT", "newEmail"),
        ),
        (
            carl.email.as_str(),
            carl.password.as_str(),
            ("BAD_USER_INPUT", "newEmail"),
        ),
        (
            taken.email.as_str(),
            carl.password.as_str(),
            ("CONFLICT", "newEmail"),
        ),
        (
            long_email.as_str(),
            carl.password.as_str(),
            ("BAD_USER_INPUT", "newEmail"),
        ),
        (
            "carl@new.example",
            long_password.as_str(),
            ("BAD_USER_INPUT", "password"),
        ),
    ] {
        let (code, field, _) = fails(
            &app,
            &carl.access_token,
            CHANGE_EMAIL,
            json!({ "e": email, "p": password }),
        )
        .await;
        assert_eq!((code.as_str(), field.as_str()), want, "{email}");
    }
    let d = ok(
        &app,
        &carl.access_token,
        CHANGE_EMAIL,
        json!({ "e": "Carl@New.Example", "p": carl.password }),
    )
    .await;
    assert_eq!(d["changeEmail"], true);
    let notice = mails_to(&sink, &carl.email, "about to change", 1).await;
    assert!(
        text_of(&notice[0]).contains("carl@new.example"),
        "{}",
        notice[0].data
    );
    let token = latest_token(&sink, "carl@new.example", "Confirm your new email").await;
    // Not yet: the account keeps its address.
    let d = ok(&app, &carl.access_token, ME_EMAIL, json!({})).await;
    assert_eq!(d["me"]["email"], carl.email);
    assert!(app.sign_in(&carl.email, &carl.password).await["data"]["signIn"].is_object());

    let d = anon_ok(&app, VERIFY_EMAIL, json!({ "t": token })).await;
    assert_eq!(d["verifyEmail"]["username"], "carl");
    let d = ok(&app, &carl.access_token, ME_EMAIL, json!({})).await;
    assert_eq!(
        d["me"],
        json!({ "email": "carl@new.example", "emailVerified": true })
    );
    assert!(app.sign_in("carl@new.example", &carl.password).await["data"]["signIn"].is_object());
    assert!(app.sign_in(&carl.email, &carl.password).await["data"]["signIn"].is_null());
    // The link mailed to the old address at sign-up died with the change.
    let (code, field, _) = anon_fails(&app, VERIFY_EMAIL, json!({ "t": sign_up_token })).await;
    assert_eq!((code.as_str(), field.as_str()), ("BAD_USER_INPUT", "token"));
}

/// An address pending for one account is not taken over: if another account takes it first,
/// following the link is refused and the first account keeps its address.
#[tokio::test]
async fn a_pending_address_taken_meanwhile_is_refused() {
    let (app, sink) = app_with_sink().await;
    let dana = app.signup("dana").await;
    ok(
        &app,
        &dana.access_token,
        CHANGE_EMAIL,
        json!({ "e": "shared@example.com", "p": dana.password }),
    )
    .await;
    let token = latest_token(&sink, "shared@example.com", "Confirm your new email").await;
    let _other = app.signup("shared").await;
    let (code, field, _) = anon_fails(&app, VERIFY_EMAIL, json!({ "t": token })).await;
    assert_eq!((code.as_str(), field.as_str()), ("CONFLICT", "token"));
    let d = ok(&app, &dana.access_token, ME_EMAIL, json!({})).await;
    assert_eq!(d["me"]["email"], dana.email);
    assert_eq!(
        count_rows(
            &app,
            "SELECT COUNT(*) FROM users WHERE email = 'shared@example.com'"
        )
        .await,
        1
    );
}

/// Without SMTP_URL (development) the mail, link included, is written to the log.
#[tokio::test]
async fn without_smtp_the_link_is_in_the_log() {
    let app = spawn_process(&[("PUBLIC_BASE_URL", "https://dev.test")]).await;
    app.signup("logged").await;
    let found = eventually(std::time::Duration::from_secs(20), || async {
        app.logs().contains("https://dev.test/verify-email?token=")
    })
    .await;
    assert!(found, "{}", app.logs());
    assert!(app.logs().contains("logged@example.com"));
}
