//! Screenshots of the web app for the README (`scripts/screenshots.sh` runs this): the
//! catalogue, the Backend roadmap with some progress, and the dashboard, saved as PNGs in
//! `docs/screenshots/`. Ignored by `cargo test`: it writes into the repository.
use std::path::PathBuf;

use serde_json::json;

use crate::helpers::browser::{chromium_or_skip, Browser};
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

async fn shoot(browser: &Browser, app: &TestApp) -> Check {
    let web = Web::new(browser, app).await?;
    browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1024, "height": 720, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await
        .map_err(|e| e.to_string())?;
    web.goto("/").await?;
    web.wait_text("h2", "Community roadmaps").await?;
    save(&web, "catalogue").await?;

    web.sign_up("ada", "ada-Secret-Pass-42").await?;
    web.goto("/roadmaps/backend").await?;
    web.wait_text("h1", "Backend Developer").await?;
    for (topic, status) in [
        ("Internet", "DONE"),
        ("How does the Internet work?", "DONE"),
        ("What is HTTP?", "DONE"),
        ("What is Domain Name?", "LEARNING"),
        ("What is hosting?", "SKIPPED"),
    ] {
        web.choose(&format!("{topic} status"), status).await?;
    }
    web.press("Favourite").await?;
    web.wait(
        "the queue to drain",
        "return document.getElementById('sync').textContent === '' ? true : null;",
    )
    .await?;
    web.wait_progress(2).await?;
    browser
        .client()
        .execute(
            "window.scrollTo(0, 0); document.activeElement.blur();",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    save(&web, "roadmap").await?;

    web.goto("/dashboard").await?;
    web.wait_text("h2", "Recent activity").await?;
    save(&web, "dashboard").await
}
