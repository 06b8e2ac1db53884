//! Per-user request budgets (GitHub's model): a signed-in user may spend `limit` points per
//! window (an hour by default); a request costs its query complexity / 100, rounded up, and at
//! least one point. A window starts with the first request after the previous window ended.
//! Refused requests spend nothing.
//!
//! The budget lives in the database (`user_budgets`), charged with one conditional upsert, so
//! every server process on one database shares it and it survives a restart. A process does not
//! write that row on every request: it reserves a share of the budget at a time (`BudgetLeases`,
//! in `leases.rs`) and spends it in memory, so the shared row never allows more than `limit`.
use chrono::{DateTime, TimeZone, Utc};
use entity::ids::UserId;
use sea_orm::{ConnectionTrait, DatabaseConnection};

mod leases;
pub use leases::BudgetLeases;

use crate::db::sql::Sql;
use crate::error::AppError;

/// The configured budget: `limit` points per `window_secs`. A limit of 0 turns budgets off.
#[derive(Debug, Clone, Copy)]
pub struct BudgetPolicy {
    pub limit: u32,
    pub window_secs: u32,
}

impl BudgetPolicy {
    pub fn enabled(&self) -> bool {
        self.limit > 0
    }
}

/// Points a query of `complexity` costs.
pub fn cost_of(complexity: usize) -> u32 {
    let points = complexity.div_ceil(100).max(1);
    u32::try_from(points).unwrap_or(u32::MAX)
}

/// Where a user's budget stands after a charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetStatus {
    pub limit: u32,
    /// What this request cost (charged only when `allowed`).
    pub cost: u32,
    pub remaining: u32,
    /// When the window ends and the budget is whole again.
    pub reset_at: DateTime<Utc>,
    pub allowed: bool,
}

impl BudgetStatus {
    /// Whole seconds until the reset (at least 1), for `Retry-After`.
    pub fn retry_after_secs(&self, now: DateTime<Utc>) -> u64 {
        u64::try_from((self.reset_at - now).num_seconds())
            .unwrap_or(0)
            .max(1)
    }
}

/// Spends `cost` points of `user_id`'s budget row if they fit; either way returns where the row
/// stands. Requests go through `BudgetLeases::charge`, which calls this once per reservation.
pub async fn charge_row(
    db: &DatabaseConnection,
    policy: BudgetPolicy,
    user_id: UserId,
    cost: u32,
    now: DateTime<Utc>,
) -> Result<BudgetStatus, AppError> {
    let now_secs = now.timestamp();
    let expired_before = now_secs - i64::from(policy.window_secs);
    let status = |spent: i64, window_start: i64, allowed: bool| BudgetStatus {
        limit: policy.limit,
        cost,
        remaining: u32::try_from(i64::from(policy.limit) - spent).unwrap_or(0),
        reset_at: Utc
            .timestamp_opt(window_start + i64::from(policy.window_secs), 0)
            .single()
            .unwrap_or(now),
        allowed,
    };
    if cost > policy.limit {
        // Never fits, whatever was spent: refused without touching the row.
        return Ok(status(0, now_secs, false));
    }
    // A window that ended starts again with this request; otherwise the cost is added, but only
    // while it fits (the WHERE makes a refused charge write nothing and return no row).
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("INSERT INTO user_budgets (user_id, window_start, spent) VALUES (")
        .bind(user_id)
        .push(", ")
        .bind(now_secs)
        .push(", ")
        .bind(i64::from(cost))
        .push(
            ") ON CONFLICT (user_id) DO UPDATE SET \
             spent = CASE WHEN user_budgets.window_start <= ",
        )
        .bind(expired_before)
        .push(
            " THEN excluded.spent ELSE user_budgets.spent + excluded.spent END, \
             window_start = CASE WHEN user_budgets.window_start <= ",
        )
        .bind(expired_before)
        .push(
            " THEN excluded.window_start ELSE user_budgets.window_start END \
             WHERE user_budgets.window_start <= ",
        )
        .bind(expired_before)
        .push(" OR user_budgets.spent + excluded.spent <= ")
        .bind(i64::from(policy.limit))
        .push(" RETURNING spent, window_start");
    if let Some(row) = db.query_one(sql.build()).await? {
        let spent: i64 = row.try_get_by_index(0)?;
        let window_start: i64 = row.try_get_by_index(1)?;
        return Ok(status(spent, window_start, true));
    }
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT spent, window_start FROM user_budgets WHERE user_id = ")
        .bind(user_id);
    let row = db
        .query_one(sql.build())
        .await?
        .ok_or_else(|| AppError::internal("a refused budget charge found no budget row"))?;
    let spent: i64 = row.try_get_by_index(0)?;
    let window_start: i64 = row.try_get_by_index(1)?;
    Ok(status(spent, window_start, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_complexity_over_a_hundred_rounded_up_and_at_least_one() {
        assert_eq!(cost_of(0), 1);
        assert_eq!(cost_of(1), 1);
        assert_eq!(cost_of(100), 1);
        assert_eq!(cost_of(101), 2);
        assert_eq!(cost_of(5000), 50);
    }

    #[test]
    fn retry_after_is_at_least_a_second() {
        let now = Utc::now();
        let status = BudgetStatus {
            limit: 1,
            cost: 1,
            remaining: 0,
            reset_at: now,
            allowed: false,
        };
        assert_eq!(status.retry_after_secs(now), 1);
        let later = BudgetStatus {
            reset_at: now + chrono::Duration::seconds(90),
            ..status
        };
        assert_eq!(later.retry_after_secs(now), 90);
    }
}
