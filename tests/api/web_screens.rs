//! Every feature has a screen, in headless Chromium at 1280×800 and 375×812, with axe-core (no
//! serious or critical violation, light and dark) on each: an author makes a roadmap, edits its
//! details and share link, and forks another under a new title (each shows on the dashboard at
//! once, once); a team owner makes a team, picks its roadmap from a list, hides topics and
//! invites; a learner sets up their public profile, changes their password and deletes their
//! account; the mailed links verify an address, reset a password and join a team; and the
//! small slips: every missing sign-up field named at once, sign-up returning to the page it came
//! from, error texts without backticks, plurals, titles in team activity, invites apart from
//! "No teams.", and an app-styled 404.
use serde_json::{json, Value};

use crate::helpers::browser::{chromium_or_skip, Browser};
use crate::helpers::email::{latest_token, ME_EMAIL};
use crate::helpers::smtp::SmtpSink;
use crate::helpers::web::{Check, Web};
use crate::helpers::*;

/// Runs `flow` in a fresh browser against `app`, closing the browser before any panic.
macro_rules! in_browser {
    ($name:literal, $app:expr, $flow:ident $(, $arg:expr)*) => {{
        let Some((chromium, chromedriver)) = chromium_or_skip($name) else {
            return;
        };
        let browser = Browser::start(&chromium, &chromedriver).await;
        let outcome = $flow(&browser, &$app $(, $arg)*).await;
        browser.close().await;
        outcome.unwrap_or_else(|failure| panic!("{failure}"));
    }};
}

/// A desktop window: 1280×800.
async fn desktop(web: &Web<'_>) -> Check {
    web.browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await
        .map(|_| ())
        .map_err(|e| format!("CDP: {e}"))
}

/// axe-core (light and dark) at 1280×800, then the page at 375×812, then back to the desktop.
async fn check(web: &Web<'_>, page: &str) -> Check {
    desktop(web).await?;
    web.check_page(page).await?;
    desktop(web).await
}

