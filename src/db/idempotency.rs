//! Idempotency keys (the storage behind the `Idempotency-Key` header): each signed-in mutation
//! sent with a key first *reserves* it — a row holding the request's hash and no answer yet —
//! runs, and then stores its answer in the row (or drops the reservation, so a retry runs again).
//! A retry with the same key and the same body gets the stored answer; another body is refused.
//!
//! Reserving is one conditional upsert (`INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING`,
//! the same on SQLite and PostgreSQL): two identical requests arriving at once cannot both win it,
//! and every process on one database sees the same rows. A reservation older than the request
//! timeout was abandoned (its server crashed, or its request was cancelled) and may be taken over;
//! a row older than [`RETENTION_SECS`] counts as absent and is purged periodically.
//!
//! Times are Unix seconds. A reservation is known by (user, key, reserved at): completing or
//! dropping it touches the row only while it is still that reservation.
use std::sync::{Arc, Weak};
use std::time::Duration;

use entity::ids::UserId;
use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::db::sql::Sql;
use crate::error::AppError;

/// How long a key is remembered: 24 hours.
pub const RETENTION_SECS: i64 = 24 * 60 * 60;

/// How often expired keys are deleted (and once at start).
const PURGE_EVERY: Duration = Duration::from_secs(15 * 60);

/// How many times a reservation is tried when the row it met vanished before it could be read
/// (purged or released in between).
const RESERVE_ATTEMPTS: usize = 3;

/// An answer as it was sent: replayed byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// Which request a key is asked for.
#[derive(Debug, Clone, Copy)]
pub struct KeyUse<'a> {
    pub user_id: UserId,
    pub key: &'a str,
    /// Hex SHA-256 of the request body.
    pub request_hash: &'a str,
}

/// What reserving a key found.
#[derive(Debug)]
pub enum Reservation {
    /// The key is this request's now: run it, then [`IdempotencyKeys::complete`] or
    /// [`IdempotencyKeys::release`].
    Reserved(Ticket),
    /// The key already answered this very request: send the answer again.
    Replay(StoredResponse),
    /// The key was used for a request with another body.
    Mismatch,
    /// A request with this key (and body) is still running.
    InFlight,
}

/// A held reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    user_id: UserId,
    key: String,
    reserved_at: i64,
}

/// The `idempotency_keys` table.
pub struct IdempotencyKeys {
    db: DatabaseConnection,
    /// A reservation this old was abandoned (the request timeout: no request runs longer).
    abandon_after_secs: i64,
}

impl IdempotencyKeys {
    /// The connection the store uses (also lent to other periodic upkeep of the app).
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn new(db: DatabaseConnection, abandon_after_secs: u64) -> Self {
        Self {
            db,
            abandon_after_secs: i64::try_from(abandon_after_secs).unwrap_or(i64::MAX),
        }
    }

    /// Reserves `key` for this request at `now`, or tells what holds it.
    pub async fn reserve(&self, key: KeyUse<'_>, now: i64) -> Result<Reservation, AppError> {
        for _ in 0..RESERVE_ATTEMPTS {
            if let Some(ticket) = self.try_reserve(key, now).await? {
                return Ok(Reservation::Reserved(ticket));
            }
            if let Some(found) = self.existing(key, now).await? {
                return Ok(found);
            }
        }
        Err(AppError::internal(
            "an idempotency key could be neither reserved nor read",
        ))
    }

    /// Inserts the reservation, or takes over an expired row or an abandoned reservation; `None`
    /// when a live row holds the key (the upsert's WHERE makes that write nothing and return no
    /// row).
    async fn try_reserve(&self, key: KeyUse<'_>, now: i64) -> Result<Option<Ticket>, AppError> {
        let mut sql = Sql::new(self.db.get_database_backend());
        sql.push(
            "INSERT INTO idempotency_keys (user_id, idempotency_key, request_hash, created_at) \
             VALUES (",
        )
        .bind(key.user_id)
        .push(", ")
        .bind(key.key)
        .push(", ")
        .bind(key.request_hash)
        .push(", ")
        .bind(now)
        .push(
            ") ON CONFLICT (user_id, idempotency_key) DO UPDATE SET \
             request_hash = excluded.request_hash, created_at = excluded.created_at, \
             response_status = NULL, content_type = NULL, response_body = NULL \
             WHERE idempotency_keys.created_at <= ",
        )
        .bind(now - RETENTION_SECS)
        .push(
            " OR (idempotency_keys.response_status IS NULL \
             AND idempotency_keys.created_at <= ",
        )
        .bind(now - self.abandon_after_secs)
        .push(") RETURNING created_at");
        let Some(row) = self.db.query_one(sql.build()).await? else {
            return Ok(None);
        };
        let reserved_at: i64 = row.try_get_by_index(0)?;
        Ok(Some(Ticket {
            user_id: key.user_id,
            key: key.key.to_owned(),
            reserved_at,
        }))
    }

