//! Process-level behaviour: health checks, start-up failures, HTTP basics. (GraphiQL: `graphiql`.)
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn get_queries_and_media_types() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ roadmap(slug: \"backend\") { slug } }")])
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["data"]["roadmap"]["slug"], "backend");

    // A document that does not parse: 400 with graphql-response+json and no `data`.
    let r = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ roadmap(" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body.get("data").is_none());
    assert_eq!(error_code(&body), Some("GRAPHQL_PARSE_FAILED"));

    // Unknown field: a validation error with its code.
    let body = app.gql("{ nope }", json!({})).await;
    assert_eq!(error_code(&body), Some("GRAPHQL_VALIDATION_FAILED"));

    // Malformed JSON body.
    let r = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

// The binary: a start-up failure is about the process's exit code and its one line on stderr.
#[test]
fn unreachable_database_fails_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin_command()
        .args(["serve"])
        .env("DATA_DIR", dir.path())
        .env("DATABASE_URL", "postgres://nobody:secret@127.0.0.1:1/none")
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .output()
        .expect("run server");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: ") && last.contains("DATABASE_URL"),
        "{stderr}"
    );
    assert!(!stderr.contains("secret"), "password leaked: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

// The binary: the CLI's help.
#[test]
fn help_for_every_subcommand() {
    for sub in ["serve", "migrate", "schema", "import", "create-admin"] {
        let out = bin_command()
            .args([sub, "--help"])
            .output()
            .expect("run --help");
        assert!(out.status.success(), "{sub} --help failed");
        assert!(!out.stdout.is_empty());
    }
    // Benchmark tooling lives in the roadmap-bench crate, not in the server.
    let out = bin_command().arg("--help").output().expect("run --help");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("create-admin"), "{help}");
    let commands: Vec<&str> = help
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.split_whitespace().next())
        .collect();
    assert!(
        !commands.contains(&"generate"),
        "a benchmark command is listed:\n{help}"
    );
    let out = bin_command()
        .arg("generate")
        .output()
        .expect("run generate");
    assert!(!out.status.success(), "`generate` is not a server command");
}

#[tokio::test]
async fn no_benchmark_route() {
    let app = spawn_app().await;
    for method in [reqwest::Method::GET, reqwest::Method::PUT] {
        let r = app
            .client
            .request(method.clone(), app.url("/__bench/static"))
            .body("x")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{method} /__bench/static answered");
    }
}

#[tokio::test]
async fn migrate_is_idempotent_and_seed_runs_once() {
    let app = spawn_app().await;
    let count = |app: &TestApp| {
        let app_url = app.url("/graphql");
        let client = app.client.clone();
        async move {
            let body: serde_json::Value = client
                .post(app_url)
                .json(&json!({ "query": "{ roadmaps(first: 100) { totalCount } }" }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body["data"]["roadmaps"]["totalCount"].as_u64().unwrap()
        }
    };
    let before = count(&app).await;
    assert!(before >= 11);
    for _ in 0..2 {
        let out = app.cli(&["migrate"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A second server on the same database does not seed again.
    let second = spawn_on(app.db.clone()).await;
    assert_eq!(count(&second).await, before);
}
