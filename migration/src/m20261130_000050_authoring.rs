//! Authoring for everyone: roadmaps get an owner (null for official ones), a visibility and a
//! share token; forks remember their source (roadmap and topic); topics that teach one subject on
//! several roadmaps form link groups (`topic_links`); learners rate community roadmaps
//! (`roadmap_ratings`). Every existing roadmap is official and PUBLIC, so nothing anyone could
//! read before disappears, and no progress row is touched.
use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum TopicLinks {
    Table,
    TopicId,
    GroupId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RoadmapRatings {
    Table,
    RoadmapId,
    UserId,
    Rating,
    Feedback,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Topics {
    Table,
    Id,
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

/// Columns added to existing tables. Raw SQL because SQLite cannot add a foreign key with
/// `ALTER TABLE … ADD CONSTRAINT`; `ADD COLUMN … REFERENCES` reads the same on both databases.
const ADD_COLUMNS: [&str; 6] = [
    "ALTER TABLE roadmaps ADD COLUMN owner_id INTEGER NULL REFERENCES users (id) ON DELETE SET NULL",
    "ALTER TABLE roadmaps ADD COLUMN visibility VARCHAR(16) NOT NULL DEFAULT 'PUBLIC'",
    "ALTER TABLE roadmaps ADD COLUMN share_token VARCHAR(64) NULL",
    "ALTER TABLE roadmaps ADD COLUMN forked_from_id INTEGER NULL REFERENCES roadmaps (id) ON DELETE SET NULL",
    "ALTER TABLE roadmaps ADD COLUMN forked_at_revision BIGINT NULL",
    "ALTER TABLE topics ADD COLUMN forked_from_id VARCHAR(64) NULL",
];

const INDEXES: [&str; 5] = [
    "CREATE INDEX IF NOT EXISTS ix_roadmaps_owner ON roadmaps (owner_id)",
    "CREATE INDEX IF NOT EXISTS ix_roadmaps_visibility ON roadmaps (visibility, created_at)",
    "CREATE INDEX IF NOT EXISTS ix_roadmaps_forked_from ON roadmaps (forked_from_id)",
    "CREATE INDEX IF NOT EXISTS ix_topics_forked_from ON topics (forked_from_id)",
    "CREATE INDEX IF NOT EXISTS ix_topic_links_group ON topic_links (group_id)",
];

/// New tables whose rows public reads show (`Topic.linkedTopics`, `Roadmap.rating`): their
/// writes bump `content_version` like the catalogue's own tables (see m20261121_000070).
const VERSIONED: [&str; 2] = ["topic_links", "roadmap_ratings"];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in ADD_COLUMNS {
            db.execute_unprepared(sql).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(TopicLinks::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(TopicLinks::TopicId)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(TopicLinks::GroupId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TopicLinks::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(TopicLinks::Table, TopicLinks::TopicId)
                            .to(Topics::Table, Topics::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RoadmapRatings::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(RoadmapRatings::RoadmapId)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RoadmapRatings::UserId).integer().not_null())
                    .col(ColumnDef::new(RoadmapRatings::Rating).integer().not_null())
                    .col(ColumnDef::new(RoadmapRatings::Feedback).text())
                    .col(
                        ColumnDef::new(RoadmapRatings::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RoadmapRatings::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(RoadmapRatings::RoadmapId)
                            .col(RoadmapRatings::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoadmapRatings::Table, RoadmapRatings::RoadmapId)
                            .to(Roadmaps::Table, Roadmaps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RoadmapRatings::Table, RoadmapRatings::UserId)
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
                    .name("ix_roadmap_ratings_user")
                    .table(RoadmapRatings::Table)
                    .col(RoadmapRatings::UserId)
                    .to_owned(),
            )
            .await?;
        for sql in INDEXES {
            db.execute_unprepared(sql).await?;
        }
        for table in VERSIONED {
            crate::m20261121_000070_content_version::version_triggers(manager, table).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Forward only (CONVENTIONS.md): dropping owners would turn learners' roadmaps official.
        Err(DbErr::Migration(
            "m20261130_000050_authoring cannot be undone".into(),
        ))
    }
}
