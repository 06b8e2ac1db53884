//! Learners' statuses and counts kept hot between requests: what `Topic.myStatus` and
//! `Roadmap.myProgress` read, per (learner, roadmap), and the dashboard's reads (`me.progress`,
//! `me.activity`) per (learner, what was asked), bounded in bytes (moka, least recently used
//! first): statuses get 11/16 of `LEARNER_CACHE_MB`, counts 1/16, the dashboard's reads 1/4 (all
//! learners together; a dashboard of 50 roadmaps and 20 history entries weighs ~10 KiB). The
//! streak's figures are one of those reads (keyed by the user's time zone, `me.streak`): a kept
//! session's row does not follow its user's progress writes.
//!
//! An entry is served only while both things it was read under are still current:
//! - the catalogue's content version (a deleted topic, a new link or a published roadmap changes
//!   counts and statuses of every learner, and a link writes history entries for them; those
//!   writes bump the version, `progress::links` explicitly for the entries), and
//! - the learner's generation, which every announced change of that learner's progress bumps
//!   ([`LearnerCache::changed`], called by the progress bus for this process's writes before the
//!   writer is answered, and for other processes' writes as their notices arrive).
//!
//! Both are read *before* the database is, so an entry is never newer than what it was checked
//! against: a write that commits while a read is running bumps the generation after the read
//! began, and that read's entry is never served. Generations live in a fixed table of slots
//! (learners share a slot by id modulo its size: a bump there only costs the others a reload).
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use entity::ids::{RoadmapId, TopicKey, UserId};
use moka::sync::Cache;

use super::types::{Counts, ProgressStatus};

/// Generation slots (a power of two).
const SLOTS: usize = 4096;

/// (user id, roadmap id)
type Key = (UserId, RoadmapId);

/// What a learner's entry was read under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    content_version: u64,
    generation: u64,
}

#[derive(Clone)]
struct Entry<V> {
    stamp: Stamp,
    value: V,
}

/// A learner's statuses on one roadmap, by topic key.
pub type Statuses = Arc<HashMap<TopicKey, ProgressStatus>>;

/// One of a learner's other reads, by what it was asked with (its kind, page, access filter).
type ReadKey = (UserId, String);
type AnyRead = Arc<dyn Any + Send + Sync>;

pub struct LearnerCache {
    statuses: Option<Cache<Key, Entry<Statuses>>>,
    counts: Option<Cache<Key, Entry<Counts>>>,
    reads: Option<Cache<ReadKey, Entry<(AnyRead, u32)>>>,
    generations: Box<[AtomicU64]>,
    /// Bumped when notices may have been missed: every learner's entries are then stale.
    epoch: AtomicU64,
}

fn statuses_weight(value: &Statuses) -> u32 {
    // A map entry: the key's bytes, the status, and the table's own overhead.
    let bytes = 96 + value.keys().map(|k| k.as_str().len() + 48).sum::<usize>();
    u32::try_from(bytes).unwrap_or(u32::MAX)
}

impl LearnerCache {
    /// `max_bytes` 0 turns it off (nothing is kept; every read goes to the database).
    pub fn new(max_bytes: u64) -> Self {
        let on = max_bytes > 0;
        let statuses = on.then(|| {
            Cache::builder()
                // Statuses take most of the budget; counts are small and fixed in size.
                .max_capacity(max_bytes - max_bytes / 4 - max_bytes / 16)
                .weigher(|_: &Key, e: &Entry<Statuses>| statuses_weight(&e.value))
                .build()
        });
        let counts = on.then(|| {
            Cache::builder()
                .max_capacity((max_bytes / 16).max(1))
                .weigher(|_: &Key, _: &Entry<Counts>| 96)
                .build()
        });
        let reads = on.then(|| {
            Cache::builder()
                // Every learner's dashboard pages: ~10 KiB each, so 400 dashboards in 4 MiB.
                .max_capacity((max_bytes / 4).max(1))
                .weigher(|k: &ReadKey, e: &Entry<(AnyRead, u32)>| {
                    e.value
                        .1
                        .saturating_add(u32::try_from(k.1.len()).unwrap_or(u32::MAX))
                })
                .build()
        });
        Self {
            statuses,
            counts,
            reads,
            generations: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
            epoch: AtomicU64::new(0),
        }
    }

    pub fn enabled(&self) -> bool {
        self.statuses.is_some()
    }

    fn slot(&self, user_id: UserId) -> &AtomicU64 {
        &self.generations[(user_id.0 as u32 as usize) & (SLOTS - 1)]
    }

    /// What a read starting now is read under; take it before reading the database.
    pub fn stamp(&self, user_id: UserId, content_version: u64) -> Stamp {
        Stamp {
            content_version,
            generation: self
                .epoch
                .load(Ordering::Acquire)
                .wrapping_add(self.slot(user_id).load(Ordering::Acquire)),
        }
    }

    /// The learner's progress changed (after its commit): their entries are stale.
    pub fn changed(&self, user_id: UserId) {
        self.slot(user_id).fetch_add(1, Ordering::AcqRel);
    }

    /// Changes may have been missed (a lagging listener): every entry is stale.
    pub fn changed_all(&self) {
        self.epoch.fetch_add(1 << 32, Ordering::AcqRel);
    }

    pub fn statuses(&self, key: Key, now: Stamp) -> Option<Statuses> {
        fresh(self.statuses.as_ref()?, key, now)
    }

    pub fn put_statuses(&self, key: Key, stamp: Stamp, value: Statuses) {
        if let Some(c) = &self.statuses {
            c.insert(key, Entry { stamp, value });
        }
    }

    pub fn counts(&self, key: Key, now: Stamp) -> Option<Counts> {
        fresh(self.counts.as_ref()?, key, now)
    }

