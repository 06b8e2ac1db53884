//! Per-request loaders of the viewer's progress, keyed by (user id, roadmap id): a whole tree's
//! `myStatus`/`myNote` cost one statement each, and every `myProgress` of a page one statement.
//! They remember what they loaded for the request; writes clear them. Reads through the shared
//! caches (queries, not mutations) also keep statuses and counts hot between requests
//! ([`LearnerCache`]): a learner's next page costs no statement until they or the catalogue change.
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use entity::ids::{RoadmapId, TopicKey, UserId};
use futures_util::future::BoxFuture;
use tokio::sync::OnceCell;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::DatabaseConnection;

use crate::catalog::cache::CacheScope;
use crate::error::AppError;
use crate::graphql::error::ApiError;
use crate::progress::hot::{LearnerCache, Stamp};
use crate::progress::{counts, notes, Counts, ProgressStatus};

/// (user id, roadmap id)
pub type UserRoadmap = (UserId, RoadmapId);

type Cells<V> = Mutex<HashMap<UserRoadmap, Arc<OnceCell<V>>>>;

/// The viewer's progress for one request. Every key is loaded at most once: concurrent callers
/// (a topic's `myStatus` and its children's, resolved at the same time) share one load, and loads
/// of different roadmaps started together are batched into one statement.
pub struct ProgressLoaders {
    status: DataLoader<PerRoadmap<Statuses>>,
    notes: DataLoader<PerRoadmap<Notes>>,
    counts: DataLoader<PerRoadmap<RoadmapCounts>>,
    status_memo: Cells<<Statuses as RoadmapRead>::Value>,
    notes_memo: Cells<<Notes as RoadmapRead>::Value>,
    counts_memo: Cells<Counts>,
    /// The learners' cache and this request's view of the content version, when both are on.
    hot: Option<(Arc<LearnerCache>, CacheScope)>,
}

fn cell<V>(cells: &Cells<V>, key: UserRoadmap) -> Arc<OnceCell<V>> {
    let mut map = cells.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(key).or_default().clone()
}

/// The value of `key`, loaded through `loader` the first time it is asked for in this request; a
/// key the read did not return (no such roadmap) is the empty value.
async fn memo_load<R: RoadmapRead>(
    cells: &Cells<R::Value>,
    loader: &DataLoader<PerRoadmap<R>>,
    key: UserRoadmap,
) -> Result<R::Value, ApiError>
where
    R::Value: Default,
{
    cell(cells, key)
        .get_or_try_init(|| async { Ok(loader.load_one(key).await?.unwrap_or_default()) })
        .await
        .cloned()
}

fn forget<V>(cells: &Cells<V>) {
    cells.lock().unwrap_or_else(|e| e.into_inner()).clear();
}

