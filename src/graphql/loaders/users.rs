//! Users by id (roadmap owners on a page of roadmaps): one statement per batch.
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::ids::UserId;
use entity::users;
use sea_orm::DatabaseConnection;

use crate::accounts::service;
use crate::graphql::error::ApiError;

pub struct UserByIdLoader(pub DatabaseConnection);

impl Loader<UserId> for UserByIdLoader {
    type Value = Arc<users::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[UserId]) -> Result<HashMap<UserId, Self::Value>, Self::Error> {
        Ok(service::users_by_id(&self.0, keys).await?)
    }
}
