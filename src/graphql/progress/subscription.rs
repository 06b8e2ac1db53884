//! `myProgressChanged`: the live feed of the signed-in learner's changes.

use async_graphql::{Context, Subscription};
use futures_util::stream::{self, Stream, StreamExt};

use super::*;
use crate::error::AppError;
use crate::graphql::context::learner;
use crate::graphql::error::ApiError;
use crate::graphql::guards::SignedIn;
use crate::graphql::loaders::Loaders;
use crate::progress::bus::ProgressBus;

// ---------------------------------------------------------------------------------------------
// Subscription

#[derive(Default)]
pub struct ProgressSubscription;

#[Subscription]
impl ProgressSubscription {
    /// Every change to your progress (statuses, resets, notes, favourites, imports) made from any
    /// of your sessions, as it is committed. Over WebSocket (`graphql-transport-ws`) on
    /// `/graphql`, authenticated by the `connection_init` payload
    /// `{"Authorization": "Bearer <access token>"}`. Signed in only.

    #[graphql(guard = "SignedIn")]
    async fn my_progress_changed(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = ProgressChange>> {
        let user = learner(ctx)?.user_id();
        let bus = ctx
            .data_opt::<ProgressBus>()
            .ok_or_else(|| ApiError::from(AppError::internal("no progress bus")))?;
        // A handle, not the loaders: subscribing builds none (an idle socket holds no loaders).
        let loaders = ctx.data_opt::<Loaders>().map(Loaders::handle);
        let sub = bus.subscribe(user);
        Ok(stream::unfold(
            sub,
            |mut sub| async move { sub.next().await.map(|n| (n, sub)) },
        )
        .map(move |n| {
            // The operation's loaders live as long as the subscription: drop what they cached.
            if let Some(l) = &loaders {
                l.forget_cached();
            }
            ProgressChange(n)
        }))
    }
}
