//! Prerequisites: a topic names the topics to learn before it (`topic_id` needs
//! `prerequisite_id`), on its own roadmap or another, with both topics' roadmaps (copied: a topic
//! never changes roadmap). Both ends are topics; deleting a topic row
//! removes its edges, and soft-deleted topics are left out by every read. Writes bump
//! `content_version` like the catalogue's own tables (see m20261121_000070), so every process's
//! cached reads that show prerequisites are current.
use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum TopicPrerequisites {
    Table,
    TopicId,
    PrerequisiteId,
    TopicRoadmapId,
    PrerequisiteRoadmapId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Topics {
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
                    .table(TopicPrerequisites::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(TopicPrerequisites::TopicId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TopicPrerequisites::PrerequisiteId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TopicPrerequisites::TopicRoadmapId)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TopicPrerequisites::PrerequisiteRoadmapId)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TopicPrerequisites::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(TopicPrerequisites::TopicId)
                            .col(TopicPrerequisites::PrerequisiteId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TopicPrerequisites::Table, TopicPrerequisites::TopicId)
                            .to(Topics::Table, Topics::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                TopicPrerequisites::Table,
                                TopicPrerequisites::PrerequisiteId,
                            )
                            .to(Topics::Table, Topics::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A roadmap's edges are read from either end by roadmap (a topic never changes roadmap,
        // so the copies of its roadmap id stay true): no join over the roadmap's topics.
        for (name, column) in [
            (
                "ix_topic_prerequisites_topic_roadmap",
                TopicPrerequisites::TopicRoadmapId,
            ),
            (
                "ix_topic_prerequisites_prerequisite_roadmap",
                TopicPrerequisites::PrerequisiteRoadmapId,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .if_not_exists()
                        .name(name)
                        .table(TopicPrerequisites::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        crate::m20261121_000070_content_version::version_triggers(manager, "topic_prerequisites")
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "forward only: m20261207_000300_topic_prerequisites cannot be undone".into(),
        ))
    }
}
