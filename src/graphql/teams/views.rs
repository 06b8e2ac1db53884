//! The team's learning views for its members: `Team.roadmaps`, `Team.progress` and
//! `Team.activity`. The rows come from `teams::views`; users and roadmaps through the request's
//! loaders, so a page costs a fixed number of statements.
use std::sync::Arc;

use async_graphql::{Context, Enum, Object, ID};
use chrono::{DateTime, Utc};
use entity::ids::UserId;

use crate::auth::Membership;
use crate::error::AppError;
use crate::graphql::accounts::User;
use crate::graphql::catalog::roadmap::Roadmap;
use crate::graphql::context::{catalog_access, db, loaders};
use crate::graphql::enums::ProgressStatus;
use crate::graphql::error::ApiResult;
use crate::graphql::ids::GlobalId;
use crate::graphql::pagination::{Conn, PageArgs};
use crate::progress::types::stored_status;
use crate::teams::views::{self, MemberActivity, MemberProgress, ProgressOrder};

/// One of the team's roadmaps.
pub struct TeamRoadmap(views::TeamRoadmap);

/// A roadmap the team learns, with what the team leaves out of it.
#[Object]
impl TeamRoadmap {
    /// The roadmap.
    async fn roadmap(&self) -> Roadmap {
        Roadmap(Arc::new(self.0.roadmap.clone()))
    }
    /// When it joined the team's list.
    async fn added_at(&self) -> DateTime<Utc> {
        self.0.added_at
    }
    /// Topics the team hides (`setTeamHiddenTopics`): left out of the team's counts and
    /// activity; members' own counts keep them.
    async fn hidden_topic_ids(&self) -> Vec<ID> {
        self.0
            .hidden_topic_ids
            .iter()
            .map(|t| GlobalId::Topic(t.clone()).encode())
            .collect()
    }
    /// Topics the team counts: the roadmap's live topics less the hidden ones.
    async fn topic_count(&self) -> i64 {
        self.0.topic_count
    }
}

/// How `Team.progress` is ordered.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamProgressOrder {
    /// Highest `percentDone` first (ties by username, then roadmap).
    PercentDoneDesc,
    /// Highest `percentComplete` first (done and skipped, as `myProgress` counts; ties by
    /// username, then roadmap).
    PercentCompleteDesc,
    /// By username, then roadmap.
    Username,
    /// Most recently active first; members with nothing counted yet last.
    UpdatedAtDesc,
}

impl From<TeamProgressOrder> for ProgressOrder {
    fn from(o: TeamProgressOrder) -> Self {
        match o {
            TeamProgressOrder::PercentDoneDesc => Self::PercentDoneDesc,
            TeamProgressOrder::PercentCompleteDesc => Self::PercentCompleteDesc,
            TeamProgressOrder::Username => Self::Username,
            TeamProgressOrder::UpdatedAtDesc => Self::UpdatedAtDesc,
        }
    }
}

/// One member's counts on one of the team's roadmaps.
pub struct TeamProgress(MemberProgress);

/// A member's counts on one of the team's roadmaps, over the topics the team counts (hidden ones
/// left out, so these may differ from the member's own `myProgress`).
#[Object]
impl TeamProgress {
    /// The member.
    async fn user(&self, ctx: &Context<'_>) -> ApiResult<User> {
        member(ctx, self.0.user_id).await
    }
    /// The roadmap.
    async fn roadmap(&self, ctx: &Context<'_>) -> ApiResult<Roadmap> {
        let found = loaders(ctx)
            .roadmap_by_id
            .load_one(self.0.roadmap_id)
            .await?;
        found
            .map(Roadmap)
            .ok_or_else(|| AppError::internal("a team roadmap vanished").into())
    }
    /// Topics marked done.
    async fn done(&self) -> i64 {
        self.0.done
    }
    /// Topics being learned.
    async fn learning(&self) -> i64 {
        self.0.learning
    }
    /// Topics skipped.
    async fn skipped(&self) -> i64 {
        self.0.skipped
    }
    /// Topics the team counts on the roadmap.
    async fn total(&self) -> i64 {
        self.0.total
    }
    /// `done / total × 100`; 0 for a roadmap with no counted topic.
    async fn percent_done(&self) -> f64 {
        crate::progress::types::percent(self.0.done, self.0.total)
    }
    /// `(done + skipped) / total × 100`: skipped topics count as dealt with, as in the
    /// member's own `myProgress.percentComplete`; 0 for a roadmap with no counted topic.
    async fn percent_complete(&self) -> f64 {
        crate::progress::types::percent(self.0.done + self.0.skipped, self.0.total)
    }
    /// When a counted status last changed; null when there is none.
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.0.updated_at
    }
}

