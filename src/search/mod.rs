//! Search over the catalogue (roadmaps, topics, resources) and over a learner's own notes. One
//! in-process engine for every database, so the same query gives the same hits in the same
//! order on SQLite and PostgreSQL. Plain Rust: no GraphQL or HTTP types.
//!
//! The index is refreshed from the database when the catalogue's content version has moved since
//! it was built (`db::content_version`: heard at once on PostgreSQL, read per request on SQLite),
//! before the request that noticed it is answered: an edit or a visibility change made through
//! any process is seen by the next search everywhere. A refresh re-reads only the roadmaps whose
//! `search_stamps` counter moved (triggers bump it on any write to a roadmap, its topics or their
//! resources). Requests that arrive during a refresh wait for it and share it.
mod catalogue;
mod matcher;
pub mod text;

use std::sync::{Arc, RwLock};

use entity::ids::UserId;
use entity::topic_notes;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

pub use catalogue::{Catalogue, Filter, Highlight, Hit, HitField, HitNode, Page, SearchKind};

use crate::db::content_version::ContentVersion;
use crate::error::AppError;

/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most words of a query that are searched (the rest would only narrow an already narrow search).
pub const MAX_QUERY_WORDS: usize = 10;

/// The search index of one process.
pub struct SearchIndex {
    db: DatabaseConnection,
    version: Arc<ContentVersion>,
    built: RwLock<Option<Arc<Catalogue>>>,
    /// One rebuild at a time.
    building: tokio::sync::Mutex<()>,
}

impl SearchIndex {
    pub fn new(db: DatabaseConnection, version: Arc<ContentVersion>) -> Self {
        Self {
            db,
            version,
            built: RwLock::new(None),
            building: tokio::sync::Mutex::new(()),
        }
    }

    fn latest(&self) -> Option<Arc<Catalogue>> {
        self.built.read().ok().and_then(|b| b.clone())
    }

    /// The index at the current content version, built first if the catalogue moved since the
    /// last build. `known`: the version the request already read (after it arrived), if any;
    /// else it is read now.
    pub async fn current(&self, known: Option<u64>) -> Result<Arc<Catalogue>, AppError> {
        let version = match known {
            Some(v) => v,
            None => self.version.current().await?,
        };
        if let Some(c) = self.latest().filter(|c| c.version == version) {
            return Ok(c);
        }
        let _turn = self.building.lock().await;
        // Built while we waited, at this version or a later one.
        if let Some(c) = self.latest().filter(|c| c.version >= version) {
            return Ok(c);
        }
        // The version was read before the rows: the index is never older than its version says.
        // Once built, only the roadmaps written since are read again.
        let built = Arc::new(match self.latest() {
            Some(old) => old.refresh(&self.db, version).await?,
            None => Catalogue::load(&self.db, version).await?,
        });
        tracing::debug!(
            version,
            documents = built.documents(),
            "refreshed the search index"
        );
        if let Ok(mut slot) = self.built.write() {
            if slot.as_ref().is_none_or(|c| c.version <= version) {
                *slot = Some(built.clone());
            }
        }
        Ok(built)
    }
}

/// The learner's own notes (one statement).
pub async fn notes_of(
    db: &DatabaseConnection,
    user: UserId,
) -> Result<Vec<topic_notes::Model>, AppError> {
    Ok(topic_notes::Entity::find()
        .filter(topic_notes::Column::UserId.eq(user.0))
        .all(db)
        .await?)
}

/// The words of a query that are searched, lower-cased.
pub fn query_words(query: &str) -> Vec<String> {
    text::tokens(query)
        .into_iter()
        .take(MAX_QUERY_WORDS)
        .map(|t| t.word)
        .collect()
}
