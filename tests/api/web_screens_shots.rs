//! Screenshots of the screens of every feature (`scripts/screenshots.sh` runs this): each at
//! 1280×800 and at 375×812 into `target/screenshots/` (to look at, not committed), and the team
//! page for the README as `docs/screenshots/team.png`. Ignored by `cargo test`: it writes files.
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::helpers::browser::{chromium_or_skip, Browser};
use crate::helpers::web::{Check, Web};
use crate::helpers::*;

#[tokio::test]
#[ignore = "writes target/screenshots/*.png and docs/screenshots/team.png; run scripts/screenshots.sh"]
async fn web_screens_screenshots() {
    let Some((chromium, chromedriver)) = chromium_or_skip("web_screens_screenshots") else {
        return;
    };
    let app = spawn_app().await;
    let browser = Browser::start(&chromium, &chromedriver).await;
    let outcome = shoot(&browser, &app).await;
    browser.close().await;
    outcome.unwrap_or_else(|failure| panic!("{failure}"));
}

async fn size(web: &Web<'_>, width: u32, height: u32, mobile: bool) -> Check {
    web.browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
        )
        .await
        .map(|_| ())
        .map_err(|e| format!("CDP: {e}"))
}

async fn write(web: &Web<'_>, path: &Path) -> Check {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    // Two frames, so layout has run at the size just set.
    web.browser
        .client()
        .execute_async(
            "var done = arguments[arguments.length - 1]; window.scrollTo(0, 0); \
             if (document.activeElement) document.activeElement.blur(); \
             requestAnimationFrame(function () { requestAnimationFrame(function () { done(true); }); });",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    let png = web
        .browser
        .client()
        .screenshot()
        .await
        .map_err(|e| e.to_string())?;
    std::fs::write(path, png).map_err(|e| format!("{}: {e}", path.display()))
}

/// The current page at both widths, as `target/screenshots/<name>-1280.png` and `-375.png`.
async fn both(web: &Web<'_>, name: &str) -> Check {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    size(web, 1280, 800, false).await?;
    write(web, &dir.join(format!("{name}-1280.png"))).await?;
    size(web, 375, 812, true).await?;
    write(web, &dir.join(format!("{name}-375.png"))).await?;
    size(web, 1280, 800, false).await
}

async fn shoot(browser: &Browser, app: &TestApp) -> Check {
    let web = Web::new(browser, app).await?;
    size(&web, 1280, 800, false).await?;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    let grace = app.signup("grace").await;
    crate::helpers::email::verify_by_sql(app, &bob.email).await;
    let team = api(
        app,
        &ada,
        "mutation { createTeam(input: { name: \"Night owls\", kind: STUDY_GROUP }) { id } }",
        json!({}),
    )
    .await["createTeam"]["id"]
        .clone();
    let backend = api(
        app,
        &ada,
        "{ roadmap(slug: \"backend\") { id topics { children { id } } } }",
        json!({}),
    )
    .await["roadmap"]
        .clone();
    api(
        app,
        &ada,
        "mutation($t: ID!, $r: ID!) { addTeamRoadmap(teamId: $t, roadmapId: $r) { id } }",
        json!({ "t": team, "r": backend["id"] }),
    )
    .await;
    for (who, name) in [(&grace, "grace")] {
        let invite = api(
            app,
            &ada,
            "mutation($t: ID!, $e: String!) { inviteTeamMember(teamId: $t, email: $e, role: MEMBER) { id } }",
            json!({ "t": team, "e": format!("{name}@example.com") }),
        )
        .await;
        crate::helpers::email::verify_by_sql(app, &who.email).await;
        api(
            app,
            who,
            "mutation($i: ID!) { respondToTeamInvite(inviteId: $i, accept: true) { id } }",
            json!({ "i": invite["inviteTeamMember"]["id"] }),
        )
        .await;
    }
    for (who, n) in [(&ada, 6), (&grace, 3)] {
        for t in backend["topics"][0]["children"]
            .as_array()
            .into_iter()
            .flatten()
            .take(n)
        {
            api(
                app,
                who,
                "mutation($t: ID!) { setTopicStatus(topicId: $t, status: DONE) { changed } }",
                json!({ "t": t["id"] }),
            )
            .await;
        }
    }
    api(
        app,
        &ada,
        "mutation($t: ID!) { inviteTeamMember(teamId: $t, email: \"bob@example.com\", role: MEMBER) { id } }",
        json!({ "t": team }),
    )
    .await;

    web.goto("/signup").await?;
    web.press("Sign up").await?;
    web.wait_text("#f-email-error", "required").await?;
    both(&web, "signup-empty").await?;
    web.goto("/no/such/page").await?;
    web.wait_text("h1", "Page not found").await?;
    both(&web, "not-found").await?;
    web.goto("/reset-password").await?;
    web.wait_text("h1", "Reset your password").await?;
    both(&web, "reset-request").await?;
    web.goto("/reset-password?token=abc").await?;
    web.wait_text("h1", "Set a new password").await?;
    both(&web, "reset-set").await?;
    web.goto("/verify-email?token=abc").await?;
    web.wait_text("main [role=alert]", "").await?;
    both(&web, "verify-bad-link").await?;

    web.sign_in(&ada.email, &ada.password).await?;
    let team_path = format!("/teams/{}", team.as_str().unwrap_or_default());
    web.goto(&team_path).await?;
    web.wait_text("tbody td", "6 done").await?;
    both(&web, "team").await?;
    // The README's team page, at the size of its other screenshots.
    size(&web, 1024, 720, false).await?;
    write(
        &web,
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots/team.png"),
    )
    .await?;
    size(&web, 1280, 800, false).await?;
    web.find(".hide-topics summary")
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    web.wait_text(".hide-topics legend", "Topics of").await?;
    web.browser
        .client()
        .execute(
            "document.querySelector('.hide-topics').scrollIntoView();",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    both(&web, "team-hide-topics").await?;

    web.goto("/new").await?;
    web.wait_text("h1", "New roadmap").await?;
    web.fill("#f-title", "Rust in a month").await?;
    web.fill("#f-briefDescription", "Ownership to async.")
        .await?;
    both(&web, "new-roadmap").await?;
    web.press("Create roadmap").await?;
    web.wait_text("h1", "Edit Rust in a month").await?;
    web.find("#f-visibility")
        .await?
        .select_by_value("UNLISTED")
        .await
        .map_err(|e| e.to_string())?;
    web.press("Save details").await?;
    web.wait_text("main [role=status]", "Details saved").await?;
    both(&web, "edit-details").await?;
    api(
        app,
        &bob,
        "mutation { createRoadmap(input: { slug: \"go-basics\", title: \"Go basics\", \
         briefTitle: \"Go\", description: \"Go.\", briefDescription: \"Go.\", kind: SKILL, \
         visibility: PUBLIC, isForkable: true }) { id } }",
        json!({}),
    )
    .await;
    web.goto("/fork/go-basics").await?;
    web.wait_text("h1", "Fork Go basics").await?;
    both(&web, "fork").await?;
    web.fill("#f-title", "My Go plan").await?;
    web.press("Fork").await?;
    web.wait_text("h1", "Edit My Go plan").await?;
    web.goto("/dashboard").await?;
    web.wait_text(".cards li", "Your fork of Go basics").await?;
    both(&web, "dashboard").await?;
    web.goto("/settings").await?;
    web.wait_text("h1", "Settings").await?;
    both(&web, "settings").await?;

    web.sign_in(&bob.email, &bob.password).await?;
    web.wait_text("h3", "Invites waiting for you").await?;
    both(&web, "dashboard-invite").await
}
