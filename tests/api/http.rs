//! GraphQL over HTTP and hardening: hostile requests get a 4xx with the right `extensions.code`
//! before anything executes, and the server keeps serving afterwards. Also CSRF, CORS, automatic
//! persisted queries with HTTP caching, the rate limit, error hygiene and `/metrics`.
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use roadmap_api::config::AppMode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::*;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// A raw POST to `/graphql`: status, headers and the JSON body (Null when the body is not JSON).
async fn post_raw(
    app: &TestApp,
    content_type: Option<&str>,
    extra: &[(&str, &str)],
    body: impl Into<reqwest::Body>,
) -> (u16, HeaderMap, Value) {
    let mut req = app
        .client
        .post(app.url("/graphql"))
        .header("accept", GRAPHQL_RESPONSE)
        .body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("body");
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// POSTs a JSON body accepting application/graphql-response+json (the modern client default).
async fn post_json(app: &TestApp, body: &Value) -> (u16, HeaderMap, Value) {
    post_raw(
        app,
        Some("application/json"),
        &[],
        serde_json::to_vec(body).unwrap(),
    )
    .await
}

/// GET /graphql with the given query-string pairs and headers.
async fn get(
    app: &TestApp,
    params: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = app
        .client
        .get(app.url("/graphql"))
        .query(params)
        .header("accept", GRAPHQL_RESPONSE);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("request")
}

/// The server still answers its health check and a normal query.
async fn assert_serving(app: &TestApp) {
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body = app
        .gql("{ roadmap(slug: \"backend\") { slug } }", json!({}))
        .await;
    assert_eq!(body["data"]["roadmap"]["slug"], "backend", "{body}");
}

fn message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or_default()
}

