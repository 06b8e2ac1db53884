//! Accounts service: sign-up, sign-in, sessions (refresh rotation with reuse detection), profile,
//! roles, and turning a bearer token into a viewer. Only this layer touches the account tables.
use std::sync::Arc;

use chrono::Utc;
use entity::enums::{ProfileRoadmaps, ProfileVisibility};
use entity::ids::{RoadmapId, UserId};
use entity::{refresh_tokens, users};
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, TransactionTrait,
};

use super::fields::{
    check_display_name, check_given, check_headline, check_links, check_time_zone, check_username,
    normalize_email, MAX_EMAIL_CHARS, MAX_TOKEN_CHARS,
};
use super::password;
use super::rate_limit::FailureLimiter;
use super::revocations::Revocations;
use super::revoked_families;
use super::tokens::{hash_refresh_token, new_refresh_token, TokenKeys};
use crate::auth::Role;
use crate::config::AuthSettings;
use crate::error::{is_unique_violation, AppError, Input};

/// Shared by every request: token keys, the sign-in limiter, and where revocations are announced.
pub struct Auth {
    pub keys: TokenKeys,
    pub signin_limiter: FailureLimiter,
    /// `requestPasswordReset` requests per address and per client.
    pub reset_limits: super::password_reset::ResetLimits,
    pub revocations: Revocations,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth").field("keys", &self.keys).finish()
    }
}

impl Auth {
    pub fn new(secret: &[u8], args: &AuthSettings, revocations: Revocations) -> Arc<Self> {
        Arc::new(Self {
            revocations,
            reset_limits: Default::default(),
            keys: TokenKeys::new(secret, args),
            signin_limiter: FailureLimiter::new(args.signin_max_failures, args.signin_window),
        })
    }
}

const WRONG_CREDENTIALS: &str = "The email or password is incorrect";

/// A fresh pair of tokens for a user.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub access_token_expires_at: chrono::DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_token_expires_at: chrono::DateTime<Utc>,
    pub user: users::Model,
}

pub fn role_of(user: &users::Model) -> Role {
    user.role
}

async fn conflict_field(db: &impl ConnectionTrait, email: &str) -> AppError {
    let email_taken = users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .count(db)
        .await
        .unwrap_or(0)
        > 0;
    if email_taken {
        AppError::conflict(Input::Email, "An account with this email already exists")
    } else {
        AppError::conflict(Input::Username, "This username is taken")
    }
}

pub struct NewUser {
    pub email: String,
    pub username: String,
    pub password: String,
    pub display_name: Option<String>,
}

