//! Revoked tokens reach open sockets. A WebSocket checks its access token once, at
//! `connection_init`; when the user's tokens are revoked afterwards (sign out everywhere, a new
//! password, a role change, a deleted account) the account service publishes the user's id here,
//! and every socket of that user closes. A refresh token used twice revokes its sign-in (family):
//! its access tokens are refused at once (see `revoked_families`) and the sockets opened with them
//! close. On PostgreSQL the revocation crosses to every process on the database over `NOTIFY`.
//!
//! The same channel carries changes that void no token but make a user's kept session stale
//! (`SessionCache`): a new profile, address or team seat ([`Revocations::changed`]). A revocation
//! makes it stale too.
use std::sync::Arc;

use chrono::Duration;
use entity::ids::UserId;

use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use super::revoked_families::RevokedFamilies;
use super::sessions::SessionCache;
use crate::db::notify::{self, Channel, Relay};

/// Revocations a slow socket may fall behind by before it is told to re-check its token.
const CAPACITY: usize = 1024;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum Revocation {
    /// Every token of this user issued so far is void.
    User(UserId),
    /// Every access token of this sign-in (refresh-token family) is void.
    Family { user_id: UserId, family: String },
    /// The user's row or team seats changed; their tokens stay valid.
    Changed(UserId),
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
    /// Sign-ins whose access tokens are void.
    pub families: RevokedFamilies,
    /// Signed-in users' rows and seats kept between requests.
    pub sessions: SessionCache,
}

/// How long a revoked family is remembered without a database to say (tools and tests).
const DEFAULT_FAMILY_WINDOW: Duration = Duration::days(1);

impl Default for Revocations {
    /// Revocations within this process only (SQLite is one process; tools and tests).
    fn default() -> Self {
        Self::local(DEFAULT_FAMILY_WINDOW, SessionCache::default())
    }
}

impl Revocations {
    fn local(family_window: Duration, sessions: SessionCache) -> Self {
        let (tx, _) = broadcast::channel(CAPACITY);
        Self {
            tx,
            relay: None,
            families: RevokedFamilies::new(family_window),
            sessions,
        }
    }

