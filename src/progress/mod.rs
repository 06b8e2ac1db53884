//! Learner progress: statuses per topic, private notes, favourite roadmaps, history and streaks,
//! the export document, and the fan-out of changes to live subscribers (in process, and across
//! processes over PostgreSQL `NOTIFY`). Plain Rust over SeaORM: no GraphQL or HTTP types.
//!
//! Everything here works on one learner's own data, named by a `Learner` capability.
pub mod bus;
pub mod export;
mod relay;
pub mod service;
pub mod streak;
pub mod types;

pub use bus::ProgressBus;
pub use types::{ProgressChangeKind, ProgressStatus};
