//! Forward-only schema migrations. Never edit a landed migration: add a new one.
pub use sea_orm_migration::prelude::*;

mod m20261121_000001_create_catalog;
mod m20261121_000002_create_accounts;
mod m20261121_000003_create_progress;
mod m20261121_000050_admin_editing;
mod m20261121_000060_progress_event_titles;
mod m20261121_000070_content_version;
mod m20261121_000080_progress_read_indexes;
mod m20261121_000090_progress_previous_status;
mod m20261130_000010_offline_merge;
mod m20261130_000030_idempotency_keys;
mod m20261130_000040_user_budgets;
mod m20261130_000050_authoring;
mod m20261130_000070_progress_learners;
mod m20261130_000080_roadmap_shares;
mod m20261130_000090_teams;
mod m20261130_000100_profiles;
mod m20261206_000010_same_as_links;
mod m20261206_000020_email_ownership;
mod m20261206_000030_revision_bytes;
mod m20261206_000050_revoked_families;
mod m20261207_000010_reviews;
mod m20261207_000020_search_stamps;
mod m20261207_000300_topic_prerequisites;
mod m20261207_000400_own_done_index;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_catalog::Migration),
            Box::new(m20261121_000002_create_accounts::Migration),
            Box::new(m20261121_000003_create_progress::Migration),
            Box::new(m20261121_000050_admin_editing::Migration),
            Box::new(m20261121_000060_progress_event_titles::Migration),
            Box::new(m20261121_000070_content_version::Migration),
            Box::new(m20261121_000080_progress_read_indexes::Migration),
            Box::new(m20261121_000090_progress_previous_status::Migration),
            Box::new(m20261130_000010_offline_merge::Migration),
            Box::new(m20261130_000030_idempotency_keys::Migration),
            Box::new(m20261130_000040_user_budgets::Migration),
            Box::new(m20261130_000050_authoring::Migration),
            Box::new(m20261130_000070_progress_learners::Migration),
            Box::new(m20261130_000080_roadmap_shares::Migration),
            Box::new(m20261130_000090_teams::Migration),
            Box::new(m20261130_000100_profiles::Migration),
            Box::new(m20261206_000010_same_as_links::Migration),
            Box::new(m20261206_000020_email_ownership::Migration),
            Box::new(m20261206_000030_revision_bytes::Migration),
            Box::new(m20261206_000050_revoked_families::Migration),
            Box::new(m20261207_000010_reviews::Migration),
            Box::new(m20261207_000020_search_stamps::Migration),
            Box::new(m20261207_000300_topic_prerequisites::Migration),
            Box::new(m20261207_000400_own_done_index::Migration),
        ]
    }
}
