//! Enums of the progress domain.
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
