//! Enums of the roadmap domain. Those stored in columns are the entity crate's active enums.
pub use entity::enums::{ChangeFrequency, RoadmapKind, RoadmapStatus};

/// How an import treats a document whose slug already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportMode {
    /// Create a new roadmap; refused when the slug is taken.
    Create,
    /// Make an existing roadmap equal to the document, keeping the topic ids that remain (so
    /// learners' progress on them survives) and soft-deleting the topics it no longer has.
    Replace,
}
