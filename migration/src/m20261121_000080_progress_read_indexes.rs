//! Indexes for the per-user progress reads (`me.progress`, `Roadmap.myProgress`) at 10 million
//! progress rows:
//! - a partial index of deleted topics, so counts exclude them with one probe into a set that is
//!   almost always empty, instead of joining every progress row of the user to `topics`;
//! - `topics (roadmap_id, deleted_at)`, so a roadmap's live topic count is read from the index alone.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // Same syntax on SQLite and PostgreSQL; sea-query has no builder for partial indexes.
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS ix_topics_deleted ON topics (id) \
             WHERE deleted_at IS NOT NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS ix_topics_roadmap_deleted ON topics (roadmap_id, deleted_at)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ix_topics_roadmap_deleted")
            .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS ix_topics_deleted")
            .await?;
        Ok(())
    }
}
