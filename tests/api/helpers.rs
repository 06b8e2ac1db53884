//! `spawn_app`: starts the server binary on a free port with a database of its own.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_roadmap-api");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn backend() -> Backend {
    match std::env::var("TEST_DB").as_deref() {
        Ok("postgres") | Ok("pg") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

pub fn admin_pg_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database for one test: its URL for the server, and how to remove it afterwards.
pub struct TestDb {
    pub url: Option<String>,
    pub data_dir: tempfile::TempDir,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let data_dir = tempfile::tempdir().expect("temp dir");
        match backend() {
            Backend::Sqlite => TestDb {
                url: None,
                data_dir,
                pg_name: None,
            },
            Backend::Postgres => {
                use sea_orm::ConnectionTrait;
                let name = format!("rmtest_{}", uuid::Uuid::new_v4().simple());
                let admin = sea_orm::Database::connect(admin_pg_url())
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let base = admin_pg_url();
                let root = base.rsplit_once('/').map(|(r, _)| r).unwrap_or(&base);
                TestDb {
                    url: Some(format!("{root}/{name}")),
                    data_dir,
                    pg_name: Some(name),
                }
            }
        }
    }

    /// The URL a client (the CLI, or the test itself) uses to reach this database.
    pub fn connect_url(&self) -> String {
        self.url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.path().join("roadmap.db").display()
            )
        })
    }

    pub async fn connect(&self) -> sea_orm::DatabaseConnection {
        sea_orm::Database::connect(self.connect_url())
            .await
            .expect("connect to test database")
    }

    /// Environment for a child process using this database.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![(
            "DATA_DIR".to_owned(),
            self.data_dir.path().display().to_string(),
        )];
        if let Some(url) = &self.url {
            env.push(("DATABASE_URL".to_owned(), url.clone()));
        }
        env
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            // Best effort; a runtime of its own because Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async {
                        use sea_orm::ConnectionTrait;
                        if let Ok(admin) = sea_orm::Database::connect(admin_pg_url()).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Arc<TestDb>,
    child: Child,
    logs: Arc<Mutex<String>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(env: &[(&str, &str)]) -> TestApp {
    let db = Arc::new(TestDb::new().await);
    spawn_on(db, env).await
}

/// Starts a server process on an existing test database (several may share one).
pub async fn spawn_on(db: Arc<TestDb>, env: &[(&str, &str)]) -> TestApp {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .env_remove("DATABASE_URL")
        .env_remove("JWT_SECRET")
        .env("LISTEN_ADDR", "127.0.0.1:0")
        // Tests sign in often from one address; the rate-limit test sets its own limit.
        .env("SIGNIN_MAX_FAILURES", "1000")
        .env("RUST_LOG", "info,sqlx=warn")
        // Tests fire hundreds of requests from one address: only the rate-limit test (which
        // passes its own values) should meet the limit.
        .env("RATE_LIMIT_PER_SECOND", "100000")
        .env("RATE_LIMIT_BURST", "100000")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in db.env() {
        cmd.env(k, v);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start roadmap-api");
    let logs = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    for stream in [
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let logs = logs.clone();
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let _ = tx.send(rest.trim_end_matches("/graphql").to_owned());
                }
                if let Ok(mut l) = logs.lock() {
                    l.push_str(&line);
                    l.push('\n');
                }
            }
        });
    }
    let addr = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(a) => a,
        Err(_) => {
            let _ = child.kill();
            panic!(
                "server did not start; its output:\n{}",
                logs.lock().map(|l| l.clone()).unwrap_or_default()
            );
        }
    };
    TestApp {
        address: format!("http://{addr}"),
        client: reqwest::Client::new(),
        db,
        child,
        logs,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn logs(&self) -> String {
        self.logs.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// POSTs a GraphQL request and returns the JSON body (any status).
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_with(None, query, variables).await
    }

    pub async fn gql_as(&self, token: &str, query: &str, variables: Value) -> Value {
        self.gql_with(Some(token), query, variables).await
    }

    pub async fn gql_with(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        resp.json().await.expect("json body")
    }

    /// A Prometheus metric's value from `/metrics`.
    pub async fn metric(&self, name: &str) -> f64 {
        let text = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics body");
        text.lines()
            .find_map(|l| {
                let (k, v) = l.rsplit_once(' ')?;
                (k == name).then(|| v.parse().ok()).flatten()
            })
            .unwrap_or_else(|| panic!("metric {name} missing from:\n{text}"))
    }

    /// Runs the CLI against this app's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new(BIN);
        cmd.args(args).env_remove("DATABASE_URL");
        for (k, v) in self.db.env() {
            cmd.env(k, v);
        }
        cmd.output().expect("run CLI")
    }
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

pub const SIGN_UP: &str = r#"mutation($input: SignUpInput!) { signUp(input: $input) {
    accessToken refreshToken accessTokenExpiresAt user { id username email role } } }"#;
pub const SIGN_IN: &str = r#"mutation($input: SignInInput!) { signIn(input: $input) {
    accessToken refreshToken user { id role } } }"#;

impl TestApp {
    /// Signs up a new USER named `username` (email `<username>@example.com`).
    pub async fn signup(&self, username: &str) -> Session {
        let email = format!("{username}@example.com");
        let password = format!("{username}-Secret-Pass-42");
        let body = self
            .gql(
                SIGN_UP,
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
            SIGN_IN,
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

    /// Runs the CLI with `input` on standard input.
    pub fn cli_with_stdin(&self, args: &[&str], input: &str) -> std::process::Output {
        use std::io::Write;
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_remove("DATABASE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in self.db.env() {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("run CLI");
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(input.as_bytes());
        }
        child.wait_with_output().expect("CLI output")
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
