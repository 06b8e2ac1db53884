//! Forks in GraphQL: `forkRoadmap`, and what `Roadmap.forkedFrom`, `Roadmap.upstreamChanges` and
//! `Topic.forkedFrom` resolve to. The copy is the catalogue's (`catalog::forks`); linking each
//! copied topic with its source, so the learner's progress carries over, is the progress
//! domain's; both run in one transaction here.
use std::sync::Arc;

use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TopicKey};
use sea_orm::{EntityTrait, TransactionTrait};

use super::roadmap::{self as roadmaps, Roadmap};
use super::roadmap_admin::actor;
use super::topic::{tree_of, Topic, TreeTopics};
use crate::auth::RoadmapGate;
use crate::catalog::{forks, roadmaps as service, upstream};
use crate::error::AppError;
use crate::graphql::context::{db, loaders};
use crate::graphql::error::ApiResult;
use crate::graphql::guards::SignedIn;
use crate::graphql::ids::GlobalId;

/// How a topic of the source changed since the fork.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamChangeKind {
    /// The source gained this topic after the fork; the fork has no copy of it.
    Added,
    /// The fork has a copy of this topic, and the source's topic changed (content, place or
    /// resources).
    Changed,
    /// The fork has a copy of this topic, and the source no longer has it.
    Removed,
}

impl From<upstream::ChangeKind> for UpstreamChangeKind {
    fn from(k: upstream::ChangeKind) -> Self {
        match k {
            upstream::ChangeKind::Added => Self::Added,
            upstream::ChangeKind::Changed => Self::Changed,
            upstream::ChangeKind::Removed => Self::Removed,
        }
    }
}

/// A topic of the source roadmap that changed since the fork was made.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct UpstreamChange {
    /// Added, changed or removed.
    pub kind: UpstreamChangeKind,
    /// Global id of the source's topic.
    pub topic_id: ID,
    /// The source topic's title (its last one, when removed).
    pub title: String,
    /// When it last changed upstream.
    pub at: DateTime<Utc>,
    #[graphql(skip)]
    source_roadmap_id: RoadmapId,
    #[graphql(skip)]
    key: TopicKey,
}

#[async_graphql::ComplexObject]
impl UpstreamChange {
    /// The source's topic as it is now; null when removed.
    async fn topic(&self, ctx: &Context<'_>) -> ApiResult<Option<Topic>> {
        if self.kind == UpstreamChangeKind::Removed {
            return Ok(None);
        }
        topic_of(ctx, self.source_roadmap_id, &self.key).await
    }
}

/// A live topic of a roadmap the viewer can read, through the request's loaders.
async fn topic_of(
    ctx: &Context<'_>,
    roadmap_id: RoadmapId,
    key: &TopicKey,
) -> ApiResult<Option<Topic>> {
    if roadmaps::visible_by_id(ctx, roadmap_id).await?.is_none() {
        return Ok(None);
    }
    let tree = tree_of(ctx, roadmap_id).await?;
    Ok(tree.index_of(key).map(|i| tree.topic(i)))
}

/// `Roadmap.forkedFrom`: the source, while the viewer can read it.
pub async fn forked_from(
    ctx: &Context<'_>,
    fork: &entity::roadmaps::Model,
) -> ApiResult<Option<Roadmap>> {
    match fork.forked_from_id {
        Some(id) => roadmaps::visible_by_id(ctx, id).await,
        None => Ok(None),
    }
}

