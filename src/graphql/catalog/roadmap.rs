//! `Roadmap` and the catalogue's read queries (`roadmaps`, `roadmap`).

use std::sync::Arc;

use async_graphql::{Context, MergedObject, Object, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use entity::ids::RoadmapId;
use entity::roadmaps;
use sea_orm::TransactionTrait;

use super::forks::UpstreamChange;
use super::rating::RoadmapRating;
use super::revision::Revision;
use super::roadmap_admin::RoadmapAdminQuery;
use super::topic::tree_of;
use super::topic_list::TopicList;
use crate::auth::{CatalogAccess, RoadmapGate, Viewer};
use crate::catalog::export::json_strings;
use crate::catalog::ratings::RatingSummary;
use crate::catalog::{revisions, roadmaps as service};
use crate::graphql::accounts::User;
use crate::graphql::cache_hints::CacheHints;
use crate::graphql::context::{catalog_access, db, loaders};
use crate::graphql::enums::{ChangeFrequency, RoadmapKind, RoadmapStatus, Visibility};
use crate::graphql::error::ApiResult;
use crate::graphql::guards::CanEdit;
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::Loaders;
use crate::graphql::pagination::{Conn, PageArgs};

/// A learning roadmap: metadata plus an ordered tree of topics.
#[derive(Clone)]
pub struct Roadmap(pub Arc<roadmaps::Model>);

/// Loads a roadmap by id through the request's loader; `None` when missing or not visible (an
/// UNLISTED roadmap is visible once this request has opened it by its share link or its
/// progress).
pub async fn visible_by_id(ctx: &Context<'_>, id: RoadmapId) -> ApiResult<Option<Roadmap>> {
    let model = loaders(ctx).roadmap_by_id.load_one(id).await?;
    Ok(model.filter(|m| can_see(ctx, m)).map(Roadmap))
}

/// Whether the viewer may see this roadmap in this request (the rule of [`visible_by_id`]).
pub fn can_see(ctx: &Context<'_>, m: &roadmaps::Model) -> bool {
    let access = catalog_access(ctx);
    access.can_read(m) || (loaders(ctx).is_unlocked(m.id) && CatalogAccess::link_opens(m))
}

/// Whether content read beside `gate` (a tree, resources) may be shown: the rule of
/// [`visible_by_id`] and [`trackable_by_id`] applied again to the roadmap as it was when the
/// content was read, so a check made a moment earlier cannot let through content written after
/// the roadmap was hidden. `None` (nothing read, or a trusted read) admits.
pub async fn gate_admits<T: Sync>(
    ctx: &async_graphql::context::ContextBase<'_, T>,
    roadmap_id: RoadmapId,
    gate: Option<&RoadmapGate>,
) -> ApiResult<bool> {
    let Some(gate) = gate else {
        return Ok(true);
    };
    let access = ctx
        .data_opt::<Viewer>()
        .unwrap_or(&Viewer::ANONYMOUS)
        .catalog();
    if access.can_read_gate(gate) {
        return Ok(true);
    }
    if !CatalogAccess::link_opens_gate(gate) {
        return Ok(false);
    }
    let loaders = ctx.data_unchecked::<Loaders>();
    if loaders.is_unlocked(roadmap_id) {
        return Ok(true);
    }
    match access.viewer_id() {
        Some(user) => {
            let db = ctx.data_unchecked::<sea_orm::DatabaseConnection>();
            loaders.follows(db, user, roadmap_id).await
        }
        None => Ok(false),
    }
}

/// A roadmap the viewer may record progress on (see `CatalogAccess::can_track`): for the
/// progress payloads, history and live events of the viewer's own progress. Opens it for the
/// rest of the request.
pub async fn trackable_by_id(ctx: &Context<'_>, id: RoadmapId) -> ApiResult<Option<Roadmap>> {
    let Some(model) = loaders(ctx).roadmap_by_id.load_one(id).await? else {
        return Ok(None);
    };
    let access = catalog_access(ctx);
    let follows = match access.viewer_id() {
        Some(user) if access.needs_follow(&model) => {
            loaders(ctx).follows(db(ctx), user, id).await?
        }
        _ => false,
    };
    if !access.can_track(&model, follows) {
        return Ok(None);
    }
    loaders(ctx).unlock(id);
    Ok(Some(Roadmap(model)))
}

/// Size of the roadmap's drawing, in pixels.
#[derive(SimpleObject)]
pub struct Dimensions {
    /// Width in pixels.
    pub width: f64,
    /// Height in pixels.
    pub height: f64,
}

/// The question a roadmap page opens with ("What is backend development?").
#[derive(SimpleObject)]
pub struct IntroQuestion {
    /// The question, plain text.
    pub title: String,
    /// Markdown.
    pub description: String,
}

/// What search engines are told about the roadmap page.
#[derive(SimpleObject)]
pub struct Seo {
    /// The page title; null to use the roadmap's title.
    pub title: Option<String>,
    /// The meta description; null when none is set.
    pub description: Option<String>,
    /// Meta keywords, in order (empty when none).
    pub keywords: Vec<String>,
}

/// Fields for schema.org structured data on the roadmap page.
#[derive(SimpleObject)]
pub struct StructuredData {
    /// schema.org `headline`; null when not set.
    pub headline: Option<String>,
    /// schema.org `description`; null when not set.
    pub description: Option<String>,
    /// schema.org `image` URL; null when not set.
    pub image_url: Option<String>,
    /// schema.org `datePublished`; null when not set.
    pub date_published: Option<NaiveDate>,
    /// schema.org `dateModified`, kept by the server; null when never set.
    pub date_modified: Option<DateTime<Utc>>,
}

/// How the roadmap page appears in the sitemap.
#[derive(SimpleObject)]
pub struct Sitemap {
    /// Sitemap priority, 0.0 to 1.0; null when not set.
    pub priority: Option<f64>,
    /// How often the page changes; null when not set.
    pub change_frequency: Option<ChangeFrequency>,
}

/// A sponsor shown on the roadmap page.
#[derive(SimpleObject)]
pub struct Sponsor {
    /// Where the sponsor's link points.
    pub url: String,
    /// The sponsor's name or headline.
    pub title: String,
    /// URL of the sponsor's image; null when none.
    pub image_url: Option<String>,
    /// A short text about the sponsor; null when none.
    pub description: Option<String>,
    /// When the sponsorship ends; null when it does not.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A learning roadmap: metadata plus an ordered tree of topics. Drafts are visible to admins
/// only.
#[Object]
impl Roadmap {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::Roadmap(self.0.id).encode()
    }
    /// URL-safe unique name, e.g. `backend`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Full title, e.g. "Backend Developer".
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Short title for menus and cards, e.g. "Backend".
    async fn brief_title(&self) -> &str {
        &self.0.brief_title
    }
    /// Long description, markdown.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// One-sentence description for cards, plain text.
    async fn brief_description(&self) -> &str {
        &self.0.brief_description
    }
    /// Position in the catalogue (ascending).
    async fn order(&self) -> i32 {
        self.0.sort_order
    }
    /// What the roadmap is about.
    async fn kind(&self) -> RoadmapKind {
        self.0.kind.into()
    }
    /// `DRAFT` (the owner and admins only) or `PUBLISHED`.
    async fn status(&self) -> RoadmapStatus {
        self.0.status.into()
    }
    /// True for a roadmap of the official catalogue (curated by admins; owned by no user or team).
    async fn official(&self) -> bool {
        self.0.is_official()
    }
    /// The learner who owns the roadmap; null for official and team roadmaps.
    async fn owner(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let Some(id) = self.0.owner_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).user_by_id.load_one(id).await?.map(User))
    }
    /// Who may read it besides its owner and admins.
    async fn visibility(&self) -> Visibility {
        self.0.visibility.into()
    }
    /// The roadmap this one was forked from; null when it is not a fork, or when you cannot
    /// read the source (any more).
    async fn forked_from(&self, ctx: &Context<'_>) -> ApiResult<Option<Roadmap>> {
        super::forks::forked_from(ctx, &self.0).await
    }
    /// For a fork: the source's topics added, changed and removed since the fork was made,
    /// newest first, so you can see what you are missing. Empty when it is not a fork or you
    /// cannot read the source.
    async fn upstream_changes(&self, ctx: &Context<'_>) -> ApiResult<Vec<UpstreamChange>> {
        super::forks::upstream_changes(ctx, &self.0).await
    }
    /// The secret of the roadmap's share link (`roadmap(slug:, shareToken:)`); for UNLISTED
    /// roadmaps anyone with it can read. Only the owner sees it (null for everyone else).
    async fn share_token(&self, ctx: &Context<'_>) -> Option<&str> {
        catalog_access(ctx)
            .owns(&self.0)
            .then_some(self.0.share_token.as_deref())
            .flatten()
    }
    /// Tags, in order (empty when none); `roadmaps(tag:)` filters on them.
    async fn tags(&self, ctx: &Context<'_>) -> ApiResult<Vec<String>> {
        Ok(loaders(ctx)
            .tags
            .load_one(self.0.id)
            .await?
            .unwrap_or_default())
    }
    /// Whether the client offers to copy the roadmap as a starting point.
    async fn is_forkable(&self) -> bool {
        self.0.is_forkable
    }
    /// False for roadmaps listed in the catalogue whose topic tree is not published here.
    async fn has_topics(&self) -> bool {
        self.0.has_topics
    }
    /// Size of the roadmap's drawing; null when not set.
    async fn dimensions(&self) -> Option<Dimensions> {
        Some(Dimensions {
            width: self.0.width?,
            height: self.0.height?,
        })
    }
    /// The question the page opens with; null when there is none.
    async fn question(&self) -> Option<IntroQuestion> {
        Some(IntroQuestion {
            title: self.0.question_title.clone()?,
            description: self.0.question_description.clone().unwrap_or_default(),
        })
    }
    /// Search-engine metadata for the roadmap page.
    async fn seo(&self) -> Seo {
        Seo {
            title: self.0.seo_title.clone(),
            description: self.0.seo_description.clone(),
            keywords: json_strings(&self.0.seo_keywords),
        }
    }
    /// schema.org structured data for the roadmap page.
    async fn structured_data(&self) -> StructuredData {
        StructuredData {
            headline: self.0.schema_headline.clone(),
            description: self.0.schema_description.clone(),
            image_url: self.0.schema_image_url.clone(),
            date_published: self.0.schema_date_published,
            date_modified: self.0.schema_date_modified,
        }
    }
    /// Sitemap settings for the roadmap page.
    async fn sitemap(&self) -> Sitemap {
        Sitemap {
            priority: self.0.sitemap_priority,
            change_frequency: self.0.sitemap_change_frequency.map(Into::into),
        }
    }
    /// URL of a PDF of the roadmap; null when there is none.
    async fn pdf_url(&self) -> Option<&str> {
        self.0.pdf_url.as_deref()
    }
    /// URL of the roadmap's drawing as JSON; null when there is none.
    async fn json_url(&self) -> Option<&str> {
        self.0.json_url.as_deref()
    }
    /// The current sponsor; null when there is none or the sponsorship has expired.
    async fn sponsor(&self, ctx: &Context<'_>) -> Option<Sponsor> {
        let m = &self.0;
        if m.sponsor_expires_at.is_some_and(|at| at <= Utc::now()) {
            return None;
        }
        if let (Some(at), Some(hints)) = (m.sponsor_expires_at, ctx.data_opt::<CacheHints>()) {
            // A cached answer must not outlive the sponsorship it shows.
            hints.expires_at(at);
        }
        Some(Sponsor {
            url: m.sponsor_url.clone()?,
            title: m.sponsor_title.clone()?,
            image_url: m.sponsor_image_url.clone(),
            description: m.sponsor_description.clone(),
            expires_at: m.sponsor_expires_at,
        })
    }
    /// Related roadmaps, in their editorial order (only the ones visible to the viewer).
    async fn related_roadmaps(&self, ctx: &Context<'_>) -> ApiResult<Vec<Roadmap>> {
        let access = catalog_access(ctx);
        Ok(loaders(ctx)
            .related
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .filter(|m| access.can_read(m))
            .map(Roadmap)
            .collect())
    }
    /// Slugs of related questions (guides) on the client site.
    async fn related_questions(&self) -> Vec<String> {
        json_strings(&self.0.related_questions)
    }
    /// The root topics, in order. Walk `children` for the rest of the tree.
    async fn topics(&self, ctx: &Context<'_>) -> ApiResult<TopicList> {
        let tree = tree_of(ctx, self.0.id).await?;
        Ok(TopicList {
            items: tree.roots().to_vec(),
            tree,
            roots: true,
        })
    }
    /// Number of topics in the tree (all levels). These are the topics a learner can mark; a
    /// topic that repeats another of this roadmap (`sameAs`) shares its status and counts once in
    /// progress, so `myProgress.total` is smaller by the number of repeats.
    async fn topic_count(&self, ctx: &Context<'_>) -> ApiResult<i64> {
        if loaders(ctx).cache.is_some() {
            // The tree is cached (or will be): its length is the count, without a query.
            return Ok(tree_of(ctx, self.0.id).await?.len() as i64);
        }
        Ok(loaders(ctx)
            .topic_count
            .load_one(self.0.id)
            .await?
            .unwrap_or(0))
    }
    /// Incremented on every edit of the roadmap's own fields (`updateRoadmap`,
    /// `setRelatedRoadmaps`, a REPLACE import that changes them); pass it back as
    /// `expectedVersion` to detect concurrent edits.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Every change to this roadmap, its topics and resources, newest first. For those who may
    /// edit it: its owner, its team's owners and managers, and admins (`FORBIDDEN` otherwise). Page arguments out of range fail
    /// with `BAD_USER_INPUT`.
    #[graphql(
        guard = "CanEdit(&self.0)",
        complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)"
    )]
    async fn revisions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of an edge: the page starts after it.")] after: Option<String>,
        #[graphql(desc = "Page size from the end, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of an edge: the page ends before it.")] before: Option<String>,
        #[graphql(desc = "Only the changes made to this topic itself.")] topic_id: Option<ID>,
    ) -> ApiResult<Conn<Revision>> {
        let page = PageArgs::parse(after, before, first, last)?;
        let filter = revisions::RevisionFilter {
            roadmap_id: self.0.id,
            topic: topic_id
                .map(|id| GlobalId::topic(&id, "topicId"))
                .transpose()?,
        };
        let total = revisions::count(db(ctx), &filter).await?;
        let (offset, limit) = page.window(total);
        let rows = revisions::list(db(ctx), &filter, offset, limit).await?;
        Ok(page.connection(total, rows.into_iter().map(Revision).collect()))
    }
    /// When the roadmap was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the roadmap's own fields last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Your progress on this roadmap; null when signed out.
    async fn my_progress(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<crate::graphql::progress::RoadmapProgress>> {
        crate::graphql::progress::roadmap_progress(ctx, self.0.id).await
    }
    /// What to learn next here: the topics you are LEARNING, then the topics not DONE or
    /// SKIPPED whose prerequisites (those you may read) are all DONE or SKIPPED, each in roadmap
    /// order (depth first, siblings by position). Empty when signed out.
    #[graphql(
        complexity = "crate::graphql::catalog::prerequisites::next_cost(first, child_complexity)"
    )]
    async fn next_topics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many topics, 1 to 50 (default 10).")] first: Option<i32>,
    ) -> ApiResult<Vec<super::topic::Topic>> {
        super::prerequisites::roadmap_next(ctx, self.0.id, first).await
    }
    /// What learners think of this roadmap (`rateRoadmap`). Official roadmaps are not rated:
    /// their count is always 0.
    async fn rating(&self, ctx: &Context<'_>) -> ApiResult<RoadmapRating> {
        if self.0.is_official() {
            return Ok(RatingSummary::default().into());
        }
        let summary = loaders(ctx).rating.load_one(self.0.id).await?;
        Ok(summary.unwrap_or_default().into())
    }
    /// The stars you gave this roadmap, 1 to 5; null when signed out or not rated.
    async fn my_rating(&self, ctx: &Context<'_>) -> ApiResult<Option<i32>> {
        let Some(user) = catalog_access(ctx).viewer_id() else {
            return Ok(None);
        };
        if self.0.is_official() {
            return Ok(None);
        }
        Ok(loaders(ctx).my_rating.load_one((user, self.0.id)).await?)
    }
}

