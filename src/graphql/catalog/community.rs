//! `communityRoadmaps`: learners' public roadmaps, for everyone (anonymous callers too).
use std::sync::Arc;

use async_graphql::{Context, Enum, Object};

use super::roadmap::Roadmap;
use crate::catalog::community as service;
use crate::graphql::cache_hints::CacheHints;
use crate::graphql::context::db;
use crate::graphql::error::ApiResult;
use crate::graphql::pagination::{Conn, PageArgs};

/// The order of `communityRoadmaps`. Ties are broken by the roadmap id, highest first, so the
/// order is total and pages neither overlap nor skip.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "crate::catalog::community::CommunityOrder")]
pub enum CommunityRoadmapOrder {
    /// Most recently created first.
    #[default]
    Newest,
    /// Best rated first, by a weighted average: as if every roadmap also had five 3-star
    /// ratings, so a handful of ratings counts less than many (`rating.average` stays the plain
    /// mean); then most ratings. Unrated roadmaps come last.
    TopRated,
    /// Most learners first: people with progress on the roadmap.
    MostLearners,
}

#[derive(Default)]
pub struct CommunityQuery;

#[Object]
impl CommunityQuery {
    /// Roadmaps made by learners and shared with everyone (PUBLIC and PUBLISHED), newest first
    /// unless `orderBy` says otherwise. The official catalogue is in `roadmaps`. Anyone may call.
    /// Page arguments out of range or a bad cursor fail with `BAD_USER_INPUT`.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn community_roadmaps(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of an edge: the page starts after it.")] after: Option<String>,
        #[graphql(desc = "Page size from the end, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of an edge: the page ends before it.")] before: Option<String>,
        #[graphql(desc = "The order (default NEWEST).")] order_by: Option<CommunityRoadmapOrder>,
    ) -> ApiResult<Conn<Roadmap>> {
        let page = PageArgs::parse(after, before, first, last)?;
        let order = order_by.unwrap_or_default();
        if order == CommunityRoadmapOrder::MostLearners {
            // Progress writes do not move the content version the response cache relies on.
            if let Some(hints) = ctx.data_opt::<CacheHints>() {
                hints.no_store();
            }
        }
        let total = service::count(db(ctx)).await?;
        let (offset, limit) = page.window(total);
        let rows = service::page(db(ctx), order.into(), offset, limit).await?;
        Ok(page.connection(
            total,
            rows.into_iter().map(|m| Roadmap(Arc::new(m))).collect(),
        ))
    }
}
