//! Spaced-repetition review: `reviewTopic`, `updateReviewSettings`, `Topic.myReview`,
//! `me.reviewQueue`, `me.reviewStats` and `me.reviewSettings`. Thin: the `progress::review`
//! domain does the work.
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TopicKey, UserId};
use entity::review_cards;
use futures_util::future::try_join_all;

use super::*;
use crate::graphql::context::learner;
use crate::graphql::device_time::DeviceTime;
use crate::graphql::guards::SignedIn;
use crate::progress::review;

/// How well you recalled a topic when reviewing it.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "rs_fsrs::Rating")]
pub enum ReviewRating {
    /// Forgotten: it comes back soon.
    Again,
    /// Recalled with serious difficulty.
    Hard,
    /// Recalled after a hesitation.
    Good,
    /// Recalled at once.
    Easy,
}

/// Your review schedule of a topic (FSRS).
pub struct ReviewCard(review_cards::Model);

/// Your review schedule of a topic (FSRS). Linked topics share one schedule.
#[Object]
impl ReviewCard {
    /// When the topic is next due for review.
    async fn due(&self) -> DateTime<Utc> {
        self.0.due
    }
    /// FSRS stability: days until the chance of recalling it falls to 90%.
    async fn stability(&self) -> f64 {
        self.0.stability
    }
    /// FSRS difficulty, 1 (easy) to 10 (hard).
    async fn difficulty(&self) -> f64 {
        self.0.difficulty
    }
    /// Reviews so far.
    async fn reps(&self) -> i32 {
        self.0.reps
    }
    /// Times forgotten (rated `AGAIN`) after it was learned.
    async fn lapses(&self) -> i32 {
        self.0.lapses
    }
    /// When you last reviewed it (by your device's clock).
    async fn last_reviewed_at(&self) -> DateTime<Utc> {
        self.0.last_reviewed_at
    }
}

/// Your review figures now.
#[derive(SimpleObject)]
pub struct ReviewStats {
    /// Topics due by the end of today in your `timeZone`, overdue ones included.
    due_today: i64,
    /// Topics due by the end of the sixth day after today (a week from today, in your
    /// `timeZone`), overdue ones included.
    due_this_week: i64,
    /// Reviews you made in the last 7 days.
    reviewed_this_week: i64,
}

/// How your reviews are scheduled.
#[derive(SimpleObject)]
pub struct ReviewSettings {
    /// The chance of still recalling a topic you want when it comes due, 0.7 to 0.99 (default
    /// 0.9): higher means more frequent reviews.
    desired_retention: f64,
}

/// New review settings.
#[derive(InputObject)]
pub struct UpdateReviewSettingsInput {
    /// The chance of still recalling a topic you want when it comes due, 0.7 to 0.99.
    desired_retention: f64,
}

#[derive(Default)]
pub struct ReviewMutation;

#[Object]
impl ReviewMutation {
    /// Records your review of a topic you marked DONE and schedules its next review (FSRS, with
    /// your `desiredRetention`); returns the topic (see `myReview`). Linked topics share one
    /// schedule. Reviews sent late (queued offline) are put in their place by `at`; the same
    /// topic and `at` again is a retry and counts once. Signed in only. A topic that does not
    /// exist or that you cannot see fails with `NOT_FOUND`; one not DONE with `BAD_USER_INPUT`
    /// (field `topicId`); a malformed `at`, or one more than 5 minutes ahead of the server's
    /// clock, with `BAD_USER_INPUT` (field `at`).
    #[graphql(guard = "SignedIn")]
    async fn review_topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic's global id (`Topic.id`).")] topic_id: ID,
        #[graphql(desc = "How well you recalled it.")] rating: ReviewRating,
        #[graphql(
            desc = "When you reviewed it, by your device's clock (RFC 3339); default now. Send \
                    it when replaying reviews queued offline."
        )]
        at: Option<DeviceTime>,
    ) -> ApiResult<Topic> {
        let learner = learner(ctx)?;
        let key = GlobalId::topic(&topic_id, "topicId")?;
        let at = at.map(|a| a.parse("at")).transpose()?;
        let out = progress(ctx)
            .review(&learner, &catalog_access(ctx), &key, rating.into(), at)
            .await?
            .ok_or_else(|| not_found_topic(&topic_id))?;
        clear_cache(loaders(ctx));
        topic_in(ctx, out.card.roadmap_id, &key)
            .await?
            .ok_or_else(|| not_found_topic(&topic_id))
    }

    /// Sets how your reviews are scheduled; cards keep their due time, and each one's next review
    /// uses the new retention. Signed in only. A `desiredRetention` outside 0.7 to 0.99 fails
    /// with `BAD_USER_INPUT` (field `desiredRetention`).
    #[graphql(guard = "SignedIn")]
    async fn update_review_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new settings.")] input: UpdateReviewSettingsInput,
    ) -> ApiResult<ReviewSettings> {
        let learner = learner(ctx)?;
        let retention = review::check_retention(input.desired_retention)?;
        review::set_retention(db(ctx), learner.user_id(), retention).await?;
        Ok(ReviewSettings {
            desired_retention: retention,
        })
    }
}

/// The viewer's card of a topic; `None` when anonymous or never reviewed.
pub async fn topic_review(
    ctx: &Context<'_>,
    roadmap_id: RoadmapId,
    key: &TopicKey,
) -> ApiResult<Option<ReviewCard>> {
    let Some(user) = viewer(ctx).user_id() else {
        return Ok(None);
    };
    let cards = loaders(ctx).reviews.on(user, roadmap_id).await?;
    Ok(cards.get(key).cloned().map(ReviewCard))
}

/// `me.reviewQueue`: the topics due now, most overdue first (see `progress::review::queue`).
pub async fn my_review_queue(
    ctx: &Context<'_>,
    user_id: UserId,
    first: Option<i32>,
    roadmap_id: Option<ID>,
) -> ApiResult<Vec<Topic>> {
    let first = first.unwrap_or(20);
    if !(1..=review::MAX_QUEUE as i32).contains(&first) {
        return Err(AppError::bad_input(
            "first",
            format!("first: must be 1 to {} ({first} given)", review::MAX_QUEUE),
        )
        .into());
    }
    let rid = roadmap_id
        .map(|id| GlobalId::roadmap(&id, "roadmapId"))
        .transpose()?;
    let rows = review::queue(
        db(ctx),
        user_id,
        &catalog_access(ctx),
        rid,
        Utc::now(),
        first as u64,
    )
    .await?;
    // Trees come through the request's loaders: one read per roadmap, batched.
    let topics = try_join_all(rows.iter().map(|(key, rid)| topic_in(ctx, *rid, key))).await?;
    Ok(topics.into_iter().flatten().collect())
}

/// `me.reviewStats`, "today" in the learner's time zone (`time_zone`, an IANA name).
pub async fn my_review_stats(
    ctx: &Context<'_>,
    user_id: UserId,
    time_zone: &str,
) -> ApiResult<ReviewStats> {
    let tz = crate::progress::streak::zone(time_zone);
    let s = review::stats(db(ctx), user_id, &catalog_access(ctx), Utc::now(), tz).await?;
    Ok(ReviewStats {
        due_today: s.due_today,
        due_this_week: s.due_this_week,
        reviewed_this_week: s.reviewed_this_week,
    })
}

/// `me.reviewSettings`.
pub async fn my_review_settings(ctx: &Context<'_>, user_id: UserId) -> ApiResult<ReviewSettings> {
    Ok(ReviewSettings {
        desired_retention: review::retention(db(ctx), user_id).await?,
    })
}
