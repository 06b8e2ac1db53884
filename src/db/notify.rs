//! Cross-process fan-out over PostgreSQL `LISTEN`/`NOTIFY`, for in-process broadcast channels
//! (progress changes, token revocations): what one process publishes is sent with `pg_notify`, and
//! what another process sent is re-published on this process's channel. Both directions use the
//! raw pool (not the counted SeaORM connection), in order. Messages queued while a send was under
//! way go together in one statement (up to [`BATCH`]): under a burst of writes, one round trip
//! and one transaction carry many notices instead of one each.
//!
//! Hand-written because sqlx's `PgListener` is the whole library for this; what is left is the
//! origin tag (a process skips its own messages) and the reconnect loop.
use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::sqlx::PgPool;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

/// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
pub const MAX_PAYLOAD: usize = 7900;

/// Most messages sent in one statement (at most ~800 KB of payloads).
const BATCH: usize = 100;

/// How one kind of message crosses processes.
pub struct Channel<T> {
    /// The `LISTEN` channel name.
    pub name: &'static str,
    /// A smaller stand-in for a message too big for NOTIFY (the receivers refetch instead).
    pub shrink: fn(&T) -> T,
    /// Published locally after the listener reconnected: messages sent while it was away are
    /// lost, so receivers must be told to re-check. `None`: nothing to re-check.
    pub after_gap: Option<fn() -> T>,
}

/// A message on the wire, tagged with the process that published it (its own messages come back
/// and are skipped) and its place in that process's sending order: PostgreSQL delivers identical
/// payloads sent in one transaction once, and a batch is one transaction, so each payload is made
/// unique. Receivers ignore the number.
#[derive(Deserialize)]
struct Wire<T> {
    origin: String,
    message: T,
}

#[derive(Serialize)]
struct WireRef<'a, T> {
    origin: &'a str,
    seq: u64,
    message: &'a T,
}

/// The sending half: queue a message for the other processes.
pub struct Relay<T> {
    tx: mpsc::UnboundedSender<Arc<T>>,
}

impl<T> Clone for Relay<T> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
        }
    }
}

impl<T> Relay<T> {
    pub fn send(&self, message: Arc<T>) {
        // The send loop ends only with the runtime; nothing to do if it is gone.
        let _ = self.tx.send(message);
    }
}

/// Starts both loops for `channel` and returns the sending half. Must run inside tokio.
pub fn start<T>(pool: PgPool, channel: Channel<T>, local: broadcast::Sender<Arc<T>>) -> Relay<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    let origin: Arc<str> = uuid::Uuid::new_v4().simple().to_string().into();
    let channel = Arc::new(channel);
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(send_loop(pool.clone(), origin.clone(), channel.clone(), rx));
    tokio::spawn(listen_loop(pool, origin, channel, local));
    Relay { tx }
}

fn encode<T: Serialize>(
    origin: &str,
    seq: u64,
    channel: &Channel<T>,
    message: &T,
) -> Option<String> {
    let text = serde_json::to_string(&WireRef {
        origin,
        seq,
        message,
    })
    .ok()?;
    if text.len() <= MAX_PAYLOAD {
        return Some(text);
    }
    let slim = (channel.shrink)(message);
    serde_json::to_string(&WireRef {
        origin,
        seq,
        message: &slim,
    })
    .ok()
}

async fn send_loop<T: Serialize>(
    pool: PgPool,
    origin: Arc<str>,
    channel: Arc<Channel<T>>,
    mut rx: mpsc::UnboundedReceiver<Arc<T>>,
) {
    let mut seq: u64 = 0;
    let mut queued = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut queued, BATCH).await > 0 {
        let payloads: Vec<String> = queued
            .drain(..)
            .filter_map(|message| {
                seq += 1;
                encode(&origin, seq, &channel, &message)
            })
            .collect();
        // `unnest` yields the array in order, and the notices are sent in that order.
        let sent = sea_orm::sqlx::query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p")
            .bind(channel.name)
            .bind(&payloads)
            .execute(&pool)
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %crate::error::chain(&e), channel = channel.name, "could not relay to other processes");
        }
    }
}

async fn listen_loop<T: DeserializeOwned>(
    pool: PgPool,
    origin: Arc<str>,
    channel: Arc<Channel<T>>,
    local: broadcast::Sender<Arc<T>>,
) {
    let mut connected_before = false;
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %crate::error::chain(&e), channel = channel.name, "relay cannot connect; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(channel.name).await {
            tracing::warn!(error = %crate::error::chain(&e), channel = channel.name, "relay cannot LISTEN; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        if connected_before {
            if let Some(after_gap) = channel.after_gap {
                let _ = local.send(Arc::new(after_gap()));
            }
        }
        connected_before = true;
        loop {
            // `try_recv` reports a lost connection as `None` instead of reconnecting silently,
            // so a gap is noticed.
            match listener.try_recv().await {
                Ok(Some(n)) => match serde_json::from_str::<Wire<T>>(n.payload()) {
                    Ok(wire) if *wire.origin != *origin => {
                        let _ = local.send(Arc::new(wire.message));
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %crate::error::chain(&e), "unreadable relay payload")
                    }
                },
                Ok(None) => {
                    tracing::warn!(
                        channel = channel.name,
                        "relay connection lost; reconnecting"
                    );
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %crate::error::chain(&e), channel = channel.name, "relay connection lost; reconnecting");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum Msg {
        Text(String),
        TooBig,
    }

    fn channel() -> Channel<Msg> {
        Channel {
            name: "test",
            shrink: |_| Msg::TooBig,
            after_gap: None,
        }
    }

    #[test]
    fn round_trips_and_shrinks_big_payloads() {
        let text = encode("me", 1, &channel(), &Msg::Text("hi".into())).unwrap();
        let back: Wire<Msg> = serde_json::from_str(&text).unwrap();
        assert_eq!(back.origin, "me");
        assert_eq!(back.message, Msg::Text("hi".into()));
        let text = encode("me", 2, &channel(), &Msg::Text("x".repeat(10_000))).unwrap();
        assert!(text.len() <= MAX_PAYLOAD);
        let back: Wire<Msg> = serde_json::from_str(&text).unwrap();
        assert_eq!(back.message, Msg::TooBig);
    }
}
