//! The tokens of mailed links (verify an address, change to a new one, reset a password): 256
//! random bits in the link, only their SHA-256 in `email_tokens`. Each works once, until it
//! expires; a token that is unknown, used or expired is `BAD_USER_INPUT` naming `token`.
use chrono::{DateTime, Duration, Utc};
use entity::email_tokens;
use entity::ids::UserId;
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};

use super::tokens::{hash_refresh_token, new_refresh_token};
use crate::error::{AppError, Input};

pub use entity::enums::EmailTokenPurpose as Purpose;

/// How long a link works.
pub fn lifetime(purpose: Purpose) -> Duration {
    match purpose {
        Purpose::Verify => Duration::hours(48),
        Purpose::Change => Duration::hours(24),
        Purpose::Reset => Duration::hours(1),
    }
}

/// A new token for a link (256 random bits, URL-safe).
pub fn new_token() -> String {
    new_refresh_token()
}

/// What is stored for a token: its SHA-256, hex (a fast hash suffices for 256 random bits).
pub fn hash_token(token: &str) -> String {
    hash_refresh_token(token.trim())
}

/// Stores a new token for `user_id` mailed to `email`; returns the token for the link.
pub async fn issue(
    db: &impl ConnectionTrait,
    user_id: UserId,
    purpose: Purpose,
    email: &str,
) -> Result<String, AppError> {
    let token = new_token();
    let now = Utc::now();
    email_tokens::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        purpose: Set(purpose),
        email: Set(email.to_owned()),
        token_hash: Set(hash_token(&token)),
        created_at: Set(now),
        expires_at: Set(now + lifetime(purpose)),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(token)
}

fn refused(message: &str) -> AppError {
    AppError::bad_input(Input::MailedToken, message)
}

/// Tokens are 43 characters; anything over this is refused before any lookup.
pub const MAX_TOKEN_CHARS: usize = 64;

/// Refuses a token longer than [`MAX_TOKEN_CHARS`] (`BAD_USER_INPUT`, field `token`).
pub fn check_size(token: &str) -> Result<(), AppError> {
    if token.len() > MAX_TOKEN_CHARS {
        return Err(refused(&format!(
            "A link's token has at most {MAX_TOKEN_CHARS} characters; this link is not valid"
        )));
    }
    Ok(())
}

/// The stored token for `token` when it is one of `purposes`, unused and unexpired (not yet
/// claimed: see [`claim`]).
pub async fn find_usable(
    db: &impl ConnectionTrait,
    token: &str,
    purposes: &[Purpose],
) -> Result<email_tokens::Model, AppError> {
    check_size(token)?;
    let row = email_tokens::Entity::find()
        .filter(email_tokens::Column::TokenHash.eq(hash_token(token)))
        .one(db)
        .await?
        .filter(|r| purposes.contains(&r.purpose))
        .ok_or_else(|| refused("This link is not valid; ask for a new one"))?;
    if row.used_at.is_some() {
        return Err(refused("This link was already used; ask for a new one"));
    }
    if row.expires_at <= Utc::now() {
        return Err(refused("This link has expired; ask for a new one"));
    }
    Ok(row)
}

/// Marks the token used, atomically: of two concurrent uses only one claims it, the other is
/// refused as already used.
pub async fn claim(db: &impl ConnectionTrait, row: &email_tokens::Model) -> Result<(), AppError> {
    let claimed = email_tokens::Entity::update_many()
        .col_expr(email_tokens::Column::UsedAt, Expr::value(Utc::now()))
        .filter(email_tokens::Column::Id.eq(row.id))
        .filter(email_tokens::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    if claimed == 0 {
        return Err(refused("This link was already used; ask for a new one"));
    }
    Ok(())
}

/// Voids every unused token of the user (of `purpose` only, when given): after a password reset
/// or an address change, links mailed before it must not work.
pub async fn void_all(
    db: &impl ConnectionTrait,
    user_id: UserId,
    purpose: Option<Purpose>,
) -> Result<(), AppError> {
    let mut q = email_tokens::Entity::update_many()
        .col_expr(email_tokens::Column::UsedAt, Expr::value(Utc::now()))
        .filter(email_tokens::Column::UserId.eq(user_id))
        .filter(email_tokens::Column::UsedAt.is_null());
    if let Some(p) = purpose {
        q = q.filter(email_tokens::Column::Purpose.eq(p));
    }
    q.exec(db).await?;
    Ok(())
}

/// How many links of `purpose` were made for the user since `since` (for the per-account mail
/// limits).
pub async fn issued_since(
    db: &impl ConnectionTrait,
    user_id: UserId,
    purpose: Purpose,
    since: DateTime<Utc>,
) -> Result<u64, AppError> {
    Ok(email_tokens::Entity::find()
        .filter(email_tokens::Column::UserId.eq(user_id))
        .filter(email_tokens::Column::Purpose.eq(purpose))
        .filter(email_tokens::Column::CreatedAt.gt(since))
        .count(db)
        .await?)
}

/// Deletes tokens past their expiry (refused anyway). Returns how many went.
pub async fn purge_expired(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, AppError> {
    let gone = email_tokens::Entity::delete_many()
        .filter(email_tokens::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    Ok(gone.rows_affected)
}
