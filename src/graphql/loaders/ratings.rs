//! Batch loaders of ratings: every `rating` of a page of roadmaps is one statement, and so is
//! every `myRating`.
use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::ids::{RoadmapId, UserId};
use sea_orm::DatabaseConnection;

use crate::catalog::ratings::{self, RatingSummary};
use crate::graphql::error::ApiError;

/// Rating summaries by roadmap id.
pub struct RatingSummaryLoader(pub DatabaseConnection);

impl Loader<RoadmapId> for RatingSummaryLoader {
    type Value = RatingSummary;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[RoadmapId],
    ) -> Result<HashMap<RoadmapId, Self::Value>, Self::Error> {
        Ok(ratings::summaries(&self.0, keys).await?)
    }
}

/// A user's stars by (user id, roadmap id); a key without a rating is absent.
pub struct MyRatingLoader(pub DatabaseConnection);

impl Loader<(UserId, RoadmapId)> for MyRatingLoader {
    type Value = i32;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[(UserId, RoadmapId)],
    ) -> Result<HashMap<(UserId, RoadmapId), Self::Value>, Self::Error> {
        // A request has one viewer, so in practice this is one statement.
        let mut by_user: HashMap<UserId, Vec<RoadmapId>> = HashMap::new();
        for (user, roadmap) in keys {
            by_user.entry(*user).or_default().push(*roadmap);
        }
        let mut out = HashMap::new();
        for (user, roadmaps) in by_user {
            for (roadmap, stars) in ratings::mine(&self.0, user, &roadmaps).await? {
                out.insert((user, roadmap), stars);
            }
        }
        Ok(out)
    }
}
