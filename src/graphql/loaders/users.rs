//! Users by id (roadmap owners on a page of roadmaps): one statement per batch.
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::users;
use sea_orm::DatabaseConnection;

use crate::accounts::service;
use crate::graphql::error::ApiError;

pub struct UserByIdLoader(pub DatabaseConnection);

impl Loader<i32> for UserByIdLoader {
    type Value = Arc<users::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        Ok(service::users_by_id(&self.0, keys).await?)
    }
}
