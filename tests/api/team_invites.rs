//! Team invites: before and after the invitee signs up, accepting, declining, expiry, someone
//! else's invite, roles the inviter may not grant, existing members, bad emails, renewals — and
//! the invitation mail, read from a local SMTP sink.
use std::time::Duration;

use serde_json::json;

use crate::helpers::catalog::*;
use crate::helpers::email::*;
use crate::helpers::smtp::SmtpSink;
use crate::helpers::teams::*;
use crate::helpers::*;

/// Invited before signing up, the invitee finds the invite once signed in and accepts it; a
/// second invitee declines.
#[tokio::test]
async fn invitees_accept_or_decline_before_and_after_signing_up() {
    let app = spawn_app().await;
    let owner = app.signup("invowner").await;
    let team = create_team(&app, &owner.access_token, "Onboarding").await;
    let inv = invite(
        &app,
        &owner.access_token,
        &team,
        "  Newcomer@Example.com ",
        "MANAGER",
    )
    .await;
    assert_eq!(inv["email"], "newcomer@example.com");
    assert_eq!(inv["role"], "MANAGER");
    assert_eq!(inv["team"]["name"], "Onboarding");
    let expires = ts(&inv["expiresAt"]);
    let days = (expires - chrono::Utc::now().fixed_offset()).num_hours();
    assert!((167..=168).contains(&days), "{days} hours");

    // Signs up later with that email (any case): once the address is verified, the invite is
    // there (before, it is not: tests/api/email_ownership.rs).
    let newcomer = app.signup("newcomer").await;
    verify_by_sql(&app, &newcomer.email).await;
    let d = ok(&app, &newcomer.access_token, MY_INVITES, json!({})).await;
    let mine = d["me"]["teamInvites"].as_array().unwrap();
    assert_eq!(mine.len(), 1, "{d}");
    assert_eq!(mine[0]["id"], inv["id"]);
    assert_eq!(mine[0]["invitedBy"]["username"], "invowner");
    // The invitee sees the team's name, not its insides.
    assert_eq!(mine[0]["team"]["name"], "Onboarding");
    assert!(mine[0]["team"]["myRole"].is_null() && mine[0]["team"]["members"].is_null());
    let d = ok(&app, &newcomer.access_token, TEAM, json!({ "id": team })).await;
    assert!(d["team"].is_null());

    let d = ok(
        &app,
        &newcomer.access_token,
        RESPOND,
        json!({ "i": inv["id"], "a": true }),
    )
    .await;
    assert_eq!(d["respondToTeamInvite"]["myRole"], "MANAGER");
    let d = ok(&app, &newcomer.access_token, MY_INVITES, json!({})).await;
    assert_eq!(d["me"]["teamInvites"], json!([]));
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM team_invites").await,
        0
    );
    // Answering again: the invite is gone.
    let (code, field, _) = fails(
        &app,
        &newcomer.access_token,
        RESPOND,
        json!({ "i": inv["id"], "a": true }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("NOT_FOUND", "inviteId"));

    // Signed up first, then invited; declines.
    let other = app.signup("decliner").await;
    verify_by_sql(&app, &other.email).await;
    let inv = invite(&app, &newcomer.access_token, &team, &other.email, "MEMBER").await;
    let d = ok(
        &app,
        &other.access_token,
        RESPOND,
        json!({ "i": inv["id"], "a": false }),
    )
    .await;
    assert!(d["respondToTeamInvite"].is_null());
    let d = ok(&app, &owner.access_token, TEAM, json!({ "id": team })).await;
    assert_eq!(d["team"]["members"]["totalCount"], 2);
    assert_eq!(d["team"]["invites"], json!([]));
}

/// Expired invites, other people's invites, existing members, bad emails, roles the inviter may
/// not grant, and renewals.
#[tokio::test]
async fn bad_invites_and_answers_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let owner = app.signup("badowner").await;
    let manager = app.signup("badmanager").await;
    let invitee = app.signup("badinvitee").await;
    verify_by_sql(&app, &invitee.email).await;
    let team = create_team(&app, &owner.access_token, "Strict").await;
    join(&app, &owner.access_token, &team, &manager, "MANAGER").await;

    for (who, email, role, want) in [
        (
            &owner,
            "not-an-email",
            "MEMBER",
            ("BAD_USER_INPUT", "email"),
        ),
        (&owner, "a@b", "MEMBER", ("BAD_USER_INPUT", "email")),
        (
            &owner,
            manager.email.as_str(),
            "MEMBER",
            ("CONFLICT", "email"),
        ),
        (
            &owner,
            &manager.email.to_uppercase(),
            "OWNER",
            ("CONFLICT", "email"),
        ),
        (
            &owner,
            owner.email.as_str(),
            "MEMBER",
            ("CONFLICT", "email"),
        ),
        (&manager, invitee.email.as_str(), "OWNER", ("FORBIDDEN", "")),
        (
            &manager,
            invitee.email.as_str(),
            "MANAGER",
            ("FORBIDDEN", ""),
        ),
    ] {
        let (code, field, _) = fails(
            &app,
            &who.access_token,
            INVITE,
            json!({ "t": team, "e": email, "r": role }),
        )
        .await;
        assert_eq!((code.as_str(), field.as_str()), want, "{email} as {role}");
    }
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM team_invites").await,
        0
    );

    // Re-inviting renews: one invite, the new role, a later expiry.
    let first = invite(&app, &manager.access_token, &team, &invitee.email, "MEMBER").await;
    sql(&app, "UPDATE team_invites SET expires_at = created_at").await;
    let second = invite(&app, &owner.access_token, &team, &invitee.email, "MANAGER").await;
    assert_eq!(first["id"], second["id"]);
    assert_eq!(second["role"], "MANAGER");
    assert!(ts(&second["expiresAt"]) > ts(&first["expiresAt"]));
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM team_invites").await,
        1
    );

    // Someone else's invite does not exist for them.
    let stranger = app.signup("badstranger").await;
    let (code, field, _) = fails(
        &app,
        &stranger.access_token,
        RESPOND,
        json!({ "i": second["id"], "a": true }),
    )
    .await;
    assert_eq!((code.as_str(), field.as_str()), ("NOT_FOUND", "inviteId"));

    // Expired: hidden from the invitee, refused when answered.
    sql(&app, "UPDATE team_invites SET expires_at = created_at").await;
    let d = ok(&app, &invitee.access_token, MY_INVITES, json!({})).await;
    assert_eq!(d["me"]["teamInvites"], json!([]));
    let (code, field, _) = fails(
        &app,
        &invitee.access_token,
        RESPOND,
        json!({ "i": second["id"], "a": true }),
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "inviteId")
    );
    let d = ok(&app, &owner.access_token, TEAM, json!({ "id": team })).await;
    assert_eq!(d["team"]["members"]["totalCount"], 2);
    assert_eq!(
        d["team"]["invites"],
        json!([]),
        "expired invites are not pending"
    );

    // Malformed ids name their argument.
    let (code, field, _) = fails(
        &app,
        &invitee.access_token,
        RESPOND,
        json!({ "i": team, "a": true }),
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "inviteId")
    );
    let (code, field, _) = fails(
        &app,
        &owner.access_token,
        INVITE,
        json!({ "t": "eA", "e": "x@y.io", "r": "MEMBER" }),
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "teamId")
    );
}

