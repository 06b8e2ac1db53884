//! `search_stamps`: per roadmap, a counter that triggers bump by one for every written row of the
//! roadmap, of one of its topics or of one of their resources, whatever wrote it (mutations,
//! import, seeding, SQL by hand). The search index compares these counters with the ones it read
//! when it last indexed each roadmap, and re-reads only the roadmaps whose counter moved. A
//! roadmap with no row yet counts as 0 (it has not been written since this migration).
//!
//! A counter, not a time or the content version: transactions may commit in another order than
//! they took a time or a version number, but a counter that only grows under a row lock differs
//! from any value read before the write committed.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Per written table: the expression that names the roadmap of a row (`R` is `NEW` or `OLD`).
const SOURCES: [(&str, &str); 3] = [
    ("roadmaps", "R.id"),
    ("topics", "R.roadmap_id"),
    (
        "resources",
        "(SELECT t.roadmap_id FROM topics t WHERE t.id = R.topic_id)",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE TABLE IF NOT EXISTS search_stamps (\
             roadmap_id INTEGER NOT NULL PRIMARY KEY, stamp BIGINT NOT NULL)",
        )
        .await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                for (table, roadmap) in SOURCES {
                    let new = roadmap.replace("R.", "NEW.");
                    let old = roadmap.replace("R.", "OLD.");
                    // A row trigger: a statement trigger would not know which roadmaps it wrote.
                    db.execute_unprepared(&format!(
                        "CREATE OR REPLACE FUNCTION bump_search_stamp_{table}() RETURNS trigger \
                         LANGUAGE plpgsql AS $$ \
                         DECLARE ids integer[]; \
                         BEGIN \
                           IF TG_OP <> 'DELETE' THEN ids := ids || {new}; END IF; \
                           IF TG_OP <> 'INSERT' THEN ids := ids || {old}; END IF; \
                           INSERT INTO search_stamps (roadmap_id, stamp) \
                             SELECT DISTINCT id, 1 FROM unnest(ids) AS id WHERE id IS NOT NULL \
                             ON CONFLICT (roadmap_id) \
                             DO UPDATE SET stamp = search_stamps.stamp + 1; \
                           RETURN NULL; \
                         END $$"
                    ))
                    .await?;
                    db.execute_unprepared(&format!(
                        "CREATE OR REPLACE TRIGGER trg_{table}_search_stamp \
                         AFTER INSERT OR UPDATE OR DELETE ON {table} \
                         FOR EACH ROW EXECUTE FUNCTION bump_search_stamp_{table}()"
                    ))
                    .await?;
                }
            }
            _ => {
                for (table, roadmap) in SOURCES {
                    for (op, rows) in [
                        ("INSERT", &["NEW"][..]),
                        ("UPDATE", &["NEW", "OLD"][..]),
                        ("DELETE", &["OLD"][..]),
                    ] {
                        // No `INSERT OR IGNORE`: the statement that fires a trigger imposes its
                        // own conflict policy on the body (a foreign key's SET NULL aborts).
                        let mut body = String::new();
                        let new = roadmap.replace("R.", "NEW.");
                        for r in rows {
                            let id = roadmap.replace("R.", &format!("{r}."));
                            // An update within one roadmap bumps it once, as on PostgreSQL.
                            let other = if *r == "OLD" && op == "UPDATE" {
                                format!(" AND {id} IS NOT {new}")
                            } else {
                                String::new()
                            };
                            body.push_str(&format!(
                                "INSERT INTO search_stamps (roadmap_id, stamp) \
                                 SELECT {id}, 0 WHERE {id} IS NOT NULL{other} AND NOT EXISTS \
                                 (SELECT 1 FROM search_stamps WHERE roadmap_id = {id}); \
                                 UPDATE search_stamps SET stamp = stamp + 1 \
                                 WHERE roadmap_id = {id}{other}; "
                            ));
                        }
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER IF NOT EXISTS trg_{table}_{}_search_stamp \
                             AFTER {op} ON {table} BEGIN {body}END",
                            op.to_lowercase()
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, _) in SOURCES {
            match manager.get_database_backend() {
                DbBackend::Postgres => {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS trg_{table}_search_stamp ON {table}"
                    ))
                    .await?;
                    db.execute_unprepared(&format!(
                        "DROP FUNCTION IF EXISTS bump_search_stamp_{table}()"
                    ))
                    .await?;
                }
                _ => {
                    for op in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS trg_{table}_{op}_search_stamp"
                        ))
                        .await?;
                    }
                }
            }
        }
        db.execute_unprepared("DROP TABLE IF EXISTS search_stamps")
            .await?;
        Ok(())
    }
}
