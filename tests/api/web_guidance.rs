//! The guidance screens, in headless Chromium at 1280×800 and 375×812 with axe-core on each: the
//! header's search box answering as the learner types (a typo forgiven, the matched words
//! marked), Enter opening the search page; "Next up" on a roadmap (a topic appears once its
//! prerequisite is done) and on the dashboard; a topic's panel naming its prerequisites and,
//! once it is done, rating a review; the review page taking the due topics one at a time.
//! With `WEB_SHOTS=1` each screen is also written to `target/screenshots/guide-*.png`.
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::helpers::browser::{chromium_or_skip, Browser};
use crate::helpers::chart::{open_topic, set_status, window};
use crate::helpers::web::{Check, Web};
use crate::helpers::*;

const INTERNET: &str = "How does the Internet work?";
const HTTP: &str = "What is HTTP?";
const DOMAIN: &str = "What is Domain Name?";

/// The id of Backend's topic titled `title`.
fn id_of(topics: &Value, title: &str) -> String {
    let mut all = Vec::new();
    walk(topics, &mut all);
    all.iter()
        .find(|t| t["title"] == title)
        .and_then(|t| t["id"].as_str())
        .unwrap_or_else(|| panic!("Backend has no topic {title:?}"))
        .to_owned()
}

#[tokio::test]
async fn web_search_next_up_and_review() {
    let Some((chromium, chromedriver)) = chromium_or_skip("web_search_next_up_and_review") else {
        return;
    };
    let app = spawn_app().await;
    let admin = app.admin_session("guide-admin").await;
    let learner = app.signup("guided").await;
    let backend = api(
        &app,
        &learner,
        "{ roadmap(slug: \"backend\") { topics { id title children { id title } } } }",
        json!({}),
    )
    .await["roadmap"]["topics"]
        .clone();
    let (internet, http, domain) = (
        id_of(&backend, INTERNET),
        id_of(&backend, HTTP),
        id_of(&backend, DOMAIN),
    );
    api(
        &app,
        &admin,
        "mutation($t: ID!, $p: [ID!]!) { setTopicPrerequisites(topicId: $t, prerequisiteIds: $p) { id } }",
        json!({ "t": http, "p": [internet] }),
    )
    .await;
    // A review made a month ago (as if synced late from a device): due again by now.
    let month_ago = (chrono::Utc::now() - chrono::Duration::days(30)).to_rfc3339();
    api(
        &app,
        &learner,
        "mutation($t: ID!) { setTopicStatus(topicId: $t, status: DONE) { changed } }",
        json!({ "t": domain }),
    )
    .await;
    api(
        &app,
        &learner,
        "mutation($t: ID!, $at: DeviceTime) { reviewTopic(topicId: $t, rating: GOOD, at: $at) { id } }",
        json!({ "t": domain, "at": month_ago }),
    )
    .await;
    let browser = Browser::start(&chromium, &chromedriver).await;
    let outcome = flow(&browser, &app, &learner).await;
    browser.close().await;
    outcome.unwrap_or_else(|failure| panic!("{failure}"));
}

/// With `WEB_SHOTS` set: the page at both widths into `target/screenshots/guide-<name>-*.png`.
async fn shots(web: &Web<'_>, name: &str) -> Check {
    if std::env::var_os("WEB_SHOTS").is_none() {
        return Ok(());
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for (width, height, mobile) in [(1280, 800, false), (375, 812, true)] {
        window(web.browser, width, height, mobile).await?;
        let png = web
            .browser
            .client()
            .screenshot()
            .await
            .map_err(|e| e.to_string())?;
        std::fs::write(dir.join(format!("guide-{name}-{width}.png")), png)
            .map_err(|e| e.to_string())?;
    }
    window(web.browser, 1280, 800, false).await
}

async fn flow(browser: &Browser, app: &TestApp, learner: &Session) -> Check {
    let web = Web::new(browser, app).await?;
    window(browser, 1280, 800, false).await?;
    web.sign_in(&learner.email, &learner.password).await?;

    // The header's box answers as you type, forgiving a typo and marking the words found.
    web.fill("#search-q", "intrnet").await?;
    web.wait_text("#search-results a", INTERNET).await?;
    web.wait_text("#search-results mark", "Internet").await?;
    web.wait_text("#search-said", "result").await?;
    shots(&web, "search-box").await?;
    web.keys("\u{E007}").await?; // Enter
    web.wait_text("h1", "Search").await?;
    web.wait_text("main .hits a", INTERNET).await?;
    if web.path().await? != "/search" {
        return Err(format!("Enter opened {}", web.path().await?));
    }
    web.check_page("the search page").await?;
    shots(&web, "search").await?;

    // Next up on Backend: HTTP waits for its prerequisite; the panel says so.
    web.goto("/roadmaps/backend").await?;
    web.wait_text(".next-up li", INTERNET).await?;
    let next = web
        .wait(
            "the next-up list",
            "var l = document.querySelector('.next-up'); return l && !l.hidden ? l.textContent : null;",
        )
        .await?;
    if next.as_str().unwrap_or_default().contains(HTTP) {
        return Err(format!("HTTP is next before its prerequisite: {next}"));
    }
    open_topic(&web, HTTP).await?;
    web.wait_text(".topic-guidance h3", "Learn first").await?;
    web.wait_text(".topic-guidance li", INTERNET).await?;
    web.check_page("a topic's prerequisites").await?;
    window(browser, 1280, 800, false).await?;

    // Done: HTTP is next, and the topic can be reviewed from its panel.
    set_status(&web, INTERNET, "DONE").await?;
    web.wait_text(".next-up li", HTTP).await?;
    web.wait_text(".review-box h3", "Review").await?;
    shots(&web, "panel-review").await?;
    web.press("Good").await?;
    web.wait_text(".review-box [role=status]", "Next review")
        .await?;
    web.check_page("a topic's review").await?;
    window(browser, 1280, 800, false).await?;

    // The review page: the month-old review is due; rated, the queue is empty.
    web.goto("/review").await?;
    web.wait_text("main h2", DOMAIN).await?;
    web.wait_text("main p", "due today").await?;
    web.check_page("the review page").await?;
    shots(&web, "review").await?;
    web.press("Show the description").await?;
    web.press("Good").await?;
    web.wait_text("main h2", "All done for now").await?;

    // The dashboard: what to learn next across the roadmaps tracked.
    web.goto("/dashboard").await?;
    web.wait_text("main .next-list li", HTTP).await?;
    web.check_page("the dashboard with next up").await?;
    shots(&web, "dashboard").await?;
    web.clean("the guidance screens").await
}
