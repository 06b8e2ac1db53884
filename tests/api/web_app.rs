//! The learner web app in headless Chromium: the catalogue, sign-up (with an error shown next to
//! its field), marking topics with the keyboard and with the status selects, the progress bar,
//! and a session that survives a reload and a new tab; axe-core and a 375 px screen on every
//! page; no CSP violation or script error anywhere; the access token refreshed before it
//! expires.
use serde_json::{json, Value};

use crate::helpers::browser::{chromium_or_skip, Browser};
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

    // The roadmap page: title, tree, a status select per topic, a progress bar.
    web.goto("/roadmaps/backend").await?;
    web.wait_text("h1", "Backend Developer").await?;
    web.find(&format!("select[aria-label='{FIRST} status']"))
        .await?;
    web.wait_progress(0).await?;
    web.check_page("the roadmap page").await?;

    // Keyboard only: Tab to the first topic's select, ArrowDown picks "Learning".
    web.tab_to("select[aria-label='Internet status']").await?;
    web.keys("\u{E015}").await?;
    if web.value_of("Internet status").await? != "LEARNING" {
        return Err("ArrowDown on the select did not choose Learning".into());
    }

    // Marking a topic done moves the bar: 1 of the tree's topics.
    web.choose(&format!("{FIRST} status"), "DONE").await?;
    let total = app
        .gql("{ roadmap(slug: \"backend\") { topicCount } }", json!({}))
        .await["data"]["roadmap"]["topicCount"]
        .as_i64()
        .unwrap_or(0);
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
    if web.value_of(&format!("{FIRST} status")).await? != "DONE" {
        return Err("after a reload the status select lost its value".into());
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
    let app = spawn_app_with(&[("ACCESS_TOKEN_TTL_SECONDS", "30")]).await;
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
    let refreshed = eventually(std::time::Duration::from_secs(90), || async {
        count_rows(app, "SELECT COUNT(*) FROM refresh_tokens").await >= 4
    })
    .await;
    if !refreshed {
        return Err("the page did not refresh its token in time".into());
    }
    // With the refreshed token, the page still writes as the learner.
    web.choose(&format!("{FIRST} status"), "DONE").await?;
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
    web.wait(
        "the change made elsewhere to show",
        "var s = document.querySelector('select[aria-label=\"Internet status\"]'); \
         return s && s.value === 'SKIPPED' ? true : null;",
    )
    .await?;
    web.clean("the roadmap page").await
}
