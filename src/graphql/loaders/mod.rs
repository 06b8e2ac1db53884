//! Per-request DataLoaders. Created fresh for every request (every operation of a socket) so no
//! cache or batch crosses users or operations. They are built on first use: a request that loads
//! nothing (most subscriptions, whose events often select no catalogue field) never allocates the
//! dozen loaders, which an idle socket would otherwise hold for hours.
pub mod links;
pub mod prerequisites;
pub mod progress;
pub mod ratings;
pub mod reviews;
pub mod roadmaps;
pub mod topics;
pub mod users;

use async_graphql::dataloader::{DataLoader, HashMapCache};
use entity::ids::{RoadmapId, UserId};
use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use sea_orm::DatabaseConnection;

use crate::catalog::batch::ResourceMap;
use crate::catalog::cache::CacheScope;
use crate::catalog::prerequisites::PrerequisiteMap;
use crate::catalog::RoadmapTree;
use crate::graphql::error::ApiResult;
use crate::progress::hot::LearnerCache;
use links::LinksLoader;
use prerequisites::PrerequisitesLoader;
use progress::ProgressLoaders;
use ratings::{MyRatingLoader, RatingSummaryLoader};
use roadmaps::{RelatedLoader, RoadmapByIdLoader, TagsLoader, TopicCountLoader};
use topics::{ResourcesLoader, TreeLoader};
use users::UserByIdLoader;

/// A request's loaders, built on first use (see the module doc); derefs to the [`LoaderSet`].
pub struct Loaders {
    recipe: Recipe,
    /// Shared with [`LoadersHandle`] so a subscription's stream can forget what they cached; boxed
    /// so that until they are built it costs a pointer, not the whole set.
    built: Arc<OnceLock<Box<LoaderSet>>>,
}

/// What the loaders are built from, kept until first use.
struct Recipe {
    db: DatabaseConnection,
    cache: Option<CacheScope>,
    learners: Option<Arc<LearnerCache>>,
    /// The span of the request that made them (batches run in tasks of their own; see `build`).
    span: tracing::Span,
}

/// A handle on a request's loaders that a `'static` stream (a subscription's) can keep.
pub struct LoadersHandle(Arc<OnceLock<Box<LoaderSet>>>);

impl LoadersHandle {
    /// Forgets what the viewer's loaders cached (progress, review cards, linked topics), if they
    /// were built: a subscription's loaders live as long as the socket.
    pub fn forget_cached(&self) {
        if let Some(set) = self.0.get() {
            set.clear_viewer_reads();
            set.links.clear::<RoadmapId>();
        }
    }
}

impl Deref for Loaders {
    type Target = LoaderSet;

    fn deref(&self) -> &LoaderSet {
        self.built
            .get_or_init(|| Box::new(LoaderSet::build(&self.recipe)))
    }
}

impl Loaders {
    /// Loaders that always read the database.
    pub fn new(db: &DatabaseConnection) -> Self {
        Self::with_cache(db, None, None)
    }

    /// Loaders whose trees and resources come from the shared caches when they are current, and
    /// the viewer's statuses and counts from `learners` (only with the shared caches).
    pub fn with_cache(
        db: &DatabaseConnection,
        cache: Option<CacheScope>,
        learners: Option<Arc<LearnerCache>>,
    ) -> Self {
        Self {
            recipe: Recipe {
                db: db.clone(),
                cache,
                learners,
                span: tracing::Span::current(),
            },
            built: Arc::default(),
        }
    }

    /// Forgets the viewer's cached progress and review cards after a write (nothing to forget
    /// when nothing was loaded yet).
    pub fn forget_viewer_reads(&self) {
        if let Some(set) = self.built.get() {
            set.clear_viewer_reads();
        }
    }

    pub fn handle(&self) -> LoadersHandle {
        LoadersHandle(self.built.clone())
    }
}

/// The loaders of one request.
pub struct LoaderSet {
    pub roadmap_by_id: DataLoader<RoadmapByIdLoader>,
    pub tags: DataLoader<TagsLoader>,
    pub related: DataLoader<RelatedLoader>,
    pub topic_count: DataLoader<TopicCountLoader>,
    pub tree: DataLoader<TreeLoader>,
    pub resources: DataLoader<ResourcesLoader>,
    pub user_by_id: DataLoader<UserByIdLoader>,
    pub rating: DataLoader<RatingSummaryLoader>,
    pub my_rating: DataLoader<MyRatingLoader>,
    /// Linked topics by roadmap (cached for the request: see `links`; shared so a subscription
    /// can clear it).
    pub links: Arc<DataLoader<LinksLoader, HashMapCache>>,
    /// Prerequisites by roadmap (cached for the request, like `links`).
    pub prerequisites: DataLoader<PrerequisitesLoader, HashMapCache>,
    /// The viewer's progress (cached for the request; shared so a subscription can clear it).
    pub progress: Arc<ProgressLoaders>,
    /// The viewer's review cards (cached for the request; shared so a subscription can clear it).
    pub reviews: Arc<reviews::ReviewCards>,
    /// Set when trees come from the shared cache (then counting a tree's topics is free).
    pub cache: Option<CacheScope>,
    /// UNLISTED roadmaps this request opened by their share link or the viewer's progress.
    unlocked: std::sync::Mutex<std::collections::HashSet<RoadmapId>>,
    /// The UNLISTED roadmaps the viewer follows, read once per request when first needed.
    followed: tokio::sync::OnceCell<std::collections::HashSet<RoadmapId>>,
}

