//! What a resolver can ask its context for: the database, the per-request loaders, the viewer and
//! the capabilities derived from it.
use async_graphql::Context;
use sea_orm::DatabaseConnection;

use super::loaders::Loaders;
use crate::auth::{CatalogAccess, Learner, Viewer};
use crate::error::AppError;

/// The client's address, for per-client limits.
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

/// The id of the HTTP request, also on every log line and on internal errors.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

pub fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

pub fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

pub fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    ctx.data_opt::<Viewer>().unwrap_or(&Viewer::ANONYMOUS)
}

/// What the viewer may read of the catalogue.
pub fn catalog_access(ctx: &Context<'_>) -> CatalogAccess {
    viewer(ctx).catalog()
}

/// The signed-in learner (the `SignedIn` guard has already run; this only refuses the impossible).
pub fn learner(ctx: &Context<'_>) -> Result<Learner, AppError> {
    viewer(ctx)
        .learner()
        .ok_or_else(|| AppError::Unauthenticated("You must be signed in to do this".to_owned()))
}

/// Token signing and checking, and the announcer of revocations and account changes.
pub fn auth<'a>(ctx: &Context<'a>) -> &'a std::sync::Arc<crate::accounts::Auth> {
    ctx.data_unchecked::<std::sync::Arc<crate::accounts::Auth>>()
}

/// Where mail goes (through `SMTP_URL`, or to the log).
pub fn mailer<'a>(ctx: &Context<'a>) -> &'a crate::mail::Mailer {
    ctx.data_unchecked::<std::sync::Arc<crate::mail::Mailer>>()
}

/// The client's address, or `""` when unknown.
pub fn client_ip(ctx: &Context<'_>) -> String {
    ctx.data_opt::<ClientIp>()
        .map(|c| c.0.clone())
        .unwrap_or_default()
}
