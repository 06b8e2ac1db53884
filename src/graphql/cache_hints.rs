//! Per-request notes from resolvers about whether and how long their answer may be cached; the
//! HTTP layer reads them after execution to decide what the response cache keeps.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

/// Per-request notes from resolvers about whether and how long their answer may be cached. Cloning
/// shares the notes (the handler keeps one handle, the request data the other).
#[derive(Clone, Default)]
pub struct CacheHints(Arc<HintsInner>);

#[derive(Default)]
struct HintsInner {
    no_store: AtomicBool,
    expires_at: Mutex<Option<DateTime<Utc>>>,
}

impl CacheHints {
    /// The answer depends on something the content version does not cover: never cache it.
    pub fn no_store(&self) {
        self.0.no_store.store(true, Ordering::Relaxed);
    }

    /// The answer stops being right at `at`.
    pub fn expires_at(&self, at: DateTime<Utc>) {
        if let Ok(mut e) = self.0.expires_at.lock() {
            if e.is_none_or(|cur| at < cur) {
                *e = Some(at);
            }
        }
    }

    pub fn cacheable(&self) -> bool {
        !self.0.no_store.load(Ordering::Relaxed)
    }

    pub fn expiry(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at.lock().ok().and_then(|e| *e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_keep_the_earliest_expiry() {
        let h = CacheHints::default();
        let now = Utc::now();
        h.expires_at(now + chrono::Duration::seconds(60));
        h.expires_at(now + chrono::Duration::seconds(10));
        h.expires_at(now + chrono::Duration::seconds(30));
        assert_eq!(h.expiry(), Some(now + chrono::Duration::seconds(10)));
        assert!(h.cacheable());
        h.no_store();
        assert!(!h.cacheable());
    }
}