/// The text of the first element matching `css`, or "".
async fn text_of(web: &Web<'_>, css: &str) -> Check<String> {
    let v = web
        .browser
        .client()
        .execute(
            "var el = document.querySelector(arguments[0]); return el ? el.textContent : '';",
            vec![json!(css)],
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// The value of the field with this id (waits for it).
async fn value_of_id(web: &Web<'_>, id: &str) -> Check<String> {
    let script = format!(
        "var el = document.getElementById({}); return el ? el.value : null;",
        serde_json::to_string(id).unwrap_or_default()
    );
    let v = web.wait(&format!("the field #{id}"), &script).await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn web_author_makes_edits_shares_and_forks_roadmaps() {
    let app = spawn_app().await;
    in_browser!(
        "web_author_makes_edits_shares_and_forks_roadmaps",
        app,
        author_flow
    );
}

async fn author_flow(browser: &Browser, app: &TestApp) -> Check {
    let web = Web::new(browser, app).await?;
    desktop(&web).await?;

    // An empty sign-up form names every missing field at once.
    web.goto("/signup").await?;
    web.press("Sign up").await?;
    for field in ["email", "username", "password"] {
        web.wait_text(&format!("#f-{field}-error"), "is required")
            .await?;
    }
    check(&web, "the sign-up page with its errors").await?;

    // Sign-up started from a roadmap page returns there.
    web.goto("/roadmaps/backend").await?;
    web.wait_text("h1", "Backend Developer").await?;
    web.find("#nav-user a[href^='/signup?next=']")
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    web.wait_text("h1", "Sign up").await?;
    web.fill("#f-email", "ada@example.com").await?;
    web.fill("#f-username", "ada").await?;
    web.fill("#f-password", "ada-Secret-Pass-42").await?;
    web.press("Sign up").await?;
    web.wait_text("h1", "Backend Developer").await?;
    if web.path().await? != "/roadmaps/backend" {
        return Err(format!("sign-up went to {}", web.path().await?));
    }

    // A new roadmap: the web address follows the title; it opens in the editor.
    web.goto("/new").await?;
    web.wait_text("h1", "New roadmap").await?;
    check(&web, "the new-roadmap page").await?;
    web.fill("#f-title", "Rust in a month").await?;
    if value_of_id(&web, "f-slug").await? != "rust-in-a-month" {
        return Err("the web address did not follow the title".into());
    }
    web.fill("#f-briefDescription", "Ownership to async.")
        .await?;
    web.press("Create roadmap").await?;
    web.wait_text("h1", "Edit Rust in a month").await?;
    check(&web, "the edit page with its details").await?;

    // Its details: unlisted and forkable; the share link is shown and can be replaced.
    web.fill("#f-title", "Rust in four weeks").await?;
    web.find("#f-visibility")
        .await?
        .select_by_value("UNLISTED")
        .await
        .map_err(|e| e.to_string())?;
    web.find("#f-isForkable")
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    web.press("Save details").await?;
    web.wait_text("h1", "Edit Rust in four weeks").await?;
    web.wait_text("main [role=status]", "Details saved").await?;
    let first_link = value_of_id(&web, "share-link").await?;
    if !first_link.contains("/roadmaps/rust-in-a-month?share=") {
        return Err(format!("the share link is {first_link:?}"));
    }
    web.press("Make a new share link").await?;
    web.wait_text("main [role=status]", "old one no longer works")
        .await?;
    let second_link = value_of_id(&web, "share-link").await?;
    if second_link == first_link {
        return Err("the share link did not change".into());
    }
    check(&web, "the edit page of an unlisted roadmap").await?;

    // An error names the field by its label, not in backticks.
    let long = "x".repeat(1001);
    browser
        .client()
        .execute(
            "var f = document.getElementById('f-briefDescription'); \
             f.removeAttribute('maxlength'); f.value = arguments[0];",
            vec![json!(long)],
        )
        .await
        .map_err(|e| e.to_string())?;
    web.press("Save details").await?;
    let said = web
        .wait_text("#f-briefDescription-error", "One-line description")
        .await?;
    if said.contains('`') {
        return Err(format!("the error shows backticks: {said:?}"));
    }

    // The dashboard lists it at once, with no progress yet.
    web.goto("/dashboard").await?;
    web.wait_text(".cards li", "Rust in four weeks").await?;
    web.wait_text(".cards li", "Made by you · unlisted").await?;
    web.wait_text("main p", "Streak: 0 days").await?;

    // Someone else's forkable roadmap, forked under a new title: on the dashboard once, marked.
    let bob = app.signup("bob").await;
    let shared = api(
        app,
        &bob,
        "mutation { createRoadmap(input: { slug: \"go-basics\", title: \"Go basics\", \
         briefTitle: \"Go\", description: \"Go.\", briefDescription: \"Go.\", kind: SKILL, \
         visibility: PUBLIC, isForkable: true }) { id } }",
        json!({}),
    )
    .await["createRoadmap"]["id"]
        .clone();
    api(
        app,
        &bob,
        "mutation($r: ID!) { createTopic(roadmapId: $r, input: { title: \"Goroutines\" }) { id } }",
        json!({ "r": shared }),
    )
    .await;
    web.goto("/fork/go-basics").await?;
    web.wait_text("h1", "Fork Go basics").await?;
    check(&web, "the fork page").await?;
    web.fill("#f-title", "My Go plan").await?;
    web.press("Fork").await?;
    web.wait_text("h1", "Edit My Go plan").await?;
    web.wait_text("main .card p", "Your fork of Go basics")
        .await?;
    web.goto("/dashboard").await?;
    web.wait_text(".cards li", "Your fork of Go basics").await?;
    let cards = browser
        .client()
        .execute(
            "return [...document.querySelectorAll('.cards li h3')].map(function (h) { return h.textContent; });",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    let titles: Vec<&str> = cards
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if titles.iter().filter(|t| **t == "My Go plan").count() != 1 || titles.contains(&"Go basics") {
        return Err(format!("the dashboard's roadmaps are {titles:?}"));
    }
    check(&web, "the dashboard with a fork").await?;
    web.clean("the author's pages").await
}

#[tokio::test]
async fn web_team_owner_makes_a_team_picks_roadmaps_and_hides_topics() {
    let app = spawn_app().await;
    let owner = app.signup("owner").await;
    let friend = app.signup("friend").await;
    in_browser!(
        "web_team_owner_makes_a_team_picks_roadmaps_and_hides_topics",
        app,
        team_flow,
        &owner,
        &friend
    );
}

async fn team_flow(browser: &Browser, app: &TestApp, owner: &Session, friend: &Session) -> Check {
    let web = Web::new(browser, app).await?;
    desktop(&web).await?;
    web.sign_in(&owner.email, &owner.password).await?;
    web.wait_text("main p", "No teams.").await?;
    web.find(".create-team summary")
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    web.fill("#team-name", "Night owls").await?;
    web.press("Create team").await?;
    web.wait_text("h1", "Night owls").await?;

    // The roadmap comes from a list, not a typed slug.
    web.find("#team-roadmap option").await?;
    let backend = api(
        app,
        owner,
        "{ roadmap(slug: \"backend\") { id topics { id title children { id title } } } }",
        json!({}),
    )
    .await["roadmap"]
        .clone();
    web.find("#team-roadmap")
        .await?
        .select_by_value(backend["id"].as_str().unwrap_or_default())
        .await
        .map_err(|e| e.to_string())?;
    web.press("Add roadmap").await?;
    web.wait_text("caption", "Members’ progress on Backend Developer")
        .await?;

    // Hide a topic for the team: the team counts one topic fewer.
    let topic = &backend["topics"][0]["children"][0];
    web.find(".hide-topics summary")
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    web.find(&format!(
        "[id='count-{}']",
        topic["id"].as_str().unwrap_or_default()
    ))
    .await?
    .click()
    .await
    .map_err(|e| e.to_string())?;
    web.press("Save the topics of Backend Developer").await?;
    web.wait_text(".hide-topics summary", "(1 hidden)").await?;
    let team_id = web.path().await?.trim_start_matches("/teams/").to_owned();
    let hidden = api(
        app,
        owner,
        "query($id: ID!) { team(id: $id) { roadmaps { hiddenTopicIds } } }",
        json!({ "id": team_id }),
    )
    .await;
    if hidden["team"]["roadmaps"][0]["hiddenTopicIds"] != json!([topic["id"]]) {
        return Err(format!("hidden topics: {hidden}"));
    }

    // Activity names the roadmap by its title.
    let counted = &backend["topics"][0]["children"][1];
    api(
        app,
        owner,
        "mutation($t: ID!) { setTopicStatus(topicId: $t, status: DONE) { changed } }",
        json!({ "t": counted["id"] }),
    )
    .await;
    web.goto(&format!("/teams/{team_id}")).await?;
    web.wait_text("main li a[href='/roadmaps/backend']", "Backend Developer")
        .await?;

    // An invite; the invitee sees it apart from "No teams.".
    crate::helpers::email::verify_by_sql(app, &friend.email).await;
    web.fill("#invite-email", &friend.email).await?;
    web.press("Invite").await?;
    web.wait_text("main li", &friend.email).await?;
    check(&web, "the team page of its owner").await?;
    web.clean("the team page").await?;

    web.sign_in(&friend.email, &friend.password).await?;
    web.wait_text("h3", "Invites waiting for you").await?;
    let teams_line = text_of(&web, "h2 + p.muted").await?;
    if teams_line.contains("No teams.") {
        return Err("the invite sits under \"No teams.\"".into());
    }
    web.wait_text("main p", "You are in no team yet.").await?;
    check(&web, "the dashboard with an invite").await?;
    web.press("Join Night owls").await?;
    web.wait_text("main li a", "Night owls").await?;
    Ok(())
}

#[tokio::test]
async fn web_settings_profile_password_and_account_deletion() {
    let app = spawn_app().await;
    let learner = app.signup("learner").await;
    in_browser!(
        "web_settings_profile_password_and_account_deletion",
        app,
        settings_flow,
        &learner
    );
}

async fn settings_flow(browser: &Browser, app: &TestApp, learner: &Session) -> Check {
    let web = Web::new(browser, app).await?;
    desktop(&web).await?;
    let backend = api(
        app,
        learner,
        "{ roadmap(slug: \"backend\") { id topics { id } } }",
        json!({}),
    )
    .await["roadmap"]
        .clone();
    api(
        app,
        learner,
        "mutation($t: ID!) { setTopicStatus(topicId: $t, status: DONE) { changed } }",
        json!({ "t": backend["topics"][0]["id"] }),
    )
    .await;
    web.sign_in(&learner.email, &learner.password).await?;
    web.wait_text("main p", "Streak: 1 day (longest 1 day)")
        .await?;

    // One's own private profile says so and leads to the settings.
    web.goto("/u/learner").await?;
    web.wait_text("main p", "Your profile is private").await?;
    web.find("main a[href='/settings']")
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    web.wait_text("h1", "Settings").await?;
    check(&web, "the settings page").await?;

    // A bad link is named by its label; then a public profile with a headline, a link and one
    // chosen roadmap.
    web.find("#f-profileVisibility")
        .await?
        .select_by_value("PUBLIC")
        .await
        .map_err(|e| e.to_string())?;
    web.fill("#f-headline", "Backend in the evenings").await?;
    web.fill("#f-links", "not a link").await?;
    web.press("Save profile").await?;
    let said = web.wait_text("#f-links-error", "Links, item 1").await?;
    if said.contains('`') {
        return Err(format!("the error shows backticks: {said:?}"));
    }
    web.fill("#f-links", "https://example.com/me").await?;
    web.find("#f-profileRoadmaps")
        .await?
        .select_by_value("SELECTED")
        .await
        .map_err(|e| e.to_string())?;
    web.find(&format!(
        "[id='show-{}']",
        backend["id"].as_str().unwrap_or_default()
    ))
    .await?
    .click()
    .await
    .map_err(|e| e.to_string())?;
    web.press("Save profile").await?;
    web.wait_text("main [role=status]", "Profile saved").await?;
    let me = api(
        app,
        learner,
        "{ me { profileVisibility headline links profileRoadmaps profileRoadmapIds } }",
        json!({}),
    )
    .await["me"]
        .clone();
    if me
        != json!({ "profileVisibility": "PUBLIC", "headline": "Backend in the evenings",
            "links": ["https://example.com/me"], "profileRoadmaps": "SELECTED",
            "profileRoadmapIds": [backend["id"]] })
    {
        return Err(format!("the profile is {me}"));
    }
    web.goto("/u/learner").await?;
    web.wait_text("main p", "Backend in the evenings").await?;
    web.wait_text("main li", "Backend Developer").await?;
    web.wait_text("main p", "Streak: 1 day").await?;

    // The password: a wrong current one is named; then changed, and this device stays in.
    web.goto("/settings").await?;
    web.wait_text("h2", "Password").await?;
    web.fill("#f-currentPassword", "not-the-Password-1").await?;
    web.fill("#f-newPassword", "a-Brand-new-Pass-77").await?;
    web.press("Change password").await?;
    web.wait_text("#f-currentPassword-error", "").await?;
    web.fill("#f-currentPassword", &learner.password).await?;
    web.press("Change password").await?;
    web.wait_text("main [role=status]", "Password changed")
        .await?;
    let signed_in = app.sign_in(&learner.email, "a-Brand-new-Pass-77").await;
    if signed_in["data"]["signIn"].is_null() {
        return Err(format!("the new password does not work: {signed_in}"));
    }
    web.goto("/dashboard").await?;
    web.wait_text("h1", "Hello").await?;

    // Deleting the account takes the password and a tick; then the account is gone.
    web.goto("/settings").await?;
    web.wait_text("h2", "Delete account").await?;
    web.fill("#f-deletePassword", "a-Brand-new-Pass-77").await?;
    web.press("Delete my account").await?;
    web.wait_text("#f-deleteSure-error", "Tick this box")
        .await?;
    web.find("#f-deleteSure")
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    web.press("Delete my account").await?;
    web.wait_text("h1", "Roadmaps").await?;
    web.wait_text("#nav-user", "Sign in").await?;
    let gone = app.sign_in(&learner.email, "a-Brand-new-Pass-77").await;
    if gone["data"]["signIn"].is_object() {
        return Err("the deleted account still signs in".into());
    }
    web.clean("the settings page").await
}

#[tokio::test]
async fn web_mailed_links_verify_the_address_and_reset_the_password() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(|s| s.mail.smtp_url = Some(sink.url.as_str().into())).await;
    let learner = app.signup("mailee").await;
    in_browser!(
        "web_mailed_links_verify_the_address_and_reset_the_password",
        app,
        mail_flow,
        &sink,
        &learner
    );
}

async fn mail_flow(browser: &Browser, app: &TestApp, sink: &SmtpSink, learner: &Session) -> Check {
    let web = Web::new(browser, app).await?;
    desktop(&web).await?;
    // The verification link's page, opened signed out.
    let token = latest_token(sink, &learner.email, "Verify your email").await;
    web.goto(&format!("/verify-email?token={token}")).await?;
    web.wait_text("h1", "Email verified").await?;
    check(&web, "the email-verified page").await?;
    let me = api(app, learner, ME_EMAIL, json!({})).await;
    if me["me"]["emailVerified"] != json!(true) {
        return Err(format!("the address is not verified: {me}"));
    }
    // Used once: the same link again says so.
    web.goto(&format!("/verify-email?token={token}")).await?;
    web.wait_text("main [role=alert]", "").await?;
    check(&web, "a used verification link").await?;

    // Reset: ask from the sign-in page, follow the mailed link, set a new password.
    web.goto("/signin").await?;
    web.find("a[href='/reset-password']")
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    web.wait_text("h1", "Reset your password").await?;
    check(&web, "the reset request page").await?;
    web.fill("#f-email", &learner.email).await?;
    web.press("Mail me a reset link").await?;
    web.wait_text("h1", "Check your mail").await?;
    let token = latest_token(sink, &learner.email, "Reset your").await;
    web.goto(&format!("/reset-password?token={token}")).await?;
    web.wait_text("h1", "Set a new password").await?;
    check(&web, "the set-a-new-password page").await?;
    web.fill("#f-newPassword", "short").await?;
    web.press("Set the new password").await?;
    web.wait_text("#f-newPassword-error", "").await?;
    web.fill("#f-newPassword", "a-Fresh-reset-Pass-91").await?;
    web.press("Set the new password").await?;
    web.wait_text("h1", "Password changed").await?;
    web.sign_in(&learner.email, "a-Fresh-reset-Pass-91").await?;

    // A mailed team invite's link: signed in, one press joins the team.
    let head = app.signup("teamhead").await;
    let team = crate::helpers::teams::create_team(app, &head.access_token, "Mail club").await;
    let invite =
        crate::helpers::teams::invite(app, &head.access_token, &team, &learner.email, "MEMBER")
            .await;
    let invite_id = invite["id"]
        .as_str()
        .ok_or(format!("no invite: {invite}"))?
        .to_owned();
    let token = latest_token(sink, &learner.email, "Join the team").await;
    web.goto(&format!("/teams/invites/{invite_id}?token={token}"))
        .await?;
    web.wait_text("h1", "Team invite").await?;
    check(&web, "the team-invite page").await?;
    web.press("Join the team").await?;
    web.wait_text("h1", "Mail club").await?;
    web.clean("the mailed-link pages").await
}

#[tokio::test]
async fn web_unknown_path_shows_an_app_styled_404() {
    let app = spawn_app().await;
    in_browser!(
        "web_unknown_path_shows_an_app_styled_404",
        app,
        not_found_flow
    );
}

async fn not_found_flow(browser: &Browser, app: &TestApp) -> Check {
    let web = Web::new(browser, app).await?;
    desktop(&web).await?;
    web.goto("/no/such/page").await?;
    web.wait_text("h1", "Page not found").await?;
    check(&web, "the 404 page").await?;
    web.find("main a[href='/']")
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    web.wait_text("h2", "Official roadmaps").await?;
    Ok(())
}
