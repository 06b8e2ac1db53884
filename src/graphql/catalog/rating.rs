//! Ratings of community roadmaps: `Roadmap.rating`'s object and the `rateRoadmap` and
//! `deleteRoadmapRating` mutations.
use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject, ID};

use super::roadmap::Roadmap;
use crate::catalog::ratings::{self, NewRating, RatingSummary};
use crate::error::AppError;
use crate::graphql::context::{catalog_access, db, learner};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::guards::SignedIn;
use crate::graphql::ids::GlobalId;

/// What learners think of a community roadmap. Official roadmaps are not rated: they always show
/// a count of 0.
#[derive(SimpleObject)]
pub struct RoadmapRating {
    /// The mean of the ratings, 1.0 to 5.0; null when there are none.
    pub average: Option<f64>,
    /// How many learners rated the roadmap.
    pub count: i64,
    /// How many ratings gave 1, 2, 3, 4 and 5 stars: always five numbers, in that order.
    pub distribution: Vec<i64>,
}

impl From<RatingSummary> for RoadmapRating {
    fn from(s: RatingSummary) -> Self {
        Self {
            average: s.average(),
            count: s.count,
            distribution: s.distribution.to_vec(),
        }
    }
}

/// A failure about the roadmap itself (not found; your own) names the argument too.
fn about_roadmap(err: AppError) -> ApiError {
    let name = matches!(err, AppError::NotFound(_) | AppError::Forbidden(_));
    let err = ApiError::from(err);
    if name {
        err.with_field("roadmapId")
    } else {
        err
    }
}

#[derive(Default)]
pub struct RatingMutation;

#[Object]
impl RatingMutation {
    /// Rates a community roadmap from 1 to 5 stars, with an optional comment; rating it again
    /// replaces your rating. Signed in only. The roadmap must be one you can read: PUBLIC, or
    /// UNLISTED (you follow its link like any learner). A roadmap you cannot read fails with
    /// `NOT_FOUND`, your own with `FORBIDDEN`, an official roadmap (ratings are for community
    /// roadmaps) or a PRIVATE or draft one with `BAD_USER_INPUT`, all with field `roadmapId`;
    /// stars outside 1..5 fail with `BAD_USER_INPUT` (field `rating`), a comment over 2,000
    /// characters with `BAD_USER_INPUT` (field `feedback`). Returns the roadmap.
    #[graphql(guard = "SignedIn")]
    async fn rate_roadmap(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The roadmap's global id.")] roadmap_id: ID,
        #[graphql(desc = "Stars, 1 to 5.")] rating: i32,
        #[graphql(
            desc = "A comment for the author, trimmed; empty or null for none. At most 2,000 \
                    characters."
        )]
        feedback: Option<String>,
    ) -> ApiResult<Roadmap> {
        let id = GlobalId::roadmap(&roadmap_id, "roadmapId")?;
        let input = NewRating::parse(rating, feedback)?;
        let learner = learner(ctx)?;
        let model = ratings::rate(db(ctx), &catalog_access(ctx), &learner, id, input)
            .await
            .map_err(about_roadmap)?;
        Ok(Roadmap(Arc::new(model)))
    }

    /// Removes your rating of a roadmap (having none is not an error). Signed in only; a roadmap
    /// you cannot read fails with `NOT_FOUND` (field `roadmapId`). Returns the roadmap.
    #[graphql(guard = "SignedIn")]
    async fn delete_roadmap_rating(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The roadmap's global id.")] roadmap_id: ID,
    ) -> ApiResult<Roadmap> {
        let id = GlobalId::roadmap(&roadmap_id, "roadmapId")?;
        let learner = learner(ctx)?;
        let model = ratings::unrate(db(ctx), &catalog_access(ctx), &learner, id)
            .await
            .map_err(about_roadmap)?;
        Ok(Roadmap(Arc::new(model)))
    }
}
