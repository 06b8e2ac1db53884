//! `Topic` (a node of a roadmap's ordered tree, resolved in memory), `Resource`, and the `topic`
//! query.

use std::sync::Arc;

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use entity::ids::{ResourceId, RoadmapId, TopicKey};
use entity::{resources, topics};

use super::roadmap::{self as roadmaps, Roadmap};
use super::topic_list::TopicList;
use crate::catalog::batch::ResourceMap;
use crate::catalog::topics as topic_reads;
use crate::catalog::RoadmapTree;
use crate::error::AppError;
use crate::graphql::context::{db, loaders};
use crate::graphql::enums::{LegendMark, ProgressStatus, ResourceKind, TopicKind};
use crate::graphql::error::ApiResult;
use crate::graphql::ids::GlobalId;

/// A topic, resolved inside its roadmap's in-memory tree.
#[derive(Clone)]
pub struct Topic {
    tree: Arc<RoadmapTree>,
    idx: usize,
}

impl Topic {
    fn model(&self) -> &topics::Model {
        &self.tree.topics[self.idx]
    }

    fn at(&self, idx: usize) -> Topic {
        Topic {
            tree: self.tree.clone(),
            idx,
        }
    }
}

/// Topics of a loaded tree, as GraphQL objects.
pub trait TreeTopics {
    fn topic(&self, idx: usize) -> Topic;
}

impl TreeTopics for Arc<RoadmapTree> {
    fn topic(&self, idx: usize) -> Topic {
        Topic {
            tree: self.clone(),
            idx,
        }
    }
}

/// The tree of a roadmap, through the request's loader (one query per request and roadmap);
/// empty when the roadmap was hidden from the viewer by the time its topics were read
/// ([`roadmaps::gate_admits`]).
pub async fn tree_of(ctx: &Context<'_>, roadmap_id: RoadmapId) -> ApiResult<Arc<RoadmapTree>> {
    let tree = loaders(ctx)
        .tree_of(roadmap_id)
        .await?
        .ok_or_else(|| AppError::internal("tree loader returned nothing"))?;
    if roadmaps::gate_admits(ctx, roadmap_id, tree.gate.as_ref()).await? {
        Ok(tree)
    } else {
        Ok(Arc::new(RoadmapTree::new(roadmap_id, Vec::new())))
    }
}

/// A roadmap's resources by topic, through the request's loader; none when the roadmap was
/// hidden from the viewer by the time they were read (as [`tree_of`]).
pub async fn resources_of<T: Sync>(
    ctx: &async_graphql::context::ContextBase<'_, T>,
    roadmap_id: RoadmapId,
) -> ApiResult<Arc<ResourceMap>> {
    let map = ctx
        .data_unchecked::<crate::graphql::loaders::Loaders>()
        .resources_of(roadmap_id)
        .await?
        .unwrap_or_default();
    if roadmaps::gate_admits(ctx, roadmap_id, map.gate.as_ref()).await? {
        Ok(map)
    } else {
        Ok(Arc::default())
    }
}

/// A live topic whose roadmap the viewer may see, or `None`.
pub async fn visible_topic(ctx: &Context<'_>, id: &TopicKey) -> ApiResult<Option<Topic>> {
    let Some(row) = topic_reads::live_by_key(db(ctx), id).await? else {
        return Ok(None);
    };
    if roadmaps::visible_by_id(ctx, row.roadmap_id)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let tree = tree_of(ctx, row.roadmap_id).await?;
    Ok(tree.index_of(id).map(|idx| tree.topic(idx)))
}

pub async fn visible_resource(ctx: &Context<'_>, id: ResourceId) -> ApiResult<Option<Resource>> {
    let Some(row) = topic_reads::resource_by_id(db(ctx), id).await? else {
        return Ok(None);
    };
    Ok(visible_topic(ctx, &row.topic_id)
        .await?
        .map(|_| Resource(Arc::new(row))))
}

