//! `RoadmapRevision`: one entry of a roadmap's change history, as admins read it.
use async_graphql::{Object, ID};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use entity::roadmap_revisions;
use serde_json::Value;

use crate::graphql::ids::GlobalId;

/// One change to a roadmap, a topic or a resource.
pub struct Revision(pub roadmap_revisions::Model);

/// One change to a roadmap, a topic or a resource, shown to those who may edit the roadmap (via
/// `Roadmap.revisions`).
#[Object(name = "RoadmapRevision")]
impl Revision {
    /// Opaque id.
    async fn id(&self) -> ID {
        ID(URL_SAFE_NO_PAD.encode(format!("Revision:{}", self.0.id)))
    }
    /// The mutation that made the change, e.g. `updateTopic` or `importRoadmap`.
    async fn mutation(&self) -> &str {
        &self.0.mutation
    }
    /// `ROADMAP`, `TOPIC` or `RESOURCE`.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// The changed object's key: the topic key, or the roadmap or resource number.
    async fn entity_id(&self) -> &str {
        &self.0.entity_id
    }
    /// The global id of the user who made the change; null for the CLI and seeding.
    async fn actor_id(&self) -> Option<ID> {
        self.0.user_id.map(|id| GlobalId::User(id).encode())
    }
    /// Who made the change: their username at the time, or `cli` / `seed`.
    async fn actor_name(&self) -> &str {
        &self.0.actor
    }
    /// What changed: `{"before": {…}, "after": {…}}` of the fields that differ (creations have
    /// only `after`, deletions only `before`; imports list what they added, changed and removed).
    async fn diff(&self) -> async_graphql::Json<Value> {
        async_graphql::Json(self.0.diff.clone())
    }
    /// When the change was committed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
