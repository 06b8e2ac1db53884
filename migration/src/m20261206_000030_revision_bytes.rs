//! `roadmap_revisions.bytes`: the size of each revision's diff (its JSON text, in bytes), so that
//! the retention rule (at most so many revisions and bytes per roadmap, oldest pruned) reads two
//! small columns instead of every diff. Existing revisions are measured here once.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveIden)]
enum RoadmapRevisions {
    Table,
    Bytes,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RoadmapRevisions::Table)
                    .add_column(
                        ColumnDef::new(RoadmapRevisions::Bytes)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        let measure = match manager.get_database_backend() {
            DbBackend::Postgres => "UPDATE roadmap_revisions SET bytes = octet_length(diff::text)",
            _ => "UPDATE roadmap_revisions SET bytes = length(CAST(diff AS BLOB))",
        };
        manager.get_connection().execute_unprepared(measure).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RoadmapRevisions::Table)
                    .drop_column(RoadmapRevisions::Bytes)
                    .to_owned(),
            )
            .await
    }
}
