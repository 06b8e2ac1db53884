//! GraphQL of learner progress: the viewer's fields on other objects (`Topic.myStatus`,
//! `Topic.myNote`, `Roadmap.myProgress`, `me.progress`, `me.activity`, `me.streak`), the progress
//! mutations, and the `myProgressChanged` subscription.
//!
//! Everything here is the signed-in viewer's own data: no field or argument takes a user id.
mod live;
mod mutations;
mod objects;
mod payloads;
mod review;
mod subscription;

use async_graphql::Context;
use chrono::Utc;
use entity::ids::{RoadmapId, TopicKey, UserId};

pub use live::ProgressChange;
pub use mutations::{ProgressMutation, ProgressQuery};
pub use objects::{ActivityEntry, RoadmapProgress, Streak};
pub use review::{
    my_review_queue, my_review_settings, my_review_stats, topic_review, ReviewCard, ReviewMutation,
    ReviewSettings, ReviewStats,
};
pub use subscription::ProgressSubscription;

use crate::error::AppError;
use crate::graphql::catalog::roadmap::{self as roadmaps, Roadmap};
use crate::graphql::catalog::topic::{tree_of, Topic, TreeTopics};
use crate::graphql::context::{catalog_access, db, loaders, viewer};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::Loaders;
use crate::graphql::pagination::{Conn, PageArgs};
use crate::progress::hot::{LearnerCache, Stamp};
use crate::progress::{reads, streak, Progress, ProgressBus, ProgressStatus};

// ---------------------------------------------------------------------------------------------
// Helpers

/// Forgets the request's cached progress after a write, so the payload shows the new state.
fn clear_cache(l: &Loaders) {
    l.forget_viewer_reads();
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
async fn topic_in(
    ctx: &Context<'_>,
    roadmap_id: RoadmapId,
    key: &TopicKey,
) -> ApiResult<Option<Topic>> {
    if roadmaps::trackable_by_id(ctx, roadmap_id).await?.is_none() {
        return Ok(None);
    }
    let tree = tree_of(ctx, roadmap_id).await?;
    Ok(tree.index_of(key).map(|i| tree.topic(i)))
}

/// The learners' cache and what a read of `user_id`'s data starting now is read under: `None`
/// for the stamp (read the database) in a mutation, with the shared caches off, or when the
/// content version cannot be read.
async fn hot<'a>(ctx: &Context<'a>, user_id: UserId) -> (Option<&'a LearnerCache>, Option<Stamp>) {
    let Some(cache) = ctx.data_opt::<ProgressBus>().map(|b| &**b.hot()) else {
        return (None, None);
    };
    let Some(scope) = &loaders(ctx).cache else {
        return (Some(cache), None);
    };
    let stamp = scope.version().await.map(|v| cache.stamp(user_id, v));
    (Some(cache), stamp)
}

/// What the dashboard's reads depend on besides the learner's progress and the catalogue: what
/// the viewer may follow (its SQL, and the teams it names by membership).
fn access_key(ctx: &Context<'_>, access: &crate::auth::CatalogAccess) -> String {
    let teams = viewer(ctx).user.as_ref().map(|u| format!("{:?}", u.teams));
    format!("{} {teams:?}", access.sql_filter("r"))
}

/// `load`, or its answer kept in the learners' cache (see `progress::hot`).
async fn kept<T, F, Fut>(
    ctx: &Context<'_>,
    user_id: UserId,
    what: String,
    weight: fn(&T) -> usize,
    load: F,
) -> Result<std::sync::Arc<T>, AppError>
where
    T: Send + Sync + 'static,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    match hot(ctx, user_id).await {
        (Some(cache), stamp) => cache.read(user_id, what, stamp, weight, load).await,
        (None, _) => load().await.map(std::sync::Arc::new),
    }
}

async fn visible_roadmap(ctx: &Context<'_>, id: RoadmapId) -> ApiResult<Roadmap> {
    roadmaps::trackable_by_id(ctx, id)
        .await?
        .ok_or_else(|| not_found_roadmap(&GlobalId::Roadmap(id).encode()))
}

// ---------------------------------------------------------------------------------------------
// Fields other modules expose (Topic.myStatus, Topic.myNote, Roadmap.myProgress, me.*)