impl ProgressLoaders {
    /// `spawn` runs the batches (the request's loaders keep them in the request's span).
    pub fn new<S, R>(
        db: DatabaseConnection,
        spawn: S,
        hot: Option<(Arc<LearnerCache>, CacheScope)>,
    ) -> Self
    where
        S: Fn(BoxFuture<'static, ()>) -> R + Clone + Send + Sync + 'static,
    {
        Self {
            status: DataLoader::new(PerRoadmap::new(db.clone()), spawn.clone()),
            notes: DataLoader::new(PerRoadmap::new(db.clone()), spawn.clone()),
            counts: DataLoader::new(PerRoadmap::new(db), spawn),
            status_memo: Mutex::default(),
            notes_memo: Mutex::default(),
            counts_memo: Mutex::default(),
            hot: hot.filter(|(c, _)| c.enabled()),
        }
    }

    /// What a read for `user` starting now is read under, when the learners' cache is on and
    /// the content version could be read.
    async fn stamp(&self, user: UserId) -> Option<(&LearnerCache, Stamp)> {
        let (hot, scope) = self.hot.as_ref()?;
        let version = scope.version().await?;
        Some((hot, hot.stamp(user, version)))
    }

    pub async fn statuses(
        &self,
        key: UserRoadmap,
    ) -> Result<Arc<HashMap<TopicKey, ProgressStatus>>, ApiError> {
        cell(&self.status_memo, key)
            .get_or_try_init(|| async {
                let stamp = self.stamp(key.0).await;
                if let Some(v) = stamp.and_then(|(hot, s)| hot.statuses(key, s)) {
                    return Ok(v);
                }
                let v = self.status.load_one(key).await?.unwrap_or_default();
                if let Some((hot, s)) = stamp {
                    hot.put_statuses(key, s, v.clone());
                }
                Ok::<_, ApiError>(v)
            })
            .await
            .cloned()
    }

    /// The statuses of `user` on several roadmaps, like [`statuses`](Self::statuses), the ones
    /// neither this request nor the learners' cache holds read in one statement (concurrent
    /// single loads could fall into two batches).
    pub async fn statuses_of(
        &self,
        user: UserId,
        ids: &[RoadmapId],
    ) -> Result<HashMap<RoadmapId, Arc<HashMap<TopicKey, ProgressStatus>>>, ApiError> {
        let stamp = self.stamp(user).await;
        let mut out = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        for id in ids {
            let key = (user, *id);
            if let Some(v) = cell(&self.status_memo, key).get() {
                out.insert(*id, v.clone());
            } else if let Some(v) = stamp.and_then(|(hot, s)| hot.statuses(key, s)) {
                out.insert(*id, v);
            } else {
                missing.push(key);
            }
        }
        if missing.is_empty() {
            return Ok(out);
        }
        let loaded = self.status.load_many(missing.iter().copied()).await?;
        for key in missing {
            let v = loaded.get(&key).cloned().unwrap_or_default();
            if let Some((hot, s)) = stamp {
                hot.put_statuses(key, s, v.clone());
            }
            // A concurrent load of the same key may have filled the cell: both read the same.
            let _ = cell(&self.status_memo, key).set(v.clone());
            out.insert(key.1, v);
        }
        Ok(out)
    }

    pub async fn notes(
        &self,
        key: UserRoadmap,
    ) -> Result<Arc<HashMap<TopicKey, String>>, ApiError> {
        memo_load(&self.notes_memo, &self.notes, key).await
    }

    pub async fn counts(&self, key: UserRoadmap) -> Result<Counts, ApiError> {
        cell(&self.counts_memo, key)
            .get_or_try_init(|| async {
                let stamp = self.stamp(key.0).await;
                if let Some(v) = stamp.and_then(|(hot, s)| hot.counts(key, s)) {
                    return Ok(v);
                }
                let v = self.counts.load_one(key).await?.unwrap_or_default();
                if let Some((hot, s)) = stamp {
                    hot.put_counts(key, s, v);
                }
                Ok::<_, ApiError>(v)
            })
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
fn by_user(keys: &[UserRoadmap]) -> HashMap<UserId, Vec<RoadmapId>> {
    let mut out: HashMap<UserId, Vec<RoadmapId>> = HashMap::new();
    for (user, roadmap) in keys {
        out.entry(*user).or_default().push(*roadmap);
    }
    out
}

/// One of the viewer's per-roadmap reads of the progress domain, loaded in batches by
/// [`PerRoadmap`]: the read runs once per user for every roadmap of the batch.
pub trait RoadmapRead: Send + Sync + 'static {
    type Value: Clone + Send + Sync + 'static;

    fn read(
        db: &DatabaseConnection,
        user_id: UserId,
        roadmap_ids: &[RoadmapId],
    ) -> impl Future<Output = Result<HashMap<RoadmapId, Self::Value>, AppError>> + Send;
}

/// A loader of one [`RoadmapRead`], keyed by (user id, roadmap id).
pub struct PerRoadmap<R>(DatabaseConnection, PhantomData<R>);

impl<R> PerRoadmap<R> {
    fn new(db: DatabaseConnection) -> Self {
        Self(db, PhantomData)
    }
}

impl<R: RoadmapRead> Loader<UserRoadmap> for PerRoadmap<R> {
    type Value = R::Value;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[UserRoadmap],
    ) -> Result<HashMap<UserRoadmap, Self::Value>, Self::Error> {
        let mut out = HashMap::new();
        for (user, roadmaps) in by_user(keys) {
            for (roadmap, value) in R::read(&self.0, user, &roadmaps).await? {
                out.insert((user, roadmap), value);
            }
        }
        Ok(out)
    }
}

/// Statuses by topic id (`Topic.myStatus`).
pub struct Statuses;

impl RoadmapRead for Statuses {
    type Value = Arc<HashMap<TopicKey, ProgressStatus>>;

    async fn read(
        db: &DatabaseConnection,
        user_id: UserId,
        roadmap_ids: &[RoadmapId],
    ) -> Result<HashMap<RoadmapId, Self::Value>, AppError> {
        let all = counts::statuses(db, user_id, roadmap_ids).await?;
        Ok(all.into_iter().map(|(id, m)| (id, Arc::new(m))).collect())
    }
}

/// Notes by topic id (`Topic.myNote`).
pub struct Notes;

impl RoadmapRead for Notes {
    type Value = Arc<HashMap<TopicKey, String>>;

    async fn read(
        db: &DatabaseConnection,
        user_id: UserId,
        roadmap_ids: &[RoadmapId],
    ) -> Result<HashMap<RoadmapId, Self::Value>, AppError> {
        let all = notes::notes(db, user_id, roadmap_ids).await?;
        Ok(all.into_iter().map(|(id, m)| (id, Arc::new(m))).collect())
    }
}

/// Counts (`Roadmap.myProgress`).
pub struct RoadmapCounts;

impl RoadmapRead for RoadmapCounts {
    type Value = Counts;

    async fn read(
        db: &DatabaseConnection,
        user_id: UserId,
        roadmap_ids: &[RoadmapId],
    ) -> Result<HashMap<RoadmapId, Self::Value>, AppError> {
        counts::counts(db, user_id, roadmap_ids).await
    }
}
