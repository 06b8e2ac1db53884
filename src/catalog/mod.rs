//! The catalogue: roadmaps, their ordered topic trees and resources. Reading (through a
//! `CatalogAccess`, so hidden roadmaps stay hidden), editing with revisions and optimistic
//! versions, and the two document formats (JSON and a markdown folder) used to seed, import and
//! export. Plain Rust over SeaORM: no GraphQL or HTTP types.
pub mod batch;
pub mod cache;
pub mod community;
pub mod document;
pub mod export;
pub mod forks;
pub mod import;
mod jsonpos;
pub mod limits;
pub mod links;
pub mod markdown;
pub mod ownership;
mod positions;
pub mod prerequisites;
mod prerequisites_doc;
pub mod ratings;
pub mod resource_editing;
pub mod revisions;
pub mod roadmap_editing;
mod roadmap_types;
pub mod roadmaps;
mod rows;
mod same_as_doc;
pub mod seed;
pub mod shares;
pub mod topic_editing;
mod topic_types;
pub mod topics;
pub mod tree;
pub mod upstream;

pub use roadmap_types::{ChangeFrequency, ImportMode, RoadmapKind, RoadmapStatus};
pub use topic_types::{LegendMark, ResourceKind, TopicKind};
pub use tree::RoadmapTree;

/// Topic keys are the stable ids used in documents and file names.
pub fn is_valid_topic_key(key: &str) -> bool {
    (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