/// The viewer's status on a topic; `None` when anonymous.
pub async fn topic_status(
    ctx: &Context<'_>,
    roadmap_id: RoadmapId,
    topic_id: &TopicKey,
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
    roadmap_id: RoadmapId,
    topic_id: &TopicKey,
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
    roadmap_id: RoadmapId,
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
    user_id: UserId,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> ApiResult<Conn<RoadmapProgress>> {
    let page = PageArgs::parse(after, before, first, last)?;
    // A learner's dashboard keeps the UNLISTED roadmaps they follow.
    let access = catalog_access(ctx).tracking();
    let key = access_key(ctx, &access);
    let total = *kept(
        ctx,
        user_id,
        format!("roadmaps {key}"),
        |_| 8,
        || reads::my_roadmaps_count(db(ctx), user_id, &access),
    )
    .await?;
    let (offset, limit) = page.window(total);
    let rows = kept(
        ctx,
        user_id,
        format!("roadmaps {offset} {limit} {key}"),
        |v: &Vec<_>| v.len() * 80,
        || reads::my_roadmaps_page(db(ctx), user_id, &access, offset, limit),
    )
    .await?;
    let items = rows
        .iter()
        .map(|&(roadmap_id, counts)| RoadmapProgress { roadmap_id, counts })
        .collect();
    Ok(page.connection(total, items))
}

/// `me.activity`: the user's history, newest first.
pub async fn my_activity(
    ctx: &Context<'_>,
    user_id: UserId,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> ApiResult<Conn<ActivityEntry>> {
    // Kept like `me.progress`: every history row is written either by the learner's own
    // progress write (its notice bumps their generation) or by a link (`setTopicSameAs`, whose
    // transaction bumps the content version), and the titles and slugs shown come from the
    // catalogue (the version again) and from what the viewer may follow (the key). Rows written
    // by hand in SQL show after the learner's next write or catalogue change, as in `me.progress`.
    let page = PageArgs::parse(after, before, first, last)?;
    // What the learner may follow now decides which entries keep a slug and a live roadmap.
    let access = catalog_access(ctx).tracking();
    let key = access_key(ctx, &access);
    let total = *kept(
        ctx,
        user_id,
        "activity".to_owned(),
        |_| 8,
        || reads::activity_count(db(ctx), user_id),
    )
    .await?;
    let (offset, limit) = page.window(total);
    let rows = kept(
        ctx,
        user_id,
        format!("activity {offset} {limit} {key}"),
        |v: &Vec<reads::ActivityRow>| v.iter().map(reads::ActivityRow::weight).sum(),
        || reads::activity_page(db(ctx), user_id, &access, offset, limit),
    )
    .await?;
    Ok(page.connection(total, rows.iter().cloned().map(ActivityEntry).collect()))
}

/// `me.streak`: consecutive days with activity, in the user's time zone, from the runs stored on
/// their row when those answer exactly, else from the history. The runs are read (and kept like
/// `me.progress`), not taken from `user`, the row authentication found: a kept session outlives
/// its user's progress writes, which move them. The kept runs are keyed by the time zone of
/// `user` (current: a new zone makes the session stale on every process), since a new zone
/// counts them again without a progress notice.
pub async fn my_streak(ctx: &Context<'_>, user: &entity::users::Model) -> ApiResult<Streak> {
    let user_id = user.id;
    let stats = kept(
        ctx,
        user_id,
        format!("streak {}", user.time_zone),
        |_| 96,
        || crate::progress::stats::stats_of(db(ctx), user_id),
    )
    .await?;
    let Some(stats) = stats.as_ref() else {
        return Err(AppError::NotFound("No such user".to_owned()).into());
    };
    let tz = streak::zone(&stats.time_zone);
    let today = Utc::now().with_timezone(&tz).date_naive();
    let s = match crate::progress::stats::exact_streak(stats, today) {
        Some(s) => s,
        None => {
            let buckets = reads::activity_buckets(db(ctx), user_id).await?;
            streak::compute(&buckets, tz, today)
        }
    };
    Ok(Streak {
        current: s.current,
        longest: s.longest,
        last_active_on: s.last_active_on,
        time_zone: tz.name().to_owned(),
    })
}
