//! The guards protected fields use: "signed in", "has role" and "may edit this roadmap".
use async_graphql::{Context, Guard};

use crate::auth::Role;
use crate::error::AppError;
use crate::graphql::context::viewer;
use crate::graphql::error::ApiError;
use sea_orm::ActiveEnum;

/// Passes when the request carries a valid, unrevoked access token.
pub struct SignedIn;

impl Guard for SignedIn {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let v = viewer(ctx);
        if v.user.is_some() {
            return Ok(());
        }
        let message = v
            .token_error
            .clone()
            .unwrap_or_else(|| "You must be signed in to do this".to_owned());
        Err(ApiError::from(AppError::Unauthenticated(message)).into())
    }
}

/// Passes when the signed-in user has the role (admins pass every role check).
pub struct HasRole(pub Role);

impl Guard for HasRole {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        SignedIn.check(ctx).await?;
        let v = viewer(ctx);
        let role = v.user.as_ref().map(|u| u.role).unwrap_or(Role::User);
        if role == self.0 || role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::from(AppError::Forbidden(format!(
                "This needs the {} role",
                self.0.to_value()
            )))
            .into())
        }
    }
}

/// Passes when the signed-in user may edit the roadmap (its owner, or an admin): the `Editor`
/// capability decides.
pub struct CanEdit<'a>(pub &'a entity::roadmaps::Model);

impl Guard for CanEdit<'_> {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        SignedIn.check(ctx).await?;
        match viewer(ctx).editor() {
            Some(editor) if editor.may_edit(self.0) => Ok(()),
            _ => Err(ApiError::from(AppError::Forbidden(
                "only the roadmap's owner and admins may see this".to_owned(),
            ))
            .into()),
        }
    }
}
