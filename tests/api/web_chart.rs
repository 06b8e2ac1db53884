//! The roadmap as a chart, in headless Chromium at 1280×800 and 375×812: Backend fits in four
//! desktop screens (its height and the time until it is usable are printed), a topic's panel
//! has its own URL that a reload opens, progress counts done + skipped with the counts shown
//! (a repeated subject counts once) on the roadmap and the dashboard, the filters hide boxes,
//! Back and Forward keep the place; offline, changes move the bar at once, notes and
//! favourites queue, a page read before opens from this device with an "offline" banner and
//! one never read says so in words; back online everything is sent and the banner goes. axe-core
//! finds no serious or critical violation on any of it.
use std::io::Write;

use serde_json::{json, Value};

use crate::helpers::browser::{chromium_or_skip, Browser};
use crate::helpers::chart::{self, network, open_topic, set_status, wait_status, window};
use crate::helpers::web::{Check, Web};
use crate::helpers::*;

const PASSWORD: &str = "charter-Secret-Pass-42";
const FIRST: &str = "How does the Internet work?";
/// Its key in data/roadmaps/backend.json: its URL is /roadmaps/backend/<key>.
const FIRST_KEY: &str = "BcbfnoGMbJmTPSIA";

#[tokio::test]
async fn web_chart_panel_progress_and_offline() {
    let Some((chromium, chromedriver)) = chromium_or_skip("web_chart_panel_progress_and_offline")
    else {
        return;
    };
    let app = spawn_app().await;
    let browser = Browser::start(&chromium, &chromedriver).await;
    let outcome = chart_flow(&browser, &app).await;
    browser.close().await;
    outcome.unwrap_or_else(|failure| panic!("{failure}"));
}

async fn js(web: &Web<'_>, script: &str) -> Check<Value> {
    web.browser
        .client()
        .execute(script, vec![])
        .await
        .map_err(|e| e.to_string())
}

/// The page's height and the time from navigation to the chart being usable, at 1280×800.
async fn measure(web: &Web<'_>, who: &str) -> Check<i64> {
    web.goto("/roadmaps/backend").await?;
    let usable = web
        .wait(
            "the chart to be usable",
            "return document.documentElement.dataset.roadmapUsable || null;",
        )
        .await?;
    let height = js(web, "return document.documentElement.scrollHeight;").await?;
    let height = height.as_i64().unwrap_or(i64::MAX);
    // Straight to stderr, so the figure shows even when the test passes.
    let _ = writeln!(
        std::io::stderr(),
        "web_chart: Backend {who} at 1280×800: {height} px tall ({:.2} screens), usable after {} ms",
        height as f64 / 800.0,
        usable.as_str().unwrap_or("?")
    );
    Ok(height)
}