/// With SMTP_URL set, the invitee gets a mail naming the team and the inviter, with a link to
/// the invite.
#[tokio::test]
async fn invites_are_mailed_with_a_link() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(|s| {
        s.mail.smtp_url = Some(sink.url.as_str().into());
        s.mail.from = "Roadmaps <team@roadmap.test>".parse().expect("a mailbox");
        s.mail.public_base_url = "https://roadmap.test/".parse().expect("a URL");
    })
    .await;
    let owner = app.signup("mailowner").await;
    mails_to(&sink, &owner.email, "Verify your email", 1).await;
    let team = create_team(&app, &owner.access_token, "Mail Crew").await;
    let inv = invite(
        &app,
        &owner.access_token,
        &team,
        "Someone@Example.com",
        "MEMBER",
    )
    .await;
    assert!(
        eventually(Duration::from_secs(20), || async {
            sink.received().len() >= 2
        })
        .await,
        "no mail arrived"
    );
    let mails = mails_to(&sink, "someone@example.com", "Join the team", 1).await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.to, ["someone@example.com"]);
    assert!(mail.from.contains("team@roadmap.test"), "{}", mail.from);
    assert!(
        mail.data
            .contains("Subject: Join the team Mail Crew on roadmap-api"),
        "{}",
        mail.data
    );
    assert!(
        text_of(mail).contains("mailowner invited you"),
        "{}",
        mail.data
    );
    let link = format!(
        "https://roadmap.test/teams/invites/{}",
        inv["id"].as_str().unwrap()
    );
    assert!(text_of(mail).contains(&link), "{link} not in {}", mail.data);
    // The link carries the invite's own token; only its hash is stored.
    let token = token_of(mail);
    assert_eq!(token.len(), 43, "{}", mail.data);
    let stored = strings(&app, "SELECT token_hash FROM team_invites").await;
    assert_eq!(stored, [sha256_hex(&token)]);
}

/// A mail server that is down does not fail the invite: it is still there for the invitee.
#[tokio::test]
async fn an_unreachable_mail_server_does_not_fail_the_invite() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("smtp://127.0.0.1:{port}");
    let app = spawn_app_with(|s| s.mail.smtp_url = Some(url.as_str().into())).await;
    let owner = app.signup("downowner").await;
    let team = create_team(&app, &owner.access_token, "Offline").await;
    let guest = app.signup("downguest").await;
    verify_by_sql(&app, &guest.email).await;
    let inv = invite(&app, &owner.access_token, &team, &guest.email, "MEMBER").await;
    let d = ok(&app, &guest.access_token, MY_INVITES, json!({})).await;
    assert_eq!(d["me"]["teamInvites"][0]["id"], inv["id"]);
}

/// Bad mail settings stop the server before it starts, naming the setting: a sender or base URL
/// that does not parse is refused by the binary as it reads its variables (exit code 1), an SMTP
/// URL lettre cannot use when the server starts.
#[tokio::test]
async fn bad_mail_settings_are_refused_at_start() {
    for (key, value) in [
        ("SMTP_FROM", "not an address"),
        ("PUBLIC_BASE_URL", "roadmap.test"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = bin_command()
            .arg("serve")
            .env("DATA_DIR", dir.path())
            .env("LISTEN_ADDR", "127.0.0.1:0")
            .env(key, value)
            .output()
            .expect("run server");
        assert_eq!(out.status.code(), Some(1), "{key}={value}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(key), "{key}: {stderr}");
    }
    let db = TestDb::new().await;
    let mut settings = test_settings(&db);
    settings.mail.smtp_url = Some("ftp://x".into());
    let err = roadmap_api::http::Application::build(settings)
        .await
        .err()
        .expect("refused");
    // The cause is kept as the error's source and shown with the chain, as `serve` prints it.
    let shown = roadmap_api::error::chain(&err);
    assert!(shown.contains("SMTP_URL: not a usable SMTP URL"), "{shown}");
}
