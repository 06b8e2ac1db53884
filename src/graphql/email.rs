//! GraphQL of email ownership: verifying an address, changing it, and resetting a forgotten
//! password. Thin: `accounts::email` and `accounts::password_reset` do the work. None of these
//! answers carries a session token.
use std::sync::Arc;

use async_graphql::{Context, InputObject, Object};
use entity::ids::UserId;

use crate::accounts::{email, password_reset};
use crate::graphql::accounts::User;
use crate::graphql::context::{auth, client_ip, db, mailer, viewer};
use crate::graphql::error::ApiResult;
use crate::graphql::guards::SignedIn;

/// A new address for the signed-in account.
#[derive(InputObject)]
pub struct ChangeEmailInput {
    /// The new address, at most 254 characters (`BAD_USER_INPUT` with field `newEmail` when
    /// invalid or already yours, `CONFLICT` when another account has it).
    pub new_email: String,
    /// The account's password, at most 128 characters (`BAD_USER_INPUT` with field `password`
    /// when wrong).
    pub password: String,
}

/// A new password through a mailed reset link.
#[derive(InputObject)]
pub struct ResetPasswordInput {
    /// The token of the mailed link, at most 64 characters (`BAD_USER_INPUT` with field `token`
    /// when longer, unknown, used or expired).
    pub token: String,
    /// 8-128 characters, not one of the most common passwords (`BAD_USER_INPUT` with field
    /// `newPassword`; the link stays usable). At most 128 characters.
    pub new_password: String,
}

#[derive(Default)]
pub struct EmailMutation;

#[Object]
impl EmailMutation {
    /// Follows a mailed link: a verification link marks the account's address verified; an
    /// address-change link makes the new address the account's (verified). Anyone holding the
    /// token may call (it proves the mail reached them); returns the account. An unknown, used
    /// or expired token, or one mailed to an address the account no longer uses, fails with
    /// `BAD_USER_INPUT` (field `token`); a new address another account took meanwhile with
    /// `CONFLICT` (field `token`).
    async fn verify_email(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The token of the mailed link (`?token=` in the link), at most 64 characters."
        )]
        token: String,
    ) -> ApiResult<User> {
        Ok(User(Arc::new(
            email::verify_email(db(ctx), auth(ctx), &token).await?,
        )))
    }

    /// Mails a new verification link to the signed-in user's address; returns true. Signed in
    /// only. An address already verified fails with `BAD_USER_INPUT` (field `email`); more than 3
    /// verification mails per account per hour (sign-up's included) with `RATE_LIMITED`.
    #[graphql(guard = "SignedIn")]
    async fn resend_verification_email(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let id = viewer(ctx).user_id().unwrap_or(UserId(0));
        email::resend_verification(db(ctx), mailer(ctx), id).await?;
        Ok(true)
    }

    /// Asks to move the signed-in account to a new address; returns true. Signed in only. Nothing
    /// changes until the link mailed to the new address (valid 24 hours) is followed with
    /// `verifyEmail`; the current address is told about the request. At most 3 requests per
    /// account per hour (`RATE_LIMITED`).
    #[graphql(guard = "SignedIn")]
    async fn change_email(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new address and the password.")] input: ChangeEmailInput,
    ) -> ApiResult<bool> {
        let id = viewer(ctx).user_id().unwrap_or(UserId(0));
        email::request_email_change(db(ctx), mailer(ctx), id, &input.new_email, input.password)
            .await?;
        Ok(true)
    }

    /// Mails a password reset link (valid 1 hour, once) to the account with this address;
    /// anyone may call. Answers true whether or not an account has the address. A malformed
    /// address fails with `BAD_USER_INPUT` (field `email`); more than 3 requests per address or
    /// 20 per client address per hour with `RATE_LIMITED`.
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's email address, at most 254 characters.")] email: String,
    ) -> ApiResult<bool> {
        let auth = auth(ctx);
        password_reset::request_password_reset(db(ctx), auth, mailer(ctx), &email, &client_ip(ctx))
            .await?;
        Ok(true)
    }

    /// Sets a new password through a mailed reset link; anyone holding the token may call.
    /// Proves the address, ends every session of the account on every device (its open sockets
    /// close with 4403) and voids every other mailed link; returns true. It does not sign in:
    /// sign in with the new password. Errors name `token` or `newPassword` (`BAD_USER_INPUT`).
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token and the new password.")] input: ResetPasswordInput,
    ) -> ApiResult<bool> {
        let auth = auth(ctx);
        password_reset::reset_password(db(ctx), auth, &input.token, input.new_password).await?;
        Ok(true)
    }
}
