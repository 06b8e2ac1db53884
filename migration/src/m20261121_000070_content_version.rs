//! A counter of catalogue changes that read caches are validated against. Triggers bump it on every
//! write to the public catalogue (roadmaps, their tags and relations, topics, resources), in the
//! writing transaction, whatever wrote it (admin mutations, `roadmap-api import`, seeding, SQL by
//! hand). On PostgreSQL the trigger also sends `NOTIFY content_version`, delivered at commit, so
//! every server process on the database drops its caches without polling.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose rows public reads show.
const TABLES: [&str; 5] = [
    "roadmaps",
    "roadmap_tags",
    "roadmap_relations",
    "topics",
    "resources",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE TABLE IF NOT EXISTS content_version (\
             id INTEGER NOT NULL PRIMARY KEY, version BIGINT NOT NULL)",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO content_version (id, version) VALUES (1, 1) ON CONFLICT (id) DO NOTHING",
        )
        .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared(
                "CREATE OR REPLACE FUNCTION bump_content_version() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN \
                   UPDATE content_version SET version = version + 1 WHERE id = 1; \
                   PERFORM pg_notify('content_version', ''); \
                   RETURN NULL; \
                 END $$",
            )
            .await?;
        }
        for t in TABLES {
            version_triggers(manager, t).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                for t in TABLES {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS trg_{t}_content_version ON {t}"
                    ))
                    .await?;
                }
                db.execute_unprepared("DROP FUNCTION IF EXISTS bump_content_version()")
                    .await?;
            }
            _ => {
                for t in TABLES {
                    for op in ["insert", "update", "delete"] {
                        db.execute_unprepared(&format!(
                            "DROP TRIGGER IF EXISTS trg_{t}_{op}_content_version"
                        ))
                        .await?;
                    }
                }
            }
        }
        db.execute_unprepared("DROP TABLE IF EXISTS content_version")
            .await?;
        Ok(())
    }
}

/// The triggers that bump `content_version` on every write to `table` (later migrations add them
/// to the tables they create). PostgreSQL: once per statement, so a 300-topic import bumps the
/// counter once; SQLite has row triggers only, and one small UPDATE per written row is cheap.
pub(crate) async fn version_triggers(
    manager: &SchemaManager<'_>,
    table: &str,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(&format!(
                "CREATE OR REPLACE TRIGGER trg_{table}_content_version \
                 AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} \
                 FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version()"
            ))
            .await?;
        }
        _ => {
            for op in ["INSERT", "UPDATE", "DELETE"] {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER IF NOT EXISTS trg_{table}_{}_content_version \
                     AFTER {op} ON {table} BEGIN \
                     UPDATE content_version SET version = version + 1 WHERE id = 1; END",
                    op.to_lowercase()
                ))
                .await?;
            }
        }
    }
    Ok(())
}