/// Validates and creates a user (not committed: runs in the caller's transaction or connection).
pub(super) async fn insert_user(
    db: &impl ConnectionTrait,
    input: NewUser,
    role: Role,
    email_field: Input,
) -> Result<users::Model, AppError> {
    let email = normalize_email(email_field, &input.email)?;
    let username = check_username(Input::Username, &input.username)?;
    let display_name = check_display_name(
        Input::DisplayName,
        input.display_name.as_deref().unwrap_or(&username),
    )?;
    password::check_policy(Input::Password, &input.password, &[&username, &email])?;
    let username_key = username.to_lowercase();
    let taken = users::Entity::find()
        .filter(
            users::Column::Email
                .eq(email.as_str())
                .or(users::Column::UsernameKey.eq(username_key.as_str())),
        )
        .count(db)
        .await?;
    if taken > 0 {
        return Err(conflict_field(db, &email).await);
    }
    let password_hash = password::hash(input.password).await?;
    let now = Utc::now();
    let user = users::ActiveModel {
        id: NotSet,
        email: Set(email.clone()),
        username: Set(username),
        username_key: Set(username_key.clone()),
        display_name: Set(display_name),
        password_hash: Set(password_hash),
        role: Set(role),
        token_version: Set(0),
        time_zone: Set("UTC".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        profile_visibility: Set(ProfileVisibility::Private),
        headline: Set(None),
        profile_links: Set("[]".to_owned()),
        profile_roadmaps: Set(ProfileRoadmaps::All),
        profile_roadmap_ids: Set("[]".to_owned()),
        streak_run: Set(0),
        streak_longest: Set(0),
        streak_last_day: Set(None),
        done_30d: Set(0),
        stats_version: Set(1),
        email_verified_at: Set(None),
    };
    match user.insert(db).await {
        Ok(u) => Ok(u),
        // Lost a race with another sign-up: the unique index decides, we name the field.
        Err(e) if is_unique_violation(&e) => Err(conflict_field(db, &email).await),
        Err(e) => Err(e.into()),
    }
}

/// Issues an access token and a new refresh token (in `family`, or a new family).
async fn issue_session(
    db: &impl ConnectionTrait,
    auth: &Auth,
    user: users::Model,
    family: Option<String>,
) -> Result<Session, AppError> {
    let family = family.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let (access_token, access_token_expires_at) = auth
        .keys
        .issue_access(user.id, role_of(&user), user.token_version, &family)
        .map_err(|e| AppError::internal_from("cannot sign an access token", e))?;
    let refresh_token = new_refresh_token();
    let now = Utc::now();
    let refresh_token_expires_at = now + auth.keys.refresh_ttl;
    refresh_tokens::ActiveModel {
        id: NotSet,
        user_id: Set(user.id),
        family_id: Set(family),
        token_hash: Set(hash_refresh_token(&refresh_token)),
        expires_at: Set(refresh_token_expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(Session {
        access_token,
        access_token_expires_at,
        refresh_token,
        refresh_token_expires_at,
        user,
    })
}

/// Creates a user with an unverified address, signs them in and mails them a verification link.
pub async fn sign_up(
    db: &DatabaseConnection,
    auth: &Auth,
    mailer: &crate::mail::Mailer,
    input: NewUser,
) -> Result<Session, AppError> {
    use super::email_tokens::{issue, Purpose};
    let txn = db.begin().await?;
    let user = insert_user(&txn, input, Role::User, Input::Email).await?;
    let token = issue(&txn, user.id, Purpose::Verify, &user.email).await?;
    let session = issue_session(&txn, auth, user, None).await?;
    txn.commit().await?;
    super::mail::send_verification(mailer, &session.user.email, &token);
    Ok(session)
}

pub async fn sign_in(
    db: &DatabaseConnection,
    auth: &Auth,
    email: &str,
    password_text: String,
    client: &str,
) -> Result<Session, AppError> {
    check_given(Input::Email, email, MAX_EMAIL_CHARS)?;
    check_given(Input::Password, &password_text, password::MAX_LEN)?;
    let email_key = format!("email:{}", email.trim().to_lowercase());
    let ip_key = format!("ip:{client}");
    if let Some(retry) = auth.signin_limiter.blocked(&[&email_key, &ip_key]) {
        return Err(AppError::RateLimited {
            message: format!("Too many failed sign-in attempts; try again in {retry} seconds"),
            retry_after_secs: retry,
        });
    }
    let user = match normalize_email(Input::Email, email) {
        Ok(e) => {
            users::Entity::find()
                .filter(users::Column::Email.eq(e))
                .one(db)
                .await?
        }
        Err(_) => None,
    };
    let ok = password::verify(
        password_text,
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await?;
    let Some(user) = user.filter(|_| ok) else {
        auth.signin_limiter.record_failure(&[&email_key, &ip_key]);
        return Err(AppError::Unauthenticated(WRONG_CREDENTIALS.to_owned()));
    };
    auth.signin_limiter.clear(&email_key);
    issue_session(db, auth, user, None).await
}

fn refresh_refused() -> AppError {
    AppError::Unauthenticated("The refresh token is invalid or expired; sign in again".to_owned())
}

/// Rotates a refresh token. Presenting a token that was already rotated means it leaked (or a
/// client replayed it): the whole family is revoked, so the thief's copy dies too — its refresh
/// tokens, and the access tokens already issued in it (on every process, see `revoked_families`).
pub async fn refresh(
    db: &DatabaseConnection,
    auth: &Auth,
    token: &str,
) -> Result<Session, AppError> {
    check_given(Input::RefreshToken, token, MAX_TOKEN_CHARS)?;
    let hash = hash_refresh_token(token.trim());
    let txn = db.begin().await?;
    let Some(row) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash))
        .one(&txn)
        .await?
    else {
        return Err(refresh_refused());
    };
    let now = Utc::now();
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Err(refresh_refused());
    }
    // Claim the token atomically: only one of two concurrent refreshes can flip `used_at`.
    let claimed = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now))
        .filter(refresh_tokens::Column::Id.eq(row.id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if claimed == 0 {
        drop(txn);
        // The family's refresh tokens and its access tokens die together.
        let txn = db.begin().await?;
        revoke_family(&txn, &row.family_id).await?;
        revoked_families::record(&txn, row.user_id, &row.family_id, now).await?;
        txn.commit().await?;
        auth.revocations.publish_family(row.user_id, &row.family_id);
        tracing::warn!(
            user_id = row.user_id.0,
            "refresh token reuse detected; family revoked"
        );
        return Err(AppError::Unauthenticated(
            "This refresh token was already used; every session of this sign-in has been revoked. Sign in again".to_owned(),
        ));
    }
    let Some(user) = users::Entity::find_by_id(row.user_id).one(&txn).await? else {
        return Err(refresh_refused());
    };
    let session = issue_session(&txn, auth, user, Some(row.family_id)).await?;
    txn.commit().await?;
    Ok(session)
}

async fn revoke_family(db: &impl ConnectionTrait, family: &str) -> Result<(), AppError> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_tokens::Column::FamilyId.eq(family))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