/// `Roadmap.upstreamChanges`: empty when not a fork, or when the viewer cannot read the source.
pub async fn upstream_changes(
    ctx: &Context<'_>,
    fork: &entity::roadmaps::Model,
) -> ApiResult<Vec<UpstreamChange>> {
    let Some(source) = forked_from(ctx, fork).await? else {
        return Ok(Vec::new());
    };
    let source_id = source.0.id;
    let changes = upstream::changes(db(ctx), fork, source_id).await?;
    // The source was readable when asked, but its titles were read after that: if it was hidden
    // meanwhile (made private, then renamed), what was read may be what it hides now. Its gate,
    // read again after the titles, has seen any hiding that came before them.
    let gate = entity::roadmaps::Entity::find_by_id(source_id)
        .one(db(ctx))
        .await
        .map_err(AppError::from)?
        .map(|r| RoadmapGate::of(&r));
    if gate.is_none() || !roadmaps::gate_admits(ctx, source_id, gate.as_ref()).await? {
        return Ok(Vec::new());
    }
    Ok(changes
        .into_iter()
        .map(|c| UpstreamChange {
            kind: c.kind.into(),
            topic_id: GlobalId::Topic(c.topic_id.clone()).encode(),
            title: c.title,
            at: c.at,
            source_roadmap_id: source_id,
            key: c.topic_id,
        })
        .collect())
}

/// `Topic.forkedFrom`: the source topic a fork's topic was copied from, while it is live and
/// readable. Resolved from the source's tree, so a whole tree costs no statement per topic.
pub async fn topic_forked_from(
    ctx: &Context<'_>,
    roadmap_id: RoadmapId,
    source_key: Option<&TopicKey>,
) -> ApiResult<Option<Topic>> {
    let Some(key) = source_key else {
        return Ok(None);
    };
    let fork = loaders(ctx).roadmap_by_id.load_one(roadmap_id).await?;
    match fork.and_then(|f| f.forked_from_id) {
        Some(source_id) => topic_of(ctx, source_id, key).await,
        None => Ok(None),
    }
}

#[derive(Default)]
pub struct ForkMutation;

#[Object]
impl ForkMutation {
    /// Copies a roadmap you can read (its metadata, topic tree in order, legend marks and
    /// resources) into a new PRIVATE roadmap you own, with `forkedFrom` set. Every copied topic is
    /// linked with its source, so your progress carries over at once and keeps flowing both ways.
    /// A roadmap you cannot read fails with `NOT_FOUND` (field `roadmapId`); a taken slug with
    /// `CONFLICT` (field `slug`); owning `MAX_ROADMAPS_PER_USER` roadmaps already, or a source of
    /// more than 2,000 topics, with `BAD_USER_INPUT`.
    #[graphql(guard = "SignedIn")]
    async fn fork_roadmap(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the roadmap to copy.")] roadmap_id: ID,
        #[graphql(
            desc = "The fork's slug; by default `<source slug>-<your username>`. At most 64 \
                    characters."
        )]
        slug: Option<String>,
        #[graphql(
            desc = "The share token, to fork an UNLISTED roadmap you have the link of. At most \
                    64 characters."
        )]
        share_token: Option<String>,
    ) -> ApiResult<Roadmap> {
        if let Some(token) = &share_token {
            crate::text::max_chars(token, crate::catalog::ownership::MAX_SHARE_TOKEN_CHARS)
                .map_err(|r| r.at("shareToken"))?;
        }
        let id = GlobalId::roadmap(&roadmap_id, "roadmapId")?;
        let actor = actor(ctx).await?;
        let source = service::by_id(db(ctx), id)
            .await?
            .filter(|m| actor.catalog().can_read_shared(m, share_token.as_deref()))
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "`roadmapId`: no roadmap with id `{}` that you can read",
                    roadmap_id.as_str()
                ))
            })?;
        let slug = slug.unwrap_or_else(|| forks::default_slug(&source.slug, &actor.name));
        let txn = db(ctx).begin().await?;
        let forked = forks::fork(&txn, &actor, &source, slug).await?;
        // Each copy joins its source's link group: every learner's status carries over, and
        // from now on flows both ways.
        crate::progress::links::link_pairs(&txn, &forked.pairs).await?;
        txn.commit().await?;
        Ok(Roadmap(Arc::new(forked.roadmap)))
    }
}
