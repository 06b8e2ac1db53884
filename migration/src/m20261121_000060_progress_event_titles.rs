//! Title snapshots on progress events, so the history names a topic and its roadmap even after
//! either row is gone for good (soft-deleted rows still resolve through a join).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProgressEvents {
    Table,
    TopicTitle,
    RoadmapTitle,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per ALTER: SQLite accepts a single change per statement.
        for col in [ProgressEvents::TopicTitle, ProgressEvents::RoadmapTitle] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ProgressEvents::Table)
                        .add_column(ColumnDef::new(col).string_len(255).null())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [ProgressEvents::TopicTitle, ProgressEvents::RoadmapTitle] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ProgressEvents::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
