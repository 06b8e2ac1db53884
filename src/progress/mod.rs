//! Learner progress: statuses per topic, private notes, favourite roadmaps, history and streaks,
//! export/import, and live sync of all of it over a subscription.
//!
//! Everything here is the signed-in viewer's own data: no field or argument takes a user id.
pub mod bus;
pub mod export;
pub mod loaders;
mod relay;
pub mod service;
mod sql;
pub mod streak;
pub mod types;

use std::sync::Arc;

use async_graphql::{Context, InputObject, Json, Object, SimpleObject, Subscription, ID};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::stream::{self, Stream, StreamExt};

use crate::accounts::SignedIn;
use crate::error::{ApiError, ApiResult, AppError};
use crate::graphql::context::{db, loaders, viewer};
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::Loaders;
use crate::graphql::pagination::{Conn, PageArgs};
use crate::roadmaps::{self, Roadmap};
use crate::topics::{tree_of, Topic};
pub use bus::ProgressBus;
use bus::{NoteNotice, Notice};
use service::{Counts, StatusChange, Wanted};
pub use types::{ProgressChangeKind, ProgressStatus};

// ---------------------------------------------------------------------------------------------
// Helpers

/// The signed-in viewer's id (the guards have already run; this only refuses the impossible).
fn me(ctx: &Context<'_>) -> ApiResult<i32> {
    viewer(ctx).user_id().ok_or_else(|| {
        AppError::Unauthenticated("You must be signed in to do this".to_owned()).into()
    })
}

/// Admins may work on drafts; everybody else only sees published roadmaps.
fn include_drafts(ctx: &Context<'_>) -> bool {
    viewer(ctx).is_admin()
}

/// Forgets the request's cached progress after a write, so the payload shows the new state.
fn clear_cache(l: &Loaders) {
    l.progress.clear();
}

fn publish(ctx: &Context<'_>, notice: Notice) {
    if let Some(bus) = ctx.data_opt::<ProgressBus>() {
        bus.publish(notice);
    }
}

fn after_status_write(
    ctx: &Context<'_>,
    user_id: i32,
    kind: ProgressChangeKind,
    out: &service::WriteOutcome,
) {
    clear_cache(loaders(ctx));
    if !out.changes.is_empty() {
        publish(
            ctx,
            Notice {
                user_id,
                kind,
                roadmap_id: Some(out.roadmap_id),
                changes: out.changes.clone(),
                note: None,
                counts: Some(out.counts),
                at: out.at,
            },
        );
    }
}

fn not_found_topic(id: &str) -> ApiError {
    AppError::NotFound(format!("No topic with id `{id}`")).into()
}

fn not_found_roadmap(id: &str) -> ApiError {
    AppError::NotFound(format!("No roadmap with id `{id}`")).into()
}

/// A live topic of a roadmap the viewer may see, as a GraphQL object (through the tree loader).
async fn topic_in(ctx: &Context<'_>, roadmap_id: i32, key: &str) -> ApiResult<Option<Topic>> {
    if roadmaps::visible_by_id(ctx, roadmap_id).await?.is_none() {
        return Ok(None);
    }
    let tree = tree_of(ctx, roadmap_id).await?;
    Ok(tree.index_of(key).map(|i| tree.topic(i)))
}