impl LoaderSet {
    /// A roadmap's tree: straight from the shared cache when it is current (no batching delay),
    /// else through the loader.
    pub async fn tree_of(&self, roadmap_id: RoadmapId) -> ApiResult<Option<Arc<RoadmapTree>>> {
        if let Some(scope) = &self.cache {
            if let Some(v) = scope.version().await {
                if let Some(t) = scope.caches().trees.tree(roadmap_id, v) {
                    return Ok(Some(t));
                }
            }
        }
        self.tree.load_one(roadmap_id).await
    }

    /// Several roadmaps' trees, like [`LoaderSet::tree_of`]: the ones the shared cache lacks in one
    /// batch.
    pub async fn trees_of(
        &self,
        ids: &[RoadmapId],
    ) -> ApiResult<HashMap<RoadmapId, Arc<RoadmapTree>>> {
        let mut out = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        let version = match &self.cache {
            Some(scope) => scope.version().await.map(|v| (scope, v)),
            None => None,
        };
        for id in ids {
            match version.and_then(|(s, v)| s.caches().trees.tree(*id, v)) {
                Some(t) => {
                    out.insert(*id, t);
                }
                None => missing.push(*id),
            }
        }
        if !missing.is_empty() {
            out.extend(self.tree.load_many(missing).await?);
        }
        Ok(out)
    }

    /// Several roadmaps' prerequisite edges, like [`LoaderSet::trees_of`].
    pub async fn prerequisites_of(
        &self,
        ids: &[RoadmapId],
    ) -> ApiResult<HashMap<RoadmapId, Arc<PrerequisiteMap>>> {
        let mut out = HashMap::with_capacity(ids.len());
        let mut missing = Vec::new();
        let version = match &self.cache {
            Some(scope) => scope.version().await.map(|v| (scope, v)),
            None => None,
        };
        for id in ids {
            match version.and_then(|(s, v)| s.caches().trees.prerequisites(*id, v)) {
                Some(m) => {
                    out.insert(*id, m);
                }
                None => missing.push(*id),
            }
        }
        if !missing.is_empty() {
            out.extend(self.prerequisites.load_many(missing).await?);
        }
        Ok(out)
    }

    /// A roadmap's resources by topic, like [`LoaderSet::tree_of`].
    pub async fn resources_of(&self, roadmap_id: RoadmapId) -> ApiResult<Option<Arc<ResourceMap>>> {
        if let Some(scope) = &self.cache {
            if let Some(v) = scope.version().await {
                if let Some(r) = scope.caches().trees.resources(roadmap_id, v) {
                    return Ok(Some(r));
                }
            }
        }
        self.resources.load_one(roadmap_id).await
    }

    /// Lets the rest of the request see an UNLISTED roadmap it opened legitimately.
    pub fn unlock(&self, roadmap_id: RoadmapId) {
        if let Ok(mut set) = self.unlocked.lock() {
            set.insert(roadmap_id);
        }
    }

    /// Whether the viewer follows the roadmap (one statement per request, on first use).
    pub async fn follows(
        &self,
        db: &DatabaseConnection,
        user_id: UserId,
        roadmap_id: RoadmapId,
    ) -> ApiResult<bool> {
        let set = self
            .followed
            .get_or_try_init(|| crate::catalog::shares::followed_by(db, user_id))
            .await?;
        Ok(set.contains(&roadmap_id))
    }

    pub fn is_unlocked(&self, roadmap_id: RoadmapId) -> bool {
        self.unlocked
            .lock()
            .is_ok_and(|set| set.contains(&roadmap_id))
    }

    fn clear_viewer_reads(&self) {
        self.progress.clear();
        self.reviews.clear();
    }

    fn build(recipe: &Recipe) -> Self {
        let Recipe {
            db,
            cache,
            learners,
            span,
        } = recipe;
        let cache = cache.clone();
        let learners = learners.clone();
        let shared = cache.clone().filter(|c| c.caches().trees.enabled());
        let hot = learners.zip(shared.clone());
        let db = || db.clone();
        // Batches run in tasks of their own: keep them in the request's span so what they log
        // (database errors) carries the request id.
        let span = span.clone();
        let spawn = move |fut| tokio::spawn(tracing::Instrument::instrument(fut, span.clone()));
        Self {
            roadmap_by_id: DataLoader::new(
                RoadmapByIdLoader {
                    db: db(),
                    cache: cache.clone(),
                },
                spawn.clone(),
            ),
            tags: DataLoader::new(TagsLoader(db()), spawn.clone()),
            related: DataLoader::new(RelatedLoader(db()), spawn.clone()),
            topic_count: DataLoader::new(TopicCountLoader(db()), spawn.clone()),
            tree: DataLoader::new(
                TreeLoader {
                    db: db(),
                    cache: cache.clone(),
                },
                spawn.clone(),
            ),
            resources: DataLoader::new(
                ResourcesLoader {
                    db: db(),
                    cache: cache.clone(),
                },
                spawn.clone(),
            ),
            user_by_id: DataLoader::new(UserByIdLoader(db()), spawn.clone()),
            rating: DataLoader::new(RatingSummaryLoader(db()), spawn.clone()),
            my_rating: DataLoader::new(MyRatingLoader(db()), spawn.clone()),
            links: Arc::new(DataLoader::with_cache(
                LinksLoader(db()),
                spawn.clone(),
                HashMapCache::default(),
            )),
            reviews: Arc::new(reviews::ReviewCards::new(db())),
            prerequisites: DataLoader::with_cache(
                PrerequisitesLoader {
                    db: db(),
                    cache: cache.clone(),
                },
                spawn.clone(),
                HashMapCache::default(),
            ),
            progress: Arc::new(ProgressLoaders::new(db(), spawn, hot)),
            cache: shared,
            unlocked: Default::default(),
            followed: Default::default(),
        }
    }
}
