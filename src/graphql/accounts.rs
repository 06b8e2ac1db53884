//! GraphQL of accounts: `User`, `me`, and the sign-up / sign-in / session / profile / role
//! mutations. Thin: inputs in, `accounts::service` does the work.

use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, UserId};
use entity::users;

use crate::accounts::{roles, service};
use crate::auth::Role;
use crate::error::AppError;
use crate::graphql::context::{auth, catalog_access, db, mailer, viewer, ClientIp};
use crate::graphql::enums::{ProfileRoadmaps, ProfileVisibility};
use crate::graphql::error::ApiResult;
use crate::graphql::guards::{HasRole, SignedIn};
use crate::graphql::ids::GlobalId;
use crate::graphql::pagination::Conn;
use crate::graphql::progress::{self as progress, ActivityEntry, RoadmapProgress, Streak};

/// A person with an account.
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

/// A person with an account. Private fields (`email`, `timeZone`) are visible only to the user
/// and to admins; progress (`progress`, `activity`, `streak`) only to the user.
#[Object]
impl User {
    /// Opaque global id (`setUserRole` takes it).
    pub async fn id(&self) -> ID {
        GlobalId::User(self.0.id).encode()
    }
    /// Unique handle: 3-32 letters, digits, `-` or `_` (unique regardless of case).
    async fn username(&self) -> &str {
        &self.0.username
    }
    /// Name to show, 1-100 characters.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Visible to the user and to admins only (null for anyone else).
    async fn email(&self, ctx: &Context<'_>) -> Option<&str> {
        self.is_self_or_admin(ctx).then_some(self.0.email.as_str())
    }
    /// Whether the address is proved (a mailed link was followed): team invites to it show only
    /// once it is. Visible to the user and to admins only (null for anyone else).
    async fn email_verified(&self, ctx: &Context<'_>) -> Option<bool> {
        self.is_self_or_admin(ctx)
            .then(|| crate::accounts::email::is_verified(&self.0))
    }
    /// What the user may do (`USER` or `ADMIN`).
    async fn role(&self) -> crate::graphql::enums::Role {
        service::role_of(&self.0).into()
    }
    /// IANA time zone used for streaks and daily activity (visible to the user and admins).
    async fn time_zone(&self, ctx: &Context<'_>) -> Option<&str> {
        self.is_self_or_admin(ctx)
            .then_some(self.0.time_zone.as_str())
    }
    /// When the account was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Who sees your public profile (`profile(username)`), badges and leaderboard entries.
    /// Visible to the user and admins.
    async fn profile_visibility(&self, ctx: &Context<'_>) -> Option<ProfileVisibility> {
        self.is_self_or_admin(ctx)
            .then_some(self.0.profile_visibility.into())
    }
    /// The headline of your public profile (visible to the user and admins; null when none).
    async fn headline(&self, ctx: &Context<'_>) -> Option<&str> {
        self.0
            .headline
            .as_deref()
            .filter(|_| self.is_self_or_admin(ctx))
    }
    /// The links of your public profile (visible to the user and admins).
    async fn links(&self, ctx: &Context<'_>) -> Option<Vec<String>> {
        self.is_self_or_admin(ctx)
            .then(|| service::profile_links(&self.0))
    }
    /// Which roadmaps your public profile lists (visible to the user and admins).
    async fn profile_roadmaps(&self, ctx: &Context<'_>) -> Option<ProfileRoadmaps> {
        self.is_self_or_admin(ctx)
            .then_some(self.0.profile_roadmaps.into())
    }
    /// The roadmaps a `SELECTED` profile lists, as global ids (visible to the user and admins).
    async fn profile_roadmap_ids(&self, ctx: &Context<'_>) -> Option<Vec<ID>> {
        self.is_self_or_admin(ctx).then(|| {
            service::profile_roadmap_ids(&self.0)
                .into_iter()
                .map(|id| GlobalId::Roadmap(RoadmapId(id)).encode())
                .collect()
        })
    }
    /// The roadmaps you have progress on or have favourited, most recently updated first, with
    /// your counts. Only for yourself (null for anyone else, admins included).
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of an edge: the page starts after it.")] after: Option<String>,
        #[graphql(desc = "Page size from the end, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of an edge: the page ends before it.")] before: Option<String>,
    ) -> ApiResult<Option<Conn<RoadmapProgress>>> {
        if !self.is_self(ctx) {
            return Ok(None);
        }
        progress::my_progress(ctx, self.0.id, first, after, last, before)
            .await
            .map(Some)
    }
    /// What to learn next across the roadmaps you track (have progress on or favourited; the
    /// first 20, favourites first, then the most recently active): every topic you are LEARNING,
    /// then the topics ready to start (see `Roadmap.nextTopics`), each in the order of those
    /// roadmaps and in roadmap order within one. Only for yourself (null for anyone else).
    #[graphql(
        complexity = "crate::graphql::catalog::prerequisites::next_cost(first, child_complexity)"
    )]
    async fn next_topics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many topics, 1 to 50 (default 10).")] first: Option<i32>,
    ) -> ApiResult<Option<Vec<crate::graphql::catalog::topic::Topic>>> {
        if !self.is_self(ctx) {
            return Ok(None);
        }
        crate::graphql::catalog::prerequisites::my_next(ctx, self.0.id, first)
            .await
            .map(Some)
    }
    /// The roadmaps you own (made or forked; not your teams'), newest first, at most 100, drafts
    /// and PRIVATE ones included: a fork is here as soon as it exists. Only for yourself (null
    /// for anyone else, admins included).
    async fn roadmaps(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<Vec<crate::graphql::catalog::roadmap::Roadmap>>> {
        if !self.is_self(ctx) {
            return Ok(None);
        }
        let rows = crate::catalog::roadmaps::owned_by(db(ctx), self.0.id).await?;
        Ok(Some(
            rows.into_iter()
                .map(|m| crate::graphql::catalog::roadmap::Roadmap(Arc::new(m)))
                .collect(),
        ))
    }
    /// Your history of status changes, newest first. Only for yourself.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of an edge: the page starts after it.")] after: Option<String>,
        #[graphql(desc = "Page size from the end, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of an edge: the page ends before it.")] before: Option<String>,
    ) -> ApiResult<Option<Conn<ActivityEntry>>> {
        if !self.is_self(ctx) {
            return Ok(None);
        }
        progress::my_activity(ctx, self.0.id, first, after, last, before)
            .await
            .map(Some)
    }
    /// The teams you belong to, by name. Only for yourself (null for anyone else).
    async fn teams(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<Vec<crate::graphql::teams::Team>>> {
        if !self.is_self(ctx) {
            return Ok(None);
        }
        crate::graphql::teams::my_teams(ctx).await.map(Some)
    }
    /// The pending (unexpired) invites to your email, newest first, including those made before
    /// you signed up; empty while your address is unverified (`emailVerified`). Only for yourself
    /// (null for anyone else).
    async fn team_invites(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<Vec<crate::graphql::teams::TeamInvite>>> {
        if !self.is_self(ctx) {
            return Ok(None);
        }
        crate::graphql::teams::my_invites(ctx).await.map(Some)
    }
    /// The topics due for review now (`reviewTopic`), most overdue first, ties by topic: those
    /// still DONE, on roadmaps you may follow. Only for yourself.
    async fn review_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1 to 50 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Only the topics of this roadmap (its global id).")] roadmap_id: Option<
            ID,
        >,
    ) -> ApiResult<Option<Vec<crate::graphql::catalog::topic::Topic>>> {
        if !self.is_self(ctx) {
            return Ok(None);
        }
        progress::my_review_queue(ctx, self.0.id, first, roadmap_id)
            .await
            .map(Some)
    }
    /// How many topics are due for review soon, and how many reviews you made lately. Only for
    /// yourself.
    async fn review_stats(&self, ctx: &Context<'_>) -> ApiResult<Option<progress::ReviewStats>> {
        if !self.is_self(ctx) {
            return Ok(None);
        }
        progress::my_review_stats(ctx, self.0.id, &self.0.time_zone)
            .await
            .map(Some)
    }
    /// How your reviews are scheduled (`updateReviewSettings`). Only for yourself.
    async fn review_settings(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<progress::ReviewSettings>> {
        if !self.is_self(ctx) {
            return Ok(None);
        }
        progress::my_review_settings(ctx, self.0.id).await.map(Some)
    }
    /// Consecutive days with activity, counted in your `timeZone`. Only for yourself.
    async fn streak(&self, ctx: &Context<'_>) -> ApiResult<Option<Streak>> {
        if !self.is_self(ctx) {
            return Ok(None);
        }
        progress::my_streak(ctx, &self.0).await.map(Some)
    }
}

/// Tokens for a signed-in session. Send the access token as `Authorization: Bearer …`; exchange the
/// refresh token (once) for a new pair with `refreshSession` before the access token expires.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Short-lived token to send as `Authorization: Bearer <token>` on every request.
    pub access_token: String,
    /// When the access token stops working.
    pub access_token_expires_at: DateTime<Utc>,
    /// Single-use token for `refreshSession` (and `signOut`); keep it secret.
    pub refresh_token: String,
    /// When the refresh token stops working; sign in again after that.
    pub refresh_token_expires_at: DateTime<Utc>,
    /// The signed-in user.
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

/// A new account.
#[derive(InputObject)]
pub struct SignUpInput {
    /// A valid email address; unique (else `CONFLICT` with field `email`). At most 254
    /// characters.
    pub email: String,
    /// 3-32 letters, digits, `-` or `_`; unique regardless of case (else `CONFLICT` with field
    /// `username`). At most 32 characters.
    pub username: String,
    /// 8-128 characters, not one of the most common passwords. At most 128 characters.
    pub password: String,
    /// One line, something visible in it; by default the username. At most 100 characters.
    pub display_name: Option<String>,
}

/// Credentials for `signIn`.
#[derive(InputObject)]
pub struct SignInInput {
    /// The account's email address. At most 254 characters.
    pub email: String,
    /// The account's password. At most 128 characters.
    pub password: String,
}

/// The current password and the new one.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// The password in use now (`BAD_USER_INPUT` with field `currentPassword` when wrong). At
    /// most 128 characters.
    pub current_password: String,
    /// 8-128 characters, not one of the most common passwords. At most 128 characters.
    pub new_password: String,
}

