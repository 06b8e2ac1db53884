//! The index of a learner's own `DONE` events (`ix_progress_events_own_done`) replaces the index
//! of all their `DONE` events (`ix_progress_events_user_done`): every query that reads it (the
//! statistics' `done_30d`, counted again by every status write, and the team boards' per-roadmap
//! counts) also wants `cause IS NULL`, the learner's own changes. With that in the index's
//! predicate, counting a learner's last 30 days reads the index alone instead of fetching every
//! event row to check its `cause` (185 rows for a busy bench learner: ~2 ms of each write's one
//! statement, the largest part of it).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD: &str = "CREATE INDEX IF NOT EXISTS ix_progress_events_user_done \
     ON progress_events (user_id, created_at) WHERE to_status = 'DONE'";
const NEW: &str = "CREATE INDEX IF NOT EXISTS ix_progress_events_own_done \
     ON progress_events (user_id, created_at) WHERE to_status = 'DONE' AND cause IS NULL";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(NEW).await?;
        db.execute_unprepared("DROP INDEX IF EXISTS ix_progress_events_user_done")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(OLD).await?;
        db.execute_unprepared("DROP INDEX IF EXISTS ix_progress_events_own_done")
            .await?;
        Ok(())
    }
}
