//! Read replicas against a real streaming standby the test makes itself (PostgreSQL only): a
//! primary cluster (`initdb`) and a hot standby of it (`pg_basebackup -R -X stream`) that applies
//! commits 300 ms late on purpose. Queries land on the standby; a learner's reads after their own
//! writes are never stale, on the process they wrote through and on another one given the
//! `Read-After-Lsn` they were sent; stopping the standby fails no request. Skips with a notice
//! without TEST_DB=postgres or without PostgreSQL's server programs (`.ci/run` installs them).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::progress::*;
use crate::helpers::*;

/// PostgreSQL's server programs (`initdb`, `pg_ctl`, `pg_basebackup`), newest version first.
fn server_bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists() && bin.join("pg_basebackup").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A primary and its standby in a directory of their own; stopped and removed on drop.
struct Clusters {
    bin: PathBuf,
    root: tempfile::TempDir,
    primary_port: u16,
    standby_port: u16,
    as_postgres: bool,
}

impl Clusters {
    /// Runs a server program (as the `postgres` user when the test runs as root: PostgreSQL
    /// refuses to run as root).
    fn run(&self, program: &str, args: &[&str]) -> std::process::Output {
        let path = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let out = cmd.args(args).output().expect("run a PostgreSQL program");
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn dir(&self, name: &str) -> String {
        self.root.path().join(name).display().to_string()
    }

    fn start(&self, data: &str, port: u16) {
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c wal_level=replica \
             -c max_wal_senders=4 -c fsync=off",
            self.dir("sock")
        );
        let log = format!("{}.log", self.dir(data));
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.dir(data),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
    }

    fn stop(&self, data: &str) {
        let path = self.bin.join("pg_ctl");
        let data = self.dir(data);
        let args = ["-D", data.as_str(), "-m", "immediate", "-w", "stop"];
        let _ = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&path)
                .args(args)
                .output()
        } else {
            Command::new(&path).args(args).output()
        };
    }

    fn make(bin: PathBuf) -> Clusters {
        let root = tempfile::tempdir().expect("temp dir");
        let as_postgres = is_root();
        if as_postgres {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o777))
                .expect("open the cluster directory to the postgres user");
        }
        let clusters = Clusters {
            bin,
            root,
            primary_port: free_port(),
            standby_port: free_port(),
            as_postgres,
        };
        let (primary, standby, sock) = (
            clusters.dir("primary"),
            clusters.dir("standby"),
            clusters.dir("sock"),
        );
        clusters.run(
            "initdb",
            &[
                "-D",
                &primary,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
        );
        std::fs::create_dir_all(&sock).expect("socket directory");
        if as_postgres {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o777))
                .expect("socket directory mode");
        }
        let hba = Path::new(&primary).join("pg_hba.conf");
        let mut text = std::fs::read_to_string(&hba).expect("pg_hba.conf");
        text.push_str("\nhost replication all 127.0.0.1/32 trust\n");
        std::fs::write(&hba, text).expect("write pg_hba.conf");
        clusters.start("primary", clusters.primary_port);
        let port = clusters.primary_port.to_string();
        clusters.run(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-D",
                &standby,
                "-R",
                "-X",
                "stream",
            ],
        );
        let auto = Path::new(&standby).join("postgresql.auto.conf");
        let mut text = std::fs::read_to_string(&auto).expect("postgresql.auto.conf");
        text.push_str("\nrecovery_min_apply_delay = '300ms'\n");
        std::fs::write(&auto, text).expect("write postgresql.auto.conf");
        clusters.start("standby", clusters.standby_port);
        clusters
    }

    fn url(port: u16) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/postgres")
    }
}

impl Drop for Clusters {
    fn drop(&mut self) {
        self.stop("standby");
        self.stop("primary");
    }
}

async fn spawn_reader(clusters: &Clusters, db: &Arc<TestDb>) -> TestApp {
    let db = db.clone();
    let replica = Clusters::url(clusters.standby_port);
    spawn_on_with(db, |s| {
        s.db.read_urls = vec![replica.as_str().into()];
        s.db.replica_max_lag = Duration::from_secs(10);
        s.db.acquire_timeout = Duration::from_secs(2);
        s.cache.response_cache_bytes = 0;
    })
    .await
}

async fn replica_reads(app: &TestApp) -> f64 {
    app.metric("roadmap_db_reads_total{database=\"replica\",replica=\"0\"}")
        .await
}

/// `myProgress.done` on backend as `token`, echoing `read_after` when given.
async fn done_count(app: &TestApp, token: &str, read_after: Option<&str>) -> i64 {
    let mut req = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": crate::helpers::ops::MY_ROADMAP_PROGRESS,
                       "variables": { "slug": "backend" } }));
    if let Some(lsn) = read_after {
        req = req.header("read-after-lsn", lsn);
    }
    let body: Value = req.send().await.expect("read").json().await.expect("json");
    ok(&body)["roadmap"]["myProgress"]["done"]
        .as_i64()
        .unwrap_or_else(|| panic!("no done count (read after {read_after:?}) in {body}"))
}

