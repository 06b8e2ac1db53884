//! Every non-HTML answer carries `X-Content-Type-Options: nosniff` and a Content-Security-Policy
//! that allows nothing; HTML pages keep their own policy. `METRICS_ADDR` moves `/metrics` to a
//! listener of its own (404 on the API port).

use roadmap_api::http::security_headers::NON_HTML_POLICY;
use roadmap_api::http::Application;
use serde_json::json;

use crate::helpers::*;

fn assert_hardened(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    assert_eq!(
        h.get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        h.get("content-security-policy")
            .and_then(|v| v.to_str().ok()),
        Some(NON_HTML_POLICY),
        "{what}"
    );
}

#[tokio::test]
async fn every_non_html_answer_is_nosniff_with_a_closed_policy() {
    let app = spawn_app().await;
    let ada = app.signup("ada").await.access_token;
    app.gql_as(
        &ada,
        "mutation { updateProfile(input: {profileVisibility: PUBLIC}) { username } }",
        json!({}),
    )
    .await;
    let get = |path: &str| app.client.get(app.url(path)).send();
    let badge = get("/badges/ada.svg").await.unwrap();
    assert_eq!(badge.status(), 200);
    assert_hardened(&badge, "badge");
    assert_hardened(&get("/badges/nobody.svg").await.unwrap(), "missing badge");
    assert_hardened(&get("/healthz").await.unwrap(), "healthz");
    assert_hardened(&get("/readyz").await.unwrap(), "readyz");
    assert_hardened(&get("/metrics").await.unwrap(), "metrics");
    assert_hardened(&get("/no/such/route").await.unwrap(), "404");
    let post = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_hardened(&post, "graphql POST");
    let refused = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert_hardened(&refused, "graphql refusal");
    // The web app's page keeps its own policy (scripts from this origin), and is nosniff too.
    let page = get("/").await.unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert_ne!(csp, NON_HTML_POLICY);
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn metrics_addr_serves_metrics_on_its_own_listener_only() {
    let db = TestDb::new().await;
    let mut settings = test_settings(&db);
    settings.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
    settings.seed_defaults = false;
    let server = Application::build(settings).await.expect("server starts");
    let api = format!("http://{}", server.address());
    let metrics = format!(
        "http://{}",
        server.metrics_address().expect("metrics bound")
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run_until(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let get = |url: String| client.get(url).send();

    let on_api = get(format!("{api}/metrics")).await.unwrap();
    assert_eq!(on_api.status(), 404);
    let served = get(format!("{metrics}/metrics")).await.unwrap();
    assert_eq!(served.status(), 200);
    assert_hardened(&served, "metrics listener");
    assert!(served
        .text()
        .await
        .unwrap()
        .contains("roadmap_db_pool_max_connections"));
    // The metrics listener serves nothing else; the API port serves the API.
    assert_eq!(
        get(format!("{metrics}/healthz")).await.unwrap().status(),
        404
    );
    assert_eq!(
        get(format!("{metrics}/graphql")).await.unwrap().status(),
        404
    );
    assert_eq!(get(format!("{api}/healthz")).await.unwrap().status(), 200);

    // Both stop with the server.
    stop.send(()).unwrap();
    running.await.unwrap().unwrap();
    assert!(get(format!("{metrics}/metrics")).await.is_err());
}