    pub fn put_counts(&self, key: Key, stamp: Stamp, value: Counts) {
        if let Some(c) = &self.counts {
            c.insert(key, Entry { stamp, value });
        }
    }

    /// One of the learner's other reads: served while `now` holds, else `load`ed and kept
    /// (weighing `weight(&value)` bytes). `what` names the read and everything it depends on
    /// besides the learner's progress and the catalogue.
    pub async fn read<T, E, F, Fut>(
        &self,
        user_id: UserId,
        what: String,
        now: Option<Stamp>,
        weight: fn(&T) -> usize,
        load: F,
    ) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let (Some(cache), Some(now)) = (&self.reads, now) else {
            return load().await.map(Arc::new);
        };
        let key = (user_id, what);
        if let Some((hit, _)) = fresh(cache, key.clone(), now) {
            if let Ok(v) = hit.downcast::<T>() {
                return Ok(v);
            }
        }
        let value = Arc::new(load().await?);
        let bytes = u32::try_from(weight(&value).saturating_add(64)).unwrap_or(u32::MAX);
        let entry = Entry {
            stamp: now,
            value: (value.clone() as AnyRead, bytes),
        };
        cache.insert(key, entry);
        Ok(value)
    }

    /// Entries held (statuses, counts), for tests and metrics.
    pub fn entries(&self) -> (u64, u64) {
        let n = |c: Option<u64>| c.unwrap_or(0);
        (
            n(self.statuses.as_ref().map(|c| {
                c.run_pending_tasks();
                c.entry_count()
            })),
            n(self.counts.as_ref().map(|c| {
                c.run_pending_tasks();
                c.entry_count()
            })),
        )
    }
}

fn fresh<K, V>(cache: &Cache<K, Entry<V>>, key: K, now: Stamp) -> Option<V>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    let hit = cache.get(&key)?;
    if hit.stamp == now {
        Some(hit.value)
    } else {
        cache.invalidate(&key);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(n: usize) -> Statuses {
        Arc::new(
            (0..n)
                .map(|i| (TopicKey::new(format!("topic-{i}")), ProgressStatus::Done))
                .collect(),
        )
    }

    #[test]
    fn a_learners_change_makes_only_their_entries_stale() {
        let c = LearnerCache::new(1 << 20);
        let (a, b) = (UserId(7), UserId(8));
        c.put_statuses((a, RoadmapId(1)), c.stamp(a, 3), map(2));
        c.put_statuses((b, RoadmapId(1)), c.stamp(b, 3), map(2));
        assert!(c.statuses((a, RoadmapId(1)), c.stamp(a, 3)).is_some());
        c.changed(a);
        assert!(c.statuses((a, RoadmapId(1)), c.stamp(a, 3)).is_none());
        assert!(c.statuses((b, RoadmapId(1)), c.stamp(b, 3)).is_some());
        // Another content version: stale for everyone.
        assert!(c.statuses((b, RoadmapId(1)), c.stamp(b, 4)).is_none());
    }

    #[test]
    fn a_read_that_began_before_a_change_is_never_served() {
        let c = LearnerCache::new(1 << 20);
        let before = c.stamp(UserId(5), 1);
        c.changed(UserId(5));
        c.put_counts((UserId(5), RoadmapId(2)), before, Counts::default());
        assert!(c
            .counts((UserId(5), RoadmapId(2)), c.stamp(UserId(5), 1))
            .is_none());
        c.changed_all();
        let now = c.stamp(UserId(5), 1);
        c.put_counts((UserId(5), RoadmapId(2)), now, Counts::default());
        assert!(c
            .counts((UserId(5), RoadmapId(2)), c.stamp(UserId(5), 1))
            .is_some());
        c.changed_all();
        assert!(c
            .counts((UserId(5), RoadmapId(2)), c.stamp(UserId(5), 1))
            .is_none());
    }

    #[test]
    fn keeps_within_its_budget() {
        let c = LearnerCache::new(64 * 1024);
        for user in (0..1000).map(UserId) {
            c.put_statuses((user, RoadmapId(1)), c.stamp(user, 1), map(20));
        }
        let (held, _) = c.entries();
        assert!(held < 1000, "{held} entries held");
        assert!(held > 0);
    }

    async fn activity(c: &LearnerCache, loads: &AtomicU64) -> Arc<Vec<i64>> {
        let now = Some(c.stamp(UserId(3), 1));
        let weight: fn(&Vec<i64>) -> usize = |v| v.len() * 8;
        c.read(UserId(3), "activity 0 20".into(), now, weight, || async {
            loads.fetch_add(1, Ordering::Relaxed);
            Ok::<_, ()>(vec![1, 2, 3])
        })
        .await
        .unwrap_or_default()
    }

    #[tokio::test]
    async fn other_reads_are_kept_until_the_learner_changes() {
        let c = LearnerCache::new(1 << 20);
        let loads = AtomicU64::new(0);
        assert_eq!(*activity(&c, &loads).await, vec![1, 2, 3]);
        assert_eq!(*activity(&c, &loads).await, vec![1, 2, 3]);
        assert_eq!(loads.load(Ordering::Relaxed), 1);
        c.changed(UserId(3));
        activity(&c, &loads).await;
        assert_eq!(loads.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn off_keeps_nothing() {
        let c = LearnerCache::new(0);
        assert!(!c.enabled());
        c.put_counts(
            (UserId(1), RoadmapId(1)),
            c.stamp(UserId(1), 1),
            Counts::default(),
        );
        assert!(c
            .counts((UserId(1), RoadmapId(1)), c.stamp(UserId(1), 1))
            .is_none());
    }
}
