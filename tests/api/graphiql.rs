//! GraphiQL at `GET /graphql`: the page and its files come from the server itself, under a
//! Content-Security-Policy that allows nothing else; and in headless Chromium, with every host but
//! 127.0.0.1 unresolvable, the page loads, runs a query typed into it and shows the answer.
use serde_json::{json, Value};

use crate::helpers::browser::{chromium_or_skip, poll_script, Browser, WATCH_PAGE};
use crate::helpers::*;

const HTML: &str = "text/html,application/xhtml+xml";

/// The page, as a browser asks for it: (headers, body).
async fn get_page(app: &TestApp) -> (reqwest::header::HeaderMap, String) {
    let r = app
        .client
        .get(app.url("/graphql"))
        .header("accept", HTML)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let headers = r.headers().clone();
    (headers, r.text().await.unwrap())
}

/// Every `src="…"` and `href="…"` of the page.
fn references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            out.push(part.split('"').next().unwrap_or_default().to_owned());
        }
    }
    out
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn graphiql_page_loads_only_same_origin_files() {
    let app = spawn_app().await;
    let (headers, body) = get_page(&app).await;
    assert!(header(&headers, "content-type").starts_with("text/html"));
    assert!(
        body.contains("<div id=\"graphiql\">"),
        "not the GraphiQL page"
    );
    assert_eq!(header(&headers, "cache-control"), "no-store");
    assert!(headers
        .get_all("vary")
        .iter()
        .any(|v| v.to_str().unwrap_or_default().contains("Accept")));

    // The policy, with this response's nonce, which the page hands to its start script.
    let csp = header(&headers, "content-security-policy");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no style nonce in {csp}"));
    let host = app.address.trim_start_matches("http://");
    assert_eq!(
        csp,
        format!(
            "default-src 'self'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; \
             font-src 'self' data:; connect-src 'self' ws://{host} wss://{host}; \
             frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
        )
    );
    assert!(body.contains(&format!("nonce=\"{nonce}\"")));
    let (again, _) = get_page(&app).await;
    assert_ne!(
        header(&again, "content-security-policy"),
        csp,
        "a nonce must not be reused"
    );

    // No inline script or style, nothing from elsewhere.
    assert!(!body.contains("<script>") && !body.contains("<style"));
    let refs = references(&body);
    assert_eq!(refs.len(), 7, "{refs:?}");
    for r in &refs {
        assert!(r.starts_with("/graphiql/"), "{r} is not one of our files");
        let resp = app
            .client
            .get(app.url(r))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{r}");
        let h = resp.headers().clone();
        let want_type = match r.rsplit('.').next() {
            Some("js") => "text/javascript",
            Some("css") => "text/css",
            _ => "image/svg+xml",
        };
        assert!(header(&h, "content-type").starts_with(want_type), "{r}");
        assert_eq!(
            header(&h, "cache-control"),
            "public, max-age=31536000, immutable",
            "{r}"
        );
        assert_eq!(header(&h, "x-content-type-options"), "nosniff");
        if want_type != "image/svg+xml" {
            assert_eq!(header(&h, "content-encoding"), "gzip", "{r}");
        }
        assert!(!resp.bytes().await.unwrap().is_empty());
    }

    // Another version or an unknown file: 404 (a stale page must not get today's files).
    let init = refs.iter().find(|r| r.ends_with("/init.js")).unwrap();
    let version = init.split('/').nth(2).unwrap();
    for path in [
        init.replace(version, "0000000000000000"),
        init.replace("init.js", "secret.txt"),
        format!("/graphiql/{version}/../Cargo.toml"),
    ] {
        let r = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }

    // A client asking for JSON still gets GraphQL at the same URL.
    let r = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ roadmaps(first: 1) { totalCount } }")])
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(body["data"]["roadmaps"]["totalCount"].is_number(), "{body}");
}

const QUERY: &str = "{ roadmaps(first: 1) { totalCount } }";

#[tokio::test]
async fn graphiql_runs_a_query_offline_in_chromium() {
    let Some((chromium, chromedriver)) =
        chromium_or_skip("graphiql_runs_a_query_offline_in_chromium")
    else {
        return;
    };
    let app = spawn_app().await;
    let expected = app.gql(QUERY, json!({})).await;
    let total = expected["data"]["roadmaps"]["totalCount"].clone();
    assert!(total.is_number(), "{expected}");

    let browser = Browser::start(&chromium, &chromedriver).await;
    let outcome = drive(&browser, &app, &total).await;
    browser.close().await;
    outcome.unwrap_or_else(|failure| panic!("{failure}"));
}

