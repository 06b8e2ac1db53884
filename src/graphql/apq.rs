//! Automatic persisted queries (the `extensions.persistedQuery` protocol, version 1): clients send
//! the SHA-256 of a document instead of the document, so public reads fit in a GET URL that CDNs
//! and browsers can cache. Documents live in a bounded in-memory LRU keyed by their hash.
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use lru::LruCache;
use sha2::{Digest, Sha256};

/// What `extensions.persistedQuery` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistedQuery {
    /// Lower-case hex SHA-256 of the document.
    pub sha256: String,
}

/// Reads `extensions.persistedQuery`; `Ok(None)` when there is none.
pub fn from_extensions(
    extensions: Option<&serde_json::Value>,
) -> Result<Option<PersistedQuery>, String> {
    let Some(pq) = extensions.and_then(|e| e.get("persistedQuery")) else {
        return Ok(None);
    };
    if pq.is_null() {
        return Ok(None);
    }
    let version = pq.get("version").and_then(|v| v.as_i64());
    if version != Some(1) {
        return Err("`extensions.persistedQuery.version` must be 1".into());
    }
    let hash = pq
        .get("sha256Hash")
        .and_then(|v| v.as_str())
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or("`extensions.persistedQuery.sha256Hash` must be a hex SHA-256")?;
    Ok(Some(PersistedQuery {
        sha256: hash.to_ascii_lowercase(),
    }))
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The bounded store of persisted documents.
pub struct ApqCache {
    entries: Option<Mutex<LruCache<String, Arc<str>>>>,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub registrations: AtomicU64,
}

impl ApqCache {
    /// `capacity` 0 turns automatic persisted queries off.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: NonZeroUsize::new(capacity).map(|c| Mutex::new(LruCache::new(c))),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            registrations: AtomicU64::new(0),
        }
    }

    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    pub fn get(&self, sha256: &str) -> Option<Arc<str>> {
        let found = self
            .entries
            .as_ref()
            .and_then(|m| m.lock().ok()?.get(sha256).cloned());
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Stores a document whose hash the caller has checked.
    pub fn put(&self, sha256: String, query: &str) {
        if let Some(Ok(mut m)) = self.entries.as_ref().map(|m| m.lock()) {
            if m.put(sha256, Arc::from(query)).is_none() {
                self.registrations.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries
            .as_ref()
            .and_then(|m| m.lock().ok().map(|m| m.len()))
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_extension() {
        assert_eq!(from_extensions(None), Ok(None));
        assert_eq!(from_extensions(Some(&json!({}))), Ok(None));
        let h = sha256_hex("{ __typename }");
        let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": h.to_uppercase() } });
        assert_eq!(
            from_extensions(Some(&ext)),
            Ok(Some(PersistedQuery { sha256: h.clone() }))
        );
        let ext = json!({ "persistedQuery": { "version": 2, "sha256Hash": h } });
        assert!(from_extensions(Some(&ext)).is_err());
        let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": "zz" } });
        assert!(from_extensions(Some(&ext)).is_err());
    }

    #[test]
    fn evicts_the_least_recently_used() {
        let c = ApqCache::new(2);
        c.put("a".into(), "A");
        c.put("b".into(), "B");
        assert!(c.get("a").is_some());
        c.put("c".into(), "C");
        assert!(c.get("b").is_none());
        assert_eq!(c.get("a").as_deref(), Some("A"));
        assert_eq!(c.len(), 2);
        assert!(!ApqCache::new(0).enabled());
    }
}