/// Confirms that the person deleting the account is its owner.
#[derive(InputObject)]
pub struct DeleteAccountInput {
    /// The account's password (`BAD_USER_INPUT` with field `password` when wrong). At most 128
    /// characters.
    pub password: String,
}

/// Profile changes; fields left out (or null) stay as they are.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    /// One line, something visible in it. At most 100 characters.
    pub display_name: Option<String>,
    /// 3-32 letters, digits, `-` or `_`; unique regardless of case (else `CONFLICT` with field
    /// `username`). At most 32 characters.
    pub username: Option<String>,
    /// IANA time zone name, e.g. `Europe/Paris`. At most 64 characters.
    pub time_zone: Option<String>,
    /// Who sees your public profile, badges and leaderboard entries.
    pub profile_visibility: Option<ProfileVisibility>,
    /// One line for your public profile; `""` clears it. At most 200 characters.
    pub headline: Option<String>,
    /// Links for your public profile: absolute http:// or https:// URLs of at most 2,000
    /// characters each (a bad one fails with field `links[i]`); the list replaces the stored
    /// one, `[]` clears it. At most 10 items.
    pub links: Option<Vec<String>>,
    /// Which of the roadmaps you follow your public profile lists.
    pub profile_roadmaps: Option<ProfileRoadmaps>,
    /// The roadmaps listed when `profileRoadmaps` is `SELECTED` (global ids of roadmaps you can
    /// read); replaces the stored list. At most 100 items.
    pub profile_roadmap_ids: Option<Vec<ID>>,
}