/// A node of a roadmap's ordered topic tree; learners set a status and a note on it.
#[Object]
impl Topic {
    /// Opaque global id (use it with `topic(id:)`, `node(id:)` and progress mutations).
    pub async fn id(&self) -> ID {
        GlobalId::Topic(self.model().id.clone()).encode()
    }
    /// The stable key of this topic in import/export documents; it never changes on edits.
    async fn key(&self) -> &str {
        self.model().id.as_str()
    }
    /// `TOPIC` or `SUBTOPIC`.
    async fn kind(&self) -> TopicKind {
        self.model().kind.into()
    }
    /// The title, plain text.
    async fn title(&self) -> &str {
        &self.model().title
    }
    /// Markdown.
    async fn description(&self) -> &str {
        &self.model().description
    }
    /// Position among its siblings, from 0.
    async fn position(&self) -> i32 {
        self.model().position
    }
    /// The legend mark shown next to the topic, if any.
    async fn legend(&self) -> Option<LegendMark> {
        self.model().legend.map(Into::into)
    }
    /// 0 for a root topic, 1 for its children, and so on.
    async fn depth(&self) -> usize {
        self.tree.depth_of(self.idx)
    }
    /// The topic this one sits under; null for a root topic.
    async fn parent(&self) -> Option<Topic> {
        self.tree.parent_of(self.idx).map(|i| self.at(i))
    }
    /// The topic of the source roadmap this one was copied from by a fork; null when it is not
    /// a copy, or the source topic is gone or not readable to you.
    async fn forked_from(&self, ctx: &Context<'_>) -> ApiResult<Option<Topic>> {
        super::forks::topic_forked_from(
            ctx,
            self.tree.roadmap_id,
            self.model().forked_from_id.as_ref(),
        )
        .await
    }
    /// Child topics, in order.
    async fn children(&self) -> TopicList {
        TopicList {
            tree: self.tree.clone(),
            items: self.tree.children_of(self.idx).to_vec(),
            roots: false,
        }
    }
    /// Breadcrumb: the topics from the root down to this one (inclusive).
    async fn path(&self) -> Vec<Topic> {
        self.tree
            .path_to(self.idx)
            .into_iter()
            .map(|i| self.at(i))
            .collect()
    }
    /// Learning resources, in order.
    async fn resources(&self, ctx: &Context<'_>) -> ApiResult<Vec<Resource>> {
        let map = resources_of(ctx, self.tree.roadmap_id).await?;
        Ok(map
            .get(&self.model().id)
            .map(|rs| rs.iter().cloned().map(Resource).collect())
            .unwrap_or_default())
    }
    /// The roadmap the topic belongs to. Fails with `NOT_FOUND` if you can no longer see it.
    async fn roadmap(&self, ctx: &Context<'_>) -> ApiResult<Roadmap> {
        roadmaps::visible_by_id(ctx, self.tree.roadmap_id)
            .await?
            .ok_or_else(|| {
                AppError::NotFound("The roadmap of this topic is not available".into()).into()
            })
    }
    /// Incremented on every edit of the topic (`updateTopic`, `moveTopic`, imports); pass it back
    /// as `expectedVersion` to detect concurrent edits.
    async fn version(&self) -> i32 {
        self.model().version
    }
    /// When the topic was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model().created_at
    }
    /// When the topic last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model().updated_at
    }
    /// The topic this one is the same as (set by this roadmap's editors with `setTopicSameAs`);
    /// null when none, or when you may not see it.
    async fn same_as(&self, ctx: &Context<'_>) -> ApiResult<Option<Topic>> {
        super::links::same_as(ctx, self.tree.roadmap_id, &self.model().id).await
    }
    /// The other topics of its group (the topic it is the same as, and the topics that are the
    /// same as that one or as this one), those you may see, by roadmap. Your status on any of
    /// them is your status on this one.
    async fn linked_topics(&self, ctx: &Context<'_>) -> ApiResult<Vec<Topic>> {
        super::links::linked_topics(ctx, self.tree.roadmap_id, &self.model().id).await
    }
    /// The topics best learned before this one (set by its roadmap's editors with
    /// `setTopicPrerequisites`; at most 20), those you may read: this roadmap's first, then
    /// other roadmaps', each in roadmap order.
    async fn prerequisites(&self, ctx: &Context<'_>) -> ApiResult<Vec<Topic>> {
        super::prerequisites::prerequisites_of(ctx, self.tree.roadmap_id, &self.model().id).await
    }
    /// The topics that name this one as a prerequisite, those you may read, in the order of
    /// `prerequisites`.
    async fn unlocks(&self, ctx: &Context<'_>) -> ApiResult<Vec<Topic>> {
        super::prerequisites::unlocks_of(ctx, self.tree.roadmap_id, &self.model().id).await
    }
    /// Your status on this topic (`PENDING` when you have none); null when signed out.
    async fn my_status(&self, ctx: &Context<'_>) -> ApiResult<Option<ProgressStatus>> {
        crate::graphql::progress::topic_status(ctx, self.tree.roadmap_id, &self.model().id).await
    }
    /// Your private markdown note on this topic; null when signed out or when there is none.
    async fn my_note(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        crate::graphql::progress::topic_note(ctx, self.tree.roadmap_id, &self.model().id).await
    }
    /// Your review schedule of this topic (`reviewTopic`); null when signed out or never
    /// reviewed. It stays when the topic goes back from DONE, but the topic then leaves
    /// `me.reviewQueue` until it is DONE again.
    async fn my_review(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<crate::graphql::progress::ReviewCard>> {
        crate::graphql::progress::topic_review(ctx, self.tree.roadmap_id, &self.model().id).await
    }
}

/// A link to learn a topic from.
#[derive(Clone)]
pub struct Resource(pub Arc<resources::Model>);

/// A link to learn a topic from.
#[Object]
impl Resource {
    /// Opaque global id (use it with `updateResource`, `removeResource` and `node(id:)`).
    pub async fn id(&self) -> ID {
        GlobalId::Resource(self.0.id).encode()
    }
    /// What kind of resource the link is.
    async fn kind(&self) -> ResourceKind {
        self.0.kind.into()
    }
    /// The link text.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The absolute URL.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// Position among the topic's resources, from 0.
    async fn position(&self) -> i32 {
        self.0.position
    }
}

#[derive(Default)]
pub struct TopicQuery;

#[Object]
impl TopicQuery {
    /// One topic by its global id; null when it does not exist or is not visible.
    async fn topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic's global id (`Topic.id`).")] id: ID,
    ) -> ApiResult<Option<Topic>> {
        let key = GlobalId::topic(&id, "id")?;
        visible_topic(ctx, &key).await
    }
}
