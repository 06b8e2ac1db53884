//! In-process fan-out of progress changes to `myProgressChanged` subscribers: one broadcast
//! channel per learner with open subscriptions, shared by all of that learner's sockets, so a
//! change wakes only its learner's subscribers (one channel for everyone woke every socket of the
//! process for every change). Every notice, this process's or another's, also makes its learner's
//! hot statuses and counts ([`LearnerCache`]) stale. Notices from other processes arrive on the
//! relay's channel, mark the cache, and are handed to the learner's channel by one task.
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TopicKey, UserId};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use super::hot::LearnerCache;
use super::types::ProgressChangeKind;
use super::types::{Counts, StatusChange};
use crate::db::notify::{self, Channel, Relay};

/// Notifications a slow subscriber may fall behind by before it is told to resync.
/// Notices from other processes waiting to be handed to learners' channels.
const CAPACITY: usize = 4096;
/// Notices one learner's slowest socket may fall behind by before it is sent a `RESYNC`.
const LEARNER_CAPACITY: usize = 64;

/// A change to one user's progress, as published after its transaction committed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notice {
    pub user_id: UserId,
    pub kind: ProgressChangeKind,
    pub roadmap_id: Option<RoadmapId>,
    pub changes: Vec<StatusChange>,
    pub note: Option<NoteNotice>,
    pub counts: Option<Counts>,
    pub at: DateTime<Utc>,
    /// For a review: the topic reviewed (its link group's topics share the new schedule).
    #[serde(default)]
    pub reviewed: Option<TopicKey>,
}

