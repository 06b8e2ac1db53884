//! The linked topics of every topic of a roadmap (`Topic.linkedTopics`), a roadmap at a time, with
//! the roadmaps they are on: a whole tree's links cost two statements. Cached for the request
//! (links do not change while a query runs; the link mutations clear it).
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::ids::RoadmapId;
use sea_orm::DatabaseConnection;

use crate::catalog::links::{self, LinkMap};
use crate::graphql::error::ApiError;

pub struct LinksLoader(pub DatabaseConnection);

impl Loader<RoadmapId> for LinksLoader {
    type Value = Arc<LinkMap>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[RoadmapId],
    ) -> Result<HashMap<RoadmapId, Self::Value>, Self::Error> {
        Ok(links::linked_by_roadmap(&self.0, keys).await?)
    }
}