/// Asserts a refused request: `status`, `code`, no `data`, and a message containing `needle`.
fn assert_refused(got: &(u16, HeaderMap, Value), status: u16, code: &str, needle: &str) {
    let (s, _, body) = got;
    assert_eq!(*s, status, "{body}");
    assert_eq!(error_code(body), Some(code), "{body}");
    assert!(
        body.get("data").is_none(),
        "a refused request has no data: {body}"
    );
    assert!(
        message(body).contains(needle),
        "message should mention {needle:?}: {body}"
    );
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[tokio::test]
async fn deep_queries_are_refused() {
    let app = spawn_app().await;
    // 200 levels: refused before the parser sees it.
    let deep = format!(
        "{{ roadmap(slug: \"backend\") {{ {} title {} }} }}",
        "topics { children { ".repeat(100),
        "} } ".repeat(100)
    );
    let got = post_json(&app, &json!({ "query": deep })).await;
    assert_refused(&got, 400, "GRAPHQL_VALIDATION_FAILED", "levels deep");
    // 14 levels: parsed, then refused by the depth limit.
    let deep = format!(
        "{{ roadmap(slug: \"backend\") {{ topics {{ {} title {} }} }} }}",
        "children { ".repeat(11),
        "} ".repeat(11)
    );
    let got = post_json(&app, &json!({ "query": deep })).await;
    assert_refused(&got, 400, "GRAPHQL_VALIDATION_FAILED", "levels deep");
    // The deepest real query passes.
    let body = app
        .gql(
            "{ roadmap(slug: \"backend\") { topics { children { children { children { resources { url } } } } } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_serving(&app).await;
}

#[tokio::test]
async fn aliases_and_complexity_are_limited() {
    let app = spawn_app().await;
    // 1,000 aliases of an expensive field.
    let aliases: String = (0..1000)
        .map(|i| format!("a{i}: roadmaps(first: 100) {{ totalCount }} "))
        .collect();
    let got = post_json(&app, &json!({ "query": format!("{{ {aliases} }}") })).await;
    assert_eq!(got.0, 400, "{}", got.2);
    assert_eq!(error_code(&got.2), Some("GRAPHQL_VALIDATION_FAILED"));

    // With a document short enough to parse, the alias limit speaks.
    let aliases: String = (0..31)
        .map(|i| format!("t{i}: topics {{ title }} "))
        .collect();
    let q = format!("{{ roadmap(slug: \"backend\") {{ {aliases} }} }}");
    let got = post_json(&app, &json!({ "query": q })).await;
    assert_refused(&got, 400, "GRAPHQL_VALIDATION_FAILED", "aliases");

    // Too many root fields.
    let roots: String = (0..21)
        .map(|i| format!("r{i}: roadmap(slug: \"backend\") {{ slug }} "))
        .collect();
    let got = post_json(&app, &json!({ "query": format!("{{ {roots} }}") })).await;
    assert_refused(&got, 400, "GRAPHQL_VALIDATION_FAILED", "root fields");

    // Connections cost their selection times `first`: 20 pages of 100 whole trees is too much.
    let page =
        "roadmaps(first: 100) { edges { node { topics { children { children { title } } } } } }";
    let q: String = (0..20).map(|i| format!("p{i}: {page} ")).collect();
    let got = post_json(&app, &json!({ "query": format!("{{ {q} }}") })).await;
    assert_refused(&got, 400, "GRAPHQL_VALIDATION_FAILED", "too complex");
    // One such page is fine.
    let body = app.gql(&format!("{{ {page} }}"), json!({})).await;
    assert!(body["errors"].is_null(), "{body}");

    // Directives.
    let dirs = "@include(if: true) ".repeat(51);
    let got = post_json(
        &app,
        &json!({ "query": format!("{{ __typename {dirs} }}") }),
    )
    .await;
    assert_refused(&got, 400, "GRAPHQL_VALIDATION_FAILED", "directives");
    assert_serving(&app).await;
}

#[tokio::test]
async fn huge_documents_and_bodies_are_refused() {
    let app = spawn_app().await;
    // A 100,000-token document.
    let q = format!("{{ {} }}", "a ".repeat(100_000));
    let got = post_json(&app, &json!({ "query": q })).await;
    assert_refused(&got, 400, "GRAPHQL_VALIDATION_FAILED", "characters");
    // Token-dense but short: the token count stops it.
    let q = format!("{{ {} }}", "a ".repeat(7000));
    let got = post_json(&app, &json!({ "query": q })).await;
    assert_refused(&got, 400, "GRAPHQL_VALIDATION_FAILED", "tokens");
    // A 5 MB body.
    let big =
        json!({ "query": "{ __typename }", "variables": { "pad": "x".repeat(5 * 1024 * 1024) } });
    let got = post_json(&app, &big).await;
    assert_refused(&got, 413, "BAD_USER_INPUT", "larger than");
    // A batch of 1,000 operations.
    let batch: Vec<Value> = (0..1000)
        .map(|_| json!({ "query": "{ roadmaps(first: 100) { totalCount } }" }))
        .collect();
    let got = post_json(&app, &Value::Array(batch)).await;
    assert_refused(&got, 400, "BAD_USER_INPUT", "Batched");
    assert_serving(&app).await;
}

#[tokio::test]
async fn batches_only_when_enabled_and_bounded() {
    let app = spawn_app_with(|s| s.hardening.max_batch_size = 3).await;
    let batch = json!([
        { "query": "query One { roadmap(slug: \"backend\") { slug } }" },
        { "query": "query Two { nope }" },
    ]);
    let got = post_json(&app, &batch).await;
    assert_eq!(got.0, 200, "{}", got.2);
    assert_eq!(got.2[0]["data"]["roadmap"]["slug"], "backend");
    assert_eq!(error_code(&got.2[1]), Some("GRAPHQL_VALIDATION_FAILED"));
    let four: Vec<Value> = (0..4)
        .map(|_| json!({ "query": "{ __typename }" }))
        .collect();
    let got = post_json(&app, &Value::Array(four)).await;
    assert_refused(&got, 400, "BAD_USER_INPUT", "between 1 and 3");
    // Each operation is counted on its own.
    assert_eq!(
        app.metric("roadmap_graphql_requests_total{operation=\"One\",outcome=\"ok\"}")
            .await,
        1.0
    );
    assert_eq!(
        app.metric("roadmap_graphql_requests_total{operation=\"Two\",outcome=\"request_error\"}")
            .await,
        1.0
    );
    assert_serving(&app).await;
}

#[tokio::test]
async fn mutations_over_get_are_refused() {
    let app = spawn_app().await;
    let vars = json!({ "input": {
        "email": "getter@example.com", "username": "getter", "password": "getter-Secret-Pass-42"
    } })
    .to_string();
    let r = get(&app, &[("query", ops::SIGN_UP), ("variables", &vars)], &[]).await;
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    let body: Value = r.json().await.unwrap();
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"));
    // Nothing ran: the account does not exist.
    let body = app
        .sign_in("getter@example.com", "getter-Secret-Pass-42")
        .await;
    assert!(body["data"]["signIn"].is_null(), "{body}");
    // Also when the mutation is picked by name among several operations.
    let doc = format!(
        "query Q {{ __typename }} {}",
        ops::SIGN_UP.replacen("mutation SignUp", "mutation M", 1)
    );
    let r = get(
        &app,
        &[
            ("query", &doc),
            ("variables", &vars),
            ("operationName", "M"),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status(), 405);
    // The same sign-up over POST works.
    app.signup("getter").await;
    assert_serving(&app).await;
}

#[tokio::test]
async fn csrf_prone_posts_are_refused() {
    let app = spawn_app().await;
    let body = r#"{"query":"{ __typename }"}"#;
    for ct in [
        Some("text/plain"),
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=xyz"),
        None,
    ] {
        let got = post_raw(&app, ct, &[], body).await;
        assert_refused(&got, 400, "BAD_USER_INPUT", "CSRF");
    }
    // With a header a browser cannot send cross-site without a preflight, it is only the wrong
    // content type.
    for header in ["apollo-require-preflight", "x-apollo-operation-name"] {
        let got = post_raw(&app, Some("text/plain"), &[(header, "1")], body).await;
        assert_refused(&got, 415, "BAD_USER_INPUT", "application/json");
    }
    let got = post_raw(&app, Some("application/json; charset=utf-8"), &[], body).await;
    assert_eq!(got.0, 200);
    assert_eq!(got.2["data"]["__typename"], "Query");

    // A form posting a sign-up cross-site does not run it.
    let forged = json!({ "query": ops::SIGN_UP, "variables": { "input": {
        "email": "forged@example.com", "username": "forged", "password": "forged-Secret-Pass-42"
    } } })
    .to_string();
    let got = post_raw(&app, Some("text/plain"), &[], forged).await;
    assert_refused(&got, 400, "BAD_USER_INPUT", "CSRF");
    app.signup("forged").await;
    assert_serving(&app).await;
}

#[tokio::test]
async fn malformed_requests_get_the_right_codes() {
    let app = spawn_app().await;
    let got = post_raw(&app, Some("application/json"), &[], "{\"query\": ").await;
    assert_refused(&got, 400, "BAD_USER_INPUT", "not valid JSON");

    // Variables of the wrong types: the client's input, 400 with graphql-response+json...
    let q = "query Page($first: Int, $slug: String!) { roadmaps(first: $first) { totalCount } roadmap(slug: $slug) { slug } }";
    let vars = json!({ "first": "ten", "slug": 7 });
    let got = post_json(&app, &json!({ "query": q, "variables": vars })).await;
    assert_eq!(got.0, 400, "{}", got.2);
    assert_eq!(error_code(&got.2), Some("BAD_USER_INPUT"), "{}", got.2);
    // ...and 200 with application/json, as the spec wants for well-formed requests.
    let body = app.gql(q, vars).await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    assert!(body.get("data").is_none());

    // An operation name the document does not have.
    let got = post_json(
        &app,
        &json!({ "query": "query A { __typename }", "operationName": "B" }),
    )
    .await;
    assert_refused(&got, 400, "BAD_USER_INPUT", "Unknown operation");
    let got = post_json(
        &app,
        &json!({ "query": "query A { __typename } query B { __typename }" }),
    )
    .await;
    assert_refused(&got, 400, "BAD_USER_INPUT", "Operation name required");

    // A document that does not parse.
    let got = post_json(&app, &json!({ "query": "{ roadmap(" })).await;
    assert_refused(&got, 400, "GRAPHQL_PARSE_FAILED", "parsed");

    // An Accept the server cannot serve.
    let r = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "text/csv")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 406);
    assert_serving(&app).await;
}

#[tokio::test]
async fn automatic_persisted_queries_and_http_caching() {
    let app = spawn_app().await;
    let query = "query Catalogue { roadmaps(first: 3) { totalCount edges { node { slug } } } }";
    let hash = sha256_hex(query);
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } }).to_string();

    // Unknown hash.
    let r = get(&app, &[("extensions", &ext)], &[]).await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        error_code(&body),
        Some("PERSISTED_QUERY_NOT_FOUND"),
        "{body}"
    );
    assert_eq!(message(&body), "PersistedQueryNotFound");

    // A hash that does not match the document is refused and not stored.
    let wrong = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex("{ x }") } });
    let got = post_json(&app, &json!({ "query": query, "extensions": wrong })).await;
    assert_refused(&got, 400, "BAD_USER_INPUT", "does not match");

    // Register (POST with the document and its hash)...
    let got = post_json(
        &app,
        &json!({ "query": query, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } }),
    )
    .await;
    assert_eq!(got.0, 200, "{}", got.2);
    let total = got.2["data"]["roadmaps"]["totalCount"].as_u64().unwrap();
    assert!(total >= 11);

    // ...then read it over GET by hash alone: cacheable, with a strong ETag.
    let r = get(&app, &[("extensions", &ext)], &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "public, max-age=60");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["data"]["roadmaps"]["totalCount"].as_u64(), Some(total));

    // Revalidation: 304 without a body, same ETag.
    let r = get(&app, &[("extensions", &ext)], &[("if-none-match", &etag)]).await;
    assert_eq!(r.status(), 304);
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
    assert!(r.bytes().await.unwrap().is_empty());
    // A stale ETag gets the full answer.
    let r = get(
        &app,
        &[("extensions", &ext)],
        &[("if-none-match", "\"stale\"")],
    )
    .await;
    assert_eq!(r.status(), 200);

    // With credentials: never shared, never stored.
    let session = app.signup("cacher").await;
    let bearer = format!("Bearer {}", session.access_token);
    for auth in [bearer.as_str(), "Bearer not-a-token"] {
        let r = get(&app, &[("extensions", &ext)], &[("authorization", auth)]).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "private, no-store");
        assert!(r.headers().get("etag").is_none());
    }
    let got = post_raw(
        &app,
        Some("application/json"),
        &[("authorization", &bearer)],
        json!({ "query": "{ __typename }" }).to_string(),
    )
    .await;
    assert_eq!(got.1["cache-control"], "private, no-store");
    // POSTs are not cacheable.
    let got = post_json(&app, &json!({ "query": query })).await;
    assert_eq!(got.1["cache-control"], "no-store");

    // A mutation cannot sneak over GET through a persisted hash either, registered or not.
    let mhash = sha256_hex(ops::SIGN_UP);
    let mext = json!({ "persistedQuery": { "version": 1, "sha256Hash": mhash } }).to_string();
    let r = get(&app, &[("query", ops::SIGN_UP), ("extensions", &mext)], &[]).await;
    assert_eq!(r.status(), 405);
    let input = json!({ "input": {
        "email": "p@example.com", "username": "persisted", "password": "persisted-Secret-Pass-42"
    } });
    let got = post_json(
        &app,
        &json!({ "query": ops::SIGN_UP, "variables": input,
                 "extensions": { "persistedQuery": { "version": 1, "sha256Hash": mhash } } }),
    )
    .await;
    assert_eq!(got.0, 200, "{}", got.2);
    let r = get(&app, &[("extensions", &mext)], &[]).await;
    assert_eq!(r.status(), 405, "a registered mutation still needs POST");

    // Responses are gzip-compressed for clients that ask.
    let r = get(
        &app,
        &[("extensions", &ext)],
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_ne!(
        r.headers()["etag"].to_str().unwrap(),
        etag,
        "each encoding has its own ETag"
    );
    assert_serving(&app).await;
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    // A burst of 3 and a refill far slower than the test: the 4th request is refused.
    let app = spawn_app_with(|s| {
        s.hardening.rate_limit_per_second = 0.01;
        s.hardening.rate_limit_burst = 3;
    })
    .await;
    for _ in 0..3 {
        let got = post_json(&app, &json!({ "query": "{ __typename }" })).await;
        assert_eq!(got.0, 200, "{}", got.2);
    }
    let got = post_json(&app, &json!({ "query": "{ __typename }" })).await;
    assert_refused(&got, 429, "RATE_LIMITED", "Too many requests");
    let retry: u64 = got.1["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1, "{retry}");
    assert_eq!(got.2["errors"][0]["extensions"]["retryAfterSeconds"], retry);
    // Health checks and metrics are not rate limited.
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(app.metric("roadmap_rate_limited_total").await >= 1.0);
}

#[tokio::test]
async fn introspection_can_be_switched_off() {
    let app = spawn_app().await;
    let body = app
        .gql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(
        body["data"]["__schema"]["queryType"]["name"], "Query",
        "{body}"
    );

    let app = spawn_app_with(|s| s.hardening.introspection = false).await;
    let got = post_json(
        &app,
        &json!({ "query": "{ __schema { queryType { name } } }" }),
    )
    .await;
    assert_refused(
        &got,
        400,
        "GRAPHQL_VALIDATION_FAILED",
        "introspection is disabled",
    );
    let got = post_json(
        &app,
        &json!({ "query": "{ __type(name: \"Roadmap\") { name } }" }),
    )
    .await;
    assert_refused(
        &got,
        400,
        "GRAPHQL_VALIDATION_FAILED",
        "introspection is disabled",
    );
    // `__typename` is not introspection of the schema.
    let body = app.gql("{ __typename }", json!({})).await;
    assert_eq!(body["data"]["__typename"], "Query");
    assert_serving(&app).await;
}

#[tokio::test]
async fn field_suggestions_only_in_development() {
    let typo = "{ roadmap(slug: \"backend\") { titl } }";
    let app = spawn_app().await;
    let body = app.gql(typo, json!({})).await;
    assert_eq!(error_code(&body), Some("GRAPHQL_VALIDATION_FAILED"));
    assert!(!message(&body).contains("Did you mean"), "{body}");
    assert!(!message(&body).contains("title"), "{body}");

    let dev = spawn_app_with(|s| s.mode = AppMode::Development).await;
    let body = dev.gql(typo, json!({})).await;
    assert!(message(&body).contains("Did you mean"), "{body}");
}

#[tokio::test]
async fn internal_errors_reveal_nothing_and_are_logged_with_the_request_id() {
    use sea_orm::ConnectionTrait;
    // The binary, not spawn_app: the point is the line the process logs, which needs the process's
    // own log subscriber.
    let app = spawn_process(&[]).await;
    let db = app.db.connect().await;
    db.execute_unprepared("DROP TABLE resources").await.unwrap();
    db.close().await.ok();

    let resp = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ roadmap(slug: \"backend\") { slug topics { resources { url } } } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let header_id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = resp.json().await.unwrap();
    // What the client is told: every message and extension (the path names the failing field).
    let text: String = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {}", e["message"], e["extensions"]))
        .collect();
    let err = &body["errors"][0];
    assert_eq!(err["extensions"]["code"], "INTERNAL_SERVER_ERROR", "{body}");
    let request_id = err["extensions"]["requestId"].as_str().unwrap();
    assert_eq!(request_id, header_id);
    for leak in [
        "SELECT",
        "resources",
        "sqlite",
        "postgres",
        ".rs",
        "panicked",
        "src/",
    ] {
        assert!(
            !text.to_lowercase().contains(&leak.to_lowercase()),
            "{leak} leaked: {body}"
        );
    }
    // What works still answers (partial data).
    assert_eq!(body["data"]["roadmap"]["slug"], "backend");

    // The log has the real error, on a line carrying the request id.
    let found = eventually(std::time::Duration::from_secs(5), || async {
        app.logs()
            .lines()
            .any(|l| l.contains(request_id) && l.contains("resources") && l.contains("ERROR"))
    })
    .await;
    assert!(
        found,
        "no log line with {request_id} and the error:\n{}",
        app.logs()
    );
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn metrics_count_requests_by_operation_and_outcome() {
    let app = spawn_app().await;
    for _ in 0..2 {
        let body = app
            .gql(
                "query Catalogue { roadmaps(first: 2) { totalCount } }",
                json!({}),
            )
            .await;
        assert!(body["errors"].is_null());
    }
    app.gql("query Broken { nope }", json!({})).await;
    let got = post_raw(&app, Some("text/plain"), &[], "{}").await;
    assert_eq!(got.0, 400);
    app.gql("{ __typename }", json!({})).await;

    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "roadmap_graphql_requests_total{operation=\"Catalogue\",outcome=\"ok\"} 2",
        "roadmap_graphql_requests_total{operation=\"Broken\",outcome=\"request_error\"} 1",
        "roadmap_graphql_requests_total{operation=\"anonymous\",outcome=\"request_error\"} 1",
        "roadmap_graphql_requests_total{operation=\"anonymous\",outcome=\"ok\"} 1",
        "# TYPE roadmap_graphql_request_duration_seconds histogram",
        "roadmap_graphql_request_duration_seconds_bucket{le=\"+Inf\"} 5",
        "roadmap_graphql_request_duration_seconds_count 5",
        "roadmap_active_subscriptions 0",
        "# TYPE roadmap_db_pool_connections gauge",
        "roadmap_db_pool_max_connections 16",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    assert!(app.metric("roadmap_db_statements_total").await > 0.0);
    assert!(
        app.metric("roadmap_db_pool_connections{state=\"idle\"}")
            .await
            >= 0.0
    );
}

#[tokio::test]
async fn cors_is_off_by_default_and_follows_the_allowed_origins() {
    let preflight = |app: &TestApp, origin: &str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let app = spawn_app().await;
    let r = preflight(&app, "https://roadmap.example").await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());

    let app = spawn_app_with(|s| {
        s.hardening.cors_allowed_origins = vec![
            "https://roadmap.example".into(),
            "https://admin.example".into(),
        ]
    })
    .await;
    let r = preflight(&app, "https://roadmap.example").await.unwrap();
    assert!(r.status().is_success());
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        HeaderValue::from_static("https://roadmap.example")
    );
    let r = preflight(&app, "https://evil.example").await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    // Actual requests from an allowed origin can read the answer.
    let r = app
        .client
        .post(app.url("/graphql"))
        .header("origin", "https://admin.example")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        HeaderValue::from_static("https://admin.example")
    );
}

