//! The web app live and offline, in headless Chromium: a status changed on one page shows on
//! another open page of the same learner, and a change made through the API (another device)
//! shows too; a status changed while the network is down waits in the browser's queue (the page
//! says so) and is sent once on reconnect, recorded exactly once; one queued when the session
//! then ends elsewhere is kept and sent after the next sign-in.
use serde_json::{json, Value};

use crate::helpers::browser::{chromium_or_skip, Browser};
use crate::helpers::chart;
use crate::helpers::web::{Check, Web};
use crate::helpers::*;

const FIRST: &str = "How does the Internet work?";
const OFFLINE_TOPIC: &str = "What is HTTP?";

#[tokio::test]
async fn web_app_live_between_pages_and_offline_queue() {
    let Some((chromium, chromedriver)) =
        chromium_or_skip("web_app_live_between_pages_and_offline_queue")
    else {
        return;
    };
    let app = spawn_app().await;
    let learner = app.signup("livelearner").await;
    let browser = Browser::start(&chromium, &chromedriver).await;
    let outcome = live_flow(&browser, &app, &learner).await;
    browser.close().await;
    outcome.unwrap_or_else(|failure| panic!("{failure}"));
}

/// The topic's id and the learner's status on it, by title.
async fn topic_status(app: &TestApp, token: &str, title: &str) -> (String, String) {
    let body = app
        .gql_as(
            token,
            "{ roadmap(slug: \"backend\") { topics { id title myStatus children { id title myStatus \
             children { id title myStatus } } } } }",
            json!({}),
        )
        .await;
    let mut all = Vec::new();
    walk(&body["data"]["roadmap"]["topics"], &mut all);
    let t = all
        .into_iter()
        .find(|t| t["title"] == title)
        .unwrap_or_else(|| panic!("no topic {title}: {body}"));
    (
        t["id"].as_str().unwrap().to_owned(),
        t["myStatus"].as_str().unwrap().to_owned(),
    )
}

async fn wait_live(web: &Web<'_>) -> Check {
    web.wait(
        "the live subscription",
        "return document.documentElement.dataset.live === 'on' ? true : null;",
    )
    .await
    .map(|_| ())
}

async fn wait_value(web: &Web<'_>, label: &str, value: &str) -> Check {
    let script = format!(
        "var el = document.querySelector('[aria-label=' + JSON.stringify({}) + ']'); \
         return el && el.value === {} ? true : null;",
        serde_json::to_string(label).unwrap(),
        serde_json::to_string(value).unwrap()
    );
    web.wait(&format!("{label} to show {value}"), &script)
        .await
        .map(|_| ())
}

async fn network(browser: &Browser, offline: bool) -> Check {
    browser
        .cdp("Network.enable", json!({}))
        .await
        .map_err(|e| format!("CDP: {e}"))?;
    browser
        .cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 }),
        )
        .await
        .map(|_| ())
        .map_err(|e| format!("CDP: {e}"))
}

