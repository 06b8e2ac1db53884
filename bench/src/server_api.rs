//! Everything this crate takes from the server library, in one place: the generator writes rows
//! the server must accept, so it connects, migrates and hashes exactly as the server does. When
//! the server's modules move, only the paths below change.
//!
//! Used from the server (`roadmap_api::…`):
//! - `config::DbArgs` — the database flags (`--database-url`, `--data-dir`, …) and their env vars,
//!   turned into `config::DbSettings` to connect
//! - `db::connect`, `db::migrate` — the server's own connection settings and migrations
//! - `accounts::password::hash` — the server's argon2id parameters for the shared password
//! - `progress::stats::{Runs, utc_day}` — how streaks are counted, for generated profiles
use sea_orm::DatabaseConnection;

pub use roadmap_api::config::DbArgs;
pub use roadmap_api::progress::stats::{utc_day, Runs};

/// Connects as the server does (same pool options and SQLite pragmas).
pub async fn connect(args: &DbArgs) -> anyhow::Result<DatabaseConnection> {
    let (db, _stats) =
        roadmap_api::db::connect(&roadmap_api::config::DbSettings::from(args)).await?;
    Ok(db)
}

/// Applies the server's migrations.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    roadmap_api::db::migrate(db).await?;
    Ok(())
}

/// Hashes a password with the server's parameters, so generated users can sign in.
pub async fn hash_password(password: &str) -> anyhow::Result<String> {
    Ok(roadmap_api::accounts::password::hash(password.to_owned()).await?)
}
