//! The document limits, the parse and the GET-is-read-only rule (`prepare`); then execution with
//! the per-request data (viewer, loaders, cache hints), and error codes on every error (`run`).
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{ErrorExtensionValues, ServerError, Variables};
use axum::http::{header, HeaderValue, Method, StatusCode};

use super::respond::{request_error, viewer_failed, Answer};
use super::Ctx;
use super::{admit, replica};
use crate::accounts::budget::BudgetStatus;
use crate::auth::Viewer;
use crate::catalog::cache::CacheScope;
use crate::error::code;
use crate::graphql::budget::BudgetSlot;
use crate::graphql::cache_hints::CacheHints;
use crate::graphql::catalog::raw_json::RawJson;
use crate::graphql::context::{ClientIp, RequestId};
use crate::graphql::limits::Limits;
use crate::graphql::loaders::Loaders;
use crate::graphql::token_mutations;
use crate::http::rate_limit;
use crate::http::response_cache::cacheable_operation;
use crate::http::viewer::viewer_from_headers;

/// A request that passed every check before execution.
pub struct Prepared {
    pub request: async_graphql::Request,
    /// The operation's name, when the document tells it.
    pub name: Option<String>,
    pub operation_type: Option<OperationType>,
    /// The answer may go into the response cache (only catalogue roots).
    pub store: bool,
    /// A mutation whose answer carries tokens (never stored under an idempotency key).
    pub issues_tokens: bool,
}

/// Size and tokens before the parser runs (the parser itself is bounded by the nesting check),
/// then the document limits, and no mutation over GET.
pub fn prepare(
    ctx: &Ctx<'_>,
    query: String,
    operation_name: Option<String>,
    variables: Variables,
    may_store: bool,
) -> Result<Prepared, Answer> {
    let media = ctx.media;
    let mut request = async_graphql::Request::new(query).variables(variables);
    if let Some(name) = &operation_name {
        request = request.operation_name(name.clone());
    }
    if let Err(refusal) = admit::check_document(&mut request, &ctx.state.limits) {
        return Err(refusal.respond(media).into());
    }
    let Ok(doc) = request.parsed_query() else {
        // `check_document` parsed it.
        return Err(
            admit::bad_request("The GraphQL document could not be parsed")
                .respond(media)
                .into(),
        );
    };
    let store = may_store && cacheable_operation(doc, operation_name.as_deref());
    let operation = selected_operation(doc, operation_name.as_deref());
    let issues_tokens = token_mutations::issues_tokens(doc, operation_name.as_deref());
    let name = operation.as_ref().and_then(|(_, name)| name.clone());
    let operation_type = operation.map(|(ty, _)| ty);
    if ctx.method == Method::GET && operation_type.is_some_and(|t| t != OperationType::Query) {
        let mut resp = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            media,
            code::BAD_USER_INPUT,
            "Mutations and subscriptions must be sent with POST",
        );
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return Err(Answer::refused(resp, name));
    }
    Ok(Prepared {
        request,
        name,
        operation_type,
        store,
        issues_tokens,
    })
}

/// What execution gave.
pub struct Executed {
    pub response: async_graphql::Response,
    pub name: Option<String>,
    pub operation_type: Option<OperationType>,
    pub store: bool,
    /// No `data`, only errors without a path: the request as a whole was refused.
    pub is_request_error: bool,
    pub hints: CacheHints,
    pub raw: RawJson,
    /// The user's budget after this request (signed in, budgets on, document valid).
    pub budget: Option<BudgetStatus>,
    /// After a signed-in mutation with replicas: the position to send in `Read-After-Lsn`.
    pub read_after: Option<crate::db::replicas::Lsn>,
}

/// Who asks (from `Authorization`), and for a request that signs no one in, the per-address
/// bucket. When the token cannot be checked, nothing may run: the refusal (503 when the database
/// is away).
pub async fn viewer(ctx: &Ctx<'_>, name: &Option<String>) -> Result<Viewer, Answer> {
    let viewer = match viewer_from_headers(ctx.state, ctx.headers).await {
        Ok(viewer) => viewer,
        Err(err) => {
            let resp = viewer_failed(ctx.media, &err, &request_id(ctx));
            return Err(Answer::refused(resp, name.clone()));
        }
    };
    if let Err(refused) = limit_anonymous(ctx, &viewer) {
        return Err(Answer::refused(refused, name.clone()));
    }
    Ok(viewer)
}

