//! Roadmaps, their tags and relations, topics (a tree) and resources, plus a small key/value table
//! that records one-off facts such as "the default content was seeded".
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Roadmaps {
    Table,
    Id,
    Slug,
    Title,
    BriefTitle,
    Description,
    BriefDescription,
    SortOrder,
    Kind,
    Status,
    IsForkable,
    HasTopics,
    Width,
    Height,
    QuestionTitle,
    QuestionDescription,
    SeoTitle,
    SeoDescription,
    SeoKeywords,
    SchemaHeadline,
    SchemaDescription,
    SchemaImageUrl,
    SchemaDatePublished,
    SchemaDateModified,
    SitemapPriority,
    SitemapChangeFrequency,
    PdfUrl,
    JsonUrl,
    SponsorUrl,
    SponsorTitle,
    SponsorImageUrl,
    SponsorDescription,
    SponsorExpiresAt,
    RelatedQuestions,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RoadmapTags {
    Table,
    RoadmapId,
    Tag,
    Position,
}

#[derive(DeriveIden)]
enum RoadmapRelations {
    Table,
    RoadmapId,
    RelatedId,
    Position,
}

#[derive(DeriveIden)]
enum Topics {
    Table,
    Id,
    RoadmapId,
    ParentId,
    Kind,
    Title,
    Description,
    Position,
    Legend,
    Version,
    DeletedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Resources {
    Table,
    Id,
    TopicId,
    Kind,
    Title,
    Url,
    Position,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AppMeta {
    Table,
    Key,
    Value,
    UpdatedAt,
}

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Roadmaps::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Roadmaps::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Roadmaps::Slug).string_len(64).not_null())
                    .col(ColumnDef::new(Roadmaps::Title).string_len(200).not_null())
                    .col(
                        ColumnDef::new(Roadmaps::BriefTitle)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Roadmaps::Description).text().not_null())
                    .col(ColumnDef::new(Roadmaps::BriefDescription).text().not_null())
                    .col(ColumnDef::new(Roadmaps::SortOrder).integer().not_null())
                    .col(ColumnDef::new(Roadmaps::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Roadmaps::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Roadmaps::IsForkable).boolean().not_null())
                    .col(ColumnDef::new(Roadmaps::HasTopics).boolean().not_null())
                    .col(ColumnDef::new(Roadmaps::Width).double())
                    .col(ColumnDef::new(Roadmaps::Height).double())
                    .col(ColumnDef::new(Roadmaps::QuestionTitle).string_len(300))
                    .col(ColumnDef::new(Roadmaps::QuestionDescription).text())
                    .col(ColumnDef::new(Roadmaps::SeoTitle).string_len(300))
                    .col(ColumnDef::new(Roadmaps::SeoDescription).text())
                    .col(ColumnDef::new(Roadmaps::SeoKeywords).json().not_null())
                    .col(ColumnDef::new(Roadmaps::SchemaHeadline).string_len(300))
                    .col(ColumnDef::new(Roadmaps::SchemaDescription).text())
                    .col(ColumnDef::new(Roadmaps::SchemaImageUrl).string_len(2048))
                    .col(ColumnDef::new(Roadmaps::SchemaDatePublished).date())
                    .col(ColumnDef::new(Roadmaps::SchemaDateModified).timestamp_with_time_zone())
                    .col(ColumnDef::new(Roadmaps::SitemapPriority).double())
                    .col(ColumnDef::new(Roadmaps::SitemapChangeFrequency).string_len(16))
                    .col(ColumnDef::new(Roadmaps::PdfUrl).string_len(2048))
                    .col(ColumnDef::new(Roadmaps::JsonUrl).string_len(2048))
                    .col(ColumnDef::new(Roadmaps::SponsorUrl).string_len(2048))
                    .col(ColumnDef::new(Roadmaps::SponsorTitle).string_len(300))
                    .col(ColumnDef::new(Roadmaps::SponsorImageUrl).string_len(2048))
                    .col(ColumnDef::new(Roadmaps::SponsorDescription).text())
                    .col(ColumnDef::new(Roadmaps::SponsorExpiresAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(Roadmaps::RelatedQuestions).json().not_null())
                    .col(
                        ColumnDef::new(Roadmaps::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .col(ts(Roadmaps::CreatedAt))
                    .col(ts(Roadmaps::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ux_roadmaps_slug")
                    .table(Roadmaps::Table)
                    .col(Roadmaps::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_roadmaps_order")
                    .table(Roadmaps::Table)
                    .col(Roadmaps::SortOrder)
                    .col(Roadmaps::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RoadmapTags::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(RoadmapTags::RoadmapId).integer().not_null())
                    .col(ColumnDef::new(RoadmapTags::Tag).string_len(64).not_null())
                    .col(ColumnDef::new(RoadmapTags::Position).integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(RoadmapTags::RoadmapId)
                            .col(RoadmapTags::Tag),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_roadmap_tags_roadmap")
                            .from(RoadmapTags::Table, RoadmapTags::RoadmapId)
                            .to(Roadmaps::Table, Roadmaps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_roadmap_tags_tag")
                    .table(RoadmapTags::Table)
                    .col(RoadmapTags::Tag)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RoadmapRelations::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(RoadmapRelations::RoadmapId)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RoadmapRelations::RelatedId)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RoadmapRelations::Position)
                            .integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(RoadmapRelations::RoadmapId)
                            .col(RoadmapRelations::RelatedId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_roadmap_relations_roadmap")
                            .from(RoadmapRelations::Table, RoadmapRelations::RoadmapId)
                            .to(Roadmaps::Table, Roadmaps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_roadmap_relations_related")
                            .from(RoadmapRelations::Table, RoadmapRelations::RelatedId)
                            .to(Roadmaps::Table, Roadmaps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_roadmap_relations_related")
                    .table(RoadmapRelations::Table)
                    .col(RoadmapRelations::RelatedId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Topics::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Topics::Id)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Topics::RoadmapId).integer().not_null())
                    .col(ColumnDef::new(Topics::ParentId).string_len(64))
                    .col(ColumnDef::new(Topics::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(Topics::Title).string_len(300).not_null())
                    .col(ColumnDef::new(Topics::Description).text().not_null())
                    .col(ColumnDef::new(Topics::Position).integer().not_null())
                    .col(ColumnDef::new(Topics::Legend).string_len(32))
                    .col(
                        ColumnDef::new(Topics::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    // Deleted topics are kept (soft delete) so learners' progress on them survives.
                    .col(ColumnDef::new(Topics::DeletedAt).timestamp_with_time_zone())
                    .col(ts(Topics::CreatedAt))
                    .col(ts(Topics::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_topics_roadmap")
                            .from(Topics::Table, Topics::RoadmapId)
                            .to(Roadmaps::Table, Roadmaps::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_topics_parent")
                            .from(Topics::Table, Topics::ParentId)
                            .to(Topics::Table, Topics::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_topics_roadmap_parent_position")
                    .table(Topics::Table)
                    .col(Topics::RoadmapId)
                    .col(Topics::ParentId)
                    .col(Topics::Position)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_topics_parent")
                    .table(Topics::Table)
                    .col(Topics::ParentId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Resources::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Resources::Id)
                            .integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Resources::TopicId).string_len(64).not_null())
                    .col(ColumnDef::new(Resources::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(Resources::Title).string_len(300).not_null())
                    .col(ColumnDef::new(Resources::Url).string_len(2048).not_null())
                    .col(ColumnDef::new(Resources::Position).integer().not_null())
                    .col(ts(Resources::CreatedAt))
                    .col(ts(Resources::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_resources_topic")
                            .from(Resources::Table, Resources::TopicId)
                            .to(Topics::Table, Topics::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("ix_resources_topic_position")
                    .table(Resources::Table)
                    .col(Resources::TopicId)
                    .col(Resources::Position)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AppMeta::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(AppMeta::Key)
                            .string_len(100)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AppMeta::Value).text().not_null())
                    .col(ts(AppMeta::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Resources::Table.into_iden(),
            Topics::Table.into_iden(),
            RoadmapRelations::Table.into_iden(),
            RoadmapTags::Table.into_iden(),
            Roadmaps::Table.into_iden(),
            AppMeta::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
