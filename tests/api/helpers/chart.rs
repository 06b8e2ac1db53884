//! Driving the roadmap chart of the web app: open a topic's panel by clicking its box, set a
//! status with the panel's buttons, read a box's status, resize the window, and go offline or
//! online (Chromium's network emulation).
use fantoccini::Locator;
use serde_json::json;

use super::browser::Browser;
use super::web::{Check, Web};

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// A script expression: the first box of the chart titled `title` (or null).
fn box_expr(title: &str) -> String {
    format!(
        "Array.prototype.find.call(document.querySelectorAll('main a.box'), function (b) {{ \
           return b.querySelector('.box-title').textContent === {}; }})",
        quoted(title)
    )
}

/// Clicks the box of the topic titled `title` and waits for its panel.
pub async fn open_topic(web: &Web<'_>, title: &str) -> Check {
    let xpath = format!(
        "//main//a[contains(concat(' ', @class, ' '), ' box ')][span[@class='box-title' and text()={}]]",
        xpath_literal(title)
    );
    web.wait(
        &format!("the box of {title:?}"),
        &format!("return {} || null;", box_expr(title)),
    )
    .await?;
    // An open panel may cover the box (a narrow window): close it first.
    let c = web.browser.client();
    if let Ok(close) = c
        .find(Locator::Css(".topic-panel:not([hidden]) .panel-close"))
        .await
    {
        close
            .click()
            .await
            .map_err(|e| format!("closing the panel: {e}"))?;
    }
    c.find(Locator::XPath(&xpath))
        .await
        .map_err(|e| format!("the box of {title:?}: {e}"))?
        .click()
        .await
        .map_err(|e| format!("clicking the box of {title:?}: {e}"))?;
    web.wait_text(".topic-panel:not([hidden]) #panel-title", title)
        .await
        .map(|_| ())
}

/// Opens the panel of `title` and presses the status button `status` (`DONE`, …).
pub async fn set_status(web: &Web<'_>, title: &str, status: &str) -> Check {
    open_topic(web, title).await?;
    web.find(&format!(".topic-panel button[data-status={status}]"))
        .await?
        .click()
        .await
        .map_err(|e| format!("pressing {status} on {title:?}: {e}"))?;
    wait_status(web, title, status).await
}

/// Waits until the box of `title` shows `status`.
pub async fn wait_status(web: &Web<'_>, title: &str, status: &str) -> Check {
    let script = format!(
        "var b = {}; return b && b.dataset.status === {} ? true : null;",
        box_expr(title),
        quoted(status)
    );
    web.wait(&format!("{title:?} to show {status}"), &script)
        .await
        .map(|_| ())
}

/// The status the box of `title` shows.
pub async fn status_of(web: &Web<'_>, title: &str) -> Check<String> {
    let script = format!(
        "var b = {}; return b ? b.dataset.status : null;",
        box_expr(title)
    );
    let v = web.wait(&format!("the box of {title:?}"), &script).await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// Sets the window's size in CSS pixels (`mobile` as a phone does).
pub async fn window(browser: &Browser, width: u32, height: u32, mobile: bool) -> Check {
    browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
        )
        .await
        .map(|_| ())
        .map_err(|e| format!("CDP: {e}"))
}

/// Cuts the network (`offline` true) or gives it back.
pub async fn network(browser: &Browser, offline: bool) -> Check {
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

/// `s` as an XPath string literal.
fn xpath_literal(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else if !s.contains('"') {
        format!("\"{s}\"")
    } else {
        let parts: Vec<String> = s.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}
