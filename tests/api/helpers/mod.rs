//! Test support. `spawn_app` starts the server in this process on port 0 with a database of its
//! own and returns its address; `ops` holds the GraphQL documents the tests share, by name;
//! `catalog` and `progress` hold what the admin and the progress tests have in common; `browser`
//! drives headless Chromium for the browser tests.
#![allow(dead_code)]

mod app;
pub mod browser;
pub mod catalog;
pub mod chart;
mod db;
pub mod email;
pub mod markers;
pub mod ops;
pub mod progress;
pub mod selection;
pub mod smtp;
pub mod teams;
pub mod web;
pub mod world;
pub mod ws;

use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub use app::*;

/// The keys of the shipped Backend roadmap's topics that repeat another of its topics (the second
/// "Redis" and "GraphQL": `sameAs` in data/roadmaps/backend.json): its progress counts each
/// subject once.
pub const BACKEND_REPEAT_KEYS: [&str; 2] = ["1FNA88rcSxnCC8p2", "RWUXQR1iOg5OPctY"];

/// How many topics of Backend's tree its progress does not count (see [`BACKEND_REPEAT_KEYS`]).
pub const BACKEND_REPEATS: i64 = BACKEND_REPEAT_KEYS.len() as i64;
pub use db::*;

/// The `data` of `query` asked by `who`, which must answer without errors (the browser tests
/// set up their worlds through the API with it).
pub async fn api(app: &TestApp, who: &Session, query: &str, variables: Value) -> Value {
    let body = app.gql_as(&who.access_token, query, variables).await;
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

/// A signed-in session as the tests use it.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    /// Global id of the user.
    pub user_id: String,
    pub email: String,
    pub password: String,
}

impl TestApp {
    /// Signs up a new USER named `username` (email `<username>@example.com`).
    pub async fn signup(&self, username: &str) -> Session {
        let email = format!("{username}@example.com");
        let password = format!("{username}-Secret-Pass-42");
        let body = self
            .gql(
                ops::SIGN_UP,
                json!({ "input": { "email": email, "username": username, "password": password } }),
            )
            .await;
        let p = &body["data"]["signUp"];
        assert!(p.is_object(), "sign-up failed: {body}");
        Session {
            access_token: p["accessToken"].as_str().unwrap().to_owned(),
            refresh_token: p["refreshToken"].as_str().unwrap().to_owned(),
            user_id: p["user"]["id"].as_str().unwrap().to_owned(),
            email,
            password,
        }
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Value {
        self.gql(
            ops::SIGN_IN,
            json!({ "input": { "email": email, "password": password } }),
        )
        .await
    }

    /// Creates an admin through the CLI (as an operator would) and signs in as them.
    pub async fn admin_session(&self, username: &str) -> Session {
        let email = format!("{username}@example.com");
        let password = format!("{username}-Admin-Pass-42");
        let out = self.cli_with_stdin(
            &[
                "create-admin",
                "--email",
                &email,
                "--username",
                username,
                "--password-stdin",
            ],
            &format!("{password}\n"),
        );
        assert!(
            out.status.success(),
            "create-admin failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let body = self.sign_in(&email, &password).await;
        let p = &body["data"]["signIn"];
        assert_eq!(p["user"]["role"], "ADMIN", "{body}");
        Session {
            access_token: p["accessToken"].as_str().unwrap().to_owned(),
            refresh_token: p["refreshToken"].as_str().unwrap().to_owned(),
            user_id: p["user"]["id"].as_str().unwrap().to_owned(),
            email,
            password,
        }
    }

    /// An admin's access token (creates the admin `admin` on first use).
    pub async fn admin_token(&self) -> String {
        self.admin_session(&format!(
            "admin{}",
            uuid::Uuid::new_v4()
                .simple()
                .to_string()
                .get(..8)
                .unwrap_or("x")
        ))
        .await
        .access_token
    }
}

/// The `extensions.code` of the first error, if any.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// Polls `f` until it returns true or the deadline passes.
pub async fn eventually<F, Fut>(timeout: Duration, mut f: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < timeout {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

/// Every topic of a tree (`topics { … children { … } }`), depth first.
pub fn walk<'a>(topics: &'a Value, out: &mut Vec<&'a Value>) {
    for t in topics.as_array().into_iter().flatten() {
        out.push(t);
        walk(&t["children"], out);
    }
}

/// Runs a statement on the test database the way an out-of-band writer (or another process)
/// would.
pub async fn sql(app: &TestApp, statement: &str) {
    use sea_orm::ConnectionTrait;
    let db = app.db.connect().await;
    db.execute_unprepared(statement)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
    db.close().await.ok();
}

/// The first column of the first row of `query`, as a number.
pub async fn count_rows(app: &TestApp, query: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let db = app.db.connect().await;
    let row = db
        .query_one(sea_orm::Statement::from_string(
            db.get_database_backend(),
            query.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = row.try_get_by_index(0).unwrap();
    db.close().await.ok();
    n
}
