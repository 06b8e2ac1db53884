//! Learner progress (one row per user and topic), its append-only history, private notes and
//! favourite roadmaps.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Roadmaps {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Topics {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Progress {
    Table,
    UserId,
    TopicId,
    RoadmapId,
    Status,
    UpdatedAt,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum ProgressEvents {
    Table,
    Id,
    UserId,
    RoadmapId,
    TopicId,
    FromStatus,
    ToStatus,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TopicNotes {
    Table,
    UserId,
    TopicId,
    RoadmapId,
    Note,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FavoriteRoadmaps {
    Table,
    UserId,
    RoadmapId,
    CreatedAt,
}

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn fk_user(
    table: impl IntoIden + 'static,
    col: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Progress::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Progress::UserId).integer().not_null())
                    .col(ColumnDef::new(Progress::TopicId).string_len(64).not_null())
                    .col(ColumnDef::new(Progress::RoadmapId).integer().not_null())
                    .col(ColumnDef::new(Progress::Status).string_len(16).not_null())
                    .col(ts(Progress::UpdatedAt))
                    // Set when the roadmap was deleted with force: kept, but out of every count.
                    .col(ColumnDef::new(Progress::ArchivedAt).timestamp_with_time_zone())
                    // The primary key is the (user, topic) uniqueness that upserts rely on.
                    .primary_key(Index::create().col(Progress::UserId).col(Progress::TopicId))
                    .foreign_key(&mut fk_user(Progress::Table, Progress::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Progress::Table, Progress::TopicId)
                            .to(Topics::Table, Topics::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Progress::Table, Progress::RoadmapId)
                            .to(Roadmaps::Table, Roadmaps::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_progress_user_roadmap")
                    .table(Progress::Table)
                    .col(Progress::UserId)
                    .col(Progress::RoadmapId)
                    .col(Progress::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_progress_roadmap")
                    .table(Progress::Table)
                    .col(Progress::RoadmapId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProgressEvents::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(ProgressEvents::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ProgressEvents::UserId).integer().not_null())
                    .col(
                        ColumnDef::new(ProgressEvents::RoadmapId)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProgressEvents::TopicId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProgressEvents::FromStatus)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ProgressEvents::ToStatus)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ts(ProgressEvents::CreatedAt))
                    .foreign_key(&mut fk_user(ProgressEvents::Table, ProgressEvents::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_progress_events_user_id")
                    .table(ProgressEvents::Table)
                    .col(ProgressEvents::UserId)
                    .col(ProgressEvents::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TopicNotes::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(TopicNotes::UserId).integer().not_null())
                    .col(
                        ColumnDef::new(TopicNotes::TopicId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(TopicNotes::RoadmapId).integer().not_null())
                    .col(ColumnDef::new(TopicNotes::Note).text().not_null())
                    .col(ts(TopicNotes::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(TopicNotes::UserId)
                            .col(TopicNotes::TopicId),
                    )
                    .foreign_key(&mut fk_user(TopicNotes::Table, TopicNotes::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TopicNotes::Table, TopicNotes::TopicId)
                            .to(Topics::Table, Topics::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FavoriteRoadmaps::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(FavoriteRoadmaps::UserId)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FavoriteRoadmaps::RoadmapId)
                            .integer()
                            .not_null(),
                    )
                    .col(ts(FavoriteRoadmaps::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(FavoriteRoadmaps::UserId)
                            .col(FavoriteRoadmaps::RoadmapId),
                    )
                    .foreign_key(&mut fk_user(
                        FavoriteRoadmaps::Table,
                        FavoriteRoadmaps::UserId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(FavoriteRoadmaps::Table, FavoriteRoadmaps::RoadmapId)
                            .to(Roadmaps::Table, Roadmaps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            FavoriteRoadmaps::Table.into_iden(),
            TopicNotes::Table.into_iden(),
            ProgressEvents::Table.into_iden(),
            Progress::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