/// The roadmap part of `Query`: public reads plus the admins' `exportRoadmap`.
#[derive(MergedObject, Default)]
pub struct RoadmapQuery(RoadmapReadQuery, RoadmapAdminQuery);

#[derive(Default)]
pub struct RoadmapReadQuery;

#[Object]
impl RoadmapReadQuery {
    /// The official catalogue, ordered by `order`: published roadmaps, and drafts for admins.
    /// Learners' own roadmaps are in `communityRoadmaps`. Anyone may call. Page arguments out of
    /// range or a bad cursor fail with `BAD_USER_INPUT`.
    // The page arguments are the schema's own; async-graphql cannot flatten a struct into
    // arguments (async-graphql#1514), so `PageArgs::parse` takes the four.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn roadmaps(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only roadmaps of this kind.")] kind: Option<RoadmapKind>,
        #[graphql(desc = "Only roadmaps carrying this tag.")] tag: Option<String>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of an edge: the page starts after it.")] after: Option<String>,
        #[graphql(desc = "Page size from the end, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of an edge: the page ends before it.")] before: Option<String>,
    ) -> ApiResult<Conn<Roadmap>> {
        let page = PageArgs::parse(after, before, first, last)?;
        let filter = service::ListFilter {
            kind: kind.map(Into::into),
            tag,
            official_only: true,
        };
        let access = catalog_access(ctx);
        let total = service::count(db(ctx), &access, &filter).await?;
        let (offset, limit) = page.window(total);
        let rows = service::list(db(ctx), &access, &filter, offset, limit).await?;
        Ok(page.connection(
            total,
            rows.into_iter().map(|m| Roadmap(Arc::new(m))).collect(),
        ))
    }

    /// One roadmap by slug; null when there is none you may read: a draft or PRIVATE roadmap of
    /// someone else, or an UNLISTED one without its share token (or with an old one).
    async fn roadmap(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The roadmap's slug, e.g. `backend`.")] slug: String,
        #[graphql(desc = "The share token of an UNLISTED roadmap's link.")] share_token: Option<
            String,
        >,
    ) -> ApiResult<Option<Roadmap>> {
        let cache = match &loaders(ctx).cache {
            Some(scope) => scope.version().await.map(|v| (scope, v)),
            None => None,
        };
        let cached = cache.and_then(|(s, v)| s.caches().trees.roadmap_by_slug(&slug, v));
        let model = match cached {
            Some(m) => Some(m),
            None => {
                let found = service::by_slug(db(ctx), &slug).await?.map(Arc::new);
                if let (Some(m), Some((s, v))) = (&found, cache) {
                    s.caches().trees.put_roadmap_by_slug(&slug, v, m.clone());
                }
                found
            }
        };
        let access: CatalogAccess = catalog_access(ctx);
        let found = model.filter(|m| access.can_read_shared(m, share_token.as_deref()));
        if let Some(m) = &found {
            // Its topics and payloads resolve their roadmap again: the link opened it for them.
            loaders(ctx).unlock(m.id);
            if let (Some(user), true) = (access.viewer_id(), access.needs_follow(m)) {
                // Opened by its link while signed in: the learner follows it from now on, and
                // their statuses on topics linked with its own are brought onto it.
                let txn = db(ctx).begin().await?;
                let followed = crate::catalog::shares::follow(&txn, m.id, user).await?;
                if followed {
                    crate::progress::links::refresh(&txn, m.id, Some(user)).await?;
                }
                txn.commit().await?;
                if followed {
                    // Statuses written without a notice: the learner's hot ones are stale.
                    if let Some(bus) = ctx.data_opt::<crate::progress::ProgressBus>() {
                        bus.hot().changed(user);
                    }
                }
            }
        }
        Ok(found.map(Roadmap))
    }
}