#[tokio::test]
async fn reads_go_to_a_standby_never_stale_and_survive_it_stopping() {
    if backend() != Backend::Postgres {
        eprintln!("skipped: read replicas need TEST_DB=postgres");
        return;
    }
    let Some(bin) = server_bin_dir() else {
        // `.ci/run` installs them and sets REPLICA_TEST_REQUIRED: there, missing is a failure.
        assert!(
            std::env::var_os("REPLICA_TEST_REQUIRED").is_none(),
            "REPLICA_TEST_REQUIRED is set but there is no initdb/pg_basebackup under \
             /usr/lib/postgresql/*/bin"
        );
        eprintln!("skipped: no initdb/pg_basebackup under /usr/lib/postgresql/*/bin");
        return;
    };
    let clusters = tokio::task::spawn_blocking(move || Clusters::make(bin))
        .await
        .expect("make the clusters");
    // Two stateless processes over the same primary and standby (and the same JWT secret).
    let db = Arc::new(TestDb::at(Clusters::url(clusters.primary_port)));
    let a = spawn_reader(&clusters, &db).await;
    let b = spawn_reader(&clusters, &db).await;

    // Anonymous reads land on the standby once it has replayed the migrations and the seed.
    let landed = eventually(Duration::from_secs(30), || async {
        let body = a
            .gql("{ roadmap(slug: \"backend\") { title } }", json!({}))
            .await;
        body["data"]["roadmap"]["title"] == "Backend Developer" && replica_reads(&a).await > 0.0
    })
    .await;
    assert!(landed, "no read landed on the standby");
    assert!(a.metric("roadmap_db_replica_up{replica=\"0\"}").await == 1.0);

    // 60 write-then-read pairs by one learner: through the same process (it remembers the
    // write), and through the other one given the `Read-After-Lsn` the write answered.
    let learner = a.signup("reader").await;
    let token = &learner.access_token;
    let (_, topics) = topics_of(&a, "backend").await;
    let mut last = String::new();
    for (i, (topic_id, _)) in topics.iter().take(60).enumerate() {
        let write = a
            .client
            .post(a.url("/graphql"))
            .bearer_auth(token)
            .json(&json!({ "query": crate::helpers::ops::SET_TOPIC_STATUS,
                           "variables": { "id": topic_id, "s": "DONE" } }))
            .send()
            .await
            .expect("write");
        let lsn = write
            .headers()
            .get("read-after-lsn")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .expect("a signed-in mutation answers its Read-After-Lsn");
        let body: Value = write.json().await.expect("json");
        assert_eq!(ok(&body)["setTopicStatus"]["status"], "DONE");
        let want = i as i64 + 1;
        let (reader, echo) = if i % 2 == 0 {
            (&a, None)
        } else {
            (&b, Some(lsn.as_str()))
        };
        assert_eq!(
            done_count(reader, token, echo).await,
            want,
            "pair {i} read a stale count"
        );
        last = lsn;
    }
    // Once the standby has replayed them, the learner's own reads go there too, and agree.
    let before = replica_reads(&b).await;
    let caught_up = eventually(Duration::from_secs(30), || async {
        done_count(&b, token, Some(&last)).await == 60 && replica_reads(&b).await > before
    })
    .await;
    assert!(caught_up, "the learner's reads never went to the standby");

    // The standby stops: no request fails, and /readyz says which replica is down.
    let cl = &clusters;
    tokio::task::spawn_blocking({
        let data = cl.dir("standby");
        let bin = cl.bin.join("pg_ctl");
        let as_postgres = cl.as_postgres;
        move || {
            let args = ["-D", data.as_str(), "-m", "immediate", "-w", "stop"];
            let out = if as_postgres {
                Command::new("runuser")
                    .args(["-u", "postgres", "--"])
                    .arg(&bin)
                    .args(args)
                    .output()
            } else {
                Command::new(&bin).args(args).output()
            };
            assert!(out.is_ok_and(|o| o.status.success()), "stop the standby");
        }
    })
    .await
    .expect("stop the standby");
    for _ in 0..40 {
        assert_eq!(done_count(&a, token, None).await, 60);
        let body = b
            .gql("{ roadmap(slug: \"backend\") { title } }", json!({}))
            .await;
        assert_eq!(
            body["data"]["roadmap"]["title"], "Backend Developer",
            "{body}"
        );
    }
    let reported = eventually(Duration::from_secs(10), || async {
        let text = a
            .client
            .get(a.url("/readyz"))
            .send()
            .await
            .expect("readyz")
            .text()
            .await
            .unwrap_or_default();
        text.starts_with("ready") && text.contains(": down")
    })
    .await;
    assert!(reported, "/readyz does not report the stopped replica");
    assert!(a.metric("roadmap_db_replica_up{replica=\"0\"}").await == 0.0);
    drop((a, b));
    drop(clusters);
}
