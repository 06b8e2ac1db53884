//! Progress recorded before link groups existed survives the migrations that add them, unchanged,
//! and a server on the migrated database links topics over it (the most recent status wins).

use std::sync::Arc;

use migration::MigratorTrait;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::helpers::progress::ok;
use crate::helpers::*;

/// Migrations before `m20261130_000050_authoring`, which adds `topic_links`.
const BEFORE_LINKS: u32 = 11;

/// (user_id, topic_id, roadmap_id, status, updated_at), as stored.
type Row = (i32, String, i32, String, chrono::DateTime<chrono::Utc>);

async fn rows(db: &sea_orm::DatabaseConnection) -> Vec<Row> {
    let stmt = Statement::from_string(
        db.get_database_backend(),
        "SELECT user_id, topic_id, roadmap_id, status, updated_at FROM progress \
         ORDER BY user_id, topic_id",
    );
    db.query_all(stmt)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.try_get("", "user_id").unwrap(),
                r.try_get("", "topic_id").unwrap(),
                r.try_get("", "roadmap_id").unwrap(),
                r.try_get("", "status").unwrap(),
                r.try_get("", "updated_at").unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn progress_from_before_links_migrates_unchanged_and_links_over_it() {
    let test_db = Arc::new(TestDb::new().await);
    let db = test_db.connect().await;
    migration::Migrator::up(&db, Some(BEFORE_LINKS))
        .await
        .unwrap();
    let now = "2026-11-20T10:00:00+00:00";
    let mut script = vec![format!(
        "INSERT INTO users (id, email, username, username_key, display_name, password_hash, \
             role, created_at, updated_at) VALUES \
             (901, 'old1@example.com', 'old1', 'old1', 'Old One', 'x', 'USER', '{now}', '{now}'), \
             (902, 'old2@example.com', 'old2', 'old2', 'Old Two', 'x', 'USER', '{now}', '{now}')"
    )];
    for (id, slug) in [(901, "old-a"), (902, "old-b")] {
        script.push(format!(
            "INSERT INTO roadmaps (id, slug, title, brief_title, description, brief_description, \
             sort_order, kind, status, is_forkable, has_topics, seo_keywords, related_questions, \
             created_at, updated_at) VALUES ({id}, '{slug}', '{slug}', '{slug}', 'd', 'b', 90, \
             'SKILL', 'PUBLISHED', true, true, '[]', '[]', '{now}', '{now}')"
        ));
        for (n, title) in ["git", "other"].iter().enumerate() {
            script.push(format!(
                "INSERT INTO topics (id, roadmap_id, kind, title, description, position, \
                 created_at, updated_at) VALUES ('{slug}-{title}', {id}, 'TOPIC', '{title}', '', \
                 {n}, '{now}', '{now}')"
            ));
        }
    }
    // User 901: DONE on a's git (older), LEARNING on b's git (newer); 902: SKIPPED on a's only.
    script.push(
        "INSERT INTO progress (user_id, topic_id, roadmap_id, status, updated_at) VALUES \
         (901, 'old-a-git', 901, 'DONE', '2026-11-01T10:00:00+00:00'), \
         (901, 'old-b-git', 902, 'LEARNING', '2026-11-02T10:00:00+00:00'), \
         (901, 'old-b-other', 902, 'DONE', '2026-11-03T10:00:00+00:00'), \
         (902, 'old-a-git', 901, 'SKIPPED', '2026-11-04T10:00:00+00:00')"
            .to_owned(),
    );
    for sql in &script {
        db.execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let before = rows(&db).await;
    assert_eq!(before.len(), 4);
    migration::Migrator::up(&db, None).await.unwrap();
    assert_eq!(rows(&db).await, before, "the migrations changed progress");
    db.close().await.ok();

    // A server on the migrated database links the two gits over the API.
    let app = spawn_on(test_db.clone(), &[]).await;
    let admin = app.admin_token().await;
    let topic = |k: &str| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Topic:{k}"))
    };
    let body = app
        .gql_as(
            &admin,
            "mutation($ids: [ID!]!) { linkTopics(topicIds: $ids) { key } }",
            json!({ "ids": [topic("old-a-git"), topic("old-b-git")] }),
        )
        .await;
    assert_eq!(ok(&body)["linkTopics"].as_array().unwrap().len(), 2);
    let db = test_db.connect().await;
    let after: Vec<(i32, String, String)> = rows(&db)
        .await
        .into_iter()
        .map(|(u, t, _, s, _)| (u, t, s))
        .collect();
    let want: Vec<(i32, String, String)> = [
        (901, "old-a-git", "LEARNING"),
        (901, "old-b-git", "LEARNING"),
        (901, "old-b-other", "DONE"),
        (902, "old-a-git", "SKIPPED"),
        (902, "old-b-git", "SKIPPED"),
    ]
    .into_iter()
    .map(|(u, t, s)| (u, t.to_owned(), s.to_owned()))
    .collect();
    assert_eq!(after, want);
    db.close().await.ok();
}
