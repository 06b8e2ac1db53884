//! The response cache: serialised answers to anonymous queries, keyed by query, variables and
//! operation name, bounded in bytes (moka, weighted by entry size, least recently used first).
//! Signed-in requests never use it. Each entry carries the content version read before its data was
//! loaded and is served only while that version is current and its `CacheHints` expiry is ahead.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use axum::body::Bytes;
use chrono::{DateTime, Utc};
use moka::ops::compute::Op;
use moka::policy::EvictionPolicy;
use moka::sync::Cache;

#[derive(Clone)]
pub struct CachedResponse {
    pub version: u64,
    pub body: Bytes,
    /// A strong validator of `body`, sent as `ETag`.
    pub etag: Arc<str>,
    /// Time-dependent data in the answer (a sponsorship ending) stops it being served then.
    pub expires_at: Option<DateTime<Utc>>,
    /// The operation's name, for the metrics of a cached answer.
    pub operation_name: Option<String>,
}

/// Serialised answers to anonymous queries.
pub struct ResponseCache {
    max_bytes: usize,
    entries: Option<Cache<String, CachedResponse>>,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

/// Moka drops an entry when the answer's `expires_at` comes.
struct UntilExpiry;

impl UntilExpiry {
    fn ttl(value: &CachedResponse) -> Option<Duration> {
        value
            .expires_at
            .map(|at| (at - Utc::now()).to_std().unwrap_or(Duration::ZERO))
    }
}

impl moka::Expiry<String, CachedResponse> for UntilExpiry {
    fn expire_after_create(
        &self,
        _key: &String,
        value: &CachedResponse,
        _created_at: Instant,
    ) -> Option<Duration> {
        Self::ttl(value)
    }

