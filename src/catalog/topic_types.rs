//! Enums of the topic domain: the entity crate's active enums, stored in text columns.
pub use entity::enums::{LegendMark, ResourceKind, TopicKind};
