//! Signed-in users kept hot between requests: what authentication reads for a token (the user's
//! row and team seats), per user, so a valid token costs no SQL statement in the common case.
//! Bounded in bytes (`SESSION_CACHE_MB`, moka, least recently used first; a user weighs ~1 KiB).
//!
//! An entry is served only while both of these hold:
//! - the user's generation is the one it was read under: it is bumped after every committed
//!   change of their row or seats (`Revocations::publish` and `Revocations::changed`, called by
//!   the account and team services; on PostgreSQL the other processes bump it when the notice
//!   arrives, milliseconds later), and
//! - it is younger than [`TIME_TO_LIVE`]: a change no notice announced (the operator's
//!   `create-admin`, run by another program, or a notice lost while the relay was away) shows
//!   within it.
//!
//! The user's progress writes do not make it stale, so a learner who writes without pause is not
//! read again on every write. They move the statistics on the row (streak runs, `done_30d`):
//! those columns of a kept row are therefore not current, and nothing reads them from it (a
//! status write reads them under its lock, `me.streak` reads them itself).
//!
//! Generations are read *before* the database is, so an entry is never newer than what it was
//! checked against (as in `progress::hot`). A token whose version is not the entry's is checked
//! against the database again, never refused from the cache.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use entity::ids::UserId;
use entity::users;
use moka::sync::Cache;

use crate::auth::TeamSeats;

/// Generation slots (a power of two): users share a slot by id modulo its size, and a bump there
/// only costs the others a read.
const SLOTS: usize = 4096;

/// The longest an entry is served without being read again.
pub const TIME_TO_LIVE: Duration = Duration::from_secs(30);

/// What a token's check read: the user's row and team seats.
#[derive(Clone)]
pub struct Known {
    pub row: Arc<users::Model>,
    pub seats: TeamSeats,
}

/// The generation an entry was read under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp(u64);

#[derive(Clone)]
struct Entry {
    stamp: Stamp,
    known: Known,
}

#[derive(Clone)]
pub struct SessionCache {
    inner: Arc<Inner>,
}

struct Inner {
    entries: Option<Cache<UserId, Entry>>,
    slots: Box<[AtomicU64]>,
    /// Bumped when notices may have been missed: every entry is then stale.
    epoch: AtomicU64,
    /// Look-ups that found a current entry, and those that did not (for `/metrics`).
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

impl Default for SessionCache {
    /// Off: every token is checked against the database (tools and tests of other parts).
    fn default() -> Self {
        Self::new(0)
    }
}

/// A row's weight in bytes: its strings and the fixed part, with the map's own overhead.
fn weight(known: &Known) -> u32 {
    let r = &known.row;
    let strings = r.email.len()
        + r.username.len() * 2
        + r.display_name.len()
        + r.password_hash.len()
        + r.time_zone.len()
        + r.headline.as_ref().map_or(0, String::len)
        + r.profile_links.len()
        + r.profile_roadmap_ids.len();
    u32::try_from(strings + 400 + known.seats.len() * 16).unwrap_or(u32::MAX)
}

impl SessionCache {
    /// `max_bytes` 0 turns it off.
    pub fn new(max_bytes: u64) -> Self {
        let entries = (max_bytes > 0).then(|| {
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_: &UserId, e: &Entry| weight(&e.known))
                .time_to_live(TIME_TO_LIVE)
                .build()
        });
        Self {
            inner: Arc::new(Inner {
                entries,
                slots: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
                epoch: AtomicU64::new(0),
                hits: AtomicU64::new(0),
                misses: AtomicU64::new(0),
            }),
        }
    }

    fn slot(&self, user_id: UserId) -> &AtomicU64 {
        &self.inner.slots[(user_id.0 as u32 as usize) & (SLOTS - 1)]
    }

    /// What a read of `user_id` starting now is read under; take it before reading the database.
    pub fn stamp(&self, user_id: UserId) -> Stamp {
        Stamp(
            self.inner
                .epoch
                .load(Ordering::Acquire)
                .wrapping_add(self.slot(user_id).load(Ordering::Acquire)),
        )
    }

