//! Driving the learner web app (`web/`) in headless Chromium: go to a page and wait until the
//! app has rendered it, fill and click by accessible names, check a page with axe-core (no
//! serious or critical violation) and at 375 px wide (no sideways scrolling), and collect CSP
//! violations and script errors. Failures come back as `Err(String)` so a test can close the
//! browser before it panics.
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::Locator;
use serde_json::{json, Value};

use super::browser::{poll_script, Browser, WATCH_PAGE};
use super::TestApp;

/// axe-core, vendored for the tests only (see tests/api/assets/README.md).
const AXE: &str = include_str!("../assets/axe-core-4.10.3/axe.min.js");

pub type Check<T = ()> = Result<T, String>;

pub struct Web<'a> {
    pub browser: &'a Browser,
    pub app: &'a TestApp,
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

impl<'a> Web<'a> {
    /// Every page of this session records CSP violations and script errors from its start.
    pub async fn new(browser: &'a Browser, app: &'a TestApp) -> Check<Web<'a>> {
        browser
            .cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": WATCH_PAGE }),
            )
            .await
            .map_err(|e| format!("CDP: {e}"))?;
        Ok(Web { browser, app })
    }

    /// Loads `path` and waits until the app has rendered it.
    pub async fn goto(&self, path: &str) -> Check {
        let url = self.app.url(path);
        self.browser
            .client()
            .goto(&url)
            .await
            .map_err(|e| format!("goto {url}: {e}"))?;
        self.ready().await
    }

    /// Waits until the app says it has rendered the first page.
    pub async fn ready(&self) -> Check {
        self.wait(
            "the app to start",
            "return document.documentElement.dataset.ready === 'true' ? true : null;",
        )
        .await
        .map(|_| ())
    }

    /// Runs `script` until it returns non-null (up to a minute).
    pub async fn wait(&self, what: &str, script: &str) -> Check<Value> {
        poll_script(self.browser, what, script).await
    }

    /// Waits for an element matching `css` whose text contains `text` (empty: any text, but
    /// some).
    pub async fn wait_text(&self, css: &str, text: &str) -> Check<String> {
        let script = format!(
            "var els = document.querySelectorAll({}); var want = {}; \
             for (var i = 0; i < els.length; i++) {{ var t = els[i].textContent; \
             if (want ? t.indexOf(want) >= 0 : t.trim() !== '') return t; }} return null;",
            quoted(css),
            quoted(text)
        );
        let found = self
            .wait(&format!("{css} containing {text:?}"), &script)
            .await?;
        Ok(found.as_str().unwrap_or_default().to_owned())
    }

    /// Waits for the element matching `css`.
    pub async fn find(&self, css: &str) -> Check<Element> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match self.browser.client().find(Locator::Css(css)).await {
                Ok(el) => return Ok(el),
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => return Err(format!("no element {css}: {e}")),
            }
        }
    }

    /// Types `text` into the field matching `css` (cleared first).
    pub async fn fill(&self, css: &str, text: &str) -> Check {
        let el = self.find(css).await?;
        el.clear().await.map_err(|e| format!("clear {css}: {e}"))?;
        el.send_keys(text)
            .await
            .map_err(|e| format!("typing into {css}: {e}"))
    }

    /// Clicks the button whose accessible name (its `aria-label`, else its text) is `name`.
    pub async fn press(&self, name: &str) -> Check {
        let css = format!("button[aria-label={}]", quoted(name));
        let xpath = format!(
            "//button[not(@aria-label) and normalize-space()={}]",
            xpath_literal(name)
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let c = self.browser.client();
            let found = match c.find(Locator::Css(&css)).await {
                Ok(el) => Ok(el),
                Err(_) => c.find(Locator::XPath(&xpath)).await,
            };
            match found {
                // A page that re-rendered between the find and the click: find it again.
                Ok(el) => match el.click().await {
                    Ok(()) => return Ok(()),
                    Err(e) if e.to_string().contains("stale") && Instant::now() < deadline => {}
                    Err(e) => return Err(format!("clicking {name:?}: {e}")),
                },
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => return Err(format!("no button {name:?}: {e}")),
            }
        }
    }

    /// Presses Tab until the focused element matches `css` (at most 60 times): keyboard only.
    pub async fn tab_to(&self, css: &str) -> Check {
        let script = format!(
            "return document.activeElement && document.activeElement.matches({}) ? true : null;",
            quoted(css)
        );
        for _ in 0..60 {
            self.keys("\u{E004}").await?;
            let here = self
                .browser
                .client()
                .execute(&script, vec![])
                .await
                .map_err(|e| e.to_string())?;
            if here == json!(true) {
                return Ok(());
            }
        }
        Err(format!("Tab never reached {css}"))
    }

    /// Types `keys` (text, or WebDriver key codes such as "\u{E007}" for Enter) into the
    /// focused element.
    pub async fn keys(&self, keys: &str) -> Check {
        self.browser
            .client()
            .active_element()
            .await
            .map_err(|e| e.to_string())?
            .send_keys(keys)
            .await
            .map_err(|e| format!("typing {keys:?}: {e}"))
    }

    /// Waits until no part of the page says it is busy (`data-busy`: an edit and its reload).
    pub async fn idle(&self) -> Check {
        self.wait(
            "the page to finish its edit",
            "return document.querySelector('[data-busy]') ? null : true;",
        )
        .await
        .map(|_| ())
    }

    /// Chooses `value` in the select whose `aria-label` is `label`.
    pub async fn choose(&self, label: &str, value: &str) -> Check {
        let css = format!("select[aria-label={}]", quoted(label));
        self.find(&css)
            .await?
            .select_by_value(value)
            .await
            .map_err(|e| format!("choosing {value} in {label:?}: {e}"))
    }

    /// The value of the select or field whose `aria-label` is `label`.
    pub async fn value_of(&self, label: &str) -> Check<String> {
        let script = format!(
            "var el = document.querySelector('[aria-label=' + JSON.stringify({}) + ']'); \
             return el ? el.value : null;",
            quoted(label)
        );
        let v = self.wait(&format!("the field {label:?}"), &script).await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until the progress bar's `aria-valuenow` is `percent`.
    pub async fn wait_progress(&self, percent: i64) -> Check {
        let script = format!(
            "var b = document.querySelector('main [role=progressbar]'); \
             return b && b.getAttribute('aria-valuenow') === '{percent}' ? true : null;"
        );
        self.wait(&format!("the progress bar at {percent}"), &script)
            .await
            .map(|_| ())
    }

    /// The path the browser shows.
    pub async fn path(&self) -> Check<String> {
        let v = self
            .browser
            .client()
            .execute("return window.location.pathname;", vec![])
            .await
            .map_err(|e| e.to_string())?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// axe-core on the current page: no serious or critical violation.
    pub async fn axe(&self, page: &str) -> Check {
        let c = self.browser.client();
        let loaded = c
            .execute("return typeof window.axe === 'object';", vec![])
            .await
            .map_err(|e| e.to_string())?;
        if loaded != json!(true) {
            c.execute(AXE, vec![])
                .await
                .map_err(|e| format!("injecting axe-core: {e}"))?;
        }
        let found = c
            .execute_async(
                "var done = arguments[arguments.length - 1]; \
                 axe.run(document, { resultTypes: ['violations'] }).then(function (r) { \
                   done({ passes: r.passes.length, violations: r.violations.filter(function (v) { \
                     return v.impact === 'serious' || v.impact === 'critical'; }) \
                   .map(function (v) { return { id: v.id, impact: v.impact, help: v.help, \
                     nodes: v.nodes.slice(0, 3).map(function (n) { return n.html; }) }; }) }); \
                 }, function (e) { done({ passes: 0, violations: [String(e)] }); });",
                vec![],
            )
            .await
            .map_err(|e| format!("running axe-core: {e}"))?;
        // Rules that passed prove axe ran at all.
        if found["violations"] != json!([]) || found["passes"].as_u64().unwrap_or(0) < 5 {
            return Err(format!("axe-core on {page}: {found:#}"));
        }
        Ok(())
    }

    /// At 375 CSS px wide, the page does not scroll sideways.
    pub async fn fits_375(&self, page: &str) -> Check {
        let emulate =
            json!({ "width": 375, "height": 812, "deviceScaleFactor": 1, "mobile": true });
        self.browser
            .cdp("Emulation.setDeviceMetricsOverride", emulate)
            .await
            .map_err(|e| format!("CDP: {e}"))?;
        // Two frames, so layout has run at the new size.
        let width = self
            .browser
            .client()
            .execute_async(
                "var done = arguments[arguments.length - 1]; requestAnimationFrame(function () { \
                 requestAnimationFrame(function () { done([window.innerWidth, \
                 document.documentElement.scrollWidth]); }); });",
                vec![],
            )
            .await
            .map_err(|e| e.to_string())?;
        self.browser
            .cdp("Emulation.clearDeviceMetricsOverride", json!({}))
            .await
            .map_err(|e| format!("CDP: {e}"))?;
        let scroll = width[1].as_i64().unwrap_or(i64::MAX);
        if width[0] != json!(375) || scroll > 375 {
            return Err(format!(
                "{page} at 375 px: [innerWidth, scrollWidth] = {width}"
            ));
        }
        Ok(())
    }

    /// axe-core in light and in dark colours (the page follows the system's), and the 375 px
    /// check, on the current page.
    pub async fn check_page(&self, page: &str) -> Check {
        self.axe(page).await?;
        self.color_scheme("dark").await?;
        self.wait(
            "dark colours",
            "return matchMedia('(prefers-color-scheme: dark)').matches \
             && getComputedStyle(document.body).backgroundColor === 'rgb(15, 18, 22)' ? true : null;",
        )
        .await?;
        let dark = self.axe(&format!("{page} (dark)")).await;
        self.color_scheme("light").await?;
        dark?;
        self.fits_375(page).await
    }

    /// Emulates `prefers-color-scheme` (`light` or `dark`).
    pub async fn color_scheme(&self, scheme: &str) -> Check {
        self.browser
            .cdp(
                "Emulation.setEmulatedMedia",
                json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
            )
            .await
            .map(|_| ())
            .map_err(|e| format!("CDP: {e}"))
    }

    /// Nothing was blocked by the CSP, no script failed on the current page, and the browser
    /// logged no error (a failed request, a console error) since the last look.
    pub async fn clean(&self, page: &str) -> Check {
        let seen = self
            .browser
            .client()
            .execute(
                "return { violations: window.__violations || [], errors: window.__errors || [] };",
                vec![],
            )
            .await
            .map_err(|e| e.to_string())?;
        let log = self.browser.log().await.map_err(|e| e.to_string())?;
        let severe: Vec<&Value> = log
            .iter()
            .filter(|e| e["level"] == "SEVERE" || e["source"] == "security")
            .collect();
        if seen["violations"] != json!([]) || seen["errors"] != json!([]) || !severe.is_empty() {
            return Err(format!("{page}: {seen:#}\nbrowser log: {severe:#?}"));
        }
        Ok(())
    }

    /// Signs up through the form; lands on the dashboard.
    pub async fn sign_up(&self, username: &str, password: &str) -> Check {
        self.goto("/signup").await?;
        self.fill("#f-email", &format!("{username}@example.com"))
            .await?;
        self.fill("#f-username", username).await?;
        self.fill("#f-password", password).await?;
        self.press("Sign up").await?;
        self.wait_text("h1", "Hello").await.map(|_| ())
    }

    /// Signs in through the form; lands on the dashboard.
    pub async fn sign_in(&self, email: &str, password: &str) -> Check {
        self.goto("/signin").await?;
        self.fill("#f-email", email).await?;
        self.fill("#f-password", password).await?;
        self.press("Sign in").await?;
        self.wait_text("h1", "Hello").await.map(|_| ())
    }
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
