//! GraphQL of learner progress: the viewer's fields on other objects (`Topic.myStatus`,
//! `Topic.myNote`, `Roadmap.myProgress`, `me.progress`, `me.activity`, `me.streak`), the progress
//! mutations, and the `myProgressChanged` subscription.
//!
//! Everything here is the signed-in viewer's own data: no field or argument takes a user id.
mod live;
mod mutations;
mod objects;
mod payloads;
mod subscription;

use async_graphql::Context;
use chrono::Utc;

pub use live::ProgressChange;
pub use mutations::{ProgressMutation, ProgressQuery};
pub use objects::{ActivityEntry, RoadmapProgress, Streak};
pub use subscription::ProgressSubscription;

use crate::error::AppError;
use crate::graphql::catalog::roadmap::{self as roadmaps, Roadmap};
use crate::graphql::catalog::topic::{tree_of, Topic, TreeTopics};
use crate::graphql::context::{catalog_access, db, loaders, viewer};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::Loaders;
use crate::graphql::pagination::{Conn, PageArgs};
use crate::progress::{reads, streak, Progress, ProgressBus, ProgressStatus};

// ---------------------------------------------------------------------------------------------
// Helpers

/// Forgets the request's cached progress after a write, so the payload shows the new state.
fn clear_cache(l: &Loaders) {
    l.progress.clear();
}

/// The progress domain over this request's database, announcing on the server's bus.
fn progress<'a>(ctx: &Context<'a>) -> Progress<'a> {
    Progress::new(db(ctx), ctx.data_opt::<ProgressBus>())
}

fn not_found_topic(id: &str) -> ApiError {
    AppError::NotFound(format!("No topic with id `{id}`")).into()
}

fn not_found_roadmap(id: &str) -> ApiError {
    AppError::NotFound(format!("No roadmap with id `{id}`")).into()
}

/// A live topic of a roadmap the viewer may see, as a GraphQL object (through the tree loader).
async fn topic_in(ctx: &Context<'_>, roadmap_id: i32, key: &str) -> ApiResult<Option<Topic>> {
    if roadmaps::trackable_by_id(ctx, roadmap_id).await?.is_none() {
        return Ok(None);
    }
    let tree = tree_of(ctx, roadmap_id).await?;
    Ok(tree.index_of(key).map(|i| tree.topic(i)))
}

async fn visible_roadmap(ctx: &Context<'_>, id: i32) -> ApiResult<Roadmap> {
    roadmaps::trackable_by_id(ctx, id)
        .await?
        .ok_or_else(|| not_found_roadmap(&GlobalId::Roadmap(id).encode()))
}

// ---------------------------------------------------------------------------------------------
// Fields other modules expose (Topic.myStatus, Topic.myNote, Roadmap.myProgress, me.*)

/// The viewer's status on a topic; `None` when anonymous.
pub async fn topic_status(
    ctx: &Context<'_>,
    roadmap_id: i32,
    topic_id: &str,
) -> ApiResult<Option<crate::graphql::enums::ProgressStatus>> {
    let Some(user) = viewer(ctx).user_id() else {
        return Ok(None);
    };
    let map = loaders(ctx).progress.statuses((user, roadmap_id)).await?;
    Ok(Some(
        map.get(topic_id)
            .copied()
            .unwrap_or(ProgressStatus::Pending)
            .into(),
    ))
}

/// The viewer's note on a topic; `None` when anonymous or when there is none.
pub async fn topic_note(
    ctx: &Context<'_>,
    roadmap_id: i32,
    topic_id: &str,
) -> ApiResult<Option<String>> {
    let Some(user) = viewer(ctx).user_id() else {
        return Ok(None);
    };
    let map = loaders(ctx).progress.notes((user, roadmap_id)).await?;
    Ok(map.get(topic_id).cloned())
}

/// The viewer's counts on a roadmap; `None` when anonymous.
pub async fn roadmap_progress(
    ctx: &Context<'_>,
    roadmap_id: i32,
) -> ApiResult<Option<RoadmapProgress>> {
    let Some(user) = viewer(ctx).user_id() else {
        return Ok(None);
    };
    let counts = loaders(ctx).progress.counts((user, roadmap_id)).await?;
    Ok(Some(RoadmapProgress { roadmap_id, counts }))
}

/// `me.progress`: the roadmaps the user has progress on or has favourited, most recently
/// updated first.
pub async fn my_progress(
    ctx: &Context<'_>,
    user_id: i32,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> ApiResult<Conn<RoadmapProgress>> {
    let page = PageArgs::parse(after, before, first, last)?;
    // A learner's dashboard keeps the UNLISTED roadmaps they follow.
    let access = catalog_access(ctx).tracking();
    let total = reads::my_roadmaps_count(db(ctx), user_id, &access).await?;
    let (offset, limit) = page.window(total);
    let items = reads::my_roadmaps_page(db(ctx), user_id, &access, offset, limit)
        .await?
        .into_iter()
        .map(|(roadmap_id, counts)| RoadmapProgress { roadmap_id, counts })
        .collect();
    Ok(page.connection(total, items))
}

/// `me.activity`: the user's history, newest first.
pub async fn my_activity(
    ctx: &Context<'_>,
    user_id: i32,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> ApiResult<Conn<ActivityEntry>> {
    let page = PageArgs::parse(after, before, first, last)?;
    let total = reads::activity_count(db(ctx), user_id).await?;
    let (offset, limit) = page.window(total);
    let rows = reads::activity_page(db(ctx), user_id, offset, limit).await?;
    Ok(page.connection(total, rows.into_iter().map(ActivityEntry).collect()))
}

/// `me.streak`: consecutive days with activity, in the user's time zone.
pub async fn my_streak(ctx: &Context<'_>, user_id: i32) -> ApiResult<Streak> {
    let tz_name = reads::time_zone(db(ctx), user_id).await?;
    let tz = streak::zone(&tz_name);
    let buckets = reads::activity_buckets(db(ctx), user_id).await?;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let s = streak::compute(&buckets, tz, today);
    Ok(Streak {
        current: s.current,
        longest: s.longest,
        last_active_on: s.last_active_on,
        time_zone: tz.name().to_owned(),
    })
}