/// The browser part; failures come back as `Err` so that the browser is closed either way.
async fn drive(browser: &Browser, app: &TestApp, total: &Value) -> Result<(), String> {
    let c = browser.client();
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": WATCH_PAGE }),
        )
        .await
        .map_err(|e| format!("CDP: {e}"))?;
    // The network is really cut off: a public name does not resolve.
    if c.goto("http://example.com/").await.is_ok() {
        return Err("example.com loaded: the browser is not offline".into());
    }
    browser.log().await.map_err(|e| e.to_string())?; // forget that failure

    let page = app.url("/graphql");
    c.goto(&page)
        .await
        .map_err(|e| format!("goto {page}: {e}"))?;
    // GraphiQL rendered: the query editor (CodeMirror) and the run button exist.
    poll_script(
        browser,
        "GraphiQL to render",
        "return document.querySelector('.graphiql-query-editor .CodeMirror') \
         && document.querySelector('.graphiql-execute-button') ? true : null;",
    )
    .await?;
    let set = c
        .execute(
            "var cm = document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror; \
             cm.setValue(arguments[0]); return cm.getValue();",
            vec![json!(QUERY)],
        )
        .await
        .map_err(|e| format!("setting the query: {e}"))?;
    if set != json!(QUERY) {
        return Err(format!("the editor holds {set}"));
    }
    c.find(fantoccini::Locator::Css(".graphiql-execute-button"))
        .await
        .map_err(|e| format!("run button: {e}"))?
        .click()
        .await
        .map_err(|e| format!("clicking run: {e}"))?;
    let shown = poll_script(
        browser,
        "the result pane",
        "var el = document.querySelector('.graphiql-response .CodeMirror'); \
         var text = el && el.CodeMirror.getValue(); return text ? text : null;",
    )
    .await?;
    let shown: Value = serde_json::from_str(shown.as_str().unwrap_or_default())
        .map_err(|e| format!("result pane is not JSON ({e}): {shown}"))?;
    if shown["data"]["roadmaps"]["totalCount"] != *total {
        return Err(format!("result pane shows {shown}, server says {total}"));
    }

    // A dialog inserts a <style> element (the reason for the policy's style nonce): it must get
    // through.
    c.find(fantoccini::Locator::Css(
        ".graphiql-sidebar button[aria-label='Open settings dialog']",
    ))
    .await
    .map_err(|e| format!("settings button: {e}"))?
    .click()
    .await
    .map_err(|e| format!("clicking settings: {e}"))?;
    poll_script(
        browser,
        "the settings dialog and its style",
        "return document.querySelector('.graphiql-dialog') \
         && document.querySelector('style[nonce]') ? true : null;",
    )
    .await?;

    // Nothing blocked, nothing failed, nothing from elsewhere.
    let seen = c
        .execute(
            "return { violations: window.__violations, errors: window.__errors, \
             resources: performance.getEntriesByType('resource').map(function (e) { \
               return { name: e.name, status: e.responseStatus }; }) };",
            vec![],
        )
        .await
        .map_err(|e| format!("reading the page's records: {e}"))?;
    let log = browser.log().await.map_err(|e| e.to_string())?;
    let bad_log: Vec<&Value> = log
        .iter()
        .filter(|e| e["level"] == "SEVERE" || e["source"] == "security" || e["source"] == "network")
        .collect();
    if seen["violations"] != json!([]) || seen["errors"] != json!([]) || !bad_log.is_empty() {
        return Err(format!(
            "CSP violations or errors: {seen:#}\nbrowser log: {bad_log:#?}"
        ));
    }
    let resources = seen["resources"].as_array().cloned().unwrap_or_default();
    for r in &resources {
        let name = r["name"].as_str().unwrap_or_default();
        let status = r["status"].as_u64().unwrap_or(0);
        if !name.starts_with(&app.address) || !(200..400).contains(&status) {
            return Err(format!("request {name} answered {status}: {resources:#?}"));
        }
    }
    let scripts = resources
        .iter()
        .filter(|r| r["name"].as_str().unwrap_or_default().ends_with(".js"))
        .count();
    if scripts != 4 {
        return Err(format!("expected the 4 scripts among {resources:#?}"));
    }
    Ok(())
}
