//! Spaced-repetition review (FSRS).
//!
//! `review_cards`: one learner's schedule of one topic, one row per (user, topic) like `progress`
//! (a review of a linked topic writes the same card onto every topic of its group). The FSRS
//! card as the scheduler keeps it: `due`, `stability`, `difficulty`, `elapsed_days`,
//! `scheduled_days`, `reps`, `lapses`, `state` (0 new, 1 learning, 2 review, 3 relearning) and
//! `last_reviewed_at`. Always recomputable from the log.
//!
//! `review_log`: one row per review as the learner made it: the topic, the `rating` (1 again …
//! 4 easy), `at` (their device's clock) and `received_at` (the server's). A review repeated with
//! the same topic and `at` is a retry (unique index), not a second review.
//!
//! `users.review_retention`: the learner's desired retention (0.7 to 0.99, default 0.9).
use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum ReviewCards {
    Table,
    UserId,
    TopicId,
    RoadmapId,
    Due,
    Stability,
    Difficulty,
    ElapsedDays,
    ScheduledDays,
    Reps,
    Lapses,
    State,
    LastReviewedAt,
}

#[derive(DeriveIden)]
enum ReviewLog {
    Table,
    Id,
    UserId,
    TopicId,
    Rating,
    At,
    ReceivedAt,
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
                    .table(ReviewCards::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(ReviewCards::UserId).integer().not_null())
                    .col(
                        ColumnDef::new(ReviewCards::TopicId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ReviewCards::RoadmapId).integer().not_null())
                    .col(
                        ColumnDef::new(ReviewCards::Due)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ReviewCards::Stability).double().not_null())
                    .col(ColumnDef::new(ReviewCards::Difficulty).double().not_null())
                    .col(
                        ColumnDef::new(ReviewCards::ElapsedDays)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReviewCards::ScheduledDays)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ReviewCards::Reps).integer().not_null())
                    .col(ColumnDef::new(ReviewCards::Lapses).integer().not_null())
                    .col(
                        ColumnDef::new(ReviewCards::State)
                            .small_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReviewCards::LastReviewedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(ReviewCards::UserId)
                            .col(ReviewCards::TopicId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_cards_user")
                            .from(ReviewCards::Table, ReviewCards::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The queue: a learner's cards by due time.
        manager
            .create_index(
                Index::create()
                    .name("idx_review_cards_user_due")
                    .table(ReviewCards::Table)
                    .col(ReviewCards::UserId)
                    .col(ReviewCards::Due)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReviewLog::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(ReviewLog::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ReviewLog::UserId).integer().not_null())
                    .col(ColumnDef::new(ReviewLog::TopicId).string_len(64).not_null())
                    .col(ColumnDef::new(ReviewLog::Rating).small_integer().not_null())
                    .col(
                        ColumnDef::new(ReviewLog::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ReviewLog::ReceivedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_log_user")
                            .from(ReviewLog::Table, ReviewLog::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A retry of one review is the same (user, topic, at): stored once.
        manager
            .create_index(
                Index::create()
                    .name("ux_review_log_user_topic_at")
                    .table(ReviewLog::Table)
                    .col(ReviewLog::UserId)
                    .col(ReviewLog::TopicId)
                    .col(ReviewLog::At)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE users ADD COLUMN review_retention DOUBLE PRECISION NOT NULL DEFAULT 0.9",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE users DROP COLUMN review_retention")
            .await?;
        manager
            .drop_table(Table::drop().table(ReviewLog::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ReviewCards::Table).to_owned())
            .await
    }
}
