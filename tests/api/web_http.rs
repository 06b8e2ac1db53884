//! The web app over plain HTTP: the page at every deep link with its policy and caching, its
//! files under a versioned path, and the session cookie's routes (rotation, attributes,
//! cross-site refusals, sign-out).
use serde_json::{json, Value};

use crate::helpers::*;

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
        "/roadmaps/backend/BcbfnoGMbJmTPSIA",
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
    // A browser asking for it gets the app's page (its "not found" view), still with 404.
    let r = app
        .client
        .get(app.url("/nope/nope"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(header(&r, "content-type").starts_with("text/html"));
    assert!(!header(&r, "content-security-policy").contains("unsafe"));
    assert!(r.text().await.unwrap().contains("<main id=\"main\""));

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
