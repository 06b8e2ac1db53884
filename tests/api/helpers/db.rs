//! A database of its own for each test: a temp SQLite file, or a fresh PostgreSQL database.

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

    /// A database the test made itself (a cluster of its own): used as is, never dropped here.
    pub fn at(url: String) -> TestDb {
        TestDb {
            url: Some(url),
            data_dir: tempfile::tempdir().expect("temp dir"),
            pg_name: None,
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

    /// The settings that point an in-process server at this database: the binary's defaults on
    /// its data directory, and its URL when it has one (`test_settings` adds the test defaults).
    pub fn settings(&self) -> roadmap_api::config::Settings {
        let mut settings = roadmap_api::config::Settings::for_tests(self.data_dir.path());
        if let Some(url) = &self.url {
            settings.db.url = url.clone().into();
            settings.db.embedded = false;
        }
        settings
    }

    /// The environment variables that point the binary (a child-process server, or the CLI) at
    /// this database.
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
