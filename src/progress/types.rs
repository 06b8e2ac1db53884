//! Types of the progress domain: statuses, counts, and what a write changed.
use chrono::{DateTime, Utc};

use crate::enums::string_enum;

string_enum!(
    /// A learner's status on a topic. `PENDING` is the absence of a status (no row is stored).
    ProgressStatus {
        Pending = "PENDING",
        Learning = "LEARNING",
        Done = "DONE",
        Skipped = "SKIPPED",
    }
);

string_enum!(
    /// What a `myProgressChanged` notification reports.
    ProgressChangeKind {
        /// Topic statuses changed (`setTopicStatus`, `setTopicStatuses`).
        Status = "STATUS",
        /// A whole roadmap was reset to pending.
        Reset = "RESET",
        /// A private note was set or cleared.
        Note = "NOTE",
        /// The roadmap was added to or removed from the favourites.
        Favorite = "FAVORITE",
        /// Progress on the roadmap was imported from a document.
        Import = "IMPORT",
        /// Notifications were dropped because this client fell behind: refetch your progress.
        Resync = "RESYNC",
    }
);

/// The status a stored row names; an unknown stored value counts as no status rather than
/// failing every read.
pub(crate) fn stored_status(s: &str) -> ProgressStatus {
    ProgressStatus::parse(s).unwrap_or(ProgressStatus::Pending)
}

/// A user's counts on one roadmap, over its live topics only.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub total: i64,
    pub done: i64,
    pub learning: i64,
    pub skipped: i64,
    pub favorite: bool,
    pub updated_at: Option<DateTime<Utc>>,
}

impl Counts {
    pub fn pending(&self) -> i64 {
        (self.total - self.done - self.learning - self.skipped).max(0)
    }
}

/// One status that changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatusChange {
    pub topic_id: String,
    pub from: ProgressStatus,
    pub to: ProgressStatus,
}

/// What a write did on one roadmap.
#[derive(Debug, Clone)]
pub struct WriteOutcome {
    pub roadmap_id: i32,
    pub changes: Vec<StatusChange>,
    pub counts: Counts,
    pub at: DateTime<Utc>,
}
