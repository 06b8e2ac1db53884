//! `progress.previous_status`: the status a row had before its last status write. Every status
//! upsert sets it in its `ON CONFLICT DO UPDATE` (where the existing row is the latest committed
//! version, after any concurrent writer) and reads it back with `RETURNING`, so each history
//! event's `from` is exact without a lock or a read before the write; on PostgreSQL
//! `setTopicStatus` is then one statement, the upsert and the event insert together.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.has_column("progress", "previous_status").await? {
            return Ok(());
        }
        // Nullable without a default: instant on both databases, even at 10 million rows.
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("progress"))
                    .add_column(
                        ColumnDef::new(Alias::new("previous_status"))
                            .string_len(16)
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("progress"))
                    .drop_column(Alias::new("previous_status"))
                    .to_owned(),
            )
            .await
    }
}