async fn live_flow(browser: &Browser, app: &TestApp, learner: &Session) -> Check {
    let web = Web::new(browser, app).await?;
    let c = browser.client();
    web.sign_in(&learner.email, &learner.password).await?;

    // Two pages of the same learner on the roadmap.
    web.goto("/roadmaps/backend").await?;
    wait_live(&web).await?;
    let first = c.window().await.map_err(|e| e.to_string())?;
    let other = c.new_window(false).await.map_err(|e| e.to_string())?;
    c.switch_to_window(other.handle.clone())
        .await
        .map_err(|e| e.to_string())?;
    web.goto("/roadmaps/backend").await?;
    wait_live(&web).await?;
    web.wait_progress(0).await?;

    // A change on the first page appears on the second.
    c.switch_to_window(first.clone())
        .await
        .map_err(|e| e.to_string())?;
    chart::set_status(&web, FIRST, "DONE").await?;
    web.wait(
        "the first page to send its change",
        "return document.getElementById('sync').textContent === '' ? true : null;",
    )
    .await?;
    let (_, stored) = topic_status(app, &learner.access_token, FIRST).await;
    if stored != "DONE" {
        return Err(format!(
            "the first page's change did not reach the server: {stored}"
        ));
    }
    c.switch_to_window(other.handle.clone())
        .await
        .map_err(|e| e.to_string())?;
    chart::wait_status(&web, FIRST, "DONE").await?;
    web.wait_progress(1).await?;

    // A change from another device (the API, another session) appears on the open page.
    let (first_id, _) = topic_status(app, &learner.access_token, FIRST).await;
    let body = app
        .gql_as(
            &learner.access_token,
            "mutation($t: ID!) { setTopicStatus(topicId: $t, status: LEARNING) { changed } }",
            json!({ "t": first_id }),
        )
        .await;
    assert_eq!(body["data"]["setTopicStatus"]["changed"], true, "{body}");
    chart::wait_status(&web, FIRST, "LEARNING").await?;
    web.wait_progress(0).await?;

    // A private note saved on the first page appears on the second.
    c.switch_to_window(first.clone())
        .await
        .map_err(|e| e.to_string())?;
    chart::wait_status(&web, FIRST, "LEARNING").await?;
    chart::open_topic(&web, "Internet").await?;
    web.fill("textarea[aria-label='Internet note']", "Start with TCP")
        .await?;
    web.press("Save note on Internet").await?;
    web.wait_text(".topic-panel .note [role=status]", "Saved")
        .await?;
    c.switch_to_window(other.handle.clone())
        .await
        .map_err(|e| e.to_string())?;
    chart::open_topic(&web, "Internet").await?;
    wait_value(&web, "Internet note", "Start with TCP").await?;

    // Offline: the change waits in the browser, and the page says so.
    c.switch_to_window(first).await.map_err(|e| e.to_string())?;
    network(browser, true).await?;
    chart::set_status(&web, OFFLINE_TOPIC, "DONE").await?;
    let said = web.wait_text("#sync", "1 change pending").await?;
    web.find(".topic-panel .status-buttons.pending[aria-describedby=sync]")
        .await?;
    let queued: Value = c
        .execute(
            "var k = Object.keys(localStorage).filter(function (k) { \
               return k.indexOf('roadmap.queue.') === 0; }); \
             return k.length ? JSON.parse(localStorage.getItem(k[0])) : [];",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    if queued.as_array().map(Vec::len) != Some(1) || queued[0]["status"] != "DONE" {
        return Err(format!("the queue holds {queued}"));
    }
    let (offline_id, stored) = topic_status(app, &learner.access_token, OFFLINE_TOPIC).await;
    if stored != "PENDING" {
        return Err(format!("offline, the server already has {stored} ({said})"));
    }

    // Back online: sent once, with its own time, and the page says nothing is pending. (The
    // requests that failed while offline are in the browser's log: forget them.)
    network(browser, false).await?;
    browser.log().await.map_err(|e| e.to_string())?;
    web.wait(
        "the queue to drain",
        "return document.getElementById('sync').textContent === '' \
         && !document.querySelector('.status-buttons.pending') ? true : null;",
    )
    .await?;
    let (_, stored) = topic_status(app, &learner.access_token, OFFLINE_TOPIC).await;
    if stored != "DONE" {
        return Err(format!("after reconnecting the server has {stored}"));
    }
    // It went with an Idempotency-Key (its answer is kept for a retry).
    let keys = count_rows(app, "SELECT COUNT(*) FROM idempotency_keys").await;
    if keys < 1 {
        return Err("the queued changes were sent without an Idempotency-Key".into());
    }
    let history = app
        .gql_as(
            &learner.access_token,
            "{ me { activity(first: 50) { nodes { at to topic { id } } } } }",
            json!({}),
        )
        .await;
    let entries: Vec<&Value> = history["data"]["me"]["activity"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|n| n["topic"]["id"] == offline_id.as_str())
        .collect();
    let time =
        |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_default()).ok();
    if entries.len() != 1 || time(&entries[0]["at"]) != time(&queued[0]["at"]) {
        return Err(format!(
            "history of the offline change: {entries:?}, queued {queued}"
        ));
    }
    web.clean("the roadmap page after reconnecting").await?;

    // Queued offline, then the session ends elsewhere: the change waits for the next sign-in.
    network(browser, true).await?;
    chart::set_status(&web, "What is Domain Name?", "LEARNING").await?;
    web.wait_text("#sync", "1 change pending").await?;
    let body = app
        .gql_as(
            &learner.access_token,
            "mutation { signOutEverywhere }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["signOutEverywhere"], true, "{body}");
    network(browser, false).await?;
    web.wait_text("#nav-user", "Sign in").await?;
    let fresh = app.sign_in(&learner.email, &learner.password).await["data"]["signIn"]
        ["accessToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (_, stored) = topic_status(app, &fresh, "What is Domain Name?").await;
    if stored != "PENDING" {
        return Err(format!(
            "signed out, the change reached the server: {stored}"
        ));
    }
    web.sign_in(&learner.email, &learner.password).await?;
    web.wait(
        "the kept change to be sent",
        "var k = Object.keys(localStorage).filter(function (k) { \
           return k.indexOf('roadmap.queue.') === 0; }); \
         return k.every(function (k) { return localStorage.getItem(k) === '[]'; }) ? true : null;",
    )
    .await?;
    let (_, stored) = topic_status(app, &fresh, "What is Domain Name?").await;
    if stored != "LEARNING" {
        return Err(format!("after signing in again the server has {stored}"));
    }
    Ok(())
}
