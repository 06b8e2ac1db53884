//! Learner progress: statuses per topic, private notes, favourite roadmaps, history and streaks,
//! the export document, and the fan-out of changes to live subscribers (in process, and across
//! processes over PostgreSQL `NOTIFY`). Plain Rust over SeaORM: no GraphQL or HTTP types.
//!
//! Everything here works on one learner's own data, named by a `Learner` capability. Writes go
//! through [`Progress`] (the `service` module), which also announces them; the reads the request
//! loaders and `me.*` need are plain functions of `counts`, `notes` and `reads`.
pub mod bus;
pub mod counts;
pub mod export;
pub mod export_rows;
mod favorites;
mod history_writes;
pub mod hot;
mod import;
pub mod leaderboard;
pub mod links;
mod locks;
mod lookups;
pub mod merge;
pub mod next;
pub mod notes;
pub mod profile;
pub mod reads;
pub mod review;
mod review_reads;
pub mod service;
pub mod showcase;
pub mod stats;
mod status_writes;
pub mod streak;
pub mod types;
mod write_at_once;
mod write_plan;

pub use bus::ProgressBus;
pub use import::ImportOutcome;
pub use service::{FavoriteWrite, NoteWrite, Progress, RoadmapWrite, StatusInput, MAX_BATCH};
pub use types::{
    Counts, LinkedWrite, ProgressChangeKind, ProgressStatus, SkipReason, Skipped, StatusChange,
    WriteOutcome,
};

/// Rows per multi-row statement or `IN` list: well under SQLite's bound-parameter limit.
const CHUNK: usize = 500;
