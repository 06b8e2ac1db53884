//! The GraphQL layer: schema assembly, per-request context and loaders, ids, pagination, limits,
//! and the GraphQL objects of every domain (fields that cross domains, such as `Topic.myStatus` or
//! `User.progress`, live here). Resolvers decode ids and inputs, take capabilities from the viewer
//! and call the domain services.
pub mod accounts;
pub mod budget;
pub mod cache_hints;
pub mod catalog;
pub mod context;
pub mod device_time;
pub mod email;
pub mod enums;
pub mod error;
pub mod field_names;
pub mod guards;
pub mod ids;
pub mod limits;
pub mod live_part;
pub mod loaders;
pub mod node;
pub mod pagination;
pub mod profiles;
pub mod progress;
pub mod search;
pub mod teams;
pub mod token_mutations;

use std::sync::atomic::AtomicI64;
use std::sync::Arc;

use async_graphql::{MergedObject, MergedSubscription, Schema};
use sea_orm::DatabaseConnection;

use crate::accounts::budget::BudgetPolicy;
use crate::accounts::Auth;
use crate::progress::ProgressBus;
use accounts::{AccountMutation, AccountQuery};
use catalog::community::CommunityQuery;
use catalog::forks::ForkMutation;
use catalog::links::LinkMutation;
use catalog::prerequisites::PrerequisiteMutation;
use catalog::rating::RatingMutation;
use catalog::roadmap::RoadmapQuery;
use catalog::roadmap_admin::RoadmapMutation;
use catalog::topic::TopicQuery;
use catalog::topic_admin::TopicMutation;
use progress::{ProgressMutation, ProgressQuery, ProgressSubscription, ReviewMutation};

/// Reads: the catalogue (anyone; drafts for admins), your account and progress (signed in), and
/// exports (admins).
#[derive(MergedObject, Default)]
pub struct Query(
    RoadmapQuery,
    CommunityQuery,
    TopicQuery,
    AccountQuery,
    node::NodeQuery,
    ProgressQuery,
    profiles::ProfileQuery,
    budget::RateLimitQuery,
    teams::TeamQuery,
    search::SearchQuery,
);

/// Writes: accounts and sessions, your progress (signed in), and roadmaps: every signed-in user
/// authors their own; a roadmap's owner, its team's owners and managers, and admins edit it.
/// Errors carry `extensions.code` (`UNAUTHENTICATED`, `FORBIDDEN`, `NOT_FOUND`, `BAD_USER_INPUT`,
/// `CONFLICT`, `RATE_LIMITED`) and, for the input at fault, `extensions.field`.
#[derive(MergedObject, Default)]
pub struct Mutation(
    AccountMutation,
    email::EmailMutation,
    RoadmapMutation,
    ForkMutation,
    RatingMutation,
    TopicMutation,
    LinkMutation,
    PrerequisiteMutation,
    ProgressMutation,
    ReviewMutation,
    teams::TeamMutation,
    teams::InviteMutation,
    teams::TeamRoadmapMutation,
);

/// Live notifications over WebSocket (`graphql-transport-ws` on `/graphql`); signed in only.
#[derive(MergedSubscription, Default)]

pub struct Subscription(ProgressSubscription);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// What resolvers need from the process (per-request data is added by the HTTP handler).
pub struct SchemaData {
    pub db: DatabaseConnection,
    pub auth: Arc<Auth>,
    /// The `roadmap_active_subscriptions` gauge, moved by the subscriptions themselves.
    pub active_subscriptions: Arc<AtomicI64>,
    /// Per-user request budgets, charged by an extension after validation.
    pub budget: BudgetPolicy,
    /// What one learner may author.
    pub authoring: AuthoringLimits,
    /// Outgoing mail (written to the log without `SMTP_URL`).
    pub mailer: Arc<crate::mail::Mailer>,
    /// Learners' hot statuses and counts, kept current by the progress bus.
    pub learners: Arc<crate::progress::hot::LearnerCache>,
    /// The search index of the process.
    pub search: Arc<crate::search::SearchIndex>,
}

/// What one learner may author (`MAX_ROADMAPS_PER_USER`).
#[derive(Debug, Clone, Copy)]
pub struct AuthoringLimits {
    pub max_roadmaps_per_user: u64,
}

/// Schema-level protections (the rest of the limits are checked by the HTTP handler).
#[derive(Debug, Clone)]
pub struct SchemaOptions {
    pub introspection: bool,
    /// "Did you mean …" in validation errors (development only: it reveals the schema).
    pub suggestions: bool,
    pub max_complexity: usize,
    pub max_recursion: usize,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        let limits = limits::Limits::default();
        Self {
            introspection: true,
            suggestions: false,
            max_complexity: limits.max_complexity,
            max_recursion: limits.max_recursion,
        }
    }
}

/// Builds the schema. The data is optional so `roadmap-api schema` can print the SDL without a
/// database.
pub fn build_schema(data: Option<SchemaData>) -> AppSchema {
    build_schema_with(data, &SchemaOptions::default())
}

pub fn build_schema_with(data: Option<SchemaData>, opts: &SchemaOptions) -> AppSchema {
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    );
    if let Some(data) = data {
        let bus = ProgressBus::for_database(&data.db, data.active_subscriptions, data.learners);
        builder = builder.extension(budget::BudgetCharge::new(data.db.clone(), data.budget));
        builder = builder
            .data(data.db)
            .data(data.auth)
            .data(bus)
            .data(data.authoring)
            .data(data.search)
            .data(data.mailer);
    }
    builder = builder
        .limit_complexity(opts.max_complexity)
        .limit_recursive_depth(opts.max_recursion);
    if !opts.introspection {
        builder = builder.disable_introspection();
    }
    if !opts.suggestions {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

/// The SDL committed as `schema.graphql`.
pub fn sdl() -> String {
    build_schema(None).sdl()
}

#[cfg(test)]
mod tests {
    use async_graphql::registry::{MetaType, Registry};
    use async_graphql::OutputType;

    use super::*;

    /// A connection returns up to 100 items per page: its cost must say so, or the complexity
    /// limit undercounts it 100 times (`#[graphql(complexity = "limits::page_cost(first, last,
    /// child_complexity)")]`).
    #[test]
    fn every_connection_field_declares_its_cost() {
        let mut registry = Registry::default();
        <Query as OutputType>::create_type_info(&mut registry);
        <Mutation as OutputType>::create_type_info(&mut registry);
        let mut connections = 0;
        for (type_name, ty) in &registry.types {
            if let MetaType::Object { fields, .. } = ty {
                for (name, field) in fields {
                    if field.ty.trim_end_matches('!').ends_with("Connection") {
                        connections += 1;
                        assert!(
                            field.compute_complexity.is_some(),
                            "{type_name}.{name} returns a connection without a complexity"
                        );
                    }
                }
            }
        }
        assert!(connections >= 1);
    }
}
