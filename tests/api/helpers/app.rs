//! Test servers, started in one of two ways that are kept apart:
//! - in this process (`spawn_app`, `spawn_app_with`, `spawn_on`, `spawn_on_with`): described by
//!   the typed `Settings` (`test_settings`: the binary's defaults on the test's database, then
//!   the test defaults), which a test changes with a closure at its call site
//!   (`spawn_app_with(|s| s.hardening.max_body_bytes = 10)`); no environment variable is read;
//! - as a child process (`spawn_process`, `spawn_process_on`): the real binary, described by
//!   environment variables, which are its real interface; only for the few tests about the
//!   process itself (its log, being killed, restarting).
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use roadmap_api::config::Settings;
use roadmap_api::http::Application;
use serde_json::{json, Value};

use super::db::TestDb;

pub const BIN: &str = env!("CARGO_BIN_EXE_roadmap-api");

/// What every in-process test server starts with: the binary's defaults on `db` (its data
/// directory, and its URL when it has one), on a free port, with the limits that many requests from
/// one address would meet raised. A test's own changes come after and win. `PROCESS_DEFAULTS` says
/// the same to the binary.
pub fn test_settings(db: &TestDb) -> Settings {
    let mut s = db.settings();
    s.listen_addr = SocketAddr::from(([127, 0, 0, 1], 0));
    // Tests sign in often from one address; the rate-limit test sets its own limit.
    s.auth.signin_max_failures = 1000;
    // Tests fire hundreds of requests from one address: only the rate-limit tests (which set
    // their own values) should meet the limit.
    s.hardening.rate_limit_per_second = 100_000.0;
    s.hardening.rate_limit_burst = 100_000;
    // Likewise for signed-in users' budgets (still charged on every request): the budget tests
    // set their own.
    s.hardening.rate_limit_user_points = 1_000_000;
    s
}

/// `test_settings` as the binary's environment variables, for `spawn_process`: the child process
/// is told what an in-process server is given.
const PROCESS_DEFAULTS: &[(&str, &str)] = &[
    ("LISTEN_ADDR", "127.0.0.1:0"),
    ("SIGNIN_MAX_FAILURES", "1000"),
    ("RATE_LIMIT_PER_SECOND", "100000"),
    ("RATE_LIMIT_BURST", "100000"),
    ("RATE_LIMIT_USER_POINTS", "1000000"),
];

/// A command for the binary that sees none of the developer's settings: every variable any of its
/// arguments reads is removed (the test passes its own), and so is the log format.
pub fn bin_command() -> Command {
    use clap::CommandFactory;
    fn remove_all(cmd: &clap::Command, out: &mut Command) {
        for arg in cmd.get_arguments() {
            if let Some(name) = arg.get_env() {
                out.env_remove(name);
            }
        }
        for sub in cmd.get_subcommands() {
            remove_all(sub, out);
        }
    }
    let mut out = Command::new(BIN);
    remove_all(&roadmap_api::config::Cli::command(), &mut out);
    out.env_remove("LOG_FORMAT").env_remove("RUST_LOG");
    out
}

enum Server {
    /// Served by a task of the test's runtime; dropping the sender stops it (gracefully).
    InProcess {
        _stop: tokio::sync::oneshot::Sender<()>,
    },
    /// The `roadmap-api serve` binary, with everything it writes to stdout and stderr.
    Process {
        child: Child,
        logs: Arc<Mutex<String>>,
    },
}

pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub db: Arc<TestDb>,
    server: Server,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Server::Process { child, .. } = &mut self.server {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The server in this process, on a fresh database, with the test defaults.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The server in this process, on a fresh database, with the test defaults as `configure` changes
/// them: `spawn_app_with(|s| s.hardening.max_batch_size = 3)`.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_on_with(Arc::new(TestDb::new().await), configure).await
}

/// The server in this process on an existing test database (several may share one), with the
/// test defaults.
pub async fn spawn_on(db: Arc<TestDb>) -> TestApp {
    spawn_on_with(db, |_| {}).await
}

/// The server in this process on an existing test database, with the test defaults as
/// `configure` changes them.
pub async fn spawn_on_with(db: Arc<TestDb>, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = test_settings(&db);
    configure(&mut settings);
    start_in_process(db, settings).await
}

/// Starts a server with these settings in this process on `db`.
async fn start_in_process(db: Arc<TestDb>, settings: Settings) -> TestApp {
    let app = Application::build(settings)
        .await
        .unwrap_or_else(|e| panic!("server did not start: {e}"));
    let address = app.address();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        address: format!("http://{address}"),
        port: address.port(),
        client: reqwest::Client::new(),
        db,
        server: Server::InProcess { _stop: stop },
    }
}

/// The `roadmap-api serve` binary as a child process on a fresh database, told its settings the
/// way an operator tells it: by environment variables (`PROCESS_DEFAULTS`, the database's, then
/// `env`, a later one winning), which is why this path takes variables and not `Settings`. Only for
/// tests of what the process itself does (its log output, being killed); everything else uses
/// `spawn_app`.
pub async fn spawn_process(env: &[(&str, &str)]) -> TestApp {
    spawn_process_on(Arc::new(TestDb::new().await), env).await
}

/// The binary as a child process on an existing test database (e.g. restarted after a crash).
pub async fn spawn_process_on(db: Arc<TestDb>, env: &[(&str, &str)]) -> TestApp {
    let mut cmd = bin_command();
    cmd.arg("serve")
        .env("RUST_LOG", "info,sqlx=warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in PROCESS_DEFAULTS {
        cmd.env(k, v);
    }
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
    let port = addr
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .expect("port in the log line");
    TestApp {
        address: format!("http://{addr}"),
        port,
        client: reqwest::Client::new(),
        db,
        server: Server::Process { child, logs },
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Kills the server process with SIGKILL (`spawn_process` only): no shutdown, no flushing.
    pub fn kill(&mut self) {
        match &mut self.server {
            Server::Process { child, .. } => {
                child.kill().expect("SIGKILL the server");
                let _ = child.wait();
            }
            Server::InProcess { .. } => panic!("kill() needs spawn_process"),
        }
    }

    /// What the server process wrote (`spawn_process` only: an in-process server has no output of
    /// its own).
    pub fn logs(&self) -> String {
        match &self.server {
            Server::Process { logs, .. } => logs.lock().map(|l| l.clone()).unwrap_or_default(),
            Server::InProcess { .. } => panic!("logs() needs spawn_process"),
        }
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

    /// Runs the CLI (the binary) against this app's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = bin_command();
        cmd.args(args);
        for (k, v) in self.db.env() {
            cmd.env(k, v);
        }
        cmd.output().expect("run CLI")
    }

    /// Runs the CLI with `input` on standard input.
    pub fn cli_with_stdin(&self, args: &[&str], input: &str) -> std::process::Output {
        use std::io::Write;
        let mut cmd = bin_command();
        cmd.args(args)
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
