//! Links become claims: a topic points at one canonical topic it is "the same as".
//!
//! `topic_links` keeps its shape, with a new meaning: `group_id` is the key of the group's root
//! (the canonical topic). A row whose `group_id` is its own `topic_id` is a root (present while
//! some topic points at it); any other row is a pointer `topic_id → group_id`. Chains cannot
//! exist: a root points nowhere.
//!
//! Every existing group becomes a root with the others pointing at it: the root is a live topic
//! of an official roadmap if the group has one, else the oldest live topic (ties: smallest key).
//! Progress is not touched: the group's rows already showed one status per learner, so nobody's
//! status changes.
//!
//! `progress_events.cause` says why a status changed: NULL for the learner's own change,
//! `LINKED` for one made by a topic's editor pointing it at another topic.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const STEPS: &[&str] = &[
    // The root of each old group, chosen before any row moves (SQLite updates row by row, so a
    // correlated choice inside the UPDATE would see half-moved groups).
    "CREATE TABLE topic_link_roots AS SELECT g.group_id AS group_id, \
     (SELECT l.topic_id FROM topic_links l JOIN topics t ON t.id = l.topic_id \
     JOIN roadmaps r ON r.id = t.roadmap_id WHERE l.group_id = g.group_id \
     ORDER BY CASE WHEN t.deleted_at IS NULL AND r.deleted_at IS NULL THEN 0 ELSE 1 END, \
     CASE WHEN r.owner_id IS NULL AND r.team_id IS NULL THEN 0 ELSE 1 END, \
     t.created_at, l.topic_id LIMIT 1) AS root_id \
     FROM (SELECT DISTINCT group_id FROM topic_links) g",
    "UPDATE topic_links SET group_id = (SELECT x.root_id FROM topic_link_roots x \
     WHERE x.group_id = topic_links.group_id)",
    "DROP TABLE topic_link_roots",
    "ALTER TABLE progress_events ADD COLUMN cause VARCHAR(16) NULL",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in STEPS {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "forward only: the old link groups cannot be told apart once merged".into(),
        ))
    }
}
