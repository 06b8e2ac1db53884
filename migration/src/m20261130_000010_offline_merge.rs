//! Offline merge: the device time of the change that set a status or a note.
//!
//! - `progress.changed_at` and `topic_notes.changed_at`: when the learner made the change that is
//!   stored, by the clock of the device they made it on (the `at` of `setTopicStatus(es)` and
//!   `setTopicNote`). A change older than it is not applied, so the newest change wins whatever
//!   order devices sync in. `updated_at` stays the server time of the write. Backfilled from
//!   `updated_at`; nullable, and read as `COALESCE(changed_at, updated_at)`, so rows written by an
//!   older binary during a rolling deploy (or by the benchmark generator) still compare.
//! - `progress_events (user_id, topic_id, created_at)`: a cleared status leaves no row, so the
//!   time of the clear is the topic's latest history event, looked up by this index.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 2] = ["progress", "topic_notes"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            if manager.has_column(table, "changed_at").await? {
                continue;
            }
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(
                            ColumnDef::new(Alias::new("changed_at"))
                                .timestamp_with_time_zone()
                                .null(),
                        )
                        .to_owned(),
                )
                .await?;
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "UPDATE {table} SET changed_at = updated_at WHERE changed_at IS NULL"
                ))
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX IF NOT EXISTS ix_progress_events_user_topic \
                 ON progress_events (user_id, topic_id, created_at)",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS ix_progress_events_user_topic")
            .await?;
        for table in TABLES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new("changed_at"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
