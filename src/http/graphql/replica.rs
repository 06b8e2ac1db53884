//! Which database an operation runs on when `DATABASE_READ_URLS` is set (the rules are in
//! `db::replicas`): queries on a replica that has replayed what the reader must see, mutations on
//! the primary, and after a signed-in mutation its WAL position in the `Read-After-Lsn` response
//! header, which the client echoes on its next requests (any process then knows what to wait for).
use std::sync::Arc;

use async_graphql::parser::types::OperationType;
use axum::http::HeaderMap;

use crate::auth::Viewer;
use crate::db::replicas::{Lsn, Replica};
use crate::error::code;
use crate::http::state::AppState;

/// Sent after a signed-in mutation, and read back from requests.
pub const READ_AFTER_LSN: &str = "read-after-lsn";

/// The replica a query by `viewer` reads on, or `None`: the primary (no replicas, a mutation or
/// subscription set-up, no replica has replayed what the reader must see, or every one is down).
pub fn choose(
    state: &AppState,
    operation: Option<OperationType>,
    viewer: &Viewer,
    headers: &HeaderMap,
) -> Option<Arc<Replica>> {
    let reads = state.reads.as_ref()?;
    if operation != Some(OperationType::Query) {
        return None;
    }
    let seen = headers
        .get(READ_AFTER_LSN)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<Lsn>().ok());
    reads.choose(reads.must_see(viewer.user_id(), seen))
}

/// Why a read on a replica must run again on the primary: the replica could not be reached or
/// failed the statement (a standby cancels queries that conflict with its replay). `None`: the
/// answer stands.
pub fn replica_failed(response: &async_graphql::Response) -> Option<String> {
    response
        .errors
        .iter()
        .find(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .is_some_and(|c| {
                    *c == async_graphql::Value::from(code::SERVICE_UNAVAILABLE)
                        || *c == async_graphql::Value::from(code::INTERNAL_SERVER_ERROR)
                })
        })
        .map(|e| e.message.clone())
}

/// After a signed-in mutation: the primary's position, remembered for the user in this process
/// and returned for the `Read-After-Lsn` header.
pub async fn after_write(state: &AppState, viewer: &Viewer) -> Option<Lsn> {
    let reads = state.reads.as_ref()?;
    let user = viewer.user_id()?;
    let lsn = reads.position().await?;
    reads.wrote(user, lsn);
    Some(lsn)
}
