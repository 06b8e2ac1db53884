//! Headless Chromium for browser tests, driven over WebDriver: Debian's `chromium` and
//! `chromedriver` (package chromium-driver), through fantoccini. Chromium starts with a fresh
//! profile in a temporary directory and with every host but 127.0.0.1 unresolvable, so a page
//! that needs the internet fails the test.
//!
//! Without the two programs a test skips (a notice on stderr), unless `CI=true`: then it fails.
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::error::CmdError;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};
use tempfile::TempDir;

/// How long chromedriver may take to say which port it listens on.
const DRIVER_START: Duration = Duration::from_secs(30);
/// Starts of chromedriver before a test gives up.
const DRIVER_TRIES: usize = 3;

/// Chromium's switches: headless, no sandbox (tests may run as root), nothing that phones home,
/// and no name resolution except for the loopback address the test server listens on.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
];

/// The path of `name` on PATH, if it is there.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Chromium and chromedriver, or `None` when one is missing and the test should skip. On CI
/// (`CI=true`) a missing program fails the test instead: CI must run it.
pub fn chromium_or_skip(test: &str) -> Option<(PathBuf, PathBuf)> {
    let found = (on_path("chromium"), on_path("chromedriver"));
    if let (Some(chromium), Some(driver)) = found {
        return Some((chromium, driver));
    }
    let missing = match found {
        (None, None) => "chromium and chromedriver",
        (None, _) => "chromium",
        _ => "chromedriver",
    };
    let message = format!("{missing} not found (apt-get install chromium chromium-driver)");
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{test}: CI=true, and the browser test must run there: {message}");
    }
    // Straight to stderr, not eprintln!: the test harness would swallow that for a passing test.
    let _ = writeln!(std::io::stderr(), "skipping browser test {test}: {message}");
    None
}

/// A WebDriver session on a headless Chromium. Call [`Browser::close`] at the end; if a test
/// panics first, `Drop` kills chromedriver and Chromium (their own process group) and the
/// profile directory goes with the `TempDir`.
pub struct Browser {
    client: Option<Client>,
    driver: Child,
    /// Chromium's profile, and its TMPDIR (so it leaves nothing in /tmp).
    profile: TempDir,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a session on a fresh headless Chromium.
    pub async fn start(chromium: &std::path::Path, chromedriver: &std::path::Path) -> Browser {
        use std::os::unix::process::CommandExt;
        let profile = tempfile::Builder::new()
            .prefix("roadmap-chromium-")
            .tempdir()
            .expect("temp dir for the Chromium profile");
        // A chromedriver that does not come up (seen once in CI, with every test of the suite
        // starting at once on two cores) is killed and started again, up to three times.
        let mut started = None;
        for _ in 0..DRIVER_TRIES {
            let mut driver = Command::new(chromedriver)
                .arg("--port=0")
                .env("TMPDIR", profile.path())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                // Its own process group, with the Chromium it starts: `Drop` ends them together.
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
            match driver_port(&mut driver) {
                Some(port) => {
                    started = Some((driver, port));
                    break;
                }
                None => {
                    let _ = driver.kill();
                    let _ = driver.wait();
                }
            }
        }
        let Some((driver, port)) = started else {
            panic!("chromedriver did not report its port within {DRIVER_START:?}, {DRIVER_TRIES} times");
        };
        let mut browser = Browser {
            client: None,
            driver,
            profile,
        };
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|s| s.to_string()).collect();
        args.push(format!(
            "--user-data-dir={}",
            browser.profile.path().join("profile").display()
        ));
        let caps: Capabilities = serde_json::from_value(json!({
            "browserName": "chrome",
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": { "binary": chromium, "args": args },
        }))
        .expect("capabilities");
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("no WebDriver session on chromedriver: {e}"));
        browser.client = Some(client);
        browser
    }

    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("session open")
    }

    /// A Chrome DevTools Protocol command, through chromedriver's `goog/cdp/execute`.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value, CmdError> {
        self.client()
            .issue_cmd(SessionPost {
                path: "goog/cdp/execute",
                body: json!({ "cmd": cmd, "params": params }),
            })
            .await
    }

    /// The browser's log since the last call (console messages, CSP reports, failed loads):
    /// entries `{level, message, source, timestamp}`.
    pub async fn log(&self) -> Result<Vec<Value>, CmdError> {
        let entries = self
            .client()
            .issue_cmd(SessionPost {
                path: "se/log",
                body: json!({ "type": "browser" }),
            })
            .await?;
        Ok(entries.as_array().cloned().unwrap_or_default())
    }

    /// Ends the session (Chromium quits), then chromedriver.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            if let Err(e) = client.close().await {
                eprintln!("closing the WebDriver session: {e}");
            }
        }
        // Drop stops chromedriver and removes the profile.
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole group: chromedriver and, if the session was not closed, Chromium.
        if let Ok(pid) = i32::try_from(self.driver.id()) {
            // SAFETY: kill(2) with a negative pid signals that process group; the group is the
            // one chromedriver was started in (process_group(0) made it its leader).
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        let _ = self.driver.wait();
    }
}

/// Reads chromedriver's stdout until it says "… started successfully on port N", in a thread
/// that keeps draining the pipe afterwards.
fn driver_port(driver: &mut Child) -> Option<u16> {
    let stdout = driver.stdout.take()?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let port = line
                .split("started successfully on port ")
                .nth(1)
                .and_then(|rest| rest.trim_end_matches('.').trim().parse::<u16>().ok());
            if let Some(port) = port {
                if let Some(sender) = tx.take() {
                    let _ = sender.send(port);
                }
            }
        }
    });
    rx.recv_timeout(DRIVER_START).ok()
}

/// `POST /session/{id}/<path>` with a JSON body: chromedriver's own commands that fantoccini has
/// no method for.
#[derive(Debug)]
struct SessionPost {
    path: &'static str,
    body: Value,
}

impl WebDriverCompatibleCommand for SessionPost {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/{}", self.path))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// Runs before any script of every page: records CSP violations and uncaught errors.
pub const WATCH_PAGE: &str = r#"
window.__violations = [];
window.__errors = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI);
});
window.addEventListener('error', function (e) {
  window.__errors.push(String(e.message || (e.target && (e.target.src || e.target.href))));
}, true);
window.addEventListener('unhandledrejection', function (e) {
  window.__errors.push('unhandled rejection: ' + String(e.reason));
});
"#;

/// Runs `script` (returning a value, or null while not ready) until it returns non-null, for up
/// to a minute.
pub async fn poll_script(browser: &Browser, what: &str, script: &str) -> Result<Value, String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let value = browser
            .client()
            .execute(script, vec![])
            .await
            .map_err(|e| format!("{what}: {e}"))?;
        if !value.is_null() {
            return Ok(value);
        }
        if Instant::now() > deadline {
            let log = browser.log().await.unwrap_or_default();
            return Err(format!(
                "timed out waiting for {what}; browser log: {log:#?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