async fn visible_roadmap(ctx: &Context<'_>, id: i32) -> ApiResult<Roadmap> {
    roadmaps::visible_by_id(ctx, id)
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
) -> ApiResult<Option<ProgressStatus>> {
    let Some(user) = viewer(ctx).user_id() else {
        return Ok(None);
    };
    let map = loaders(ctx).progress.statuses((user, roadmap_id)).await?;
    Ok(Some(
        map.get(topic_id)
            .copied()
            .unwrap_or(ProgressStatus::Pending),
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
    let drafts = include_drafts(ctx);
    let total = service::my_roadmaps_count(db(ctx), user_id, drafts).await?;
    let (offset, limit) = page.window(total);
    let items = service::my_roadmaps_page(db(ctx), user_id, drafts, offset, limit)
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
    let total = service::activity_count(db(ctx), user_id).await?;
    let (offset, limit) = page.window(total);
    let rows = service::activity_page(db(ctx), user_id, offset, limit).await?;
    Ok(page.connection(total, rows.into_iter().map(ActivityEntry).collect()))
}

/// `me.streak`: consecutive days with activity, in the user's time zone.
pub async fn my_streak(ctx: &Context<'_>, user_id: i32) -> ApiResult<Streak> {
    let tz_name = service::time_zone(db(ctx), user_id).await?;
    let tz = streak::zone(&tz_name);
    let buckets = service::activity_buckets(db(ctx), user_id).await?;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let s = streak::compute(&buckets, tz, today);
    Ok(Streak {
        current: s.current,
        longest: s.longest,
        last_active_on: s.last_active_on,
        time_zone: tz.name().to_owned(),
    })
}

// ---------------------------------------------------------------------------------------------
// Output types

/// The viewer's progress on one roadmap. `total` counts the topics of the current tree (the ones
/// that can carry a status), and the statuses are counted over exactly those, so `percentDone`
/// reaches 100 when every topic is done.
#[derive(Clone)]
pub struct RoadmapProgress {
    pub roadmap_id: i32,
    pub counts: Counts,
}

fn percent(n: i64, total: i64) -> f64 {
    if total <= 0 {
        0.0
    } else {
        n as f64 * 100.0 / total as f64
    }
}

#[Object]
impl RoadmapProgress {
    async fn roadmap(&self, ctx: &Context<'_>) -> ApiResult<Roadmap> {
        visible_roadmap(ctx, self.roadmap_id).await
    }
    async fn done(&self) -> i64 {
        self.counts.done
    }
    async fn learning(&self) -> i64 {
        self.counts.learning
    }
    async fn skipped(&self) -> i64 {
        self.counts.skipped
    }
    /// Topics without a status.
    async fn pending(&self) -> i64 {
        self.counts.pending()
    }
    /// Topics that can carry a status: every topic of the current tree.
    async fn total(&self) -> i64 {
        self.counts.total
    }
    /// `done / total × 100` (0 for an empty roadmap).
    async fn percent_done(&self) -> f64 {
        percent(self.counts.done, self.counts.total)
    }
    /// `(done + skipped) / total × 100`: skipped topics count as dealt with.
    async fn percent_complete(&self) -> f64 {
        percent(self.counts.done + self.counts.skipped, self.counts.total)
    }
    /// When a counted status last changed; null when there is none.
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.counts.updated_at
    }
    /// Whether the roadmap is among your favourites.
    async fn favorite(&self) -> bool {
        self.counts.favorite
    }
}

/// One entry of your history.
pub struct ActivityEntry(service::ActivityRow);

#[Object]
impl ActivityEntry {
    /// Position in your history (increasing).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn from(&self) -> ProgressStatus {
        self.0.from()
    }
    async fn to(&self) -> ProgressStatus {
        self.0.to()
    }
    /// The topic's stable key.
    async fn topic_key(&self) -> &str {
        &self.0.topic_id
    }
    /// The topic's title (also for topics deleted since).
    async fn topic_title(&self) -> &str {
        self.0.topic_title.as_deref().unwrap_or("(deleted topic)")
    }
    async fn roadmap_title(&self) -> &str {
        self.0
            .roadmap_title
            .as_deref()
            .unwrap_or("(deleted roadmap)")
    }
    async fn roadmap_slug(&self) -> Option<&str> {
        self.0.roadmap_slug.as_deref()
    }
    /// The topic, while it is part of a roadmap you can see; null once deleted.
    async fn topic(&self, ctx: &Context<'_>) -> ApiResult<Option<Topic>> {
        topic_in(ctx, self.0.roadmap_id, &self.0.topic_id).await
    }
    async fn roadmap(&self, ctx: &Context<'_>) -> ApiResult<Option<Roadmap>> {
        roadmaps::visible_by_id(ctx, self.0.roadmap_id).await
    }
}