async fn counts(web: &Web<'_>) -> Check<String> {
    let v = web
        .wait(
            "the progress counts",
            "var c = document.querySelector('main .progress-counts'); return c ? c.textContent : null;",
        )
        .await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

async fn chart_flow(browser: &Browser, app: &TestApp) -> Check {
    let web = Web::new(browser, app).await?;
    window(browser, 1280, 800, false).await?;

    // Backend at most four screens tall, signed out and signed in.
    let height = measure(&web, "signed out").await?;
    if height > 4 * 800 {
        return Err(format!("Backend is {height} px tall signed out"));
    }
    web.sign_up("charter", PASSWORD).await?;
    window(browser, 1280, 800, false).await?;
    let height = measure(&web, "signed in").await?;
    if height > 4 * 800 {
        return Err(format!("Backend is {height} px tall signed in"));
    }
    web.check_page("the chart").await?;
    window(browser, 1280, 800, false).await?;

    // A topic's panel has its own URL; a reload of it opens the panel.
    open_topic(&web, FIRST).await?;
    if web.path().await? != format!("/roadmaps/backend/{FIRST_KEY}") {
        return Err(format!("the panel is at {}", web.path().await?));
    }
    web.wait_text(".topic-panel h3", "Resources").await?;
    browser
        .client()
        .refresh()
        .await
        .map_err(|e| e.to_string())?;
    web.ready().await?;
    web.wait_text(".topic-panel:not([hidden]) #panel-title", FIRST)
        .await?;
    web.check_page("the topic panel").await?;
    window(browser, 1280, 800, false).await?;

    // Progress as roadmap.sh counts it: done + skipped, with the counts.
    set_status(&web, "Internet", "DONE").await?;
    set_status(&web, FIRST, "SKIPPED").await?;
    set_status(&web, "What is HTTP?", "LEARNING").await?;
    let total = app
        .gql("{ roadmap(slug: \"backend\") { topicCount } }", json!({}))
        .await["data"]["roadmap"]["topicCount"]
        .as_i64()
        .unwrap_or(0)
        - BACKEND_REPEATS;
    web.wait_progress((200.0 / total as f64).round() as i64)
        .await?;
    let said = counts(&web).await?;
    if !said.contains("1 done · 1 learning · 1 skipped") || !said.ends_with(&format!("of {total}"))
    {
        return Err(format!("the counts read {said:?}"));
    }
    // A repeated subject (Redis twice) shares its status and counts once.
    set_status(&web, "Redis", "DONE").await?;
    let redis = js(
        &web,
        "return Array.prototype.filter.call(document.querySelectorAll('main a.box'), function (b) { \
           return b.querySelector('.box-title').textContent === 'Redis'; }) \
           .map(function (b) { return b.dataset.status; });",
    )
    .await?;
    if redis != json!(["DONE", "DONE"]) {
        return Err(format!("the two Redis boxes show {redis}"));
    }
    web.wait_progress((300.0 / total as f64).round() as i64)
        .await?;
    let said = counts(&web).await?;
    if !said.contains("2 done · 1 learning · 1 skipped") {
        return Err(format!("after Redis the counts read {said:?}"));
    }
    web.wait(
        "the queue to drain",
        "return document.getElementById('sync').textContent === '' ? true : null;",
    )
    .await?;
    let signed_in = app.sign_in("charter@example.com", PASSWORD).await;
    let stored = app
        .gql_as(
            signed_in["data"]["signIn"]["accessToken"]
                .as_str()
                .unwrap_or_default(),
            "{ roadmap(slug: \"backend\") { myProgress { done learning skipped total } } }",
            json!({}),
        )
        .await;
    let want = json!({ "done": 2, "learning": 1, "skipped": 1, "total": total });
    if stored["data"]["roadmap"]["myProgress"] != want {
        return Err(format!("the server counts {stored}"));
    }

    // Filters: hide done, then only what is being learned.
    web.find(".topic-panel .panel-close")
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    let shown = "return Array.prototype.filter.call(document.querySelectorAll('main a.box'), \
                 function (b) { return b.offsetParent !== null; }).map(function (b) { \
                 return b.dataset.status + (b.classList.contains('context') ? ' (context)' : ''); });";
    js(
        &web,
        "document.querySelectorAll('.chart-tools input[type=checkbox]')[0].click();",
    )
    .await?;
    let visible = js(&web, shown).await?;
    if visible
        .as_array()
        .is_none_or(|v| v.iter().any(|s| s == "DONE") || v.len() < 100)
    {
        return Err(format!("hide done shows {visible}"));
    }
    js(
        &web,
        "document.querySelectorAll('.chart-tools input[type=checkbox]')[0].click(); \
              document.querySelectorAll('.chart-tools input[type=checkbox]')[1].click();",
    )
    .await?;
    let visible = js(&web, shown).await?;
    // What is HTTP? and its section, Internet (shown as its context).
    if visible != json!(["DONE (context)", "LEARNING"]) {
        return Err(format!("only learning shows {visible}"));
    }
    web.axe("the chart filtered").await?;
    js(
        &web,
        "document.querySelectorAll('.chart-tools input[type=checkbox]')[1].click();",
    )
    .await?;

    // Back and Forward keep the place: the open panel and the scroll position.
    open_topic(&web, "Docker").await?;
    let y = js(&web, "window.scrollTo(0, 900); return window.scrollY;").await?;
    web.wait(
        "the scroll position to be remembered",
        "return history.state && history.state.scrollY === window.scrollY ? true : null;",
    )
    .await?;
    let docker = web.path().await?;
    js(
        &web,
        "document.querySelector('#nav-user a[href=\"/dashboard\"]').click();",
    )
    .await?;
    web.wait_text("h1", "Hello").await?;
    // The dashboard shows the same counts.
    let said = counts(&web).await?;
    if !said.contains("2 done · 1 learning · 1 skipped") {
        return Err(format!("the dashboard's counts read {said:?}"));
    }
    browser.client().back().await.map_err(|e| e.to_string())?;
    web.wait_text(".topic-panel:not([hidden]) #panel-title", "Docker")
        .await?;
    web.wait(
        "the scroll position to come back",
        &format!("return Math.abs(window.scrollY - {y}) < 5 ? true : null;"),
    )
    .await?;
    if web.path().await? != docker {
        return Err(format!("Back went to {}", web.path().await?));
    }
    browser
        .client()
        .forward()
        .await
        .map_err(|e| e.to_string())?;
    web.wait_text("h1", "Hello").await?;
    browser.client().back().await.map_err(|e| e.to_string())?;
    web.wait_text(".topic-panel:not([hidden]) #panel-title", "Docker")
        .await?;
    web.clean("the chart").await?;

    offline_flow(&web, total).await?;

    // At 375 px the panel is a bottom sheet, and the page does not scroll sideways.
    window(browser, 375, 812, true).await?;
    open_topic(&web, FIRST).await?;
    let sheet = js(
        &web,
        "var r = document.querySelector('.topic-panel').getBoundingClientRect(); \
         return [Math.round(r.left), Math.round(r.width), Math.round(r.bottom) === window.innerHeight, \
         r.top > 100];",
    )
    .await?;
    if sheet != json!([0, 375, true, true]) {
        return Err(format!("at 375 px the panel sits at {sheet}"));
    }
    web.axe("the bottom sheet at 375 px").await?;
    web.fits_375("the chart with its bottom sheet").await
}

/// Offline: the bar and counts move at once, a note and the favourite queue, pages read before
/// open from this device with the banner, a page never read says so; back online all is sent.
async fn offline_flow(web: &Web<'_>, total: i64) -> Check {
    let browser = web.browser;
    network(browser, true).await?;
    set_status(web, "Git", "DONE").await?;
    web.wait_progress((400.0 / total as f64).round() as i64)
        .await?;
    let said = counts(web).await?;
    if !said.contains("3 done") {
        return Err(format!("offline, the counts read {said:?}"));
    }
    web.wait_text("#sync", "1 change pending").await?;
    web.fill("textarea[aria-label='Git note']", "Learn rebase")
        .await?;
    web.press("Save note on Git").await?;
    web.wait_text(".topic-panel .note [role=status]", "Kept on this device")
        .await?;
    web.press("Favourite").await?;
    web.wait_text("#sync", "3 changes pending").await?;
    web.wait_text("#offline", "Offline").await?;
    web.axe("the chart offline").await?;

    // The dashboard, read before, opens from this device; a profile never read says so.
    js(
        web,
        "document.querySelector('#nav-user a[href=\"/dashboard\"]').click();",
    )
    .await?;
    web.wait_text("h1", "Hello").await?;
    web.wait_text("#offline", "Offline").await?;
    js(
        web,
        "document.querySelector('#nav-user a[href^=\"/u/\"]').click();",
    )
    .await?;
    web.wait_text("main [role=alert]", "You are offline")
        .await?;
    let text = js(web, "return document.body.innerText;").await?;
    if text
        .as_str()
        .unwrap_or_default()
        .contains("Failed to fetch")
    {
        return Err(format!("offline, the page shows {text}"));
    }
    web.axe("a page never read, offline").await?;
    browser.client().back().await.map_err(|e| e.to_string())?;
    browser.client().back().await.map_err(|e| e.to_string())?;
    wait_status(web, "Git", "DONE").await?;
    web.wait_progress((400.0 / total as f64).round() as i64)
        .await?;

    // Back online: everything is sent, and the banner goes.
    network(browser, false).await?;
    browser.log().await.map_err(|e| e.to_string())?;
    web.wait(
        "the queue to drain and the banner to go",
        "return document.getElementById('sync').textContent === '' \
         && document.getElementById('offline').textContent === '' ? true : null;",
    )
    .await?;
    let token = web.app.sign_in("charter@example.com", PASSWORD).await["data"]["signIn"]
        ["accessToken"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let stored = web
        .app
        .gql_as(
            &token,
            "{ roadmap(slug: \"backend\") { myProgress { done favorite } \
               topics { title children { title myStatus myNote } } } }",
            json!({}),
        )
        .await;
    let roadmap = &stored["data"]["roadmap"];
    let git = roadmap["topics"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|t| t["children"].as_array().cloned().unwrap_or_default())
        .find(|t| t["title"] == "Git")
        .unwrap_or_default();
    if roadmap["myProgress"] != json!({ "done": 3, "favorite": true })
        || git["myStatus"] != "DONE"
        || git["myNote"] != "Learn rebase"
    {
        return Err(format!("after reconnecting the server has {stored}"));
    }
    let _ = chart::status_of(web, "Git").await?;
    Ok(())
}