pub(super) async fn revoke_all(db: &impl ConnectionTrait, user_id: UserId) -> Result<(), AppError> {
    refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends one session: revokes the refresh token's family. Only the token's owner may do it.
pub async fn sign_out(
    db: &DatabaseConnection,
    user_id: UserId,
    token: &str,
) -> Result<(), AppError> {
    check_given(Input::RefreshToken, token, MAX_TOKEN_CHARS)?;
    let row = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash_refresh_token(token.trim())))
        .one(db)
        .await?;
    match row {
        Some(row) if row.user_id == user_id => revoke_family(db, &row.family_id).await,
        _ => Err(AppError::bad_input(
            Input::RefreshToken,
            "This refresh token does not belong to a session of yours",
        )),
    }
}

/// Ends the session a refresh token belongs to, whoever holds it (the web app's cookie: holding
/// the token is the proof). Returns false when the token names no session.
pub async fn end_session(db: &DatabaseConnection, token: &str) -> Result<bool, AppError> {
    let row = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(hash_refresh_token(token.trim())))
        .one(db)
        .await?;
    match row {
        Some(row) => revoke_family(db, &row.family_id).await.map(|()| true),
        None => Ok(false),
    }
}

/// Revokes every access token (by bumping token_version) and every refresh token of the user, and
/// closes their open sockets.
pub async fn sign_out_everywhere(
    db: &DatabaseConnection,
    auth: &Auth,
    user_id: UserId,
) -> Result<(), AppError> {
    let txn = db.begin().await?;
    bump_token_version(&txn, user_id).await?;
    revoke_all(&txn, user_id).await?;
    txn.commit().await?;
    auth.revocations.publish(user_id);
    Ok(())
}

pub(super) async fn bump_token_version(
    db: &impl ConnectionTrait,
    user_id: UserId,
) -> Result<(), AppError> {
    users::Entity::update_many()
        .col_expr(
            users::Column::TokenVersion,
            Expr::col(users::Column::TokenVersion).add(1),
        )
        .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn find_user(db: &impl ConnectionTrait, id: UserId) -> Result<users::Model, AppError> {
    users::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound("No such user".to_owned()))
}

/// Changes the password and revokes every other session; returns a fresh session for this device.
pub async fn change_password(
    db: &DatabaseConnection,
    auth: &Auth,
    user_id: UserId,
    current: String,
    new: String,
) -> Result<Session, AppError> {
    check_given(Input::CurrentPassword, &current, password::MAX_LEN)?;
    let user = find_user(db, user_id).await?;
    if !password::verify(current, Some(user.password_hash.clone())).await? {
        return Err(AppError::bad_input(
            Input::CurrentPassword,
            "The current password is incorrect",
        ));
    }
    password::check_policy(Input::NewPassword, &new, &[&user.username, &user.email])?;
    let hash = password::hash(new).await?;
    let txn = db.begin().await?;
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .col_expr(
            users::Column::TokenVersion,
            Expr::col(users::Column::TokenVersion).add(1),
        )
        .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(users::Column::Id.eq(user_id))
        .exec(&txn)
        .await?;
    revoke_all(&txn, user_id).await?;
    let user = find_user(&txn, user_id).await?;
    let session = issue_session(&txn, auth, user, None).await?;
    txn.commit().await?;
    auth.revocations.publish(user_id);
    Ok(session)
}