    /// The user's row and seats, when kept and read under `now`.
    pub fn get(&self, user_id: UserId, now: Stamp) -> Option<Known> {
        let entries = self.inner.entries.as_ref()?;
        let found = match entries.get(&user_id) {
            Some(hit) if hit.stamp == now => Some(hit.known),
            Some(_) => {
                entries.invalidate(&user_id);
                None
            }
            None => None,
        };
        let counter = match found {
            Some(_) => &self.inner.hits,
            None => &self.inner.misses,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps what a read that took `stamp` before it found.
    pub fn put(&self, user_id: UserId, stamp: Stamp, known: Known) {
        if let Some(entries) = &self.inner.entries {
            entries.insert(user_id, Entry { stamp, known });
        }
    }

    /// The user's row or seats changed (after its commit): their entry is stale.
    pub fn changed(&self, user_id: UserId) {
        self.slot(user_id).fetch_add(1, Ordering::AcqRel);
    }

    /// Changes may have been missed (a relay gap): every entry is stale.
    pub fn changed_all(&self) {
        self.inner.epoch.fetch_add(1 << 32, Ordering::AcqRel);
    }

    /// Users kept, for tests and metrics.
    pub fn entries(&self) -> u64 {
        self.inner.entries.as_ref().map_or(0, |c| {
            c.run_pending_tasks();
            c.entry_count()
        })
    }

    /// What the kept users weigh, in bytes (after [`SessionCache::entries`] ran the pending
    /// upkeep).
    pub fn bytes(&self) -> u64 {
        self.inner.entries.as_ref().map_or(0, |c| c.weighted_size())
    }

    /// (hits, misses) of the look-ups so far.
    pub fn lookups(&self) -> (u64, u64) {
        (
            self.inner.hits.load(Ordering::Relaxed),
            self.inner.misses.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(id: i32) -> Known {
        let now = chrono::Utc::now();
        Known {
            row: Arc::new(users::Model {
                id: UserId(id),
                email: format!("u{id}@example.com"),
                username: format!("u{id}"),
                username_key: format!("u{id}"),
                display_name: "U".into(),
                password_hash: "x".into(),
                role: entity::enums::Role::User,
                token_version: 0,
                time_zone: "UTC".into(),
                created_at: now,
                updated_at: now,
                profile_visibility: entity::enums::ProfileVisibility::Private,
                headline: None,
                profile_links: "[]".into(),
                profile_roadmaps: entity::enums::ProfileRoadmaps::None,
                profile_roadmap_ids: "[]".into(),
                streak_run: 0,
                streak_longest: 0,
                streak_last_day: None,
                done_30d: 0,
                stats_version: 0,
                email_verified_at: None,
            }),
            seats: TeamSeats::default(),
        }
    }

    #[test]
    fn a_change_of_the_user_makes_only_their_entry_stale() {
        let c = SessionCache::new(1 << 20);
        let (a, b) = (UserId(7), UserId(8));
        c.put(a, c.stamp(a), known(7));
        c.put(b, c.stamp(b), known(8));
        assert!(c.get(a, c.stamp(a)).is_some());
        c.changed(a);
        assert!(c.get(a, c.stamp(a)).is_none());
        assert!(c.get(b, c.stamp(b)).is_some());
        c.changed_all();
        assert!(c.get(b, c.stamp(b)).is_none());
    }

    #[test]
    fn a_read_that_began_before_a_change_is_never_served() {
        let c = SessionCache::new(1 << 20);
        let before = c.stamp(UserId(5));
        c.changed(UserId(5));
        c.put(UserId(5), before, known(5));
        assert!(c.get(UserId(5), c.stamp(UserId(5))).is_none());
    }

    #[test]
    fn off_keeps_nothing() {
        let c = SessionCache::default();
        c.put(UserId(1), c.stamp(UserId(1)), known(1));
        assert!(c.get(UserId(1), c.stamp(UserId(1))).is_none());
        assert_eq!(c.entries(), 0);
    }
}
