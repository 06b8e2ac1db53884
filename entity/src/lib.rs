//! SeaORM entities, one file per table. No logic lives here.
pub mod app_meta;
pub mod enums;
pub mod favorite_roadmaps;
pub mod progress;
pub mod progress_events;
pub mod refresh_tokens;
pub mod resources;
pub mod roadmap_ratings;
pub mod roadmap_relations;
pub mod roadmap_revisions;
pub mod roadmap_shares;
pub mod roadmap_tags;
pub mod roadmaps;
pub mod topic_links;
pub mod topic_notes;
pub mod topics;
pub mod users;