/// Executes as `viewer` (see [`viewer`]) with the loaders (through the shared caches unless it is
/// a mutation, at `version` when the response cache already read it), the client's address and
/// request id.
pub async fn run(
    ctx: &Ctx<'_>,
    prepared: Prepared,
    viewer: Viewer,
    version: Option<u64>,
) -> Executed {
    let state = ctx.state;
    let rid = request_id(ctx);
    let query_text = prepared.request.query.clone();
    // Signed-in requests spend from their user's budget (charged after validation, see
    // `graphql::budget`); the slot tells what it came to.
    let budget = viewer.user.is_some().then(BudgetSlot::default);
    let is_mutation = prepared.operation_type == Some(OperationType::Mutation);
    // Queries read on a replica when one has replayed what this reader must see.
    let replica = replica::choose(state, prepared.operation_type, &viewer, ctx.headers);
    let retry = replica.as_ref().map(|_| copy_request(&prepared.request));
    let ip = ClientIp(ctx.peer.ip().to_string());
    let per_request = PerRequest {
        viewer,
        ip,
        rid: rid.clone(),
        budget: budget.clone(),
    };
    let db = replica.as_ref().map_or(&state.db, |r| &r.conn);
    let (mut response, mut hints, mut raw) = per_request
        .execute(state, prepared.request, db, is_mutation, version)
        .await;
    if let (Some(replica), Some(request)) = (&replica, retry) {
        if let Some(why) = replica::replica_failed(&response) {
            // A query only reads: running it again on the primary is safe.
            tracing::warn!(replica = %replica.label, error = %why, "read failed on a replica; answered from the primary");
            if let Some(reads) = &state.reads {
                reads.failed(replica, why);
            }
            (response, hints, raw) = per_request
                .execute(state, request, &state.db, is_mutation, version)
                .await;
        }
    }
    let read_after = if is_mutation {
        // Whatever it wrote, this process reads the content version again before trusting a cache.
        state.caches.version.mark_stale();
        replica::after_write(state, &per_request.viewer).await
    } else {
        None
    };
    let is_request_error = normalize_errors(&mut response, &query_text, &rid, &state.limits);
    Executed {
        response,
        name: prepared.name,
        operation_type: prepared.operation_type,
        store: prepared.store,
        is_request_error,
        hints,
        raw,
        budget: budget.and_then(|slot| slot.status()),
        read_after,
    }
}

/// What every execution of one request carries besides its loaders.
struct PerRequest {
    viewer: Viewer,
    ip: ClientIp,
    rid: String,
    budget: Option<BudgetSlot>,
}

impl PerRequest {
    /// Executes on `db` with fresh loaders (through the shared caches unless it is a mutation: a
    /// mutation reads what it just wrote, never a version read before its own commit).
    async fn execute(
        &self,
        state: &crate::http::state::AppState,
        mut request: async_graphql::Request,
        db: &sea_orm::DatabaseConnection,
        is_mutation: bool,
        version: Option<u64>,
    ) -> (async_graphql::Response, CacheHints, RawJson) {
        let scope = (!is_mutation).then(|| CacheScope::new(state.caches.clone(), version));
        // The learners' cache is filled from the primary only: a replica may not have replayed
        // a write whose notice already reached this process, and an entry filled from it would
        // stay stale past the replica's lag (until the learner's next change).
        let learners = std::ptr::eq(db, &state.db).then(|| state.learners.clone());
        let hints = CacheHints::default();
        let raw = RawJson::default();
        if let Some(slot) = &self.budget {
            request = request.data(slot.clone());
        }
        let request = request
            .data(db.clone())
            .data(Loaders::with_cache(db, scope, learners))
            .data(self.viewer.clone())
            .data(self.ip.clone())
            .data(RequestId(self.rid.clone()))
            .data(hints.clone())
            .data(raw.clone());
        (state.schema.execute(request).await, hints, raw)
    }
}

/// The operation as the client sent it, without per-request data (to run it again elsewhere).
fn copy_request(request: &async_graphql::Request) -> async_graphql::Request {
    let mut copy =
        async_graphql::Request::new(request.query.clone()).variables(request.variables.clone());
    copy.operation_name = request.operation_name.clone();
    copy.extensions = request.extensions.clone();
    copy.introspection_mode = request.introspection_mode;
    copy
}

