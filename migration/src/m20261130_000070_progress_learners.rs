//! `communityRoadmaps(orderBy: MOST_LEARNERS)` counts the distinct learners of each community
//! roadmap: `COUNT(DISTINCT user_id) … WHERE roadmap_id = ? AND archived_at IS NULL`. This partial
//! index holds exactly those rows in that order, so the count is read from the index alone
//! (PostgreSQL: an index-only scan) instead of visiting every progress row of the roadmap.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Same syntax on SQLite and PostgreSQL; sea-query has no builder for partial indexes.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX IF NOT EXISTS ix_progress_roadmap_learners \
                 ON progress (roadmap_id, user_id) WHERE archived_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS ix_progress_roadmap_learners")
            .await?;
        Ok(())
    }
}
