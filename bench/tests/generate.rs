//! `roadmap-bench generate`: the benchmark data set, written through the CLI into fresh databases
//! (SQLite, or PostgreSQL with TEST_DB=postgres) and read back from them. Read with SQL rather
//! than over HTTP: this crate cannot build the server binary for its tests, and the rows are the
//! generator's contract (the server's own tests cover reading them).
use std::collections::HashMap;
use std::process::{Command, Output};

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use entity::{progress, resources, roadmaps, topics, users};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};

const BIN: &str = env!("CARGO_BIN_EXE_roadmap-bench");

fn admin_pg_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn postgres() -> bool {
    matches!(
        std::env::var("TEST_DB").as_deref(),
        Ok("postgres") | Ok("pg")
    )
}

/// A database for one test: a temp SQLite file, or a fresh PostgreSQL database dropped at the end.
struct TestDb {
    data_dir: tempfile::TempDir,
    pg_name: Option<String>,
}

impl TestDb {
    async fn new() -> TestDb {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let pg_name = if postgres() {
            let name = format!("rmtest_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(admin_pg_url())
                .await
                .expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            Some(name)
        } else {
            None
        };
        TestDb { data_dir, pg_name }
    }

    fn url(&self) -> String {
        match &self.pg_name {
            Some(name) => {
                let base = admin_pg_url();
                let root = base.rsplit_once('/').map_or(base.as_str(), |(r, _)| r);
                format!("{root}/{name}")
            }
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.path().join("roadmap.db").display()
            ),
        }
    }

    fn generate(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .arg("generate")
            .args(args)
            .env("DATA_DIR", self.data_dir.path())
            .env("DATABASE_URL", self.url())
            .output()
            .expect("run roadmap-bench")
    }

    async fn connect(&self) -> DatabaseConnection {
        Database::connect(self.url()).await.expect("connect")
    }

    async fn drop_pg(self) {
        if let Some(name) = &self.pg_name {
            if let Ok(admin) = Database::connect(admin_pg_url()).await {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
                let _ = admin.close().await;
            }
        }
    }
}

/// The largest roadmap's topics and resources.
async fn largest(db: &DatabaseConnection) -> (Vec<topics::Model>, Vec<resources::Model>) {
    let roadmap = roadmaps::Entity::find()
        .filter(roadmaps::Column::Slug.eq("gen-000"))
        .one(db)
        .await
        .expect("query")
        .expect("gen-000 exists");
    let t = topics::Entity::find()
        .filter(topics::Column::RoadmapId.eq(roadmap.id))
        .order_by_asc(topics::Column::Id)
        .all(db)
        .await
        .expect("topics");
    let ids: Vec<entity::ids::TopicKey> = t.iter().map(|t| t.id.clone()).collect();
    let r = resources::Entity::find()
        .filter(resources::Column::TopicId.is_in(ids))
        .order_by_asc(resources::Column::Id)
        .all(db)
        .await
        .expect("resources");
    (t, r)
}

/// Depth of every topic, roots at 1.
fn deepest(topics: &[topics::Model]) -> usize {
    let parent: HashMap<&str, Option<&str>> = topics
        .iter()
        .map(|t| (t.id.as_str(), t.parent_id.as_ref().map(|p| p.as_str())))
        .collect();
    let mut max = 0;
    for t in topics {
        let (mut depth, mut at) = (1, t.parent_id.as_ref().map(|p| p.as_str()));
        while let Some(p) = at {
            depth += 1;
            assert!(depth <= topics.len(), "a cycle through {p}");
            at = parent.get(p).copied().flatten();
        }
        max = max.max(depth);
    }
    max
}

#[tokio::test]
async fn generates_the_stated_data_set_deterministically_and_only_once() {
    let a = TestDb::new().await;
    let b = TestDb::new().await;
    for db in [&a, &b] {
        let out = db.generate(&["--users", "30", "--progress", "3000"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (da, dbb) = (a.connect().await, b.connect().await);

    // 91 roadmaps; the largest exactly 301 topics and 692 resources, nested at most three levels.
    assert_eq!(
        roadmaps::Entity::find().count(&da).await.expect("count"),
        91
    );
    let (tree, res) = largest(&da).await;
    assert_eq!((tree.len(), res.len()), (301, 692));
    assert!(deepest(&tree) <= 3, "nested {} levels", deepest(&tree));

    // Same seed, same data: the other database holds the very same rows.
    assert_eq!(largest(&dbb).await, (tree, res));
    let all_progress = |db| {
        progress::Entity::find()
            .order_by_asc(progress::Column::UserId)
            .order_by_asc(progress::Column::TopicId)
            .all(db)
    };
    let pa = all_progress(&da).await.expect("progress");
    assert_eq!(pa, all_progress(&dbb).await.expect("progress"));

    // Generated learners can sign in: the stored hash is the shared password's.
    let user1 = users::Entity::find()
        .filter(users::Column::Email.eq("user1@bench.example"))
        .one(&da)
        .await
        .expect("query")
        .expect("user1 exists");
    let hash = PasswordHash::new(&user1.password_hash).expect("a PHC string");
    assert!(Argon2::default()
        .verify_password(b"bench-password-123", &hash)
        .is_ok());

    // user1 has progress on 50 roadmaps at every scale, some but not all of each one's topics.
    let mut per_roadmap: HashMap<entity::ids::RoadmapId, usize> = HashMap::new();
    for p in pa.iter().filter(|p| p.user_id == user1.id) {
        *per_roadmap.entry(p.roadmap_id).or_default() += 1;
    }
    assert_eq!(per_roadmap.len(), 50);
    for (roadmap, marked) in per_roadmap {
        let total = topics::Entity::find()
            .filter(topics::Column::RoadmapId.eq(roadmap))
            .count(&da)
            .await
            .expect("count") as usize;
        assert!(marked > 0 && marked <= total, "{marked} of {total}");
    }

    // A second run into the same database is refused and writes nothing.
    let again = a.generate(&["--users", "1", "--progress", "0"]);
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already holds generated data"), "{stderr}");
    assert_eq!(
        roadmaps::Entity::find().count(&da).await.expect("count"),
        91
    );

    da.close().await.ok();
    dbb.close().await.ok();
    a.drop_pg().await;
    b.drop_pg().await;
}
