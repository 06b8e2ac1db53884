//! In-process fan-out of progress changes to `myProgressChanged` subscribers.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use super::types::ProgressChangeKind;
use super::types::{Counts, StatusChange};
use crate::db::notify::{self, Channel, Relay};

/// Notifications a slow subscriber may fall behind by before it is told to resync.
const CAPACITY: usize = 4096;

/// A change to one user's progress, as published after its transaction committed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notice {
    pub user_id: i32,
    pub kind: ProgressChangeKind,
    pub roadmap_id: Option<i32>,
    pub changes: Vec<StatusChange>,
    pub note: Option<NoteNotice>,
    pub counts: Option<Counts>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoteNotice {
    pub topic_id: String,
    pub note: Option<String>,
}

#[derive(Clone)]
pub struct ProgressBus {
    tx: broadcast::Sender<Arc<Notice>>,
    active: Arc<AtomicI64>,
    /// On PostgreSQL: notices to send to the other processes.
    relay: Option<Relay<Notice>>,
}

impl Default for ProgressBus {
    fn default() -> Self {
        let (tx, _) = broadcast::channel(CAPACITY);
        Self {
            tx,
            active: Arc::new(AtomicI64::new(0)),
            relay: None,
        }
    }
}

impl ProgressBus {
    /// The bus of this process. On PostgreSQL it also relays notices to and from every other
    /// process on the same database (LISTEN/NOTIFY), so a learner's devices stay in sync whichever
    /// server they reach. Starts the relay tasks, so it must run inside the tokio runtime.
    /// `active` is the gauge of open subscriptions it keeps up to date.
    pub fn for_database(db: &DatabaseConnection, active: Arc<AtomicI64>) -> Self {
        let mut bus = Self {
            active,
            ..Self::default()
        };
        if crate::db::is_postgres(db) {
            let pool = db.get_postgres_connection_pool().clone();
            bus.relay = Some(notify::start(pool, relay_channel(), bus.tx.clone()));
        }
        bus
    }

    pub fn publish(&self, notice: Notice) {
        let notice = Arc::new(notice);
        if let Some(relay) = &self.relay {
            relay.send(notice.clone());
        }
        // No receiver is not an error: nobody is listening right now.
        let _ = self.tx.send(notice);
    }

    /// A receiver of one user's notices; counted in `active()` until dropped.
    pub fn subscribe(&self, user_id: i32) -> Subscriber {
        self.active.fetch_add(1, Ordering::Relaxed);
        Subscriber {
            rx: self.tx.subscribe(),
            user_id,
            active: self.active.clone(),
        }
    }

    /// Open `myProgressChanged` subscriptions.
    pub fn active(&self) -> i64 {
        self.active.load(Ordering::Relaxed)
    }
}

/// Progress notices cross processes on `roadmap_progress`. One too big for NOTIFY (a large batch
/// or note) goes as a `RESYNC` telling the other processes' subscribers to refetch.
fn relay_channel() -> Channel<Notice> {
    Channel {
        name: "roadmap_progress",
        shrink: |notice| Notice {
            kind: ProgressChangeKind::Resync,
            changes: Vec::new(),
            note: None,
            ..notice.clone()
        },
        after_gap: None,
    }
}

pub struct Subscriber {
    rx: broadcast::Receiver<Arc<Notice>>,
    user_id: i32,
    active: Arc<AtomicI64>,
}

impl Subscriber {
    /// The next notice for this user; a `RESYNC` notice when some were dropped; `None` when the
    /// bus is gone.
    pub async fn next(&mut self) -> Option<Arc<Notice>> {
        loop {
            match self.rx.recv().await {
                Ok(n) if n.user_id == self.user_id => return Some(n),
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    return Some(Arc::new(Notice {
                        user_id: self.user_id,
                        kind: ProgressChangeKind::Resync,
                        roadmap_id: None,
                        changes: Vec::new(),
                        note: None,
                        counts: None,
                        at: Utc::now(),
                    }))
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.active.fetch_sub(1, Ordering::Relaxed);
    }
}
