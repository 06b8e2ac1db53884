//! Admin editing: soft-deleted roadmaps (`roadmaps.deleted_at`, with the slug unique among live
//! roadmaps only) and the append-only `roadmap_revisions` history of every admin change.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Roadmaps {
    Table,
    Id,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RoadmapRevisions {
    Table,
    Id,
    RoadmapId,
    UserId,
    Actor,
    Mutation,
    EntityType,
    EntityId,
    Diff,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Roadmaps::Table)
                    .add_column(ColumnDef::new(Roadmaps::DeletedAt).timestamp_with_time_zone())
                    .to_owned(),
            )
            .await?;
        // A deleted roadmap keeps its slug, so the slug is unique among live roadmaps only. Partial
        // indexes are spelled the same on SQLite and PostgreSQL (sea-query cannot express them).
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ux_roadmaps_slug")
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_roadmaps_slug_live ON roadmaps (slug) \
             WHERE deleted_at IS NULL",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RoadmapRevisions::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(RoadmapRevisions::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(RoadmapRevisions::RoadmapId)
                            .integer()
                            .not_null(),
                    )
                    // Null for changes made by the CLI or the seeding at start.
                    .col(ColumnDef::new(RoadmapRevisions::UserId).integer())
                    .col(
                        ColumnDef::new(RoadmapRevisions::Actor)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RoadmapRevisions::Mutation)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RoadmapRevisions::EntityType)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RoadmapRevisions::EntityId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(RoadmapRevisions::Diff).json().not_null())
                    .col(
                        ColumnDef::new(RoadmapRevisions::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_roadmap_revisions_roadmap")
                            .from(RoadmapRevisions::Table, RoadmapRevisions::RoadmapId)
                            .to(Roadmaps::Table, Roadmaps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_roadmap_revisions_user")
                            .from(RoadmapRevisions::Table, RoadmapRevisions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_roadmap_revisions_roadmap")
                    .table(RoadmapRevisions::Table)
                    .col(RoadmapRevisions::RoadmapId)
                    .col(RoadmapRevisions::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_roadmap_revisions_entity")
                    .table(RoadmapRevisions::Table)
                    .col(RoadmapRevisions::RoadmapId)
                    .col(RoadmapRevisions::EntityType)
                    .col(RoadmapRevisions::EntityId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(RoadmapRevisions::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ux_roadmaps_slug_live")
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_roadmaps_slug ON roadmaps (slug)",
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Roadmaps::Table)
                    .drop_column(Roadmaps::DeletedAt)
                    .to_owned(),
            )
            .await
    }
}
