//! Public profiles and the leaderboard.
//!
//! Profile columns on `users`: `profile_visibility` (`PUBLIC` | `PRIVATE`, default `PRIVATE`),
//! `headline` (≤ 200 characters), `profile_links` (a JSON list of http(s) URLs),
//! `profile_roadmaps` (`ALL` | `NONE` | `SELECTED`) and `profile_roadmap_ids` (a JSON list of
//! roadmap ids).
//!
//! Leaderboard statistics, kept by every status write in its transaction (`progress::stats`):
//! `streak_run` (days in the run that ends on `streak_last_day`, a day number in the user's time
//! zone), `streak_longest`, and `done_30d`, the DONE changes of the 30 days before the last write
//! (an upper bound of today's value: it only decays). `stats_version` 0 marks users whose figures
//! the server still has to compute from their history (done once, at startup).
//!
//! Three partial indexes over public profiles hold each figure in leaderboard order, so the top
//! N is read from the head of an index, and one over DONE events counts a user's last 30 days.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: &[&str] = &[
    "profile_visibility VARCHAR(16) NOT NULL DEFAULT 'PRIVATE'",
    "headline VARCHAR(200) NULL",
    "profile_links TEXT NOT NULL DEFAULT '[]'",
    "profile_roadmaps VARCHAR(16) NOT NULL DEFAULT 'ALL'",
    "profile_roadmap_ids TEXT NOT NULL DEFAULT '[]'",
    "streak_run INTEGER NOT NULL DEFAULT 0",
    "streak_longest INTEGER NOT NULL DEFAULT 0",
    "streak_last_day INTEGER NULL",
    "done_30d INTEGER NOT NULL DEFAULT 0",
    "stats_version INTEGER NOT NULL DEFAULT 0",
];

const INDEXES: &[(&str, &str)] = &[
    (
        "ix_users_board_current",
        "ON users (streak_run DESC, username_key) \
         WHERE profile_visibility = 'PUBLIC' AND streak_run > 0",
    ),
    (
        "ix_users_board_longest",
        "ON users (streak_longest DESC, username_key) \
         WHERE profile_visibility = 'PUBLIC' AND streak_longest > 0",
    ),
    (
        "ix_users_board_done",
        "ON users (done_30d DESC, username_key) \
         WHERE profile_visibility = 'PUBLIC' AND done_30d > 0",
    ),
    (
        "ix_progress_events_user_done",
        "ON progress_events (user_id, created_at) WHERE to_status = 'DONE'",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // One column per statement: SQLite adds one at a time. Same syntax on both databases.
        for col in COLUMNS {
            db.execute_unprepared(&format!("ALTER TABLE users ADD COLUMN {col}"))
                .await?;
        }
        for (name, def) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX IF NOT EXISTS {name} {def}"))
                .await?;
        }
        // Users without history have nothing to compute.
        db.execute_unprepared(
            "UPDATE users SET stats_version = 1 WHERE NOT EXISTS \
             (SELECT 1 FROM progress_events e WHERE e.user_id = users.id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        for col in COLUMNS.iter().rev() {
            let name = col.split_whitespace().next().unwrap_or_default();
            db.execute_unprepared(&format!("ALTER TABLE users DROP COLUMN {name}"))
                .await?;
        }
        Ok(())
    }
}
