//! Automatic persisted queries (the `extensions.persistedQuery` protocol, version 1): clients send
//! the SHA-256 of a document instead of the document, so public reads fit in a GET URL that CDNs
//! and browsers can cache. Documents live in a bounded in-memory LRU (moka) keyed by their hash.
//! The pipeline step (`admit::resolve`, shared by every transport) turns `query` + `extensions`
//! into the document to run.
//! Not async-graphql's APQ extension: it answers a miss without `extensions.code` and runs after
//! our limits would have to, while this step resolves the document before any limit is checked.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use moka::policy::EvictionPolicy;
use moka::sync::Cache;
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
    entries: Option<Cache<String, Arc<str>>>,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub registrations: AtomicU64,
}

impl ApqCache {
    /// `capacity` 0 turns automatic persisted queries off.
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: (capacity > 0).then(|| {
                Cache::builder()
                    .max_capacity(capacity as u64)
                    .eviction_policy(EvictionPolicy::lru())
                    .build()
            }),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            registrations: AtomicU64::new(0),
        }
    }

    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    pub fn get(&self, sha256: &str) -> Option<Arc<str>> {
        let found = self.entries.as_ref().and_then(|m| m.get(sha256));
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
        if let Some(m) = &self.entries {
            if m.entry(sha256)
                .or_insert_with(|| Arc::from(query))
                .is_fresh()
            {
                self.registrations.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.as_ref().map_or(0, |m| {
            m.run_pending_tasks();
            usize::try_from(m.entry_count()).unwrap_or(usize::MAX)
        })
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
        // Moka applies reads and writes in batches: settle each step.
        let settle = || c.entries.as_ref().unwrap().run_pending_tasks();
        settle();
        assert!(c.get("a").is_some());
        settle();
        c.put("c".into(), "C");
        settle();
        assert!(c.get("b").is_none());
        assert_eq!(c.get("a").as_deref(), Some("A"));
        assert_eq!(c.len(), 2);
        assert!(!ApqCache::new(0).enabled());
    }
}