impl Notice {
    /// Statuses a write of `kind` changed on one roadmap, with the learner's counts there after it.
    pub fn statuses(
        user_id: UserId,
        kind: ProgressChangeKind,
        roadmap_id: RoadmapId,
        changes: Vec<StatusChange>,
        counts: Counts,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            user_id,
            kind,
            roadmap_id: Some(roadmap_id),
            changes,
            note: None,
            counts: Some(counts),
            at,
            reviewed: None,
        }
    }

    /// The learner's note on a topic of a roadmap changed (`None`: removed).
    pub fn note(
        user_id: UserId,
        roadmap_id: RoadmapId,
        topic_id: TopicKey,
        note: Option<String>,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            user_id,
            kind: ProgressChangeKind::Note,
            roadmap_id: Some(roadmap_id),
            changes: Vec::new(),
            note: Some(NoteNotice { topic_id, note }),
            counts: None,
            at,
            reviewed: None,
        }
    }

    /// The learner reviewed a topic of a roadmap (or a topic linked to one of it).
    pub fn review(
        user_id: UserId,
        roadmap_id: RoadmapId,
        topic_id: TopicKey,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            user_id,
            kind: ProgressChangeKind::Review,
            roadmap_id: Some(roadmap_id),
            changes: Vec::new(),
            note: None,
            counts: None,
            at,
            reviewed: Some(topic_id),
        }
    }

    /// A roadmap became, or stopped being, one of the learner's favourites.
    pub fn favorite(
        user_id: UserId,
        roadmap_id: RoadmapId,
        counts: Counts,
        at: DateTime<Utc>,
    ) -> Self {
        Self::statuses(
            user_id,
            ProgressChangeKind::Favorite,
            roadmap_id,
            Vec::new(),
            counts,
            at,
        )
    }

    /// Tells the learner's subscribers to refetch: notices were lost on the way.
    pub fn resync(user_id: UserId, at: DateTime<Utc>) -> Self {
        Self {
            user_id,
            kind: ProgressChangeKind::Resync,
            roadmap_id: None,
            changes: Vec::new(),
            note: None,
            counts: None,
            at,
            reviewed: None,
        }
    }

    /// This notice without its changes or note, as a `RESYNC` on the same roadmap (for a notice
    /// too big to relay whole).
    fn shrunk(&self) -> Self {
        Self {
            kind: ProgressChangeKind::Resync,
            changes: Vec::new(),
            note: None,
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoteNotice {
    pub topic_id: TopicKey,
    pub note: Option<String>,
}

#[derive(Clone)]
pub struct ProgressBus {
    /// Where the relay puts other processes' notices (see [`forward_remote`]).
    tx: broadcast::Sender<Arc<Notice>>,
    learners: Arc<Learners>,
    active: Arc<AtomicI64>,
    /// On PostgreSQL: notices to send to the other processes.
    relay: Option<Relay<Notice>>,
    /// What the notices make stale.
    hot: Arc<LearnerCache>,
}

/// The channel of each learner with at least one open subscription.
#[derive(Default)]
struct Learners(Mutex<HashMap<UserId, broadcast::Sender<Arc<Notice>>>>);

impl Learners {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, broadcast::Sender<Arc<Notice>>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// To the learner's subscribers, if any (none listening is not an error).
    fn deliver(&self, notice: Arc<Notice>) {
        let sender = self.lock().get(&notice.user_id).cloned();
        if let Some(sender) = sender {
            let _ = sender.send(notice);
        }
    }

    /// Some notices were lost on the way: every subscriber must refetch.
    fn resync_all(&self) {
        let senders: Vec<(UserId, broadcast::Sender<Arc<Notice>>)> =
            self.lock().iter().map(|(u, s)| (*u, s.clone())).collect();
        let now = Utc::now();
        for (user, sender) in senders {
            let _ = sender.send(Arc::new(Notice::resync(user, now)));
        }
    }
}

impl Default for ProgressBus {
    fn default() -> Self {
        let (tx, _) = broadcast::channel(CAPACITY);
        Self {
            tx,
            learners: Arc::default(),
            active: Arc::new(AtomicI64::new(0)),
            relay: None,
            hot: Arc::new(LearnerCache::new(0)),
        }
    }
}

impl ProgressBus {
    /// The bus of this process. On PostgreSQL it also relays notices to and from every other
    /// process on the same database (LISTEN/NOTIFY), so a learner's devices stay in sync whichever
    /// server they reach. Starts the relay tasks, so it must run inside the tokio runtime.
    /// `active` is the gauge of open subscriptions it keeps up to date; `hot` the learners' cache
    /// its notices keep current.
    pub fn for_database(
        db: &DatabaseConnection,
        active: Arc<AtomicI64>,
        hot: Arc<LearnerCache>,
    ) -> Self {
        let mut bus = Self {
            active,
            hot,
            ..Self::default()
        };
        if crate::db::is_postgres(db) {
            let pool = db.get_postgres_connection_pool().clone();
            // Other processes' notices make their learners' entries stale on the way in, then
            // reach their learners' channels.
            tokio::spawn(forward_remote(
                bus.tx.subscribe(),
                Arc::downgrade(&bus.learners),
            ));
            let (remote, arrived) = broadcast::channel(CAPACITY);
            bus.relay = Some(notify::start(pool, relay_channel(), remote));
            tokio::spawn(arrive(arrived, bus.tx.clone(), bus.hot.clone()));
        }
        bus
    }

    /// The learners' hot statuses and counts.
    pub fn hot(&self) -> &Arc<LearnerCache> {
        &self.hot
    }

    pub fn publish(&self, notice: Notice) {
        // Before the writer is answered: their next read on this process sees the change.
        self.hot.changed(notice.user_id);
        let notice = Arc::new(notice);
        if let Some(relay) = &self.relay {
            relay.send(notice.clone());
        }
        self.learners.deliver(notice);
    }

    /// A receiver of one user's notices; counted in `active()` until dropped.
    pub fn subscribe(&self, user_id: UserId) -> Subscriber {
        let mut sub = self.listen(user_id);
        sub._counted = Some(self.count());
        sub
    }

    /// A receiver of one user's notices, not counted: it serves subscriptions counted on their
    /// own ([`ProgressBus::count`]), as when sockets share one running subscription.
    pub fn listen(&self, user_id: UserId) -> Subscriber {
        let rx = self
            .learners
            .lock()
            .entry(user_id)
            .or_insert_with(|| broadcast::channel(LEARNER_CAPACITY).0)
            .subscribe();
        Subscriber {
            rx,
            user_id,
            learners: self.learners.clone(),
            _counted: None,
        }
    }

    /// One open subscription in `active()`, until dropped.
    pub fn count(&self) -> Counted {
        self.active.fetch_add(1, Ordering::Relaxed);
        Counted(self.active.clone())
    }

    /// Open `myProgressChanged` subscriptions.
    pub fn active(&self) -> i64 {
        self.active.load(Ordering::Relaxed)
    }

    /// Learners with a channel of their own now (for tests: a channel ends with its last socket).
    pub fn learner_channels(&self) -> usize {
        self.learners.lock().len()
    }
}

/// Hands other processes' notices (re-published by the relay) to their learners' channels, until
/// the bus is gone.
async fn forward_remote(mut rx: broadcast::Receiver<Arc<Notice>>, learners: Weak<Learners>) {
    loop {
        let received = rx.recv().await;
        let Some(learners) = learners.upgrade() else {
            break;
        };
        match received {
            Ok(notice) => learners.deliver(notice),
            Err(broadcast::error::RecvError::Lagged(_)) => learners.resync_all(),
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
}

/// Progress notices cross processes on `roadmap_progress`. One too big for NOTIFY (a large batch
/// or note) goes as a `RESYNC` telling the other processes' subscribers to refetch. After the
/// listener was away, a `RESYNC` of no learner ([`EVERYONE`]) makes every hot entry stale.
fn relay_channel() -> Channel<Notice> {
    Channel {
        name: "roadmap_progress",
        shrink: Notice::shrunk,
        after_gap: Some(|| Notice::resync(EVERYONE, Utc::now())),
    }
}

/// The `user_id` of a notice about every learner (no user has it; subscribers skip it).
const EVERYONE: UserId = UserId(i32::MIN);

/// Another process's notice: its learner's hot entries are made stale, then it goes to this
/// process's subscribers (this process's own notices were handled in `publish`).
async fn arrive(
    mut rx: broadcast::Receiver<Arc<Notice>>,
    tx: broadcast::Sender<Arc<Notice>>,
    hot: Arc<LearnerCache>,
) {
    loop {
        match rx.recv().await {
            Ok(n) => {
                if n.user_id == EVERYONE {
                    hot.changed_all();
                } else {
                    hot.changed(n.user_id);
                }
                let _ = tx.send(n);
            }
            Err(broadcast::error::RecvError::Lagged(_)) => hot.changed_all(),
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

pub struct Subscriber {
    rx: broadcast::Receiver<Arc<Notice>>,
    user_id: UserId,
    learners: Arc<Learners>,
    /// Held for the gauge (`None`: counted elsewhere).
    _counted: Option<Counted>,
}

/// Holds one open subscription in the `active()` gauge until dropped.
pub struct Counted(Arc<AtomicI64>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Subscriber {
    /// The next notice for this user; a `RESYNC` notice when some were dropped; `None` when the
    /// bus is gone.
    pub async fn next(&mut self) -> Option<Arc<Notice>> {
        match self.rx.recv().await {
            Ok(n) => Some(n),
            Err(broadcast::error::RecvError::Lagged(_)) => {
                Some(Arc::new(Notice::resync(self.user_id, Utc::now())))
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        // The learner's last subscriber (this one) closes the channel; under the lock, so a
        // subscription being made now gets a channel that stays.
        let mut learners = self.learners.lock();
        if learners
            .get(&self.user_id)
            .is_some_and(|s| s.receiver_count() <= 1)
        {
            learners.remove(&self.user_id);
        }
    }
}
