//! The learner web app in headless Chromium: the catalogue, sign-up (with an error shown next to
//! its field), marking topics with the keyboard and with the status selects, the progress bar,
//! and a session that survives a reload and a new tab; axe-core and a 375 px screen on every
//! page; no CSP violation or script error anywhere. Also the app's HTTP side: the page at deep
//! links, its files, and the session cookie's routes.
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

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn web_app_page_is_served_at_deep_links_with_its_files() {
    let app = spawn_app().await;
    let host = app.address.trim_start_matches("http://").to_owned();
    let mut etag = String::new();
    for path in [
        "/",
        "/roadmaps/backend",
        "/dashboard",
        "/signin",
        "/signup",
        "/edit/backend",
        "/teams/abc",
        "/u/someone",
    ] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            header(&r, "content-type").starts_with("text/html"),
            "{path}"
        );
        assert_eq!(header(&r, "cache-control"), "no-cache");
        assert_eq!(
            header(&r, "content-security-policy"),
            format!(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
                 connect-src 'self' ws://{host} wss://{host}; form-action 'self'; \
                 frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
            )
        );
        etag = header(&r, "etag");
        let body = r.text().await.unwrap();
        assert!(body.contains("<main id=\"main\""), "{path}");
        assert!(!body.contains("<script>") && !body.contains("<style"));
    }
    // Revalidation: the page is unchanged until the build changes.
    let r = app
        .client
        .get(app.url("/"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    // Not an app route: still 404.
    let r = app.client.get(app.url("/nope/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);

    // Every file the page names, and what its modules import, comes from /app/<version>/.
    let body = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let script = body
        .split("src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    assert!(
        script.starts_with("/app/") && script.ends_with("/app.js"),
        "{script}"
    );
    let base = script.trim_end_matches("app.js").to_owned();
    let mut total = 0;
    for (file, kind) in [
        ("app.js", "text/javascript"),
        ("api.js", "text/javascript"),
        ("pages/roadmap.js", "text/javascript"),
        ("style.css", "text/css"),
        ("favicon.svg", "image/svg+xml"),
    ] {
        let r = app
            .client
            .get(app.url(&format!("{base}{file}")))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{file}");
        assert!(header(&r, "content-type").starts_with(kind), "{file}");
        assert_eq!(
            header(&r, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(header(&r, "x-content-type-options"), "nosniff");
        total += r.bytes().await.unwrap().len();
    }
    assert!(total > 0);
    let version = base.split('/').nth(2).unwrap();
    for path in [
        base.replace(version, "0000000000000000") + "app.js",
        format!("{base}index.html"),
        format!("{base}../Cargo.toml"),
        format!("{base}nope.js"),
    ] {
        let r = app.client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
}

/// `name=value` of the session cookie a response sets, and its attributes.
fn set_cookie(resp: &reqwest::Response) -> (String, String) {
    let raw = header(resp, "set-cookie");
    let (pair, attributes) = raw.split_once(';').unwrap_or((&raw, ""));
    let value = pair
        .strip_prefix("roadmap_refresh=")
        .unwrap_or_else(|| panic!("{raw}"));
    (value.to_owned(), attributes.trim().to_owned())
}

async fn post_auth(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(path))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(c) = cookie {
        req = req.header("cookie", format!("other=1; roadmap_refresh={c}"));
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn web_app_session_cookie_rotates_and_refuses_cross_site_requests() {
    let app = spawn_app().await;
    let session = app.signup("cookie").await;

    // No cookie: signed out, nothing to say.
    let r = post_auth(&app, "/auth/refresh", None, json!({})).await;
    assert_eq!(r.status(), 204);

    // The sign-in's refresh token becomes the cookie, rotated at once.
    let r = post_auth(
        &app,
        "/auth/session",
        None,
        json!({ "refreshToken": session.refresh_token }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let (first, attributes) = set_cookie(&r);
    assert_ne!(first, session.refresh_token);
    assert!(attributes.contains("Path=/auth"), "{attributes}");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Max-Age="] {
        assert!(attributes.contains(attribute), "{attributes}");
    }
    assert_eq!(header(&r, "cache-control"), "no-store");
    let body: Value = r.json().await.unwrap();
    let token = body["accessToken"].as_str().unwrap().to_owned();
    let me = app.gql_as(&token, "{ me { username } }", json!({})).await;
    assert_eq!(me["data"]["me"]["username"], "cookie", "{me}");

    // Refresh rotates the cookie; the new access token works.
    let r = post_auth(&app, "/auth/refresh", Some(&first), json!({})).await;
    assert_eq!(r.status(), 200);
    let (second, _) = set_cookie(&r);
    assert_ne!(second, first);
    let body: Value = r.json().await.unwrap();
    assert!(body["accessTokenExpiresAt"].is_string(), "{body}");

    // Cross-site attempts: another content type, another origin.
    let r = app
        .client
        .post(app.url("/auth/refresh"))
        .header("content-type", "text/plain")
        .header("cookie", format!("roadmap_refresh={second}"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = app
        .client
        .post(app.url("/auth/refresh"))
        .header("content-type", "application/json")
        .header("origin", "http://evil.example")
        .header("cookie", format!("roadmap_refresh={second}"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Same origin is fine (and the cookie was not spent by the refused requests).
    let r = app
        .client
        .post(app.url("/auth/refresh"))
        .header("content-type", "application/json")
        .header("origin", &app.address)
        .header("cookie", format!("roadmap_refresh={second}"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (third, _) = set_cookie(&r);

    // Sign-out ends the session and clears the cookie.
    let r = post_auth(&app, "/auth/signout", Some(&third), json!({})).await;
    assert_eq!(r.status(), 204);
    let (cleared, attributes) = set_cookie(&r);
    assert_eq!(cleared, "");
    assert!(attributes.contains("Max-Age=0"), "{attributes}");
    let r = post_auth(&app, "/auth/refresh", Some(&third), json!({})).await;
    assert_eq!(r.status(), 401);
    let (cleared, _) = set_cookie(&r);
    assert_eq!(cleared, "");
}

#[tokio::test]
async fn web_app_refreshes_the_access_token_before_it_expires() {
    let Some((chromium, chromedriver)) =
        chromium_or_skip("web_app_refreshes_the_access_token_before_it_expires")
    else {
        return;
    };
    // 30 s tokens (the shortest the server issues): the page refreshes half-way.
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
    web.clean("the roadmap page").await
}
