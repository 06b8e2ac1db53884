//! Cross-process fan-out on PostgreSQL: every notice published here is also sent with
//! `pg_notify('roadmap_progress', …)`, and every notice another process sent is re-published on
//! this process's bus, so subscribers see changes made through any server sharing the database.
//! Both directions use the raw pool (not the counted SeaORM connection), in order, one at a time.
use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::sqlx::PgPool;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

use super::bus::Notice;
use super::types::ProgressChangeKind;

pub const CHANNEL: &str = "roadmap_progress";
/// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
const MAX_PAYLOAD: usize = 7900;

#[derive(Serialize, Deserialize)]
struct Wire {
    /// The process that published it (its own notices come back and are skipped).
    origin: String,
    notice: Notice,
}

fn encode(origin: &str, notice: &Notice) -> Option<String> {
    let wire = Wire {
        origin: origin.to_owned(),
        notice: notice.clone(),
    };
    let text = serde_json::to_string(&wire).ok()?;
    if text.len() <= MAX_PAYLOAD {
        return Some(text);
    }
    // Too big (a large batch or note): tell the other processes' subscribers to refetch.
    let mut slim = wire;
    slim.notice.kind = ProgressChangeKind::Resync;
    slim.notice.changes.clear();
    slim.notice.note = None;
    serde_json::to_string(&slim).ok()
}

/// Sends this process's notices, in the order they were published.
pub async fn send_loop(
    pool: PgPool,
    origin: Arc<str>,
    mut rx: mpsc::UnboundedReceiver<Arc<Notice>>,
) {
    while let Some(notice) = rx.recv().await {
        let Some(payload) = encode(&origin, &notice) else {
            continue;
        };
        let sent = sea_orm::sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(&pool)
            .await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, "could not relay a progress change to other processes");
        }
    }
}

/// Re-publishes other processes' notices locally; reconnects when the connection drops.
pub async fn listen_loop(pool: PgPool, origin: Arc<str>, local: broadcast::Sender<Arc<Notice>>) {
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "progress relay cannot connect; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "progress relay cannot LISTEN; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        loop {
            match listener.recv().await {
                Ok(n) => match serde_json::from_str::<Wire>(n.payload()) {
                    Ok(wire) if *wire.origin != *origin => {
                        let _ = local.send(Arc::new(wire.notice));
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "unreadable progress relay payload"),
                },
                Err(e) => {
                    tracing::warn!(error = %e, "progress relay connection lost; reconnecting");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::types::{Counts, StatusChange};
    use crate::progress::ProgressStatus;

    fn notice(changes: usize) -> Notice {
        Notice {
            user_id: 7,
            kind: ProgressChangeKind::Status,
            roadmap_id: Some(3),
            changes: (0..changes)
                .map(|i| StatusChange {
                    topic_id: format!("topic-number-{i}"),
                    from: ProgressStatus::Pending,
                    to: ProgressStatus::Done,
                })
                .collect(),
            note: None,
            counts: Some(Counts::default()),
            at: chrono::Utc::now(),
        }
    }

    #[test]
    fn round_trips_and_shrinks_big_payloads() {
        let text = encode("me", &notice(2)).unwrap();
        let back: Wire = serde_json::from_str(&text).unwrap();
        assert_eq!(back.origin, "me");
        assert_eq!(back.notice.changes.len(), 2);
        assert_eq!(back.notice.kind, ProgressChangeKind::Status);
        let text = encode("me", &notice(500)).unwrap();
        assert!(text.len() <= MAX_PAYLOAD);
        let back: Wire = serde_json::from_str(&text).unwrap();
        assert_eq!(back.notice.kind, ProgressChangeKind::Resync);
        assert_eq!(back.notice.roadmap_id, Some(3));
    }
}