    /// The live row holding the key, as a decision; `None` when there is none any more.
    async fn existing(&self, key: KeyUse<'_>, now: i64) -> Result<Option<Reservation>, AppError> {
        let mut sql = Sql::new(self.db.get_database_backend());
        sql.push(
            "SELECT request_hash, response_status, content_type, response_body \
             FROM idempotency_keys WHERE user_id = ",
        )
        .bind(key.user_id)
        .push(" AND idempotency_key = ")
        .bind(key.key)
        .push(" AND created_at > ")
        .bind(now - RETENTION_SECS);
        let Some(row) = self.db.query_one(sql.build()).await? else {
            return Ok(None);
        };
        let hash: String = row.try_get_by_index(0)?;
        if hash != key.request_hash {
            return Ok(Some(Reservation::Mismatch));
        }
        let status: Option<i32> = row.try_get_by_index(1)?;
        let Some(status) = status else {
            return Ok(Some(Reservation::InFlight));
        };
        let content_type: Option<String> = row.try_get_by_index(2)?;
        let body: Option<Vec<u8>> = row.try_get_by_index(3)?;
        Ok(Some(Reservation::Replay(StoredResponse {
            status: u16::try_from(status)
                .map_err(|_| AppError::internal("a stored answer has an impossible status"))?,
            content_type: content_type.unwrap_or_default(),
            body: body.unwrap_or_default(),
        })))
    }

    /// Stores the answer in the reservation; false when the reservation was no longer this one
    /// (taken over after it was thought abandoned).
    pub async fn complete(
        &self,
        ticket: &Ticket,
        response: &StoredResponse,
    ) -> Result<bool, AppError> {
        let mut sql = Sql::new(self.db.get_database_backend());
        sql.push("UPDATE idempotency_keys SET response_status = ")
            .bind(i32::from(response.status))
            .push(", content_type = ")
            .bind(response.content_type.as_str())
            .push(", response_body = ")
            .bind(response.body.clone())
            .push(" WHERE ");
        where_ticket(&mut sql, ticket);
        Ok(self.db.execute(sql.build()).await?.rows_affected() == 1)
    }

    /// Drops the reservation, so a retry with the key runs again.
    pub async fn release(&self, ticket: &Ticket) -> Result<(), AppError> {
        let mut sql = Sql::new(self.db.get_database_backend());
        sql.push("DELETE FROM idempotency_keys WHERE ");
        where_ticket(&mut sql, ticket);
        self.db.execute(sql.build()).await?;
        Ok(())
    }

    /// Deletes the rows that expired at `now`; how many.
    pub async fn purge(&self, now: i64) -> Result<u64, AppError> {
        let mut sql = Sql::new(self.db.get_database_backend());
        sql.push("DELETE FROM idempotency_keys WHERE created_at <= ")
            .bind(now - RETENTION_SECS);
        Ok(self.db.execute(sql.build()).await?.rows_affected())
    }
}

fn where_ticket(sql: &mut Sql, ticket: &Ticket) {
    sql.push("user_id = ")
        .bind(ticket.user_id)
        .push(" AND idempotency_key = ")
        .bind(ticket.key.as_str())
        .push(" AND created_at = ")
        .bind(ticket.reserved_at)
        .push(" AND response_status IS NULL");
}

/// Deletes expired keys now, then every [`PURGE_EVERY`] in a task of its own. The first purge is
/// awaited, so a started app sends no statement nobody asked for (tests count statements). The
/// task holds only a weak reference, so it ends with the app (tests run several apps in one
/// process).
pub async fn purge_now_and_every_period(keys: &Arc<IdempotencyKeys>) {
    purge_logged(keys).await;
    let keys: Weak<IdempotencyKeys> = Arc::downgrade(keys);
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + PURGE_EVERY;
        let mut tick = tokio::time::interval_at(start, PURGE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(keys) = keys.upgrade() else {
                break;
            };
            purge_logged(&keys).await;
        }
    });
}

async fn purge_logged(keys: &IdempotencyKeys) {
    match keys.purge(chrono::Utc::now().timestamp()).await {
        Ok(0) => {}
        Ok(n) => tracing::debug!(deleted = n, "purged expired idempotency keys"),
        Err(e) => {
            tracing::warn!(error = %crate::error::chain(&e), "could not purge expired idempotency keys")
        }
    }
}
