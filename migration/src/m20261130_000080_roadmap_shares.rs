//! `roadmap_shares`: the UNLISTED roadmaps a learner opened by their share link while signed in.
//! Knowing a topic's id is not enough to record progress on an UNLISTED roadmap; having opened its
//! link is. Regenerating the link's token clears the roadmap's rows.
use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum RoadmapShares {
    Table,
    RoadmapId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Roadmaps {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RoadmapShares::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(RoadmapShares::RoadmapId)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RoadmapShares::UserId).integer().not_null())
                    .col(
                        ColumnDef::new(RoadmapShares::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(RoadmapShares::RoadmapId)
                            .col(RoadmapShares::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoadmapShares::Table, RoadmapShares::RoadmapId)
                            .to(Roadmaps::Table, Roadmaps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoadmapShares::Table, RoadmapShares::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_roadmap_shares_user")
                    .table(RoadmapShares::Table)
                    .col(RoadmapShares::UserId)
                    .col(RoadmapShares::RoadmapId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RoadmapShares::Table).to_owned())
            .await
    }
}