    fn expire_after_update(
        &self,
        _key: &String,
        value: &CachedResponse,
        _updated_at: Instant,
        _duration_until_expiry: Option<Duration>,
    ) -> Option<Duration> {
        Self::ttl(value)
    }
}

fn entry_size(key: &str, e: &CachedResponse) -> usize {
    key.len() + e.body.len() + e.etag.len() + 64
}

impl ResponseCache {
    /// `max_bytes` 0 turns the cache off.
    pub fn new(max_bytes: usize) -> Self {
        let entries = (max_bytes > 0).then(|| {
            Cache::builder()
                .max_capacity(max_bytes as u64)
                .weigher(|k: &String, v: &CachedResponse| {
                    u32::try_from(entry_size(k, v)).unwrap_or(u32::MAX)
                })
                .eviction_policy(EvictionPolicy::lru())
                .expire_after(UntilExpiry)
                .build()
        });
        Self {
            max_bytes,
            entries,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// The key of a request: everything its answer depends on besides the data and the viewer.
    pub fn key(query: &str, variables: &str, operation_name: Option<&str>) -> String {
        let op = operation_name.unwrap_or("");
        let mut k = String::with_capacity(query.len() + variables.len() + op.len() + 2);
        k.push_str(op);
        k.push('\0');
        k.push_str(variables);
        k.push('\0');
        k.push_str(query);
        k
    }

    pub fn get(&self, key: &str, version: u64) -> Option<CachedResponse> {
        let entries = self.entries.as_ref()?;
        let found = entries.get(key).and_then(|hit| {
            if hit.version == version && hit.expires_at.is_none_or(|at| at > Utc::now()) {
                Some(hit)
            } else {
                // Another version (or past its time): it will never be served again.
                entries.invalidate(key);
                None
            }
        });
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    pub fn put(&self, key: String, entry: CachedResponse) {
        let Some(entries) = &self.entries else {
            return;
        };
        if entry_size(&key, &entry) > self.max_bytes / 4 {
            return;
        }
        // Never replace a newer entry with an older one (a slow request finishing late).
        entries.entry(key).and_compute_with(|old| match old {
            Some(old) if old.value().version > entry.version => Op::Nop,
            _ => Op::Put(entry),
        });
    }

    /// Bytes held (keys and bodies).
    pub fn bytes(&self) -> usize {
        self.entries.as_ref().map_or(0, |c| {
            c.run_pending_tasks();
            usize::try_from(c.weighted_size()).unwrap_or(usize::MAX)
        })
    }
}

/// A strong ETag for a body: 128 bits of SHA-256, hex.
pub fn etag_of(body: &[u8]) -> Arc<str> {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body);
    Arc::from(format!("\"{}\"", hex::encode(&digest[..16])))
}

/// Root fields whose answers depend only on the catalogue (plus the clock, see `CacheHints`) when
/// asked anonymously. Anything else (`node`, which can be a user; `me`; future roots) is not cached.
/// `communityRoadmaps` ordered by MOST_LEARNERS reads progress, which the content version does not
/// cover: it marks its answer `no_store`.
const CACHEABLE_ROOTS: [&str; 7] = [
    "roadmap",
    "roadmaps",
    "communityRoadmaps",
    "topic",
    "__typename",
    "__schema",
    "__type",
];

/// Whether the operation that will run is a query made only of [`CACHEABLE_ROOTS`].
pub fn cacheable_operation(doc: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    let op = match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => match ops.get(name) {
            Some(op) => op,
            None => return false,
        },
        // One named operation is `Multiple` too; it runs without an `operationName`.
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => match ops.values().next() {
            Some(op) => op,
            None => return false,
        },
        _ => return false,
    };
    op.node.ty == OperationType::Query && roots_cacheable(doc, &op.node.selection_set.node, 0)
}

fn roots_cacheable(doc: &ExecutableDocument, set: &SelectionSet, depth: usize) -> bool {
    // Fragments spread at the root may nest; a cycle is a validation error, but stay bounded.
    depth < 16
        && set.items.iter().all(|s| match &s.node {
            Selection::Field(f) => CACHEABLE_ROOTS.contains(&f.node.name.node.as_str()),
            Selection::InlineFragment(f) => {
                roots_cacheable(doc, &f.node.selection_set.node, depth + 1)
            }
            Selection::FragmentSpread(f) => doc
                .fragments
                .get(&f.node.fragment_name.node)
                .is_some_and(|frag| roots_cacheable(doc, &frag.node.selection_set.node, depth + 1)),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(version: u64, body: &'static str) -> CachedResponse {
        CachedResponse {
            version,
            body: Bytes::from_static(body.as_bytes()),
            etag: etag_of(body.as_bytes()),
            expires_at: None,
            operation_name: None,
        }
    }

    #[test]
    fn serves_only_the_current_version() {
        let c = ResponseCache::new(1 << 20);
        let k = ResponseCache::key("{ a }", "{}", None);
        c.put(k.clone(), entry(3, "x"));
        assert!(c.get(&k, 3).is_some());
        assert!(c.get(&k, 4).is_none());
        // A mismatch drops the entry.
        assert!(c.get(&k, 3).is_none());
        assert_eq!(c.bytes(), 0);
    }

    #[test]
    fn keeps_within_its_budget() {
        let c = ResponseCache::new(1000);
        for i in 0..100 {
            c.put(
                ResponseCache::key(&format!("{{ a{i} }}"), "{}", None),
                entry(1, "0123456789"),
            );
            assert!(c.bytes() <= 1000);
        }
        // The most recent entry is still there.
        assert!(c
            .get(&ResponseCache::key("{ a99 }", "{}", None), 1)
            .is_some());
    }

    #[test]
    fn expired_entries_are_not_served() {
        let c = ResponseCache::new(1 << 20);
        let k = ResponseCache::key("{ a }", "{}", None);
        let mut e = entry(1, "x");
        e.expires_at = Some(Utc::now() - chrono::Duration::seconds(1));
        c.put(k.clone(), e);
        assert!(c.get(&k, 1).is_none());
    }

    #[test]
    fn only_catalogue_queries_are_cacheable() {
        let ok = |q: &str, name: Option<&str>| {
            let doc = async_graphql::parser::parse_query(q).unwrap();
            cacheable_operation(&doc, name)
        };
        assert!(ok("{ roadmap(slug: \"a\") { title } }", None));
        assert!(ok(
            "query Page { roadmap(slug: \"a\") { ...F } } fragment F on Roadmap { title }",
            None
        ));
        assert!(ok(
            "query A { roadmaps { totalCount } } query B { me { id } }",
            Some("A")
        ));
        assert!(!ok(
            "query A { roadmaps { totalCount } } query B { me { id } }",
            Some("B")
        ));
        assert!(!ok(
            "query A { roadmaps { totalCount } } query B { me { id } }",
            None
        ));
        assert!(ok("{ communityRoadmaps { totalCount } }", None));
        assert!(!ok("{ me { id } }", None));
        assert!(!ok("{ node(id: \"x\") { id } }", None));
        assert!(!ok("{ ...F } fragment F on Query { me { id } }", None));
        assert!(!ok("mutation { signOut(refreshToken: \"x\") }", None));
    }
}
