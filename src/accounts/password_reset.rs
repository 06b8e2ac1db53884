//! Forgotten passwords. `requestPasswordReset` answers the same whether or not an account has the
//! address (no enumeration) and mails a link valid for one hour, once; requests are limited per
//! address and per client address, in memory per process, whether or not the account exists.
//! `resetPassword` sets the new password, proves the address (the link reached it), voids every
//! other mailed link, revokes every session (refresh and access tokens) and closes the user's
//! sockets. It does not sign in: the person signs in with the new password.
use std::time::Duration;

use chrono::Utc;
use entity::users;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};

use super::email_tokens::{self, Purpose};
use super::fields::normalize_email;
use super::rate_limit::FailureLimiter;
use super::service::{find_user, revoke_all, Auth};
use super::{mail, password};
use crate::error::{AppError, Input};
use crate::mail::Mailer;

/// Reset requests per address per hour.
pub const RESETS_PER_ADDRESS_PER_HOUR: u32 = 3;
/// Reset requests per client address per hour.
pub const RESETS_PER_CLIENT_PER_HOUR: u32 = 20;

/// The request limits (every request counts, not only failures).
pub struct ResetLimits {
    by_address: FailureLimiter,
    by_client: FailureLimiter,
}

impl Default for ResetLimits {
    fn default() -> Self {
        let hour = Duration::from_secs(3600);
        Self {
            by_address: FailureLimiter::new(RESETS_PER_ADDRESS_PER_HOUR, hour),
            by_client: FailureLimiter::new(RESETS_PER_CLIENT_PER_HOUR, hour),
        }
    }
}

impl ResetLimits {
    fn check_and_count(&self, address: &str, client: &str) -> Result<(), AppError> {
        let retry = [
            self.by_address.blocked(&[address]),
            self.by_client.blocked(&[client]),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(retry) = retry {
            return Err(AppError::RateLimited {
                message: format!("Too many password reset requests; try again in {retry} seconds"),
                retry_after_secs: retry,
            });
        }
        self.by_address.record_failure(&[address]);
        self.by_client.record_failure(&[client]);
        Ok(())
    }
}

/// Mails a reset link when an account has `email`; the same answer (and the same limits) when
/// none has. A malformed address is `BAD_USER_INPUT` (field `email`).
pub async fn request_password_reset(
    db: &DatabaseConnection,
    auth: &Auth,
    mailer: &Mailer,
    email: &str,
    client: &str,
) -> Result<(), AppError> {
    let email = normalize_email(Input::Email, email)?;
    auth.reset_limits
        .check_and_count(&email, &format!("ip:{client}"))?;
    let user = users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(db)
        .await?;
    let Some(user) = user else {
        // Same work as far as the caller can tell: a token drawn, nothing stored, nothing mailed.
        let _ = email_tokens::hash_token(&email_tokens::new_token());
        return Ok(());
    };
    // One insert: atomic without a transaction, and no read before it holds a lock (SQLite).
    let token = email_tokens::issue(db, user.id, Purpose::Reset, &user.email).await?;
    mail::send_reset(mailer, &user.email, &token);
    Ok(())
}

/// Sets a new password through a reset link. A weak password is `BAD_USER_INPUT` (field
/// `newPassword`) and leaves the link usable; an unknown, used or expired link is
/// `BAD_USER_INPUT` (field `token`).
pub async fn reset_password(
    db: &DatabaseConnection,
    auth: &Auth,
    token: &str,
    new_password: String,
) -> Result<(), AppError> {
    // Sizes first, before any lookup or hashing.
    email_tokens::check_size(token)?;
    password::check_policy(Input::NewPassword, &new_password, &[])?;
    let row = email_tokens::find_usable(db, token, &[Purpose::Reset]).await?;
    let user = find_user(db, row.user_id).await?;
    if user.email != row.email {
        return Err(AppError::bad_input(
            Input::MailedToken,
            "This link was mailed to an address your account no longer uses; ask for a new one",
        ));
    }
    password::check_policy(
        Input::NewPassword,
        &new_password,
        &[&user.username, &user.email],
    )?;
    let hash = password::hash(new_password).await?;
    let txn = db.begin().await?;
    email_tokens::claim(&txn, &row).await?;
    let now = Utc::now();
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .col_expr(
            users::Column::TokenVersion,
            Expr::col(users::Column::TokenVersion).add(1),
        )
        .col_expr(
            users::Column::EmailVerifiedAt,
            Expr::value(user.email_verified_at.unwrap_or(now)),
        )
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    revoke_all(&txn, user.id).await?;
    email_tokens::void_all(&txn, user.id, None).await?;
    txn.commit().await?;
    auth.revocations.publish(user.id);
    auth.signin_limiter
        .clear(&format!("email:{}", user.email.to_lowercase()));
    Ok(())
}