#[derive(Default)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub username: Option<String>,
    pub time_zone: Option<String>,
    pub profile_visibility: Option<ProfileVisibility>,
    /// `""` clears it.
    pub headline: Option<String>,
    pub links: Option<Vec<String>>,
    pub profile_roadmaps: Option<ProfileRoadmaps>,
    /// Roadmap ids the caller has checked the user may read.
    pub profile_roadmap_ids: Option<Vec<RoadmapId>>,
}

pub async fn update_profile(
    db: &DatabaseConnection,
    auth: &Auth,
    user_id: UserId,
    changes: ProfileChanges,
) -> Result<users::Model, AppError> {
    let user = find_user(db, user_id).await?;
    let old_zone = user.time_zone.clone();
    let mut active: users::ActiveModel = user.into();
    if let Some(name) = changes.display_name {
        active.display_name = Set(check_display_name(Input::DisplayName, &name)?);
    }
    if let Some(tz) = changes.time_zone {
        let tz = check_time_zone(Input::TimeZone, &tz)?;
        if tz != old_zone {
            // The stored streak runs were counted in local days of the old zone: not to be
            // trusted until counted again (`progress::stats::recompute`, which the caller runs).
            active.stats_version = Set(0);
        }
        active.time_zone = Set(tz);
    }
    if let Some(v) = changes.profile_visibility {
        active.profile_visibility = Set(v);
    }
    if let Some(h) = changes.headline {
        active.headline = Set(check_headline(Input::Headline, &h)?);
    }
    if let Some(links) = changes.links {
        let links = check_links(Input::Links, &links)?;
        active.profile_links = Set(serde_json::to_string(&links).unwrap_or_else(|_| "[]".into()));
    }
    if let Some(r) = changes.profile_roadmaps {
        active.profile_roadmaps = Set(r);
    }
    if let Some(mut ids) = changes.profile_roadmap_ids {
        ids.sort_unstable();
        ids.dedup();
        active.profile_roadmap_ids =
            Set(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()));
    }
    if let Some(username) = changes.username {
        let username = check_username(Input::Username, &username)?;
        active.username_key = Set(username.to_lowercase());
        active.username = Set(username);
    }
    active.updated_at = Set(Utc::now());
    match active.update(db).await {
        Ok(u) => {
            auth.revocations.changed(u.id);
            Ok(u)
        }
        Err(e) if is_unique_violation(&e) => Err(AppError::conflict(
            Input::Username,
            "This username is taken",
        )),
        Err(e) => Err(e.into()),
    }
}

/// The profile links as stored (a JSON list; anything unreadable is no links).
pub fn profile_links(user: &users::Model) -> Vec<String> {
    serde_json::from_str(&user.profile_links).unwrap_or_default()
}

/// The roadmap ids a `SELECTED` profile lists, as stored.
pub fn profile_roadmap_ids(user: &users::Model) -> Vec<i32> {
    serde_json::from_str(&user.profile_roadmap_ids).unwrap_or_default()
}

/// Users by id, in one statement (for the request loaders; absent ids are missing).
pub async fn users_by_id(
    db: &impl ConnectionTrait,
    ids: &[UserId],
) -> Result<std::collections::HashMap<UserId, std::sync::Arc<users::Model>>, AppError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let rows = users::Entity::find()
        .filter(users::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|u| (u.id, std::sync::Arc::new(u)))
        .collect())
}

/// Deletes refresh tokens past their expiry (they are refused anyway; reuse detection needs only
/// live families). Returns how many went.
pub async fn purge_expired_refresh_tokens(
    db: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64, AppError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let gone = refresh_tokens::Entity::delete_many()
        .filter(refresh_tokens::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    Ok(gone.rows_affected)
}
