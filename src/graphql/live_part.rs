//! The part one execution of a subscription plays when the socket transport shares it among
//! identical subscriptions of one user (`http::ws_shared`). The transport puts a [`LivePart`] in
//! the request's data and subscription fields read it; without one a subscription runs for its
//! socket alone.
use std::sync::Mutex;

use tokio::sync::{oneshot, watch};

pub enum LivePart {
    /// The one execution whose items every sharing socket receives. Its field calls
    /// [`LivePart::listening`] once it listens, so no socket is counted before a change can
    /// reach it.
    Source { listening: watch::Sender<bool> },
    /// A socket's own execution: checked like any subscription (guards, budget, limits) and
    /// counted, but listening to nothing: its items come from the source.
    Follower(Follower),
    /// A socket that fell behind the shared items: one item telling it to refetch.
    Missed,
}

impl LivePart {
    /// For a source: it listens now.
    pub fn listening(&self) {
        if let Self::Source { listening } = self {
            listening.send_replace(true);
        }
    }
}

pub struct Follower {
    source: watch::Receiver<bool>,
    admitted: Mutex<Option<oneshot::Sender<()>>>,
}

impl Follower {
    /// A follower of the source whose `listening` this is, and what tells the transport it was
    /// admitted.
    pub fn new(source: watch::Receiver<bool>) -> (Self, oneshot::Receiver<()>) {
        let (tx, rx) = oneshot::channel();
        let follower = Self {
            source,
            admitted: Mutex::new(Some(tx)),
        };
        (follower, rx)
    }

    /// Waits until the source listens; false when it ended before.
    pub async fn source_listening(&self) -> bool {
        self.source.clone().wait_for(|l| *l).await.is_ok()
    }

    /// The checks passed and the subscription is counted: the transport may hand over the
    /// source's items.
    pub fn admitted(&self) {
        let tx = self
            .admitted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(tx) = tx {
            let _ = tx.send(());
        }
    }
}
