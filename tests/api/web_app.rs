//! The learner web app in headless Chromium: the catalogue, sign-up (with an error shown next to
//! its field), moving through the chart and marking topics with the keyboard (arrows never
//! change a status) and with the panel's status buttons, the progress bar,
//! and a session that survives a reload and a new tab; axe-core and a 375 px screen on every
//! page; no CSP violation or script error anywhere; the access token refreshed before it
//! expires.
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::browser::{chromium_or_skip, Browser};
use crate::helpers::chart;
use crate::helpers::web::{Check, Web};
use crate::helpers::*;

const PASSWORD: &str = "learner-Secret-Pass-42";
const FIRST: &str = "How does the Internet work?";

/// The learner's counts on the backend roadmap, as the API reports them.
async fn backend_progress(app: &TestApp, email: &str) -> Value {
    let body = app.sign_in(email, PASSWORD).await;
    let token = body["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("sign-in failed: {body}"))
        .to_owned();
    let body = app
        .gql_as(
            &token,
            "{ roadmap(slug: \"backend\") { myProgress { done learning total } } }",
            json!({}),
        )
        .await;
    body["data"]["roadmap"]["myProgress"].clone()
}

#[tokio::test]
async fn web_app_sign_up_track_progress_and_stay_signed_in() {
    let Some((chromium, chromedriver)) =
        chromium_or_skip("web_app_sign_up_track_progress_and_stay_signed_in")
    else {
        return;
    };
    let app = spawn_app().await;
    let browser = Browser::start(&chromium, &chromedriver).await;
    let outcome = learner_flow(&browser, &app).await;
    browser.close().await;
    outcome.unwrap_or_else(|failure| panic!("{failure}"));
}

async fn learner_flow(browser: &Browser, app: &TestApp) -> Check {
    let web = Web::new(browser, app).await?;
    let c = browser.client();

    // The catalogue: each roadmap a link named by its title.
    web.goto("/").await?;
    let link = web.wait_text("a[href='/roadmaps/backend']", "").await?;
    if link != "Backend Developer" {
        return Err(format!("the backend link reads {link:?}"));
    }
    web.wait_text("h2", "Community roadmaps").await?;
    web.check_page("the catalogue").await?;

    // Sign-up: a refused password is explained next to the password field.
    web.goto("/signup").await?;
    web.check_page("the sign-up page").await?;
    web.fill("#f-email", "learner@example.com").await?;
    web.fill("#f-username", "learner").await?;
    web.fill("#f-password", "short").await?;
    web.press("Sign up").await?;
    web.wait_text("#f-password-error", "").await?;
    let invalid = c
        .execute(
            "return document.getElementById('f-password').getAttribute('aria-invalid');",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    if invalid != json!("true") {
        return Err(format!(
            "the password field is not marked invalid: {invalid}"
        ));
    }
    web.fill("#f-password", PASSWORD).await?;
    web.press("Sign up").await?;
    web.wait_text("h1", "Hello").await?;
    if web.path().await? != "/dashboard" {
        return Err("sign-up did not land on the dashboard".into());
    }
    // The refresh token is in an HttpOnly cookie: no script sees it.
    let cookies = c
        .execute("return document.cookie;", vec![])
        .await
        .map_err(|e| e.to_string())?;
    if cookies
        .as_str()
        .unwrap_or_default()
        .contains("roadmap_refresh")
    {
        return Err(format!(
            "the session cookie is readable by scripts: {cookies}"
        ));
    }

    // The roadmap page: title, the chart of topics, a progress bar.
    web.goto("/roadmaps/backend").await?;
    web.wait_text("h1", "Backend Developer").await?;
    chart::wait_status(&web, FIRST, "PENDING").await?;
    web.wait_progress(0).await?;
    web.check_page("the roadmap page").await?;

    // Keyboard only: Tab into the chart, arrows move between topics (and change nothing),
    // Enter opens the topic's panel, Tab to "Learning" and Enter picks it.
    web.tab_to("a.box[role=treeitem]").await?;
    web.keys("\u{E015}").await?;
    web.wait(
        "ArrowDown to move to the next topic",
        &format!(
            "return document.activeElement.querySelector('.box-title').textContent === {} ? true : null;",
            serde_json::to_string(FIRST).unwrap_or_default()
        ),
    )
    .await?;
    web.keys("\u{E013}").await?;
    if chart::status_of(&web, FIRST).await? != "PENDING"
        || chart::status_of(&web, "Internet").await? != "PENDING"
    {
        return Err("an arrow key changed a status".into());
    }
    web.keys("\u{E007}").await?;
    web.wait_text(".topic-panel #panel-title", "Internet")
        .await?;
    if web.path().await? != "/roadmaps/backend/OhbVrpoiVgRV5IfL" {
        return Err(format!("the panel opened at {}", web.path().await?));
    }
    web.tab_to(".topic-panel button[data-status=LEARNING]")
        .await?;
    web.keys("\u{E007}").await?;
    chart::wait_status(&web, "Internet", "LEARNING").await?;
    // Arrow keys on a focused status button change nothing.
    web.keys("\u{E015}\u{E015}\u{E013}").await?;
    if chart::status_of(&web, "Internet").await? != "LEARNING" {
        return Err("an arrow key on a status button changed the status".into());
    }

    // Marking a topic done moves the bar: 1 of the tree's topics.
    chart::set_status(&web, FIRST, "DONE").await?;
    let total = app
        .gql("{ roadmap(slug: \"backend\") { topicCount } }", json!({}))
        .await["data"]["roadmap"]["topicCount"]
        .as_i64()
        .unwrap_or(0)
        - BACKEND_REPEATS;
    let percent = (100.0 / total as f64).round() as i64;
    web.wait_progress(percent).await?;
    web.wait(
        "the queue to drain",
        "return document.getElementById('sync').textContent === '' ? true : null;",
    )
    .await?;
    let stored = backend_progress(app, "learner@example.com").await;
    if stored != json!({ "done": 1, "learning": 1, "total": total }) {
        return Err(format!("the server has {stored}"));
    }

    // A reload keeps the learner signed in (the cookie), with the statuses shown.
    c.refresh().await.map_err(|e| e.to_string())?;
    web.ready().await?;
    web.wait_text("#nav-user", "@learner").await?;
    if chart::status_of(&web, FIRST).await? != "DONE" {
        return Err("after a reload the chart lost the status".into());
    }
    web.wait_progress(percent).await?;
    web.clean("the roadmap page").await?;

    // So does a new tab: the dashboard shows the roadmap with its bar.
    let tab = c.new_window(true).await.map_err(|e| e.to_string())?;
    c.switch_to_window(tab.handle)
        .await
        .map_err(|e| e.to_string())?;
    web.goto("/dashboard").await?;
    web.wait_text("h1", "Hello").await?;
    web.wait_text("main a[href='/roadmaps/backend']", "Backend Developer")
        .await?;
    web.wait_text("main li", "Internet: Pending → Learning")
        .await?;
    web.wait_progress(percent).await?;
    web.check_page("the dashboard").await?;
    web.clean("the dashboard").await?;

    // Signing out ends the session: a reload stays signed out.
    web.press("Sign out").await?;
    web.wait_text("#nav-user", "Sign in").await?;
    c.refresh().await.map_err(|e| e.to_string())?;
    web.ready().await?;
    web.wait_text("#nav-user", "Sign in").await?;
    web.goto("/signin").await?;
    web.check_page("the sign-in page").await?;

    // Signing in with the keyboard alone: Tab to each field, Enter submits.
    web.tab_to("#f-email").await?;
    web.keys("learner@example.com").await?;
    web.tab_to("#f-password").await?;
    web.keys(PASSWORD).await?;
    web.keys("\u{E007}").await?;
    web.wait_text("h1", "Hello").await?;
    web.wait_text("#nav-user", "@learner").await?;
    web.clean("the sign-in page").await
}

#[tokio::test]
async fn web_app_refreshes_the_access_token_before_it_expires() {
    let Some((chromium, chromedriver)) =
        chromium_or_skip("web_app_refreshes_the_access_token_before_it_expires")
    else {
        return;
    };
    // 30 s tokens (the shortest the server issues): the page refreshes half-way, and its live
    // socket is closed at each token's expiry.
    let app = spawn_app_with(|s| s.auth.access_token_ttl = Duration::from_secs(30)).await;
    let browser = Browser::start(&chromium, &chromedriver).await;
    let outcome = refresh_flow(&browser, &app).await;
    browser.close().await;
    outcome.unwrap_or_else(|failure| panic!("{failure}"));
}

async fn refresh_flow(browser: &Browser, app: &TestApp) -> Check {
    let web = Web::new(browser, app).await?;
    web.sign_up("refresher", PASSWORD).await?;
    web.goto("/roadmaps/backend").await?;
    web.wait_progress(0).await?;
    // Sign-up's token, the cookie's first one, then one per refresh.
    let refreshed = eventually(Duration::from_secs(90), || async {
        count_rows(app, "SELECT COUNT(*) FROM refresh_tokens").await >= 4
    })
    .await;
    if !refreshed {
        return Err("the page did not refresh its token in time".into());
    }
    // With the refreshed token, the page still writes as the learner.
    chart::set_status(&web, FIRST, "DONE").await?;
    web.wait(
        "the queue to drain",
        "return document.getElementById('sync').textContent === '' ? true : null;",
    )
    .await?;
    let stored = backend_progress(app, "refresher@example.com").await;
    if stored["done"] != 1 {
        return Err(format!("the server has {stored}"));
    }
    // The server closes the live socket when its token expires (4403): the page connects again
    // with a fresh token and still receives changes made elsewhere.
    web.wait(
        "the live socket to reconnect after its token expired",
        "return Number(document.documentElement.dataset.liveConnections || 0) >= 2 \
         && document.documentElement.dataset.live === 'on' ? true : null;",
    )
    .await?;
    let body = app.sign_in("refresher@example.com", PASSWORD).await;
    let token = body["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let topic = app
        .gql(
            "{ roadmap(slug: \"backend\") { topics { id } } }",
            json!({}),
        )
        .await["data"]["roadmap"]["topics"][0]["id"]
        .clone();
    let set = app
        .gql_as(
            &token,
            "mutation($t: ID!) { setTopicStatus(topicId: $t, status: SKIPPED) { changed } }",
            json!({ "t": topic }),
        )
        .await;
    if set["data"]["setTopicStatus"]["changed"] != true {
        return Err(format!("setting a status through the API: {set}"));
    }
    chart::wait_status(&web, "Internet", "SKIPPED").await?;
    web.clean("the roadmap page").await
}
