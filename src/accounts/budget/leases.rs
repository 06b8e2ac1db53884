//! Budget leases: a process reserves a share of a user's budget from the shared row at a time
//! (one upsert) and spends it in memory, so a signed-in request costs no statement while its
//! process holds points for that user. Reserved points count as spent in the row, so the
//! processes on one database together never allow more than `limit` per window; what a process
//! reserved and did not spend (at most one share per user, when the window ends, the process
//! stops, or the entry is evicted) is lost for that window, never given twice.
//!
//! Written here rather than taken from a rate-limiting crate: `governor` and its kin keep
//! their state in one process, and the budget must hold across processes on one database.
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::ids::UserId;
use moka::sync::Cache;
use sea_orm::DatabaseConnection;
use tokio::sync::Mutex;

use super::{charge_row, BudgetPolicy, BudgetStatus};
use crate::error::AppError;

/// A reservation is a fiftieth of the budget (100 of the default 5,000 points), at least one
/// point: one statement per ~100 cheap requests, and at most 2 % of a user's budget idle in
/// each process.
const SHARE_DIVISOR: u32 = 50;

/// Users whose leases one process keeps (~200 bytes each with the cache's bookkeeping, so ~20 MB
/// at most): past it the least recently used lease is dropped, with its unspent points.
const MAX_LEASES: u64 = 100_000;

/// What this process holds of one user's budget in the current window.
#[derive(Debug, Clone, Copy)]
struct Lease {
    /// When the window the points belong to ends (the row's `window_start + window`).
    reset_at: DateTime<Utc>,
    /// Points reserved in the row and not yet spent here.
    left: u32,
    /// What the row had left after this process's last reservation: with `left`, the budget
    /// this process knows of (other processes may have spent part of it since).
    row_remaining: u32,
}

/// Every process's in-memory share of its users' budgets.
pub struct BudgetLeases {
    policy: BudgetPolicy,
    leases: Cache<UserId, Arc<Mutex<Lease>>>,
}

impl BudgetLeases {
    pub fn new(policy: BudgetPolicy) -> Self {
        let leases = Cache::builder()
            .max_capacity(MAX_LEASES)
            .time_to_idle(Duration::from_secs(u64::from(policy.window_secs.max(1))))
            .build();
        Self { policy, leases }
    }

    pub fn policy(&self) -> BudgetPolicy {
        self.policy
    }

    fn share(&self) -> u32 {
        (self.policy.limit / SHARE_DIVISOR).max(1)
    }

    /// Spends `cost` points of `user_id`'s budget if they fit, from this process's lease when it
    /// holds enough, otherwise by reserving more from the row; either way returns where the
    /// budget stands.
    pub async fn charge(
        &self,
        db: &DatabaseConnection,
        user_id: UserId,
        cost: u32,
        now: DateTime<Utc>,
    ) -> Result<BudgetStatus, AppError> {
        let policy = self.policy;
        if cost > policy.limit {
            // Never fits: refused by the row's rule without touching the row.
            return charge_row(db, policy, user_id, cost, now).await;
        }
        let lease = self
            .leases
            .get_with(user_id, || Arc::new(Mutex::new(Lease::EMPTY)));
        // One reservation at a time per user: the user's other requests wait for it and spend
        // from what it brings, rather than each reserving a share (a burst of 200 requests would
        // otherwise reserve 200 shares, more than the budget, and be refused with points held).
        let mut held = lease.lock().await;
        if let Some(status) = held.spend(policy.limit, cost, now) {
            return Ok(status);
        }
        // Reserve a share (or the cost, if larger); when the share no longer fits, just the cost,
        // so the last points of the budget can still be spent.
        let share = cost.max(self.share()).min(policy.limit);
        let mut reserved = share;
        let mut row = charge_row(db, policy, user_id, share, now).await?;
        if !row.allowed && share > cost {
            reserved = cost;
            row = charge_row(db, policy, user_id, cost, now).await?;
        }
        let same_window = held.reset_at == row.reset_at && now < held.reset_at;
        if !row.allowed {
            let left = if same_window { held.left } else { 0 };
            return Ok(BudgetStatus {
                cost,
                remaining: row.remaining.saturating_add(left),
                ..row
            });
        }
        if same_window {
            held.left = held.left.saturating_add(reserved - cost);
            held.row_remaining = row.remaining;
        } else {
            *held = Lease {
                reset_at: row.reset_at,
                left: reserved - cost,
                row_remaining: row.remaining,
            };
        }
        Ok(held.status(policy.limit, cost))
    }
}

impl Lease {
    const EMPTY: Lease = Lease {
        reset_at: DateTime::<Utc>::MIN_UTC,
        left: 0,
        row_remaining: 0,
    };

    /// Spends `cost` from what this process holds, if it holds enough in a window still open.
    fn spend(&mut self, limit: u32, cost: u32, now: DateTime<Utc>) -> Option<BudgetStatus> {
        if now >= self.reset_at || self.left < cost {
            return None;
        }
        self.left -= cost;
        Some(self.status(limit, cost))
    }

    fn status(&self, limit: u32, cost: u32) -> BudgetStatus {
        BudgetStatus {
            limit,
            cost,
            remaining: self.row_remaining.saturating_add(self.left).min(limit),
            reset_at: self.reset_at,
            allowed: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(left: u32, reset_in_secs: i64, now: DateTime<Utc>) -> Lease {
        Lease {
            reset_at: now + chrono::Duration::seconds(reset_in_secs),
            left,
            row_remaining: 90,
        }
    }

    #[test]
    fn spends_what_it_holds_and_reports_the_row_plus_the_rest() {
        let now = Utc::now();
        let mut held = lease(10, 60, now);
        let status = held.spend(100, 4, now).expect("fits");
        assert_eq!((status.remaining, status.cost, held.left), (96, 4, 6));
        assert!(status.allowed);
    }

    #[test]
    fn holds_nothing_once_the_window_ends_or_the_cost_is_more_than_it_holds() {
        let now = Utc::now();
        assert!(lease(10, 0, now).spend(100, 1, now).is_none());
        assert!(lease(3, 60, now).spend(100, 4, now).is_none());
        let mut empty = Lease::EMPTY;
        assert!(empty.spend(100, 1, now).is_none());
    }
}
