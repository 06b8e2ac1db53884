//! Per-user budgets at the GraphQL layer: an async-graphql extension charges a signed-in request's
//! cost once the document is validated (that is where async-graphql knows its complexity), before
//! any resolver runs; `rateLimit` shows where the budget stands. An extension, because the
//! complexity is computed nowhere else.
use std::sync::{Arc, OnceLock};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{Context, Object, ServerError, SimpleObject, ValidationResult};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::error::ApiError;
use crate::accounts::budget::{self, BudgetLeases, BudgetPolicy, BudgetStatus};
use crate::auth::Viewer;
use crate::error::AppError;

/// Where this request's charge is recorded: put in the request's data by the transport (only for
/// signed-in requests), filled by the extension, read by `rateLimit` and the response headers.
#[derive(Clone, Default)]
pub struct BudgetSlot(Arc<OnceLock<BudgetStatus>>);

impl BudgetSlot {
    pub fn status(&self) -> Option<BudgetStatus> {
        self.0.get().copied()
    }
}

/// The extension factory, registered on the schema with the database and this process's leases
/// of users' budgets (one set per schema, so per process).
pub struct BudgetCharge {
    db: DatabaseConnection,
    leases: Arc<BudgetLeases>,
}

impl BudgetCharge {
    pub fn new(db: DatabaseConnection, policy: BudgetPolicy) -> Self {
        Self {
            db,
            leases: Arc::new(BudgetLeases::new(policy)),
        }
    }
}

impl ExtensionFactory for BudgetCharge {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ChargeOnValidation {
            db: self.db.clone(),
            leases: self.leases.clone(),
        })
    }
}

struct ChargeOnValidation {
    db: DatabaseConnection,
    leases: Arc<BudgetLeases>,
}

#[async_trait::async_trait]
impl Extension for ChargeOnValidation {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let slot = ctx.data_opt::<BudgetSlot>();
        let user_id = ctx.data_opt::<Viewer>().and_then(Viewer::user_id);
        let (Some(slot), Some(user_id)) = (slot, user_id) else {
            return Ok(result);
        };
        if !self.leases.policy().enabled() {
            return Ok(result);
        }
        let now = Utc::now();
        let cost = budget::cost_of(result.complexity);
        let status = self
            .leases
            .charge(&self.db, user_id, cost, now)
            .await
            .map_err(|e| vec![server_error(e)])?;
        let _ = slot.0.set(status);
        if status.allowed {
            return Ok(result);
        }
        let retry_after_secs = status.retry_after_secs(now);
        Err(vec![with_budget(
            server_error(AppError::RateLimited {
                message: format!(
                "This request costs {cost} points and {remaining} of your {limit} are left until \
                 {reset}; retry in {retry_after_secs} s, or ask for less (smaller `first`)",
                remaining = status.remaining,
                limit = status.limit,
                reset = status.reset_at.to_rfc3339(),
            ),
                retry_after_secs,
            }),
            &status,
        )])
    }
}

/// The budget's figures in the refusal's extensions (`limit`, `remaining`, `used`, `resetAt`):
/// what the `X-RateLimit-*` headers tell over HTTP, for transports without headers (WebSocket).
fn with_budget(mut err: ServerError, status: &BudgetStatus) -> ServerError {
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("limit", status.limit);
    ext.set("remaining", status.remaining);
    ext.set("used", status.limit.saturating_sub(status.remaining));
    ext.set("resetAt", status.reset_at.to_rfc3339());
    err
}

/// A request-level error (no path, no location) carrying the error's code and extensions.
fn server_error(err: AppError) -> ServerError {
    let err: async_graphql::Error = ApiError::from(err).into();
    let mut server_error = ServerError::new(err.message, None);
    server_error.extensions = err.extensions;
    server_error
}

/// A signed-in user's request budget, as it stands after this request was charged.
#[derive(SimpleObject)]
pub struct RateLimit {
    /// Points the user may spend per window (`RATE_LIMIT_USER_POINTS`, 5,000 an hour by default).
    limit: i32,
    /// Points this request cost: its complexity / 100, rounded up, at least 1.
    cost: i32,
    /// Points left in the current window, after this request, as this server knows it: with
    /// several servers, what another spent since this one last reserved points is not counted.
    remaining: i32,
    /// When the window ends and the budget is whole again.
    reset_at: DateTime<Utc>,
}

impl From<BudgetStatus> for RateLimit {
    fn from(s: BudgetStatus) -> Self {
        let int = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        Self {
            limit: int(s.limit),
            cost: int(s.cost),
            remaining: int(s.remaining),
            reset_at: s.reset_at,
        }
    }
}

#[derive(Default)]
pub struct RateLimitQuery;

#[Object]
impl RateLimitQuery {
    /// Your request budget: what this request cost and what is left until `resetAt`. Signed-in
    /// requests spend points from a per-user budget; past it, requests fail with `RATE_LIMITED`
    /// (HTTP 429, `Retry-After`) until the reset. The same figures come as `X-RateLimit-Limit`,
    /// `X-RateLimit-Remaining` and `X-RateLimit-Reset` headers on every signed-in response. Null
    /// when signed out (anonymous requests are limited per address instead) or when budgets are
    /// turned off.
    async fn rate_limit(&self, ctx: &Context<'_>) -> Option<RateLimit> {
        let slot = ctx.data_opt::<BudgetSlot>()?;
        slot.status().map(RateLimit::from)
    }
}