/// Consecutive days (in your time zone) with at least one status change.
#[derive(SimpleObject)]
pub struct Streak {
    /// Days in the run that includes today or yesterday; 0 otherwise.
    pub current: i32,
    pub longest: i32,
    /// Your last day with activity, in your time zone.
    pub last_active_on: Option<NaiveDate>,
    /// The IANA time zone the days are counted in.
    pub time_zone: String,
}

pub struct SetTopicStatusPayload {
    roadmap_id: i32,
    topic_key: String,
    status: ProgressStatus,
    changed: bool,
    progress: RoadmapProgress,
}

#[Object]
impl SetTopicStatusPayload {
    /// The topic; its `myStatus` is the new status.
    async fn topic(&self, ctx: &Context<'_>) -> ApiResult<Topic> {
        // Resolved only when asked for: it needs the roadmap's tree, which a client that only
        // wants `changed` should not pay for on every click.
        topic_in(ctx, self.roadmap_id, &self.topic_key)
            .await?
            .ok_or_else(|| not_found_topic(&GlobalId::Topic(self.topic_key.clone()).encode()))
    }
    async fn status(&self) -> ProgressStatus {
        self.status
    }
    /// False when the topic already had this status (nothing was written).
    async fn changed(&self) -> bool {
        self.changed
    }
    /// Your counts on the topic's roadmap after the change.
    async fn progress(&self) -> RoadmapProgress {
        self.progress.clone()
    }
}

#[derive(InputObject)]
pub struct TopicStatusInput {
    pub topic_id: ID,
    pub status: ProgressStatus,
}

#[derive(SimpleObject)]
pub struct SetTopicStatusesPayload {
    pub roadmap: Roadmap,
    /// The topics named in the call, in order, with their new `myStatus`.
    pub topics: Vec<Topic>,
    /// How many statuses actually changed.
    pub changed_count: i32,
    pub progress: RoadmapProgress,
}

#[derive(SimpleObject)]
pub struct ResetRoadmapProgressPayload {
    pub roadmap: Roadmap,
    /// How many statuses were cleared.
    pub cleared_count: i32,
    pub progress: RoadmapProgress,
}

#[derive(SimpleObject)]
pub struct SetTopicNotePayload {
    pub topic: Topic,
    /// The note now stored; null when cleared.
    pub note: Option<String>,
}

#[derive(SimpleObject)]
pub struct FavoriteRoadmapPayload {
    pub roadmap: Roadmap,
    pub favorite: bool,
    /// False when it already was (or was not) a favourite.
    pub changed: bool,
    pub progress: RoadmapProgress,
}

#[derive(SimpleObject)]
pub struct ImportMyProgressPayload {
    /// Roadmaps named by the document.
    pub roadmap_count: i32,
    pub statuses_changed: i32,
    pub notes_changed: i32,
    pub favorites_added: i32,
    /// Your counts on each roadmap of the document, after the import.
    pub progress: Vec<RoadmapProgress>,
}

/// A change to your progress, pushed by `myProgressChanged`.
pub struct ProgressChange(Arc<Notice>);