/// Gives every error of an executed operation its code (see [`normalize_error`]), whatever the
/// transport; whether the operation was refused as a whole (no `data`, only errors without a
/// path).
pub fn normalize_errors(
    response: &mut async_graphql::Response,
    query_text: &str,
    request_id: &str,
    limits: &Limits,
) -> bool {
    let is_request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    // Variable values that do not fit their types are reported at the argument using them (and
    // again at the field): the client's input is at fault, not the document.
    let bad_variables = is_request_error
        && response
            .errors
            .iter()
            .any(|e| points_at_variable(query_text, e));
    for err in &mut response.errors {
        let bad_input = bad_variables
            && (err.message.starts_with("Invalid value for argument")
                || err.message.starts_with("Expected input type"));
        normalize_error(err, is_request_error, bad_input, request_id, limits);
    }
    is_request_error
}

/// The per-address bucket for a request whose `Authorization` did not make it signed in (the
/// rate-limit middleware leaves requests with a bearer token to the user's budget).
fn limit_anonymous(ctx: &Ctx<'_>, viewer: &Viewer) -> Result<(), axum::response::Response> {
    let state = ctx.state;
    if viewer.user.is_some() || !rate_limit::left_to_budget(state, ctx.headers) {
        return Ok(());
    }
    let trust = state.config.hardening.trust_forwarded_for;
    let Some(ip) = rate_limit::client_ip(ctx.headers, Some(ctx.peer), trust) else {
        return Ok(());
    };
    state.rate_limiter.check(ip, 1).map_err(|wait| {
        state.metrics.rate_limited();
        rate_limit::too_many_requests(ctx.media, wait)
    })
}

/// The request's `x-request-id` (set by the router's layer), `-` without one.
pub fn request_id(ctx: &Ctx<'_>) -> String {
    ctx.headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned()
}

/// The type and name of the operation that will run, when they can be told from the document.
fn selected_operation(
    doc: &ExecutableDocument,
    name: Option<&str>,
) -> Option<(OperationType, Option<String>)> {
    use async_graphql::parser::types::DocumentOperations;
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some((op.node.ty, None)),
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .get_key_value(name)
            .map(|(n, op)| (op.node.ty, Some(n.to_string()))),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops
            .iter()
            .next()
            .map(|(n, op)| (op.node.ty, Some(n.to_string()))),
        _ => None,
    }
}

/// Gives every error an `extensions.code`, and internal ones the request id to quote.
fn normalize_error(
    err: &mut ServerError,
    request_error: bool,
    bad_input: bool,
    request_id: &str,
    limits: &Limits,
) {
    let ext = err
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    let code_now = ext.get("code").and_then(|v| match v {
        async_graphql::Value::String(s) => Some(s.clone()),
        _ => None,
    });
    let code = match code_now {
        Some(c) => c,
        // Values the client sent that do not fit their declared types, or an operation name
        // the document does not have (or none when it has several): the client's input is at
        // fault, not the document.
        None if request_error
            && (bad_input
                || err.message.starts_with("Unknown operation")
                || err.message.starts_with("Operation name required")) =>
        {
            code::BAD_USER_INPUT.to_owned()
        }
        None if request_error => code::GRAPHQL_VALIDATION_FAILED.to_owned(),
        // Execution errors raised by async-graphql itself are argument coercion failures.
        None => code::BAD_USER_INPUT.to_owned(),
    };
    if err.message == "Query is too complex." {
        err.message = format!(
            "The query is too complex: its cost is over the limit of {} (each field costs 1; a \
             connection costs its selection times `first`)",
            limits.max_complexity
        );
    }
    if code == code::INTERNAL_SERVER_ERROR {
        ext.set("requestId", request_id);
        err.message = format!("Internal server error (request id {request_id})");
    }
    ext.set("code", code);
}

/// Whether the error is located at a `$variable`, or at an argument whose value is one
/// (`name: $variable`).
fn points_at_variable(query: &str, err: &ServerError) -> bool {
    let Some(pos) = err.locations.first() else {
        return false;
    };
    let Some(line) = query.lines().nth(pos.line.saturating_sub(1)) else {
        return false;
    };
    let rest: String = line.chars().skip(pos.column.saturating_sub(1)).collect();
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
    let rest = rest.trim_start();
    let rest = rest.strip_prefix(':').map(str::trim_start).unwrap_or(rest);
    rest.starts_with('$')
}