    /// The revocations of this process, relayed to and from the other processes on PostgreSQL;
    /// revoked families are remembered for `family_window` (the access-token lifetime + leeway).
    /// Starts the relay tasks, so it must run inside the tokio runtime. Load the revoked families
    /// with `families.load` before serving.
    pub fn for_database(
        db: &DatabaseConnection,
        family_window: Duration,
        sessions: SessionCache,
    ) -> Self {
        let mut revocations = Self::local(family_window, sessions);
        if crate::db::is_postgres(db) {
            tokio::spawn(feed(
                revocations.tx.subscribe(),
                revocations.families.clone(),
                revocations.sessions.clone(),
                db.clone(),
            ));
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
    pub fn publish(&self, user_id: UserId) {
        self.sessions.changed(user_id);
        let revocation = Arc::new(Revocation::User(user_id));
        if let Some(relay) = &self.relay {
            relay.send(revocation.clone());
        }
        // No receiver is not an error: no socket is open.
        let _ = self.tx.send(revocation);
    }

    /// Announces that every access token of `user_id`'s sign-in `family` is void. Call after the
    /// revoking transaction committed.
    pub fn publish_family(&self, user_id: UserId, family: &str) {
        self.families.insert(family, chrono::Utc::now());
        let revocation = Arc::new(Revocation::Family {
            user_id,
            family: family.to_owned(),
        });
        if let Some(relay) = &self.relay {
            relay.send(revocation.clone());
        }
        let _ = self.tx.send(revocation);
    }

    /// Announces that `user_id`'s row or team seats changed (their kept session is stale), here
    /// and on the other processes. Call after the changing transaction committed.
    pub fn changed(&self, user_id: UserId) {
        self.sessions.changed(user_id);
        let change = Arc::new(Revocation::Changed(user_id));
        if let Some(relay) = &self.relay {
            relay.send(change.clone());
        }
        let _ = self.tx.send(change);
    }

    /// [`Revocations::changed`] for each of `user_ids`.
    pub fn changed_many(&self, user_ids: &[UserId]) {
        for id in user_ids {
            self.changed(*id);
        }
    }

    /// Starts listening before the token is checked, so a revocation that lands between the check
    /// and the watch is not missed; `for_session` then narrows it to the socket's user and sign-in.
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
    /// The revocations that concern a token of `user_id` issued in sign-in `family` (`None`:
    /// a token that names none).
    pub fn for_session(self, user_id: UserId, family: Option<String>) -> Watch {
        Watch {
            rx: self.rx,
            user_id,
            family,
        }
    }
}

/// The revocations that concern one user's socket.
pub struct Watch {
    rx: broadcast::Receiver<Arc<Revocation>>,
    user_id: UserId,
    family: Option<String>,
}

impl Watch {
    /// Waits for the next revocation that concerns this user; pending forever once the process's
    /// channel is gone (the server is stopping).
    pub async fn next(&mut self) -> Signal {
        loop {
            match self.rx.recv().await {
                Ok(r) => match &*r {
                    Revocation::User(id) if *id == self.user_id => return Signal::Revoked,
                    Revocation::Family { family, .. }
                        if self.family.as_deref() == Some(family.as_str()) =>
                    {
                        return Signal::Revoked
                    }
                    Revocation::User(_) | Revocation::Family { .. } | Revocation::Changed(_) => {
                        continue
                    }
                    Revocation::RecheckAll => return Signal::Recheck,
                },
                Err(broadcast::error::RecvError::Lagged(_)) => return Signal::Recheck,
                Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
            }
        }
    }
}

/// Keeps this process's set of revoked families and its kept sessions up to date with what the
/// other processes revoked or changed; after a relay gap, reads the families again from the table
/// and drops every session. Ends with the channel.
async fn feed(
    mut rx: broadcast::Receiver<Arc<Revocation>>,
    families: RevokedFamilies,
    sessions: SessionCache,
    db: DatabaseConnection,
) {
    loop {
        let reload = match rx.recv().await {
            Ok(r) => match &*r {
                Revocation::Family { family, .. } => {
                    families.insert(family, chrono::Utc::now());
                    false
                }
                Revocation::RecheckAll => true,
                Revocation::User(id) | Revocation::Changed(id) => {
                    sessions.changed(*id);
                    false
                }
            },
            Err(broadcast::error::RecvError::Lagged(_)) => true,
            Err(broadcast::error::RecvError::Closed) => break,
        };
        if reload {
            sessions.changed_all();
            if let Err(e) = families.load(&db).await {
                tracing::warn!(error = %crate::error::chain(&e), "could not read the revoked sign-ins again");
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
        let mut watch = revocations.listen().for_session(UserId(7), None);
        revocations.publish(UserId(8));
        revocations.publish(UserId(7));
        assert_eq!(watch.next().await, Signal::Revoked);
        let _ = revocations.tx.send(Arc::new(Revocation::RecheckAll));
        assert_eq!(watch.next().await, Signal::Recheck);
    }

    #[tokio::test]
    async fn a_watch_hears_the_revocation_of_its_own_sign_in_only() {
        let revocations = Revocations::default();
        let mut watch = revocations
            .listen()
            .for_session(UserId(7), Some("f1".into()));
        revocations.publish_family(UserId(7), "f2");
        revocations.publish_family(UserId(7), "f1");
        assert_eq!(watch.next().await, Signal::Revoked);
        assert!(revocations.families.contains("f1"));
        assert!(!revocations.families.contains("f3"));
    }

    #[tokio::test]
    async fn a_watch_that_fell_behind_rechecks() {
        let revocations = Revocations::default();
        let mut watch = revocations.listen().for_session(UserId(7), None);
        for id in 0..(CAPACITY as i32 + 10) {
            revocations.publish(UserId(1000 + id));
        }
        assert_eq!(watch.next().await, Signal::Recheck);
    }
}
