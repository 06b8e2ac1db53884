//! Per-request loaders of the viewer's progress, keyed by (user id, roadmap id): a whole tree's
//! `myStatus`/`myNote` cost one statement each, and every `myProgress` of a page one statement.
//! They remember what they loaded for the request; writes clear them.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use tokio::sync::OnceCell;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::DatabaseConnection;

use crate::graphql::error::ApiError;
use crate::progress::service::{self, Counts};
use crate::progress::ProgressStatus;

/// (user id, roadmap id)
pub type UserRoadmap = (i32, i32);

type Cells<V> = Mutex<HashMap<UserRoadmap, Arc<OnceCell<V>>>>;

/// The viewer's progress for one request. Every key is loaded at most once: concurrent callers
/// (a topic's `myStatus` and its children's, resolved at the same time) share one load, and loads
/// of different roadmaps started together are batched into one statement.
pub struct ProgressLoaders {
    status: DataLoader<StatusLoader>,
    notes: DataLoader<NoteLoader>,
    counts: DataLoader<CountsLoader>,
    status_memo: Cells<Arc<HashMap<String, ProgressStatus>>>,
    notes_memo: Cells<Arc<HashMap<String, String>>>,
    counts_memo: Cells<Counts>,
}

fn cell<V>(cells: &Cells<V>, key: UserRoadmap) -> Arc<OnceCell<V>> {
    let mut map = cells.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(key).or_default().clone()
}

fn forget<V>(cells: &Cells<V>) {
    cells.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

impl ProgressLoaders {
    /// `spawn` runs the batches (the request's loaders keep them in the request's span).
    pub fn new<S, R>(db: DatabaseConnection, spawn: S) -> Self
    where
        S: Fn(BoxFuture<'static, ()>) -> R + Clone + Send + Sync + 'static,
    {
        Self {
            status: DataLoader::new(StatusLoader(db.clone()), spawn.clone()),
            notes: DataLoader::new(NoteLoader(db.clone()), spawn.clone()),
            counts: DataLoader::new(CountsLoader(db), spawn),
            status_memo: Mutex::default(),
            notes_memo: Mutex::default(),
            counts_memo: Mutex::default(),
        }
    }

    pub async fn statuses(
        &self,
        key: UserRoadmap,
    ) -> Result<Arc<HashMap<String, ProgressStatus>>, ApiError> {
        cell(&self.status_memo, key)
            .get_or_try_init(|| async { Ok(self.status.load_one(key).await?.unwrap_or_default()) })
            .await
            .cloned()
    }

    pub async fn notes(&self, key: UserRoadmap) -> Result<Arc<HashMap<String, String>>, ApiError> {
        cell(&self.notes_memo, key)
            .get_or_try_init(|| async { Ok(self.notes.load_one(key).await?.unwrap_or_default()) })
            .await
            .cloned()
    }

    pub async fn counts(&self, key: UserRoadmap) -> Result<Counts, ApiError> {
        cell(&self.counts_memo, key)
            .get_or_try_init(|| async { Ok(self.counts.load_one(key).await?.unwrap_or_default()) })
            .await
            .copied()
    }

    /// Forgets what was loaded, after a write (or before a subscription resolves a new event).
    pub fn clear(&self) {
        forget(&self.status_memo);
        forget(&self.notes_memo);
        forget(&self.counts_memo);
    }
}

/// Groups keys by user (in practice a request has one viewer, so one statement).
fn by_user(keys: &[UserRoadmap]) -> HashMap<i32, Vec<i32>> {
    let mut out: HashMap<i32, Vec<i32>> = HashMap::new();
    for (user, roadmap) in keys {
        out.entry(*user).or_default().push(*roadmap);
    }
    out
}

pub struct StatusLoader(pub DatabaseConnection);

impl Loader<UserRoadmap> for StatusLoader {
    type Value = Arc<HashMap<String, ProgressStatus>>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[UserRoadmap],
    ) -> Result<HashMap<UserRoadmap, Self::Value>, Self::Error> {
        let mut out = HashMap::new();
        for (user, roadmaps) in by_user(keys) {
            for (roadmap, map) in service::statuses(&self.0, user, &roadmaps).await? {
                out.insert((user, roadmap), Arc::new(map));
            }
        }
        Ok(out)
    }
}

pub struct NoteLoader(pub DatabaseConnection);

impl Loader<UserRoadmap> for NoteLoader {
    type Value = Arc<HashMap<String, String>>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[UserRoadmap],
    ) -> Result<HashMap<UserRoadmap, Self::Value>, Self::Error> {
        let mut out = HashMap::new();
        for (user, roadmaps) in by_user(keys) {
            for (roadmap, map) in service::notes(&self.0, user, &roadmaps).await? {
                out.insert((user, roadmap), Arc::new(map));
            }
        }
        Ok(out)
    }
}

pub struct CountsLoader(pub DatabaseConnection);

impl Loader<UserRoadmap> for CountsLoader {
    type Value = Counts;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[UserRoadmap],
    ) -> Result<HashMap<UserRoadmap, Self::Value>, Self::Error> {
        let mut out = HashMap::new();
        for (user, roadmaps) in by_user(keys) {
            for (roadmap, counts) in service::counts(&self.0, user, &roadmaps).await? {
                out.insert((user, roadmap), counts);
            }
        }
        Ok(out)
    }
}
