//! The viewer's review cards by roadmap, read once per request: a whole tree's `myReview` costs
//! one statement. Writes clear it (as the progress loaders).
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use entity::ids::{RoadmapId, TopicKey, UserId};
use entity::review_cards;
use sea_orm::DatabaseConnection;
use tokio::sync::OnceCell;

use crate::graphql::error::ApiResult;
use crate::progress::review;

type Cards = Arc<HashMap<TopicKey, review_cards::Model>>;
/// One load per (user id, roadmap id), shared by the request's concurrent callers.
type Cells = Mutex<HashMap<(UserId, RoadmapId), Arc<OnceCell<Cards>>>>;

/// Cards by (user id, roadmap id), each loaded at most once per request.
pub struct ReviewCards {
    db: DatabaseConnection,
    cells: Cells,
}

impl ReviewCards {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            cells: Mutex::default(),
        }
    }

    /// The user's cards on the roadmap's topics, by topic key.
    pub async fn on(&self, user_id: UserId, roadmap_id: RoadmapId) -> ApiResult<Cards> {
        let cell = {
            let mut map = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            map.entry((user_id, roadmap_id)).or_default().clone()
        };
        Ok(cell
            .get_or_try_init(|| async {
                review::cards_on(&self.db, user_id, roadmap_id)
                    .await
                    .map(Arc::new)
            })
            .await?
            .clone())
    }

    /// Forgets what was read (after a write).
    pub fn clear(&self) {
        self.cells.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
