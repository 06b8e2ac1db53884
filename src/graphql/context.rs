//! What a resolver can ask its context for: the database, the per-request loaders, the viewer.
use async_graphql::Context;
use sea_orm::DatabaseConnection;

use super::loaders::Loaders;
use crate::accounts::Role;

/// Who is asking. Anonymous unless a valid access token came with the request.
#[derive(Clone, Debug, Default)]
pub struct Viewer {
    pub user: Option<ViewerUser>,
    /// Why a token that was sent was refused (shown by the guards; public fields still work).
    pub token_error: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ViewerUser {
    pub id: i32,
    pub role: Role,
}

impl Viewer {
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Admin)
    }

    pub fn user_id(&self) -> Option<i32> {
        self.user.as_ref().map(|u| u.id)
    }
}

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
    static ANONYMOUS: Viewer = Viewer {
        user: None,
        token_error: None,
    };
    ctx.data_opt::<Viewer>().unwrap_or(&ANONYMOUS)
}
