//! Email ownership: an account's address is unverified until a link mailed to it is followed.
//! Verification matters where the address grants something (team invites go to verified
//! addresses only); everything else works unverified. A new address takes effect only once the
//! link mailed to it is followed; the old address is told about the request.
//!
//! Mail limits per account: [`MAILS_PER_HOUR`] verification mails (sign-up's included) and as
//! many address changes per hour (`RATE_LIMITED` beyond).
use chrono::{Duration, Utc};
use entity::ids::UserId;
use entity::users;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait,
};

use super::email_tokens::{self, Purpose};
use super::fields::normalize_email;
use super::mail;
use super::password;
use super::service::find_user;
use crate::error::{is_unique_violation, AppError, Input};
use crate::mail::Mailer;

/// Links of one kind (verification, address change) mailed per account per hour, at most.
pub const MAILS_PER_HOUR: u64 = 3;

/// Takes the user's row lock as the transaction's first statement, a write: on SQLite that takes
/// the write lock at once (a read first would make the later write fail with SQLITE_BUSY under
/// concurrent writers instead of waiting); on PostgreSQL it queues this user's mail requests.
async fn lock_user_row(txn: &impl ConnectionTrait, user_id: UserId) -> Result<(), AppError> {
    crate::db::lock::lock_rows::<users::Entity>(
        txn,
        users::Column::UpdatedAt,
        users::Column::Id.eq(user_id),
    )
    .await?;
    Ok(())
}

pub fn is_verified(user: &users::Model) -> bool {
    user.email_verified_at.is_some()
}

/// Refuses a fourth link of `purpose` within the hour.
async fn check_mail_limit(
    db: &impl ConnectionTrait,
    user_id: UserId,
    purpose: Purpose,
) -> Result<(), AppError> {
    let since = Utc::now() - Duration::hours(1);
    if email_tokens::issued_since(db, user_id, purpose, since).await? >= MAILS_PER_HOUR {
        return Err(AppError::RateLimited {
            message: format!(
                "At most {MAILS_PER_HOUR} such mails per hour; use the latest one or try later"
            ),
            retry_after_secs: 3600,
        });
    }
    Ok(())
}

/// Marks `email` verified for the user when it is still their address (a mailed link to it was
/// followed). Returns whether it is.
pub async fn mark_verified(
    db: &impl ConnectionTrait,
    user_id: UserId,
    email: &str,
) -> Result<bool, AppError> {
    let done = users::Entity::update_many()
        .col_expr(users::Column::EmailVerifiedAt, Expr::value(Utc::now()))
        .filter(users::Column::Id.eq(user_id))
        .filter(users::Column::Email.eq(email))
        .filter(users::Column::EmailVerifiedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    let current = users::Entity::find()
        .filter(users::Column::Id.eq(user_id))
        .filter(users::Column::Email.eq(email))
        .count(db)
        .await?;
    Ok(done > 0 || current > 0)
}

/// Follows a verification or address-change link: the address becomes verified, or becomes the
/// account's (verified) address. A link to an address the account no longer uses is refused;
/// an address another account took meanwhile is `CONFLICT` (field `token`).
pub async fn verify_email(
    db: &DatabaseConnection,
    auth: &super::Auth,
    token: &str,
) -> Result<users::Model, AppError> {
    let row = email_tokens::find_usable(db, token, &[Purpose::Verify, Purpose::Change]).await?;
    // The claim (a write, single use) is the transaction's first statement.
    let txn = db.begin().await?;
    email_tokens::claim(&txn, &row).await?;
    match row.purpose {
        Purpose::Change => {
            let changed = users::Entity::update_many()
                .col_expr(users::Column::Email, Expr::value(row.email.clone()))
                .col_expr(users::Column::EmailVerifiedAt, Expr::value(Utc::now()))
                .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(users::Column::Id.eq(row.user_id))
                .exec(&txn)
                .await;
            match changed {
                Ok(_) => {}
                Err(e) if is_unique_violation(&e) => {
                    return Err(AppError::conflict(
                        Input::MailedToken,
                        "Another account uses this address now; the change cannot be made",
                    ))
                }
                Err(e) => return Err(e.into()),
            }
            // Links mailed to the old address (or to other new ones) die with the change.
            email_tokens::void_all(&txn, row.user_id, None).await?;
        }
        _ => {
            if !mark_verified(&txn, row.user_id, &row.email).await? {
                return Err(AppError::bad_input(
                    Input::MailedToken,
                    "This link was mailed to an address your account no longer uses",
                ));
            }
        }
    }
    let user = find_user(&txn, row.user_id).await?;
    txn.commit().await?;
    auth.revocations.changed(user.id);
    Ok(user)
}

/// Mails a new verification link to the signed-in user's address. An address already verified is
/// `BAD_USER_INPUT`; more than [`MAILS_PER_HOUR`] links an hour `RATE_LIMITED`.
pub async fn resend_verification(
    db: &DatabaseConnection,
    mailer: &Mailer,
    user_id: UserId,
) -> Result<(), AppError> {
    let txn = db.begin().await?;
    lock_user_row(&txn, user_id).await?;
    let user = find_user(&txn, user_id).await?;
    if is_verified(&user) {
        return Err(AppError::bad_input(
            Input::Email,
            "Your address is already verified",
        ));
    }
    check_mail_limit(&txn, user_id, Purpose::Verify).await?;
    let token = email_tokens::issue(&txn, user_id, Purpose::Verify, &user.email).await?;
    txn.commit().await?;
    mail::send_verification(mailer, &user.email, &token);
    Ok(())
}

/// Asks to move the account to `new_email`: checks the password, mails a link to the new address
/// and a notice to the current one. Nothing changes until the link is followed.
pub async fn request_email_change(
    db: &DatabaseConnection,
    mailer: &Mailer,
    user_id: UserId,
    new_email: &str,
    password_text: String,
) -> Result<(), AppError> {
    let new_email = normalize_email(Input::NewEmail, new_email)?;
    let wrong_password = || AppError::bad_input(Input::Password, "The password is incorrect");
    if password_text.chars().count() > password::MAX_LEN {
        return Err(wrong_password());
    }
    let user = find_user(db, user_id).await?;
    if !password::verify(password_text, Some(user.password_hash.clone())).await? {
        return Err(wrong_password());
    }
    if new_email == user.email {
        return Err(AppError::bad_input(
            Input::NewEmail,
            "This is already your account's address",
        ));
    }
    let txn = db.begin().await?;
    lock_user_row(&txn, user_id).await?;
    let taken = users::Entity::find()
        .filter(users::Column::Email.eq(new_email.as_str()))
        .count(&txn)
        .await?;
    if taken > 0 {
        return Err(AppError::conflict(
            Input::NewEmail,
            "An account with this email already exists",
        ));
    }
    check_mail_limit(&txn, user_id, Purpose::Change).await?;
    let token = email_tokens::issue(&txn, user_id, Purpose::Change, &new_email).await?;
    txn.commit().await?;
    mail::send_change_confirmation(mailer, &new_email, &token);
    mail::send_change_notice(mailer, &user.email, &new_email);
    Ok(())
}
