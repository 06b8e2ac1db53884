//! Screenshots of the web app for the README (`scripts/screenshots.sh` runs this): the
//! catalogue, the Backend chart with some progress and a topic's panel (at 1280×800 and at
//! 375×812), and the dashboard, saved as PNGs in
//! `docs/screenshots/`. Ignored by `cargo test`: it writes into the repository.
use std::path::PathBuf;

use crate::helpers::browser::{chromium_or_skip, Browser};
use crate::helpers::chart::{open_topic, set_status, window};
use crate::helpers::web::{Check, Web};
use crate::helpers::*;

#[tokio::test]
#[ignore = "writes docs/screenshots/*.png; run scripts/screenshots.sh"]
async fn web_screenshots() {
    let Some((chromium, chromedriver)) = chromium_or_skip("web_screenshots") else {
        return;
    };
    let app = spawn_app().await;
    let browser = Browser::start(&chromium, &chromedriver).await;
    let outcome = shoot(&browser, &app).await;
    browser.close().await;
    outcome.unwrap_or_else(|failure| panic!("{failure}"));
}

async fn save(web: &Web<'_>, name: &str) -> Check {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let png = web
        .browser
        .client()
        .screenshot()
        .await
        .map_err(|e| e.to_string())?;
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).map_err(|e| format!("{}: {e}", path.display()))
}

/// Scrolls to the top and blurs the focused element (no focus ring in the picture).
async fn top(web: &Web<'_>) -> Check {
    web.browser
        .client()
        .execute(
            "window.scrollTo(0, 0); document.activeElement.blur();",
            vec![],
        )
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn shoot(browser: &Browser, app: &TestApp) -> Check {
    let web = Web::new(browser, app).await?;
    window(browser, 1280, 800, false).await?;
    web.goto("/").await?;
    web.wait_text("h2", "Community roadmaps").await?;
    save(&web, "catalogue").await?;

    web.sign_up("ada", "ada-Secret-Pass-42").await?;
    window(browser, 1280, 800, false).await?;
    web.goto("/roadmaps/backend").await?;
    web.wait_text("h1", "Backend Developer").await?;
    for (topic, status) in [
        ("Internet", "DONE"),
        ("How does the Internet work?", "DONE"),
        ("What is HTTP?", "DONE"),
        ("What is Domain Name?", "LEARNING"),
        ("What is hosting?", "SKIPPED"),
        ("Git", "DONE"),
        ("JavaScript / Node.js", "LEARNING"),
    ] {
        set_status(&web, topic, status).await?;
    }
    web.press("Favourite").await?;
    web.wait(
        "the queue to drain",
        "return document.getElementById('sync').textContent === '' ? true : null;",
    )
    .await?;
    // The panel of one topic, with a note.
    open_topic(&web, "What is Domain Name?").await?;
    web.fill(
        "textarea[aria-label='What is Domain Name? note']",
        "Try dig on my own domain.",
    )
    .await?;
    web.press("Save note on What is Domain Name?").await?;
    web.wait_text(".topic-panel .note [role=status]", "Saved")
        .await?;
    top(&web).await?;
    save(&web, "panel").await?;
    window(browser, 375, 812, true).await?;
    top(&web).await?;
    save(&web, "panel-375").await?;
    web.find(".topic-panel .panel-close")
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    top(&web).await?;
    save(&web, "roadmap-375").await?;
    window(browser, 1280, 800, false).await?;
    top(&web).await?;
    save(&web, "roadmap").await?;

    web.goto("/dashboard").await?;
    web.wait_text("h2", "Recent activity").await?;
    save(&web, "dashboard").await
}