/// Decodes `profileRoadmapIds` and checks that the viewer may read each roadmap
/// (`BAD_USER_INPUT` naming `profileRoadmapIds[i]` otherwise).
async fn readable_roadmap_ids(ctx: &Context<'_>, ids: &[ID]) -> ApiResult<Vec<RoadmapId>> {
    const FIELD: &str = "profileRoadmapIds";
    if ids.len() > 100 {
        return Err(AppError::bad_input(FIELD, "At most 100 roadmaps").into());
    }
    let decoded = ids
        .iter()
        .enumerate()
        .map(|(i, id)| GlobalId::roadmap(id, &format!("{FIELD}[{i}]")))
        .collect::<Result<Vec<RoadmapId>, AppError>>()?;
    let access = catalog_access(ctx).tracking();
    let readable = crate::progress::profile::readable_roadmaps(db(ctx), &access, &decoded).await?;
    match decoded.iter().position(|id| !readable.contains(id)) {
        Some(i) => Err(AppError::bad_input(
            format!("{FIELD}[{i}]"),
            "No roadmap you can read has this id",
        )
        .into()),
        None => Ok(decoded),
    }
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The signed-in user; null when anonymous.
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let Some(user) = &viewer(ctx).user else {
            return Ok(None);
        };
        // `me` is a query field: nothing in the same operation writes, so the row the check of
        // this request's token found (read, or kept while no change was announced) is current
        // (a socket has none and reads it here).
        match &user.account {
            Some(row) => Ok(Some(User(row.clone()))),
            None => Ok(Some(User(Arc::new(
                service::find_user(db(ctx), user.id).await?,
            )))),
        }
    }
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates an account (role `USER`) and signs it in; its address stays unverified until the
    /// link mailed to it is followed (`verifyEmail`). Anyone may call. Fails with
    /// `BAD_USER_INPUT` (field named) on an invalid value, `CONFLICT` with field `email` or
    /// `username` when taken.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account.")] input: SignUpInput,
    ) -> ApiResult<AuthPayload> {
        let new = service::NewUser {
            email: input.email,
            username: input.username,
            password: input.password,
            display_name: input.display_name,
        };
        Ok(service::sign_up(db(ctx), auth(ctx), mailer(ctx), new)
            .await?
            .into())
    }

    /// Signs in with email and password; anyone may call. Wrong credentials fail with
    /// `UNAUTHENTICATED`. Repeated failures are rate-limited per account and address
    /// (`RATE_LIMITED`, with `extensions.retryAfterSeconds`).
    async fn sign_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Email and password.")] input: SignInInput,
    ) -> ApiResult<AuthPayload> {
        let client = ctx
            .data_opt::<ClientIp>()
            .map(|c| c.0.clone())
            .unwrap_or_default();
        let session =
            service::sign_in(db(ctx), auth(ctx), &input.email, input.password, &client).await?;
        Ok(session.into())
    }

    /// Exchanges a refresh token for a new pair; anyone holding one may call. Each refresh token
    /// works once; reusing one revokes the whole session. An invalid, expired or reused token
    /// fails with `UNAUTHENTICATED`.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The `refreshToken` of the latest `AuthPayload`. At most 512 characters."
        )]
        refresh_token: String,
    ) -> ApiResult<AuthPayload> {
        Ok(service::refresh(db(ctx), auth(ctx), &refresh_token)
            .await?
            .into())
    }

    /// Ends the session the refresh token belongs to; returns true. Signed in only. A token that
    /// is not one of your sessions fails with `BAD_USER_INPUT` (field `refreshToken`).
    #[graphql(guard = "SignedIn")]
    async fn sign_out(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token of the session to end. At most 512 characters.")]
        refresh_token: String,
    ) -> ApiResult<bool> {
        let id = viewer(ctx).user_id().unwrap_or(UserId(0));
        service::sign_out(db(ctx), id, &refresh_token).await?;
        Ok(true)
    }

    /// Ends every session of the signed-in user, on every device, and closes their open sockets
    /// (close code 4403); returns true. Signed in only.
    #[graphql(guard = "SignedIn")]
    async fn sign_out_everywhere(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let id = viewer(ctx).user_id().unwrap_or(UserId(0));
        service::sign_out_everywhere(db(ctx), auth(ctx), id).await?;
        Ok(true)
    }

    /// Changes the password, ends every other session and returns a new one for this device.
    /// Signed in only. A wrong current password or a weak new one fails with `BAD_USER_INPUT`
    /// (field named).
    #[graphql(guard = "SignedIn")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The current and the new password.")] input: ChangePasswordInput,
    ) -> ApiResult<AuthPayload> {
        let id = viewer(ctx).user_id().unwrap_or(UserId(0));
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

    /// Deletes the signed-in user's account for good, with their progress, history, notes,
    /// favourites and sessions; their open sockets close (4403). Returns true. Signed in only. A
    /// wrong password fails with `BAD_USER_INPUT` (field `password`); the last admin cannot
    /// delete their account, nor can the only owner of a team until they transfer or delete it
    /// (`CONFLICT`, field `password`, the message naming the team). Memberships go with the
    /// account.
    #[graphql(guard = "SignedIn")]
    async fn delete_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The password, to confirm.")] input: DeleteAccountInput,
    ) -> ApiResult<bool> {
        let id = viewer(ctx).user_id().unwrap_or(UserId(0));
        let checks: [&dyn roles::BeforeAccountDeleted; 1] =
            [&crate::teams::leaving::SoleOwnedTeams];
        roles::delete_account(db(ctx), auth(ctx), id, input.password, &checks).await?;
        Ok(true)
    }

    /// Updates the signed-in user's profile; only the fields given change. Signed in only.
    /// Invalid values fail with `BAD_USER_INPUT`, a taken username with `CONFLICT` (field named).
    #[graphql(guard = "SignedIn")]
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to change.")] input: UpdateProfileInput,
    ) -> ApiResult<User> {
        let id = viewer(ctx).user_id().unwrap_or(UserId(0));
        let profile_roadmap_ids = match input.profile_roadmap_ids {
            Some(ids) => Some(readable_roadmap_ids(ctx, &ids).await?),
            None => None,
        };
        let new_zone = input.time_zone.is_some();
        let changes = service::ProfileChanges {
            display_name: input.display_name,
            username: input.username,
            time_zone: input.time_zone,
            profile_visibility: input.profile_visibility.map(Into::into),
            headline: input.headline,
            links: input.links,
            profile_roadmaps: input.profile_roadmaps.map(Into::into),
            profile_roadmap_ids,
        };
        let user = service::update_profile(db(ctx), auth(ctx), id, changes).await?;
        if new_zone {
            // Streak days are local days: a new zone moves them.
            crate::progress::stats::recompute(db(ctx), id).await?;
            // The statistics on the row changed again. (The streak kept with the learner's
            // reads is keyed by the zone, so no process serves the old zone's.)
            auth(ctx).revocations.changed(id);
        }
        Ok(User(Arc::new(service::find_user(db(ctx), user.id).await?)))
    }

    /// Grants or removes the admin role. Admins only. A changed role revokes the user's access
    /// tokens (they refresh to get new ones) and closes their open sockets. An unknown user fails with `NOT_FOUND`;
    /// demoting the last admin fails with `CONFLICT` (field `role`).
    #[graphql(guard = "HasRole(Role::Admin)")]
    async fn set_user_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the user (`User.id`).")] user_id: ID,
        #[graphql(desc = "The role the user gets.")] role: crate::graphql::enums::Role,
    ) -> ApiResult<User> {
        let target = GlobalId::user(&user_id, "userId")?;
        Ok(User(Arc::new(
            roles::set_role(db(ctx), auth(ctx), target, role.into()).await?,
        )))
    }
}
