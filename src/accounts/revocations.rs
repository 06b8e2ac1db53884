//! Revoked tokens reach open sockets. A WebSocket checks its access token once, at
//! `connection_init`; when the user's tokens are revoked afterwards (sign out everywhere, a new
//! password, a role change, a deleted account) the account service publishes the user's id here,
//! and every socket of that user closes. On PostgreSQL the revocation crosses to every process on
//! the database over `NOTIFY`.
use std::sync::Arc;

use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::db::notify::{self, Channel, Relay};

/// Revocations a slow socket may fall behind by before it is told to re-check its token.
const CAPACITY: usize = 1024;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum Revocation {
    /// Every token of this user issued so far is void.
    User(i32),
    /// Some revocations may have been missed (the relay reconnected): every socket re-checks its
    /// token against the database.
    RecheckAll,
}

/// What a socket must do after a revocation it may care about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Its user's tokens were revoked: close.
    Revoked,
    /// It cannot know: check the token against the database again.
    Recheck,
}

#[derive(Clone)]
pub struct Revocations {
    tx: broadcast::Sender<Arc<Revocation>>,
    relay: Option<Relay<Revocation>>,
}

impl Default for Revocations {
    /// Revocations within this process only (SQLite is one process; tools and tests).
    fn default() -> Self {
        let (tx, _) = broadcast::channel(CAPACITY);
        Self { tx, relay: None }
    }
}

impl Revocations {
    /// The revocations of this process, relayed to and from the other processes on PostgreSQL.
    /// Starts the relay tasks, so it must run inside the tokio runtime.
    pub fn for_database(db: &DatabaseConnection) -> Self {
        let mut revocations = Self::default();
        if crate::db::is_postgres(db) {
            let pool = db.get_postgres_connection_pool().clone();
            let channel = Channel {
                name: "roadmap_revocations",
                shrink: Revocation::clone,
                after_gap: Some(|| Revocation::RecheckAll),
            };
            revocations.relay = Some(notify::start(pool, channel, revocations.tx.clone()));
        }
        revocations
    }

    /// Announces that every token of `user_id` is void. Call after the revoking transaction
    /// committed, so a socket that re-checks sees the new state.
    pub fn publish(&self, user_id: i32) {
        let revocation = Arc::new(Revocation::User(user_id));
        if let Some(relay) = &self.relay {
            relay.send(revocation.clone());
        }
        // No receiver is not an error: no socket is open.
        let _ = self.tx.send(revocation);
    }

    /// Starts listening before the token is checked, so a revocation that lands between the check
    /// and the watch is not missed; `for_user` then narrows it to the socket's user.
    pub fn listen(&self) -> Listener {
        Listener {
            rx: self.tx.subscribe(),
        }
    }
}

pub struct Listener {
    rx: broadcast::Receiver<Arc<Revocation>>,
}

impl Listener {
    pub fn for_user(self, user_id: i32) -> Watch {
        Watch {
            rx: self.rx,
            user_id,
        }
    }
}

/// The revocations that concern one user's socket.
pub struct Watch {
    rx: broadcast::Receiver<Arc<Revocation>>,
    user_id: i32,
}

impl Watch {
    /// Waits for the next revocation that concerns this user; pending forever once the process's
    /// channel is gone (the server is stopping).
    pub async fn next(&mut self) -> Signal {
        loop {
            match self.rx.recv().await {
                Ok(r) => match *r {
                    Revocation::User(id) if id == self.user_id => return Signal::Revoked,
                    Revocation::User(_) => continue,
                    Revocation::RecheckAll => return Signal::Recheck,
                },
                Err(broadcast::error::RecvError::Lagged(_)) => return Signal::Recheck,
                Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_watch_hears_only_its_user_and_rechecks_after_a_gap() {
        let revocations = Revocations::default();
        let mut watch = revocations.listen().for_user(7);
        revocations.publish(8);
        revocations.publish(7);
        assert_eq!(watch.next().await, Signal::Revoked);
        let _ = revocations.tx.send(Arc::new(Revocation::RecheckAll));
        assert_eq!(watch.next().await, Signal::Recheck);
    }

    #[tokio::test]
    async fn a_watch_that_fell_behind_rechecks() {
        let revocations = Revocations::default();
        let mut watch = revocations.listen().for_user(7);
        for id in 0..(CAPACITY as i32 + 10) {
            revocations.publish(1000 + id);
        }
        assert_eq!(watch.next().await, Signal::Recheck);
    }
}
