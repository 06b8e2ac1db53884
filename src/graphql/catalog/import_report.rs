//! `ImportReport`: what an `importRoadmap` did, as a GraphQL object.
use std::sync::Arc;

use async_graphql::{Context, Object};
use entity::ids::TopicKey;

use super::roadmap::Roadmap;
use crate::catalog::roadmaps::{by_slug, ImportReport};
use crate::graphql::context::{catalog_access, db};
use crate::graphql::enums::ImportMode;
use crate::graphql::error::ApiResult;

pub struct ImportReportObject(pub ImportReport);

/// What an import did.
#[Object(name = "ImportReport")]
impl ImportReportObject {
    /// Slug of the imported roadmap.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The mode the import ran in.
    async fn mode(&self) -> ImportMode {
        self.0.mode.into()
    }
    /// True when the import created the roadmap (CREATE).
    async fn created(&self) -> bool {
        self.0.created
    }
    /// True when the roadmap's metadata, tags or related roadmaps changed (REPLACE).
    async fn roadmap_changed(&self) -> bool {
        self.0.roadmap_changed
    }
    /// Topics created, or brought back after an earlier removal (their progress comes back too).
    async fn topics_added(&self) -> u64 {
        self.0.topics_added
    }
    /// Topics whose title, description, kind, legend, resources or parent changed.
    async fn topics_changed(&self) -> u64 {
        self.0.topics_changed
    }
    /// Topics the document no longer has: soft-deleted, learners' progress on them kept.
    async fn topics_removed(&self) -> u64 {
        self.0.topics_removed
    }
    /// Topics that only moved among their siblings.
    async fn topics_reordered(&self) -> u64 {
        self.0.topics_reordered
    }
    /// Resources created.
    async fn resources_added(&self) -> u64 {
        self.0.resources_added
    }
    /// Resources deleted.
    async fn resources_removed(&self) -> u64 {
        self.0.resources_removed
    }
    /// Keys of the added topics, in document order.
    async fn added_topic_ids(&self) -> Vec<&str> {
        keys(&self.0.added_topic_ids)
    }
    /// Keys of the changed topics, in document order.
    async fn changed_topic_ids(&self) -> Vec<&str> {
        keys(&self.0.changed_topic_ids)
    }
    /// Keys of the removed topics.
    async fn removed_topic_ids(&self) -> Vec<&str> {
        keys(&self.0.removed_topic_ids)
    }
    /// Related roadmap slugs that name no roadmap here (kept out; set them again once they exist).
    async fn unresolved_related(&self) -> &[String] {
        &self.0.unresolved_related
    }
    /// Prerequisites left out, each as `topicKey: prerequisiteKey`: the key names no topic of
    /// the document and no live topic of another roadmap you can read (set them again with
    /// `setTopicPrerequisites` once they exist).
    async fn unresolved_prerequisites(&self) -> &[String] {
        &self.0.unresolved_prerequisites
    }
    /// The imported roadmap as it is now; null if you cannot see it.

    async fn roadmap(&self, ctx: &Context<'_>) -> ApiResult<Option<Roadmap>> {
        let model = by_slug(db(ctx), &self.0.slug).await?;
        let access = catalog_access(ctx);
        Ok(model
            .filter(|m| access.can_read(m))
            .map(|m| Roadmap(Arc::new(m))))
    }
}

/// Topic keys as the report's lists show them.
fn keys(list: &[TopicKey]) -> Vec<&str> {
    list.iter().map(TopicKey::as_str).collect()
}
