//! GraphQL of accounts: `User`, `me`, and the sign-up / sign-in / session / profile / role
//! mutations. Thin: inputs in, `accounts::service` does the work.

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::users;

use crate::accounts::service;
use crate::accounts::Auth;
use crate::auth::Role;
use crate::graphql::context::{db, viewer, ClientIp};
use crate::graphql::error::ApiResult;
use crate::graphql::guards::{HasRole, SignedIn};
use crate::graphql::ids::GlobalId;
use crate::graphql::pagination::Conn;
use crate::graphql::progress::{self as progress, ActivityEntry, RoadmapProgress, Streak};

fn auth<'a>(ctx: &Context<'a>) -> &'a Arc<Auth> {
    ctx.data_unchecked::<Arc<Auth>>()
}

/// A person with an account. Private fields are visible only to the user and to admins.
#[derive(Clone)]
pub struct User(pub Arc<users::Model>);

impl User {
    /// Progress is private even from admins.
    fn is_self(&self, ctx: &Context<'_>) -> bool {
        viewer(ctx).user_id() == Some(self.0.id)
    }

    fn is_self_or_admin(&self, ctx: &Context<'_>) -> bool {
        let v = viewer(ctx);
        v.user_id() == Some(self.0.id) || v.is_admin()
    }
}

#[Object]
impl User {
    pub async fn id(&self) -> ID {
        GlobalId::User(self.0.id).encode()
    }
    async fn username(&self) -> &str {
        &self.0.username
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Visible to the user and to admins only (null for anyone else).
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        self.is_self_or_admin(ctx).then_some(self.0.email.as_str())
    }
    async fn role(&self) -> crate::graphql::enums::Role {
        service::role_of(&self.0).into()
    }
    /// IANA time zone used for streaks and daily activity (visible to the user and admins).
    async fn time_zone(&self, ctx: &Context<'_>) -> Option<&str> {
        self.is_self_or_admin(ctx)
            .then_some(self.0.time_zone.as_str())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The roadmaps you have progress on or have favourited, most recently updated first, with
    /// your counts. Only for yourself (null for anyone else, admins included).
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Page size from the end, 1 to 100.")] last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<Option<Conn<RoadmapProgress>>> {
        if !self.is_self(ctx) {
            return Ok(None);
        }
        progress::my_progress(ctx, self.0.id, first, after, last, before)
            .await
            .map(Some)
    }
    /// Your history of status changes, newest first. Only for yourself.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Page size from the end, 1 to 100.")] last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<Option<Conn<ActivityEntry>>> {
        if !self.is_self(ctx) {
            return Ok(None);
        }
        progress::my_activity(ctx, self.0.id, first, after, last, before)
            .await
            .map(Some)
    }
    /// Consecutive days with activity, counted in your `timeZone`. Only for yourself.
    async fn streak(&self, ctx: &Context<'_>) -> ApiResult<Option<Streak>> {
        if !self.is_self(ctx) {
            return Ok(None);
        }
        progress::my_streak(ctx, self.0.id).await.map(Some)
    }
}

/// Tokens for a signed-in session. Send the access token as `Authorization: Bearer …`; exchange the
/// refresh token (once) for a new pair with `refreshSession` before the access token expires.
#[derive(SimpleObject)]
pub struct AuthPayload {
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_token_expires_at: DateTime<Utc>,
    pub user: User,
}

impl From<service::Session> for AuthPayload {
    fn from(s: service::Session) -> Self {
        Self {
            access_token: s.access_token,
            access_token_expires_at: s.access_token_expires_at,
            refresh_token: s.refresh_token,
            refresh_token_expires_at: s.refresh_token_expires_at,
            user: User(Arc::new(s.user)),
        }
    }
}

#[derive(InputObject)]
pub struct SignUpInput {
    pub email: String,
    /// 3-32 letters, digits, `-` or `_`; unique regardless of case.
    pub username: String,
    /// 8-128 characters, not one of the most common passwords.
    pub password: String,
    pub display_name: Option<String>,
}

#[derive(InputObject)]
pub struct SignInInput {
    pub email: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub current_password: String,
    pub new_password: String,
}

#[derive(InputObject)]
pub struct UpdateProfileInput {
    pub display_name: Option<String>,
    pub username: Option<String>,
    /// IANA time zone name, e.g. `Europe/Paris`.
    pub time_zone: Option<String>,
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The signed-in user; null when anonymous.
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let Some(id) = viewer(ctx).user_id() else {
            return Ok(None);
        };
        Ok(Some(User(Arc::new(service::find_user(db(ctx), id).await?))))
    }
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates an account and signs it in.
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> ApiResult<AuthPayload> {
        let new = service::NewUser {
            email: input.email,
            username: input.username,
            password: input.password,
            display_name: input.display_name,
        };
        Ok(service::sign_up(db(ctx), auth(ctx), new).await?.into())
    }

    /// Signs in with email and password. Repeated failures are rate-limited per account and address.
    async fn sign_in(&self, ctx: &Context<'_>, input: SignInInput) -> ApiResult<AuthPayload> {
        let client = ctx
            .data_opt::<ClientIp>()
            .map(|c| c.0.clone())
            .unwrap_or_default();
        let session =
            service::sign_in(db(ctx), auth(ctx), &input.email, input.password, &client).await?;
        Ok(session.into())
    }

    /// Exchanges a refresh token for a new pair. Each refresh token works once; reusing one
    /// revokes the whole session.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> ApiResult<AuthPayload> {
        Ok(service::refresh(db(ctx), auth(ctx), &refresh_token)
            .await?
            .into())
    }

    /// Ends the session the refresh token belongs to.
    #[graphql(guard = "SignedIn")]
    async fn sign_out(&self, ctx: &Context<'_>, refresh_token: String) -> ApiResult<bool> {
        let id = viewer(ctx).user_id().unwrap_or_default();
        service::sign_out(db(ctx), id, &refresh_token).await?;
        Ok(true)
    }

    /// Ends every session of the signed-in user, on every device.
    #[graphql(guard = "SignedIn")]
    async fn sign_out_everywhere(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let id = viewer(ctx).user_id().unwrap_or_default();
        service::sign_out_everywhere(db(ctx), id).await?;
        Ok(true)
    }

    /// Changes the password, ends every other session and returns a new one for this device.
    #[graphql(guard = "SignedIn")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> ApiResult<AuthPayload> {
        let id = viewer(ctx).user_id().unwrap_or_default();
        let session = service::change_password(
            db(ctx),
            auth(ctx),
            id,
            input.current_password,
            input.new_password,
        )
        .await?;
        Ok(session.into())
    }

    /// Updates the signed-in user's profile; only the fields given change.
    #[graphql(guard = "SignedIn")]
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateProfileInput,
    ) -> ApiResult<User> {
        let id = viewer(ctx).user_id().unwrap_or_default();
        let changes = service::ProfileChanges {
            display_name: input.display_name,
            username: input.username,
            time_zone: input.time_zone,
        };
        Ok(User(Arc::new(
            service::update_profile(db(ctx), id, changes).await?,
        )))
    }

    /// Grants or removes the admin role. The last admin cannot be demoted.
    #[graphql(guard = "HasRole(Role::Admin)")]
    async fn set_user_role(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        role: crate::graphql::enums::Role,
    ) -> ApiResult<User> {
        let target = GlobalId::user(&user_id, "userId")?;
        Ok(User(Arc::new(
            service::set_role(db(ctx), target, role.into()).await?,
        )))
    }
}