/// One status change by a member on one of the team's roadmaps.
pub struct TeamActivity(MemberActivity);

/// A member's status change on one of the team's roadmaps (hidden topics left out).
#[Object]
impl TeamActivity {
    /// The member.
    async fn user(&self, ctx: &Context<'_>) -> ApiResult<User> {
        member(ctx, self.0.user_id).await
    }
    /// The roadmap's slug.
    async fn roadmap_slug(&self) -> &str {
        &self.0.roadmap_slug
    }
    /// The topic's title as it was when the change was made.
    async fn topic_title(&self) -> &str {
        self.0.topic_title.as_deref().unwrap_or("(deleted topic)")
    }
    /// The status before the change.
    async fn from(&self) -> ApiResult<ProgressStatus> {
        Ok(stored_status(&self.0.from_status)?.into())
    }
    /// The status after the change.
    async fn to(&self) -> ApiResult<ProgressStatus> {
        Ok(stored_status(&self.0.to_status)?.into())
    }
    /// When the change was made (by the clock of the device it was made on).
    async fn at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

async fn member(ctx: &Context<'_>, user_id: UserId) -> ApiResult<User> {
    let user = loaders(ctx).user_by_id.load_one(user_id).await?;
    user.map(User)
        .ok_or_else(|| AppError::internal("a member without a user").into())
}

/// `Team.roadmaps`.
pub async fn roadmaps(ctx: &Context<'_>, membership: Membership) -> ApiResult<Vec<TeamRoadmap>> {
    let rows = views::roadmaps(db(ctx), membership, &catalog_access(ctx)).await?;
    Ok(rows.into_iter().map(TeamRoadmap).collect())
}

/// `Team.progress`.
pub async fn progress(
    ctx: &Context<'_>,
    membership: Membership,
    roadmap_id: Option<ID>,
    order: TeamProgressOrder,
    page: PageArgs,
) -> ApiResult<Conn<TeamProgress>> {
    let roadmap = roadmap_id
        .as_deref()
        .map(|id| GlobalId::roadmap(id, "roadmapId"))
        .transpose()?;
    let access = catalog_access(ctx);
    let total = views::progress_count(db(ctx), membership, &access, roadmap).await?;
    // The reader is a member, so no rows means the roadmap is not one of the team's they can read.
    if total == 0 && roadmap.is_some() {
        return Err(AppError::not_found_in("roadmapId", "not one of the team's roadmaps").into());
    }
    let (offset, limit) = page.window(total);
    let rows = views::progress_page(
        db(ctx),
        membership,
        &access,
        roadmap,
        order.into(),
        offset,
        limit,
    )
    .await?;
    Ok(page.connection(total, rows.into_iter().map(TeamProgress).collect()))
}

/// `Team.activity`.
pub async fn activity(
    ctx: &Context<'_>,
    membership: Membership,
    page: PageArgs,
) -> ApiResult<Conn<TeamActivity>> {
    let access = catalog_access(ctx);
    let total = views::activity_count(db(ctx), membership, &access).await?;
    let (offset, limit) = page.window(total);
    let rows = views::activity_page(db(ctx), membership, &access, offset, limit).await?;
    Ok(page.connection(total, rows.into_iter().map(TeamActivity).collect()))
}
