//! Types of the progress domain: statuses, counts, and what a write changed.
use crate::error::AppError;
use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TopicKey};

pub use entity::enums::ProgressStatus;
use sea_orm::ActiveEnum;

/// What a `myProgressChanged` notification reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProgressChangeKind {
    /// Topic statuses changed (`setTopicStatus`, `setTopicStatuses`).
    Status,
    /// A whole roadmap was reset to pending.
    Reset,
    /// A private note was set or cleared.
    Note,
    /// The roadmap was added to or removed from the favourites.
    Favorite,
    /// Progress on the roadmap was imported from a document.
    Import,
    /// A topic was reviewed (spaced repetition): its schedule changed.
    Review,
    /// Notifications were dropped because this client fell behind: refetch your progress.
    Resync,
}

/// The status a stored row names. Only this server writes the column, so a value it does not know
/// is a fault to report (internal, logged), never a status to guess.
pub(crate) fn stored_status(s: &str) -> Result<ProgressStatus, AppError> {
    ProgressStatus::try_from_value(&s.to_owned()).map_err(|_| {
        AppError::internal(format!(
            "a stored status `{s}` is not one this server knows"
        ))
    })
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

    /// `done / total × 100`; 0 for an empty roadmap.
    pub fn percent_done(&self) -> f64 {
        percent(self.done, self.total)
    }

    /// `(done + skipped) / total × 100`: skipped topics count as dealt with.
    pub fn percent_complete(&self) -> f64 {
        percent(self.done + self.skipped, self.total)
    }
}

/// `n / total × 100`; 0 when there is nothing to count.
pub fn percent(n: i64, total: i64) -> f64 {
    if total <= 0 {
        0.0
    } else {
        n as f64 * 100.0 / total as f64
    }
}

/// One status that changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatusChange {
    pub topic_id: TopicKey,
    pub from: ProgressStatus,
    pub to: ProgressStatus,
}

/// Why a change was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// What is stored was set by a change made later (by the devices' clocks) than this one.
    NewerChangeStored,
}

/// A change that was not applied (offline merge), and the stored change that won.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub topic_id: TopicKey,
    /// When the refused change was made: its `at`, or the server time when it had none.
    pub at: DateTime<Utc>,
    /// When the stored change was made: the time that won.
    pub stored_at: DateTime<Utc>,
    pub reason: SkipReason,
    /// The status stored (for a status change; `None` for a note).
    pub stored_status: Option<ProgressStatus>,
}

/// What a write did on one roadmap.
#[derive(Debug, Clone)]
pub struct WriteOutcome {
    pub roadmap_id: RoadmapId,
    pub changes: Vec<StatusChange>,
    /// Changes not applied because a newer one is stored, in the order wanted.
    pub skipped: Vec<Skipped>,
    pub counts: Counts,
    pub at: DateTime<Utc>,
    /// What the write changed on other roadmaps through linked topics (see `links`), by roadmap.
    pub linked: Vec<LinkedWrite>,
}

/// The statuses a write set on linked topics of one other roadmap, and the counts after.
#[derive(Debug, Clone)]
pub struct LinkedWrite {
    pub roadmap_id: RoadmapId,
    pub changes: Vec<StatusChange>,
    pub counts: Counts,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_status_this_server_does_not_know_is_an_error_not_a_guess() {
        assert_eq!(stored_status("DONE").ok(), Some(ProgressStatus::Done));
        let err = stored_status("FINISHED").expect_err("unknown value");
        assert_eq!(err.code(), crate::error::code::INTERNAL_SERVER_ERROR);
        assert!(err.to_string().contains("FINISHED"));
    }
}