#[Object]
impl ProgressChange {
    async fn kind(&self) -> ProgressChangeKind {
        self.0.kind
    }
    /// The roadmap concerned (null for `RESYNC`).
    async fn roadmap_id(&self) -> Option<ID> {
        self.0.roadmap_id.map(|id| GlobalId::Roadmap(id).encode())
    }
    async fn roadmap(&self, ctx: &Context<'_>) -> ApiResult<Option<Roadmap>> {
        match self.0.roadmap_id {
            Some(id) => roadmaps::visible_by_id(ctx, id).await,
            None => Ok(None),
        }
    }
    /// The statuses that changed (empty for notes and favourites).
    async fn changes(&self) -> Vec<TopicStatusChange> {
        let roadmap_id = self.0.roadmap_id.unwrap_or_default();
        self.0
            .changes
            .iter()
            .map(|c| TopicStatusChange {
                roadmap_id,
                change: c.clone(),
            })
            .collect()
    }
    /// For `NOTE`: the topic and its note now.
    async fn note(&self) -> Option<NoteChange> {
        self.0.note.clone().map(|n| NoteChange {
            roadmap_id: self.0.roadmap_id.unwrap_or_default(),
            notice: n,
        })
    }
    /// Your counts on the roadmap after the change.
    async fn progress(&self) -> Option<RoadmapProgress> {
        match (self.0.roadmap_id, self.0.counts) {
            (Some(roadmap_id), Some(counts)) => Some(RoadmapProgress { roadmap_id, counts }),
            _ => None,
        }
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

pub struct TopicStatusChange {
    roadmap_id: i32,
    change: StatusChange,
}

#[Object]
impl TopicStatusChange {
    async fn topic_id(&self) -> ID {
        GlobalId::Topic(self.change.topic_id.clone()).encode()
    }
    /// The topic's stable key.
    async fn key(&self) -> &str {
        &self.change.topic_id
    }
    /// Null when the topic is no longer part of the tree.
    async fn topic(&self, ctx: &Context<'_>) -> ApiResult<Option<Topic>> {
        topic_in(ctx, self.roadmap_id, &self.change.topic_id).await
    }
    async fn from(&self) -> ProgressStatus {
        self.change.from
    }
    async fn to(&self) -> ProgressStatus {
        self.change.to
    }
}

pub struct NoteChange {
    roadmap_id: i32,
    notice: NoteNotice,
}

#[Object]
impl NoteChange {
    async fn topic_id(&self) -> ID {
        GlobalId::Topic(self.notice.topic_id.clone()).encode()
    }
    async fn topic(&self, ctx: &Context<'_>) -> ApiResult<Option<Topic>> {
        topic_in(ctx, self.roadmap_id, &self.notice.topic_id).await
    }
    async fn note(&self) -> Option<&str> {
        self.notice.note.as_deref()
    }
}

// ---------------------------------------------------------------------------------------------
// Queries

#[derive(Default)]
pub struct ProgressQuery;

#[Object]
impl ProgressQuery {
    /// Your whole progress as a `roadmap-api/progress@1` document (statuses, notes, favourites),
    /// for `importMyProgress` here or on another server.
    #[graphql(guard = "SignedIn")]
    async fn export_my_progress(&self, ctx: &Context<'_>) -> ApiResult<Json<serde_json::Value>> {
        let user = me(ctx)?;
        let (rows, favorites) = service::export_rows(db(ctx), user).await?;
        Ok(Json(export::build(&rows, &favorites, Utc::now())))
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations

#[derive(Default)]
pub struct ProgressMutation;

#[Object]
impl ProgressMutation {
    /// Sets your status on a topic (`PENDING` clears it). Setting the status it already has
    /// changes nothing and records nothing.
    #[graphql(guard = "SignedIn")]
    async fn set_topic_status(
        &self,
        ctx: &Context<'_>,
        topic_id: ID,
        status: ProgressStatus,
    ) -> ApiResult<SetTopicStatusPayload> {
        let user = me(ctx)?;
        let key = GlobalId::topic(&topic_id, "topicId")?;
        let (topic, roadmap) = service::live_topic(db(ctx), &key, include_drafts(ctx))
            .await?
            .ok_or_else(|| not_found_topic(&topic_id))?;
        let out = service::set_status(db(ctx), user, &roadmap, &topic, status).await?;
        after_status_write(ctx, user, ProgressChangeKind::Status, &out);
        Ok(SetTopicStatusPayload {
            roadmap_id: roadmap.id,
            topic_key: key,
            status,
            changed: !out.changes.is_empty(),
            progress: RoadmapProgress {
                roadmap_id: roadmap.id,
                counts: out.counts,
            },
        })
    }

    /// Sets several statuses on one roadmap, all or nothing (at most 500). A topic that is not
    /// part of the roadmap fails the whole call, naming it.
    #[graphql(guard = "SignedIn")]
    async fn set_topic_statuses(
        &self,
        ctx: &Context<'_>,
        roadmap_id: ID,
        changes: Vec<TopicStatusInput>,
    ) -> ApiResult<SetTopicStatusesPayload> {
        let user = me(ctx)?;
        let rid = GlobalId::roadmap(&roadmap_id, "roadmapId")?;
        let roadmap = service::roadmap(db(ctx), rid, include_drafts(ctx))
            .await?
            .ok_or_else(|| not_found_roadmap(&roadmap_id))?;
        if changes.len() > service::MAX_BATCH {
            return Err(AppError::bad_input(
                "changes",
                format!(
                    "at most {} changes per call ({} given)",
                    service::MAX_BATCH,
                    changes.len()
                ),
            )
            .into());
        }
        let mut keys = Vec::with_capacity(changes.len());
        let mut seen = std::collections::HashSet::new();
        for (i, c) in changes.iter().enumerate() {
            let field = format!("changes[{i}].topicId");
            let key = GlobalId::topic(&c.topic_id, &field)?;
            if !seen.insert(key.clone()) {
                return Err(AppError::bad_input(
                    &field,
                    format!("{field}: topic `{key}` appears twice"),
                )
                .into());
            }
            keys.push(key);
        }
        let found = service::live_topics_in(db(ctx), roadmap.id, &keys).await?;
        let mut wanted = Vec::with_capacity(changes.len());
        for (i, (key, c)) in keys.iter().zip(&changes).enumerate() {
            let Some(topic) = found.get(key) else {
                let field = format!("changes[{i}].topicId");
                return Err(AppError::bad_input(
                    &field,
                    format!(
                        "{field}: topic `{key}` is not a topic of roadmap `{}`",
                        roadmap.slug
                    ),
                )
                .into());
            };
            wanted.push(Wanted {
                topic,
                status: c.status,
                at: None,
            });
        }
        let out = service::set_statuses(db(ctx), user, &roadmap, &wanted).await?;
        after_status_write(ctx, user, ProgressChangeKind::Status, &out);
        let tree = tree_of(ctx, roadmap.id).await?;
        let topics = keys
            .iter()
            .filter_map(|k| tree.index_of(k).map(|i| tree.topic(i)))
            .collect();
        Ok(SetTopicStatusesPayload {
            roadmap: Roadmap(Arc::new(roadmap)),
            topics,
            changed_count: out.changes.len() as i32,
            progress: RoadmapProgress {
                roadmap_id: rid,
                counts: out.counts,
            },
        })
    }

    /// Clears all your statuses on a roadmap (your notes stay). The history keeps the old ones.
    #[graphql(guard = "SignedIn")]
    async fn reset_roadmap_progress(
        &self,
        ctx: &Context<'_>,
        roadmap_id: ID,
    ) -> ApiResult<ResetRoadmapProgressPayload> {
        let user = me(ctx)?;
        let rid = GlobalId::roadmap(&roadmap_id, "roadmapId")?;
        let roadmap = service::roadmap(db(ctx), rid, include_drafts(ctx))
            .await?
            .ok_or_else(|| not_found_roadmap(&roadmap_id))?;
        let out = service::reset_roadmap(db(ctx), user, &roadmap).await?;
        after_status_write(ctx, user, ProgressChangeKind::Reset, &out);
        Ok(ResetRoadmapProgressPayload {
            roadmap: Roadmap(Arc::new(roadmap)),
            cleared_count: out.changes.len() as i32,
            progress: RoadmapProgress {
                roadmap_id: rid,
                counts: out.counts,
            },
        })
    }

    /// Sets your private markdown note on a topic (at most 10,000 characters); an empty or null
    /// note clears it.
    #[graphql(guard = "SignedIn")]
    async fn set_topic_note(
        &self,
        ctx: &Context<'_>,
        topic_id: ID,
        note: Option<String>,
    ) -> ApiResult<SetTopicNotePayload> {
        let user = me(ctx)?;
        let key = GlobalId::topic(&topic_id, "topicId")?;
        let note = service::check_note(note, "note")?;
        let (topic, roadmap) = service::live_topic(db(ctx), &key, include_drafts(ctx))
            .await?
            .ok_or_else(|| not_found_topic(&topic_id))?;
        let now = Utc::now();
        let changed = service::set_note(db(ctx), user, &topic, note.as_deref(), now).await?;
        clear_cache(loaders(ctx));
        if changed {
            publish(
                ctx,
                Notice {
                    user_id: user,
                    kind: ProgressChangeKind::Note,
                    roadmap_id: Some(roadmap.id),
                    changes: Vec::new(),
                    note: Some(NoteNotice {
                        topic_id: key.clone(),
                        note: note.clone(),
                    }),
                    counts: None,
                    at: now,
                },
            );
        }
        let topic = topic_in(ctx, roadmap.id, &key)
            .await?
            .ok_or_else(|| not_found_topic(&topic_id))?;
        Ok(SetTopicNotePayload { topic, note })
    }

    /// Adds a roadmap to your favourites (it then shows in `me.progress`).
    #[graphql(guard = "SignedIn")]
    async fn favorite_roadmap(
        &self,
        ctx: &Context<'_>,
        roadmap_id: ID,
    ) -> ApiResult<FavoriteRoadmapPayload> {
        set_favorite(ctx, roadmap_id, true).await
    }

    /// Removes a roadmap from your favourites.
    #[graphql(guard = "SignedIn")]
    async fn unfavorite_roadmap(
        &self,
        ctx: &Context<'_>,
        roadmap_id: ID,
    ) -> ApiResult<FavoriteRoadmapPayload> {
        set_favorite(ctx, roadmap_id, false).await
    }

    /// Imports a `roadmap-api/progress@1` document (from `exportMyProgress`): roadmaps are
    /// matched by slug, topics by key. Listed statuses and notes replace yours; favourites are
    /// added. All or nothing: the first unknown or malformed entry fails the call, naming it.
    #[graphql(guard = "SignedIn")]
    async fn import_my_progress(
        &self,
        ctx: &Context<'_>,
        document: Json<serde_json::Value>,
    ) -> ApiResult<ImportMyProgressPayload> {
        let user = me(ctx)?;
        let doc = export::parse(&document.0)?;
        let drafts = include_drafts(ctx);
        let slugs: Vec<String> = doc.iter().map(|r| r.slug.clone()).collect();
        let roadmaps_found = service::roadmaps_by_slug(db(ctx), &slugs).await?;
        let keys: Vec<String> = doc
            .iter()
            .flat_map(|r| r.topics.iter().map(|t| t.key.clone()))
            .collect();
        let topics_found = service::live_topics_by_id(db(ctx), &keys).await?;

        let mut parts = Vec::with_capacity(doc.len());
        for r in &doc {
            let roadmap = roadmaps_found
                .get(&r.slug)
                .filter(|m| drafts || roadmaps::is_visible(viewer(ctx), m))
                .ok_or_else(|| {
                    let field = format!("{}.slug", r.path);
                    AppError::bad_input(&field, format!("{field}: unknown roadmap `{}`", r.slug))
                })?;
            let mut part = service::ImportPart {
                roadmap,
                favorite: r.favorite,
                statuses: Vec::new(),
                notes: Vec::new(),
            };
            for t in &r.topics {
                let topic = topics_found
                    .get(&t.key)
                    .filter(|m| m.roadmap_id == roadmap.id)
                    .ok_or_else(|| {
                        let field = format!("{}.key", t.path);
                        AppError::bad_input(
                            &field,
                            format!("{field}: unknown topic `{}` in roadmap `{}`", t.key, r.slug),
                        )
                    })?;
                if let Some(status) = t.status {
                    part.statuses.push(Wanted {
                        topic,
                        status,
                        at: t.updated_at,
                    });
                }
                if let Some(note) = &t.note {
                    part.notes.push(service::NoteWanted {
                        topic,
                        note: note.clone(),
                        at: t.note_updated_at,
                    });
                }
            }
            parts.push(part);
        }

        let out = service::import(db(ctx), user, &parts).await?;
        clear_cache(loaders(ctx));
        let mut statuses_changed = 0;
        for w in &out.writes {
            statuses_changed += w.changes.len();
            if out.touched.contains(&w.roadmap_id) {
                publish(
                    ctx,
                    Notice {
                        user_id: user,
                        kind: ProgressChangeKind::Import,
                        roadmap_id: Some(w.roadmap_id),
                        changes: w.changes.clone(),
                        note: None,
                        counts: Some(w.counts),
                        at: w.at,
                    },
                );
            }
        }
        Ok(ImportMyProgressPayload {
            roadmap_count: out.writes.len() as i32,
            statuses_changed: statuses_changed as i32,
            notes_changed: out.notes_changed as i32,
            favorites_added: out.favorites_added as i32,
            progress: out
                .writes
                .iter()
                .map(|w| RoadmapProgress {
                    roadmap_id: w.roadmap_id,
                    counts: w.counts,
                })
                .collect(),
        })
    }
}

async fn set_favorite(
    ctx: &Context<'_>,
    roadmap_id: ID,
    favorite: bool,
) -> ApiResult<FavoriteRoadmapPayload> {
    let user = me(ctx)?;
    let rid = GlobalId::roadmap(&roadmap_id, "roadmapId")?;
    let roadmap = service::roadmap(db(ctx), rid, include_drafts(ctx))
        .await?
        .ok_or_else(|| not_found_roadmap(&roadmap_id))?;
    let (changed, counts) = service::set_favorite(db(ctx), user, rid, favorite).await?;
    clear_cache(loaders(ctx));
    if changed {
        publish(
            ctx,
            Notice {
                user_id: user,
                kind: ProgressChangeKind::Favorite,
                roadmap_id: Some(rid),
                changes: Vec::new(),
                note: None,
                counts: Some(counts),
                at: Utc::now(),
            },
        );
    }
    Ok(FavoriteRoadmapPayload {
        roadmap: Roadmap(Arc::new(roadmap)),
        favorite,
        changed,
        progress: RoadmapProgress {
            roadmap_id: rid,
            counts,
        },
    })
}

// ---------------------------------------------------------------------------------------------
// Subscription

#[derive(Default)]
pub struct ProgressSubscription;

#[Subscription]
impl ProgressSubscription {
    /// Every change to your progress (statuses, resets, notes, favourites, imports) made from any
    /// of your sessions, as it is committed. Over WebSocket (`graphql-transport-ws`) on
    /// `/graphql`, authenticated by the `connection_init` payload
    /// `{"Authorization": "Bearer <access token>"}`.
    #[graphql(guard = "SignedIn")]
    async fn my_progress_changed(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = ProgressChange>> {
        let user = me(ctx)?;
        let bus = ctx
            .data_opt::<ProgressBus>()
            .ok_or_else(|| ApiError::from(AppError::internal("no progress bus")))?;
        let cache = ctx.data_opt::<Loaders>().map(|l| l.progress.clone());
        let sub = bus.subscribe(user);
        Ok(stream::unfold(
            sub,
            |mut sub| async move { sub.next().await.map(|n| (n, sub)) },
        )
        .map(move |n| {
            // The connection's loaders live as long as the socket: drop what they cached.
            if let Some(l) = &cache {
                l.clear();
            }
            ProgressChange(n)
        }))
    }
}
