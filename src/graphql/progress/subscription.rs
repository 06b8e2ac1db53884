//! `myProgressChanged`: the live feed of the signed-in learner's changes.

use std::sync::Arc;

use async_graphql::{Context, Subscription};
use chrono::Utc;
use futures_util::future;
use futures_util::stream::{self, BoxStream, StreamExt};

use super::*;
use crate::error::AppError;
use crate::graphql::context::learner;
use crate::graphql::error::ApiError;
use crate::graphql::guards::SignedIn;
use crate::graphql::live_part::{Follower, LivePart};
use crate::graphql::loaders::Loaders;
use crate::progress::bus::{Notice, ProgressBus};

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
    ) -> async_graphql::Result<BoxStream<'static, ProgressChange>> {
        let user = learner(ctx)?.user_id();
        let bus = ctx
            .data_opt::<ProgressBus>()
            .ok_or_else(|| ApiError::from(AppError::internal("no progress bus")))?;
        let part = ctx.data_opt::<LivePart>();
        match part {
            Some(LivePart::Follower(follower)) => return follow(bus, follower).await,
            Some(LivePart::Missed) => {
                let resync = ProgressChange(Arc::new(Notice::resync(user, Utc::now())));
                return Ok(stream::once(future::ready(resync)).boxed());
            }
            Some(LivePart::Source { .. }) | None => {}
        }
        // A handle, not the loaders: subscribing builds none (an idle socket holds no loaders).
        let loaders = ctx.data_opt::<Loaders>().map(Loaders::handle);
        // A shared source is not counted: each socket that follows it is.
        let sub = match part {
            Some(source) => {
                let sub = bus.listen(user);
                source.listening();
                sub
            }
            None => bus.subscribe(user),
        };
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
        })
        .boxed())
    }
}

/// A socket following a shared source: counted once the source listens, then silent (the
/// transport hands it the source's items).
async fn follow(
    bus: &ProgressBus,
    follower: &Follower,
) -> async_graphql::Result<BoxStream<'static, ProgressChange>> {
    if !follower.source_listening().await {
        return Err(ApiError::from(AppError::internal("the shared subscription ended")).into());
    }
    let counted = bus.count();
    follower.admitted();
    Ok(stream::pending()
        .map(move |change| {
            let _held = &counted;
            change
        })
        .boxed())
}
