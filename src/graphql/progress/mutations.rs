//! `exportMyProgress` and the progress mutations. Thin: ids in, the `progress` domain does the
//! work, payloads out.
use std::sync::Arc;

use async_graphql::{Context, Json, Object, ID};

use super::payloads::*;
use super::*;
use crate::graphql::catalog::roadmap::Roadmap;
use crate::graphql::catalog::topic::{tree_of, TreeTopics};
use crate::graphql::context::{catalog_access, learner, loaders};
use crate::graphql::device_time::DeviceTime;
use crate::graphql::enums::ProgressStatus;
use crate::graphql::error::ApiResult;
use crate::graphql::guards::SignedIn;
use crate::graphql::ids::GlobalId;
use crate::progress::StatusInput;

// ---------------------------------------------------------------------------------------------
// Queries

#[derive(Default)]
pub struct ProgressQuery;

#[Object]
impl ProgressQuery {
    /// Your whole progress as a `roadmap-api/progress@1` document (statuses, notes, favourites),
    /// for `importMyProgress` here or on another server. Signed in only.
    #[graphql(guard = "SignedIn")]
    async fn export_my_progress(&self, ctx: &Context<'_>) -> ApiResult<Json<serde_json::Value>> {
        let learner = learner(ctx)?;
        Ok(Json(
            progress(ctx).export(&learner, &catalog_access(ctx)).await?,
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations

#[derive(Default)]
pub struct ProgressMutation;

#[Object]
impl ProgressMutation {
    /// Sets your status on a topic (`PENDING` clears it). Setting the status it already has
    /// changes nothing and records nothing. A change older (by `at`) than the stored status's is
    /// not applied and is returned in `skipped`. Signed in only. A topic that does not exist or
    /// that you cannot see fails with `NOT_FOUND`; a malformed `at`, or one more than 5 minutes
    /// ahead of the server's clock, with `BAD_USER_INPUT` (field `at`).
    #[graphql(guard = "SignedIn")]
    async fn set_topic_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic's global id (`Topic.id`).")] topic_id: ID,
        #[graphql(desc = "Your new status on it.")] status: ProgressStatus,
        #[graphql(
            desc = "When you made the change, by your device's clock (RFC 3339); default now. \
                    Send it when replaying changes queued offline."
        )]
        at: Option<DeviceTime>,
    ) -> ApiResult<SetTopicStatusPayload> {
        let learner = learner(ctx)?;
        let key = GlobalId::topic(&topic_id, "topicId")?;
        let at = at.map(|a| a.parse("at")).transpose()?;
        let write = progress(ctx)
            .set_status(&learner, &catalog_access(ctx), &key, status.into(), at)
            .await?
            .ok_or_else(|| not_found_topic(&topic_id))?;
        clear_cache(loaders(ctx));
        let skipped = &write.outcome.skipped;
        Ok(SetTopicStatusPayload {
            roadmap_id: write.roadmap.id,
            topic_key: key,
            status: skipped
                .first()
                .and_then(|s| s.stored_status)
                .map_or(status, Into::into),
            changed: !write.outcome.changes.is_empty(),
            skipped: skipped.iter().map(SkippedChange::from).collect(),
            progress: RoadmapProgress {
                roadmap_id: write.roadmap.id,
                counts: write.outcome.counts,
            },
        })
    }

    /// Sets several statuses on one roadmap, all or nothing (at most 500). A topic that is not
    /// part of the roadmap fails the whole call, naming it. A change older (by `at`) than the
    /// stored status's is not applied and is returned in `skipped`; the others are. Signed in
    /// only. A missing roadmap fails with `NOT_FOUND`; more than 500 changes, a repeated topic, a
    /// topic outside the roadmap, a malformed `at` or one more than 5 minutes ahead of the
    /// server's clock with `BAD_USER_INPUT` (field `changes` or the entry at fault, e.g.
    /// `changes[3].at`).
    #[graphql(guard = "SignedIn")]
    async fn set_topic_statuses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The roadmap's global id.")] roadmap_id: ID,
        #[graphql(
            desc = "The topics and their new statuses, each topic at most once. At most 500 items."
        )]
        changes: Vec<TopicStatusInput>,
    ) -> ApiResult<SetTopicStatusesPayload> {
        crate::text::max_items(&changes, crate::progress::MAX_BATCH)
            .map_err(|r| r.at("changes"))?;
        let learner = learner(ctx)?;
        let rid = GlobalId::roadmap(&roadmap_id, "roadmapId")?;
        // Decoded as the domain reads them, so a bad id or time fails in its place among the
        // checks.
        let decoded = changes.iter().enumerate().map(|(i, c)| {
            let topic_key = GlobalId::topic(&c.topic_id, &format!("changes[{i}].topicId"))?;
            let at =
                c.at.as_ref()
                    .map(|a| a.parse(&format!("changes[{i}].at")))
                    .transpose()?;
            Ok(StatusInput {
                topic_key,
                status: c.status.into(),
                at,
            })
        });
        let write = progress(ctx)
            .set_statuses(&learner, &catalog_access(ctx), rid, decoded)
            .await?
            .ok_or_else(|| not_found_roadmap(&roadmap_id))?;
        clear_cache(loaders(ctx));
        let tree = tree_of(ctx, rid).await?;
        let topics = write
            .topic_keys
            .iter()
            .filter_map(|k| tree.index_of(k).map(|i| tree.topic(i)))
            .collect();
        Ok(SetTopicStatusesPayload {
            roadmap: Roadmap(Arc::new(write.roadmap)),
            topics,
            changed_count: write.outcome.changes.len() as i32,
            skipped: write
                .outcome
                .skipped
                .iter()
                .map(SkippedChange::from)
                .collect(),
            progress: RoadmapProgress {
                roadmap_id: rid,
                counts: write.outcome.counts,
            },
        })
    }

    /// Clears all your statuses on a roadmap (your notes stay). The history keeps the old ones.
    /// Signed in only. A missing roadmap fails with `NOT_FOUND`.
    #[graphql(guard = "SignedIn")]
    async fn reset_roadmap_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The roadmap's global id.")] roadmap_id: ID,
    ) -> ApiResult<ResetRoadmapProgressPayload> {
        let learner = learner(ctx)?;
        let rid = GlobalId::roadmap(&roadmap_id, "roadmapId")?;
        let write = progress(ctx)
            .reset(&learner, &catalog_access(ctx), rid)
            .await?
            .ok_or_else(|| not_found_roadmap(&roadmap_id))?;
        clear_cache(loaders(ctx));
        Ok(ResetRoadmapProgressPayload {
            roadmap: Roadmap(Arc::new(write.roadmap)),
            cleared_count: write.outcome.changes.len() as i32,
            progress: RoadmapProgress {
                roadmap_id: rid,
                counts: write.outcome.counts,
            },
        })
    }

    /// Sets your private markdown note on a topic (at most 10,000 characters); an empty or null
    /// note clears it. A change older (by `at`) than the stored note is not applied and is
    /// returned in `skipped`. Signed in only. A missing topic fails with `NOT_FOUND`, a longer
    /// note with `BAD_USER_INPUT` (field `note`), a malformed `at` or one more than 5 minutes
    /// ahead of the server's clock with `BAD_USER_INPUT` (field `at`).
    #[graphql(guard = "SignedIn")]
    async fn set_topic_note(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic's global id.")] topic_id: ID,
        #[graphql(
            desc = "Markdown; empty or null clears the note. At most 10,000 characters (and all \
                    your notes together at most 1,000,000 characters in 5,000 notes)."
        )]
        note: Option<String>,
        #[graphql(
            desc = "When you wrote the note, by your device's clock (RFC 3339); default now. \
                    Send it when replaying changes queued offline."
        )]
        at: Option<DeviceTime>,
    ) -> ApiResult<SetTopicNotePayload> {
        let learner = learner(ctx)?;
        let key = GlobalId::topic(&topic_id, "topicId")?;
        let at = at.map(|a| a.parse("at")).transpose()?;
        let write = progress(ctx)
            .set_note(&learner, &catalog_access(ctx), &key, note, at)
            .await?
            .ok_or_else(|| not_found_topic(&topic_id))?;
        clear_cache(loaders(ctx));
        let topic = topic_in(ctx, write.roadmap_id, &key)
            .await?
            .ok_or_else(|| not_found_topic(&topic_id))?;
        Ok(SetTopicNotePayload {
            topic,
            note: write.note,
            skipped: write.skipped.iter().map(SkippedChange::from).collect(),
        })
    }

    /// Adds a roadmap to your favourites (it then shows in `me.progress`). Signed in only. A
    /// missing roadmap fails with `NOT_FOUND`.
    #[graphql(guard = "SignedIn")]
    async fn favorite_roadmap(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The roadmap's global id.")] roadmap_id: ID,
    ) -> ApiResult<FavoriteRoadmapPayload> {
        set_favorite(ctx, roadmap_id, true).await
    }

    /// Removes a roadmap from your favourites. Signed in only. A missing roadmap fails with
    /// `NOT_FOUND`.
    #[graphql(guard = "SignedIn")]
    async fn unfavorite_roadmap(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The roadmap's global id.")] roadmap_id: ID,
    ) -> ApiResult<FavoriteRoadmapPayload> {
        set_favorite(ctx, roadmap_id, false).await
    }

    /// Imports a `roadmap-api/progress@1` document (from `exportMyProgress`): roadmaps are
    /// matched by slug, topics by key. Listed statuses and notes replace yours; favourites are
    /// added. All or nothing: the first unknown or malformed entry fails the call with
    /// `BAD_USER_INPUT`, naming it in `extensions.field`. Signed in only.
    #[graphql(guard = "SignedIn")]
    async fn import_my_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The `roadmap-api/progress@1` document: a JSON object, or its text.")]
        document: Json<serde_json::Value>,
    ) -> ApiResult<ImportMyProgressPayload> {
        let learner = learner(ctx)?;
        let out = progress(ctx)
            .import(&learner, &catalog_access(ctx), &document.0)
            .await?;
        clear_cache(loaders(ctx));
        let statuses_changed: usize = out.writes.iter().map(|w| w.changes.len()).sum();
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
    let learner = learner(ctx)?;
    let rid = GlobalId::roadmap(&roadmap_id, "roadmapId")?;
    let write = progress(ctx)
        .set_favorite(&learner, &catalog_access(ctx), rid, favorite)
        .await?
        .ok_or_else(|| not_found_roadmap(&roadmap_id))?;
    clear_cache(loaders(ctx));
    Ok(FavoriteRoadmapPayload {
        roadmap: Roadmap(Arc::new(write.roadmap)),
        favorite,
        changed: write.changed,
        progress: RoadmapProgress {
            roadmap_id: rid,
            counts: write.counts,
        },
    })
}
