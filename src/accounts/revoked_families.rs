//! Sign-ins whose access tokens died early: when a refresh token is used twice, its whole family
//! (one sign-in and its rotations) is revoked, refresh tokens and access tokens alike. Access
//! tokens carry their family (`fam`); a revoked family is kept in table `revoked_families` and in
//! an in-memory set every process holds, so checking a valid token costs no SQL statement. The set
//! is loaded at start, fed by `Revocations` (NOTIFY from the other processes on PostgreSQL) and
//! loaded again when a relay gap may have lost some. An entry matters only while an access token
//! issued before the revocation may still be valid: `window` (access-token lifetime + leeway);
//! older ones are dropped, from the set and (hourly) from the table.
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};
use entity::ids::UserId;
use entity::revoked_families;
use sea_orm::sea_query::OnConflict;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::AppError;

/// The revoked families still worth checking, by family id, with when they were revoked.
#[derive(Clone)]
pub struct RevokedFamilies {
    entries: Arc<RwLock<HashMap<String, DateTime<Utc>>>>,
    window: Duration,
}

impl RevokedFamilies {
    pub fn new(window: Duration) -> Self {
        Self {
            entries: Arc::default(),
            window,
        }
    }

    /// Whether access tokens of `family` are void.
    pub fn contains(&self, family: &str) -> bool {
        self.entries
            .read()
            .map(|e| e.contains_key(family))
            .unwrap_or(true)
    }

    pub fn insert(&self, family: &str, at: DateTime<Utc>) {
        if let Ok(mut entries) = self.entries.write() {
            let oldest = Utc::now() - self.window;
            entries.retain(|_, revoked| *revoked >= oldest);
            entries.insert(family.to_owned(), at);
        }
    }

    /// Reads the families revoked within the window from the table (replacing the set).
    pub async fn load(&self, db: &impl ConnectionTrait) -> Result<usize, AppError> {
        let since = Utc::now() - self.window;
        let rows = revoked_families::Entity::find()
            .filter(revoked_families::Column::RevokedAt.gte(since))
            .all(db)
            .await?;
        let loaded: HashMap<_, _> = rows
            .into_iter()
            .map(|r| (r.family_id, r.revoked_at))
            .collect();
        let n = loaded.len();
        if let Ok(mut entries) = self.entries.write() {
            *entries = loaded;
        }
        Ok(n)
    }

    /// Deletes rows older than the window (no access token of theirs is valid any more).
    pub async fn purge(&self, db: &impl ConnectionTrait) -> Result<u64, AppError> {
        let gone = revoked_families::Entity::delete_many()
            .filter(revoked_families::Column::RevokedAt.lt(Utc::now() - self.window))
            .exec(db)
            .await?;
        Ok(gone.rows_affected)
    }
}

/// Records the revocation of `family` (inside the caller's transaction).
pub async fn record(
    db: &impl ConnectionTrait,
    user_id: UserId,
    family: &str,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    revoked_families::Entity::insert(revoked_families::ActiveModel {
        family_id: Set(family.to_owned()),
        user_id: Set(user_id),
        revoked_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(revoked_families::Column::FamilyId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_window() {
        let set = RevokedFamilies::new(Duration::seconds(60));
        set.insert("old", Utc::now() - Duration::seconds(120));
        assert!(set.contains("old"));
        set.insert("new", Utc::now());
        assert!(set.contains("new"));
        assert!(!set.contains("old"));
    }
}