#[tokio::test]
async fn slow_requests_time_out_with_a_clear_error() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(|s| s.hardening.request_timeout = Duration::from_secs(1)).await;
    // A body that never finishes arriving.
    let addr = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(
            b"POST /graphql HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n\
              content-length: 100\r\nconnection: close\r\n\r\n{\"query\":",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 504"), "{answer}");
    assert!(answer.contains("\"TIMEOUT\""), "{answer}");
    assert!(answer.contains("x-request-id"), "{answer}");
    assert_serving(&app).await;
    assert_eq!(app.metric("roadmap_request_timeouts_total").await, 1.0);
}

// The binary: a start-up failure is about the process's exit code and stderr.
#[test]
fn invalid_hardening_settings_fail_at_start() {
    for (key, value, needle) in [
        ("MAX_QUERY_DEPTH", "0", "MAX_QUERY_DEPTH"),
        (
            "CORS_ALLOWED_ORIGINS",
            "not an origin",
            "CORS_ALLOWED_ORIGINS",
        ),
        ("RATE_LIMIT_PER_SECOND", "-1", "RATE_LIMIT_PER_SECOND"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = bin_command()
            .arg("serve")
            .env("DATA_DIR", dir.path())
            .env("LISTEN_ADDR", "127.0.0.1:0")
            .env(key, value)
            .output()
            .expect("run server");
        assert_eq!(out.status.code(), Some(1), "{key}={value}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{key}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
