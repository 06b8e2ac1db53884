//! The executor a socket runs its operations through: before an operation reaches the schema it
//! passes the same steps a POST passes (`graphql::admit`: the persisted-query rules and every
//! document limit; the body limit per message; the per-user budget, charged the same points by
//! the schema's budget extension; the per-address bucket when budgets are off, as the HTTP
//! middleware does), plus the socket's own limit on operations running at once. Errors get the
//! same codes as over HTTP (`execute::normalize_errors`).
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor, Request, Response, ServerError};
use entity::ids::UserId;
use futures_util::stream::{self, BoxStream};
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;

use super::graphql::admit::{self, Refusal};
use super::graphql::execute::normalize_errors;
use super::state::AppState;
use super::ws_limits::OVERSIZED;
use super::ws_shared::{Operation, ShareKey};
use crate::auth::Viewer;
use crate::error::code;
use crate::graphql::budget::BudgetSlot;
use crate::graphql::context::RequestId;
use crate::graphql::loaders::Loaders;

/// One socket's executor.
#[derive(Clone)]
pub struct GuardedExecutor {
    state: AppState,
    client: Option<IpAddr>,
    /// Operations of this socket running now.
    running: Arc<AtomicUsize>,
}

/// Holds one of the socket's places for a running operation until the operation ends.
struct Running(Arc<AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An operation that passed every check.
struct Admitted {
    request: Request,
    running: Running,
    mutation: bool,
    request_id: String,
    /// Where it reads (the primary, or a replica that has this user's writes).
    db: DatabaseConnection,
}

impl GuardedExecutor {
    pub fn new(state: AppState, client: Option<IpAddr>) -> Self {
        Self {
            state,
            client,
            running: Arc::default(),
        }
    }

    fn admit(&self, mut request: Request, user: Option<UserId>) -> Result<Admitted, ServerError> {
        let state = &self.state;
        if request.extensions.contains_key(OVERSIZED) {
            let limit = state.config.hardening.max_body_bytes;
            return Err(admit::too_large(limit).server_error());
        }
        let running = self.take_place()?;
        let query = std::mem::take(&mut request.query);
        let query = (!query.is_empty()).then_some(query);
        let extensions = (!request.extensions.is_empty())
            .then(|| serde_json::to_value(&request.extensions).ok())
            .flatten();
        let doc = admit::resolve(&state.apq, query, extensions.as_ref())
            .map_err(Refusal::server_error)?;
        request.query = doc.query;
        admit::check_document(&mut request, &state.limits).map_err(Refusal::server_error)?;
        if let Some(hash) = doc.register {
            state.apq.put(hash, &request.query);
        }
        self.charge_address()?;
        let mutation = request.parsed_query().is_ok_and(|d| {
            d.operations
                .iter()
                .any(|(_, op)| op.node.ty == OperationType::Mutation)
        });
        let request_id = format!("ws-{}", uuid::Uuid::new_v4().simple());
        // Queries and subscriptions read on a replica that has replayed this user's last write.
        let replica = match (&state.reads, mutation) {
            (Some(reads), false) => reads.choose(reads.must_see(user, None)),
            _ => None,
        };
        let db = replica.as_ref().map_or(&state.db, |r| &r.conn).clone();
        let request = request
            .data(BudgetSlot::default())
            .data(db.clone())
            .data(Loaders::new(&db))
            .data(RequestId(request_id.clone()));
        Ok(Admitted {
            request,
            running,
            mutation,
            request_id,
            db,
        })
    }

    fn take_place(&self) -> Result<Running, ServerError> {
        let max = self.state.config.sockets.max_operations_per_socket;
        let taken = self
            .running
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            });
        match taken {
            Ok(_) => Ok(Running(self.running.clone())),
            Err(_) => Err(Refusal {
                code: code::RATE_LIMITED,
                message: format!(
                    "This socket already runs {max} operations (WS_MAX_OPERATIONS_PER_SOCKET): \
                     complete one first"
                ),
                status: admit::Status::RequestError,
            }
            .server_error()),
        }
    }

    /// With per-user budgets off, signed-in requests spend from their address's bucket (as the
    /// HTTP middleware charges them).
    fn charge_address(&self) -> Result<(), ServerError> {
        let state = &self.state;
        let Some(ip) = self.client.filter(|_| !state.budget.enabled()) else {
            return Ok(());
        };
        state.rate_limiter.check(ip, 1).map_err(|wait| {
            state.metrics.rate_limited();
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            let mut err = Refusal {
                code: code::RATE_LIMITED,
                message: format!("Too many requests: retry in {secs} s"),
                status: admit::Status::RequestError,
            }
            .server_error();
            if let Some(ext) = err.extensions.as_mut() {
                ext.set("retryAfterSeconds", secs);
            }
            err
        })
    }
}

impl Executor for GuardedExecutor {
    async fn execute(&self, request: Request) -> Response {
        self.execute_stream(request, None)
            .next()
            .await
            .unwrap_or_default()
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        // The socket's signed-in user (set at `connection_init`): its reads must see its writes.
        let viewer = session_data
            .as_ref()
            .and_then(|d| d.get(&std::any::TypeId::of::<Viewer>()))
            .and_then(|v| v.downcast_ref::<Viewer>());
        let user = viewer.and_then(Viewer::user_id);
        let admitted = match self.admit(request, user) {
            Ok(a) => a,
            Err(err) => {
                return stream::once(async move { Response::from_errors(vec![err]) }).boxed()
            }
        };
        let Admitted {
            mut request,
            running,
            mutation,
            request_id,
            db,
        } = admitted;
        let state = self.state.clone();
        let limits = state.limits.clone();
        let query = request.query.clone();
        let key = ShareKey::of(&mut request, viewer);
        let session = session_data.unwrap_or_default();
        let items = match key {
            // A subscription identical to others of this user: one execution renders for all.
            Some(key) => {
                let op = Operation {
                    schema: state.schema.clone(),
                    db,
                    session,
                };
                state.shared_live.follow(key, request, op)
            }
            None => state
                .schema
                .execute_stream_with_session_data(request, session)
                .boxed(),
        };
        let items = if mutation {
            items
                .then(move |response| {
                    let state = state.clone();
                    async move {
                        // As over HTTP: this process reads the content version again after a
                        // write, and this user's next reads wait for its position.
                        state.caches.version.mark_stale();
                        if let (Some(reads), Some(user)) = (&state.reads, user) {
                            if let Some(lsn) = reads.position().await {
                                reads.wrote(user, lsn);
                            }
                        }
                        response
                    }
                })
                .boxed()
        } else {
            // A subscription's items pass here once per socket: nothing is cloned for them.
            items
        };
        items
            .map(move |mut response| {
                // The place is held as long as the operation streams.
                let _running = &running;
                normalize_errors(&mut response, &query, &request_id, &limits);
                response
            })
            .boxed()
    }
}
