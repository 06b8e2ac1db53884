//! Throwaway PostgreSQL databases: one created per run through an admin URL (any database on the
//! server, e.g. `postgres://postgres@127.0.0.1:5432/postgres`) and dropped after it, so repeated
//! runs do not pile up users and data.
use std::time::Duration;

use anyhow::Context as _;
use sea_orm::ConnectionTrait;

pub struct ScratchDb {
    admin_url: String,
    name: String,
    /// The new database's URL: the admin URL with its database name replaced.
    pub url: String,
}

/// Creates `rmbench_<uuid>` on the admin URL's server; fails when it does not answer in 5 s.
pub async fn create(admin_url: &str) -> anyhow::Result<ScratchDb> {
    // The URL may hold a password: errors name the server's role, not the URL.
    let admin = tokio::time::timeout(
        Duration::from_secs(5),
        sea_orm::Database::connect(admin_url),
    )
    .await
    .context("the PostgreSQL admin URL did not answer within 5 s")?
    .context("cannot connect to the PostgreSQL admin URL")?;
    let name = format!("rmbench_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .with_context(|| format!("CREATE DATABASE {name}"))?;
    admin.close().await.ok();
    let root = admin_url.rsplit_once('/').map_or(admin_url, |(r, _)| r);
    Ok(ScratchDb {
        admin_url: admin_url.to_owned(),
        url: format!("{root}/{name}"),
        name,
    })
}

impl ScratchDb {
    /// Drops the database, closing whatever still uses it; a failure is only reported.
    pub async fn drop_now(self) {
        let dropped = async {
            let admin = sea_orm::Database::connect(&self.admin_url).await?;
            admin
                .execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .await?;
            admin.close().await
        };
        if let Err(e) = dropped.await {
            eprintln!("could not drop the database {}: {e}", self.name);
        }
    }
}
