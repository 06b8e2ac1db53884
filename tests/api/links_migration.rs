//! Progress recorded before link groups existed survives the migrations that add them, unchanged,
//! and a server on the migrated database links topics over it (the pointing topic takes the
//! root's status). Groups of the old symmetric kind become a root with the others pointing at it,
//! without changing any learner's status.

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
    let app = spawn_on(test_db.clone()).await;
    let admin = app.admin_token().await;
    let topic = |k: &str| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Topic:{k}"))
    };
    let body = app
        .gql_as(
            &admin,
            "mutation($id: ID!, $to: ID) { setTopicSameAs(topicId: $id, sameAsId: $to) { key } }",
            json!({ "id": topic("old-b-git"), "to": topic("old-a-git") }),
        )
        .await;
    assert_eq!(ok(&body)["setTopicSameAs"]["key"], "old-b-git");
    let db = test_db.connect().await;
    let after: Vec<(i32, String, String)> = rows(&db)
        .await
        .into_iter()
        .map(|(u, t, _, s, _)| (u, t, s))
        .collect();
    let want: Vec<(i32, String, String)> = [
        (901, "old-a-git", "DONE"),
        (901, "old-b-git", "DONE"),
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

/// Migrations before `m20261206_000010_same_as_links`.
const BEFORE_SAME_AS: u32 = 16;

/// An old symmetric group of three topics (a user's, an official one, another user's) becomes a
/// root (the official topic) with the two others pointing at it; every progress row is unchanged
/// and a status write on any member still reaches all three.
#[tokio::test]
async fn old_groups_become_a_root_and_pointers_without_changing_any_status() {
    let test_db = Arc::new(TestDb::new().await);
    let db = test_db.connect().await;
    migration::Migrator::up(&db, Some(BEFORE_SAME_AS))
        .await
        .unwrap();
    let now = "2026-11-20T10:00:00+00:00";
    let mut script = vec![format!(
        "INSERT INTO users (id, email, username, username_key, display_name, password_hash, \
         role, created_at, updated_at) VALUES \
         (911, 'grp1@example.com', 'grp1', 'grp1', 'Grp One', 'x', 'USER', '{now}', '{now}'), \
         (912, 'grp2@example.com', 'grp2', 'grp2', 'Grp Two', 'x', 'USER', '{now}', '{now}')"
    )];
    for (id, slug, owner) in [
        (911, "grp-mine", "911"),
        (912, "grp-official", "NULL"),
        (913, "grp-theirs", "912"),
    ] {
        script.push(format!(
            "INSERT INTO roadmaps (id, slug, title, brief_title, description, brief_description, \
             sort_order, kind, status, is_forkable, has_topics, seo_keywords, related_questions, \
             owner_id, visibility, created_at, updated_at) VALUES ({id}, '{slug}', '{slug}', \
             '{slug}', 'd', 'b', 90, 'SKILL', 'PUBLISHED', true, true, '[]', '[]', {owner}, \
             'PUBLIC', '{now}', '{now}')"
        ));
        script.push(format!(
            "INSERT INTO topics (id, roadmap_id, kind, title, description, position, \
             created_at, updated_at) VALUES ('{slug}-git', {id}, 'TOPIC', 'Git', '', 0, \
             '{now}', '{now}')"
        ));
        script.push(format!(
            "INSERT INTO topic_links (topic_id, group_id, created_at) VALUES \
             ('{slug}-git', 'oldgroup', '{now}')"
        ));
    }
    // The rows of a group show one status per learner (fan-out).
    script.push(
        "INSERT INTO progress (user_id, topic_id, roadmap_id, status, updated_at) VALUES \
         (911, 'grp-mine-git', 911, 'DONE', '2026-11-01T10:00:00+00:00'), \
         (911, 'grp-official-git', 912, 'DONE', '2026-11-01T10:00:00+00:00'), \
         (911, 'grp-theirs-git', 913, 'DONE', '2026-11-01T10:00:00+00:00'), \
         (912, 'grp-theirs-git', 913, 'LEARNING', '2026-11-02T10:00:00+00:00'), \
         (912, 'grp-official-git', 912, 'LEARNING', '2026-11-02T10:00:00+00:00')"
            .to_owned(),
    );
    for sql in &script {
        db.execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let before = rows(&db).await;
    migration::Migrator::up(&db, None).await.unwrap();
    assert_eq!(rows(&db).await, before, "the migration changed progress");
    let links: Vec<(String, String)> = db
        .query_all(Statement::from_string(
            db.get_database_backend(),
            "SELECT topic_id, group_id FROM topic_links ORDER BY topic_id",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.try_get("", "topic_id").unwrap(),
                r.try_get("", "group_id").unwrap(),
            )
        })
        .collect();
    let root = "grp-official-git".to_owned();
    assert_eq!(
        links,
        vec![
            ("grp-mine-git".to_owned(), root.clone()),
            (root.clone(), root.clone()),
            ("grp-theirs-git".to_owned(), root.clone()),
        ]
    );
    db.close().await.ok();

    let app = spawn_on(test_db.clone()).await;
    let topic = |k: &str| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Topic:{k}"))
    };
    let body = app
        .gql(
            "query($id: ID!) { topic(id: $id) { sameAs { key } linkedTopics { key } } }",
            json!({ "id": topic("grp-mine-git") }),
        )
        .await;
    assert_eq!(
        ok(&body)["topic"]["sameAs"]["key"],
        "grp-official-git",
        "{body}"
    );
    assert_eq!(
        ok(&body)["topic"]["linkedTopics"].as_array().unwrap().len(),
        2
    );
}
