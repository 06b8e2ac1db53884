//! Offline across a reload, in headless Chromium: with the server gone (killed, so no connection
//! of the browser's survives), a page the learner opened before opens again on a reload, from the
//! service worker's copy of the app and the app's saved answers, still signed in and with the
//! "offline" banner; a page never opened says so in the app's own words. When the server is back
//! on the same address, the next page load is online and the session is the same.
use std::sync::Arc;

use crate::helpers::browser::{chromium_or_skip, Browser};
use crate::helpers::web::{Check, Web};
use crate::helpers::*;

#[tokio::test]
async fn web_a_page_read_before_reopens_offline_after_a_reload() {
    let Some((chromium, chromedriver)) =
        chromium_or_skip("web_a_page_read_before_reopens_offline_after_a_reload")
    else {
        return;
    };
    let db = Arc::new(TestDb::new().await);
    let mut app = spawn_process_on(db.clone(), &[]).await;
    let learner = app.signup("reloader").await;
    let browser = Browser::start(&chromium, &chromedriver).await;
    let outcome = offline_reload(&browser, &mut app, db, &learner).await;
    browser.close().await;
    outcome.unwrap_or_else(|failure| panic!("{failure}"));
}

async fn offline_reload(
    browser: &Browser,
    app: &mut TestApp,
    db: Arc<TestDb>,
    learner: &Session,
) -> Check {
    {
        let web = Web::new(browser, app).await?;
        web.sign_in(&learner.email, &learner.password).await?;
        web.goto("/roadmaps/backend").await?;
        web.wait_text("h1", "Backend").await?;
        web.wait(
            "the service worker to control the page",
            "return navigator.serviceWorker && navigator.serviceWorker.controller ? true : null;",
        )
        .await?;
        web.goto("/dashboard").await?;
        web.wait_text("h1", "Hello").await?;
        web.goto("/roadmaps/backend").await?;
        web.wait_text("h1", "Backend").await?;
        web.clean("the roadmap, online").await?;
    }

    app.kill();
    let web = Web::new(browser, app).await?;
    browser
        .client()
        .refresh()
        .await
        .map_err(|e| format!("reload: {e}"))?;
    web.ready().await?;
    web.wait_text("h1", "Backend").await?;
    web.wait_text("#offline", "Offline").await?;
    web.wait_text("#nav-user", "@reloader").await?;
    web.axe("the roadmap reloaded offline").await?;
    web.goto("/dashboard").await?;
    web.wait_text("h1", "Hello").await?;
    web.wait_text("#offline", "Offline").await?;
    // Never opened on this device: the app says so (not the browser's error page).
    web.goto("/u/someone-else").await?;
    web.wait_text("main [role=alert]", "You are offline")
        .await?;

    // Back on the same address: online again, and still signed in.
    let again = spawn_process_on(
        db,
        &[("LISTEN_ADDR", format!("127.0.0.1:{}", app.port).as_str())],
    )
    .await;
    let web = Web::new(browser, &again).await?;
    web.goto("/roadmaps/backend").await?;
    web.wait_text("h1", "Backend").await?;
    web.wait_text("#nav-user", "@reloader").await?;
    web.wait(
        "the banner to go",
        "return document.getElementById('offline').textContent === '' ? true : null;",
    )
    .await?;
    Ok(())
}
