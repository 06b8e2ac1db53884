//! `exportMyProgress` and the progress mutations. Thin: ids in, the `progress` domain does the
//! work, payloads out.
use std::sync::Arc;

use async_graphql::{Context, Json, Object, ID};
use chrono::Utc;

use super::payloads::*;
use super::*;
use crate::error::AppError;
use crate::graphql::catalog::roadmap::Roadmap;
use crate::graphql::catalog::topic::{tree_of, TreeTopics};
use crate::graphql::context::{catalog_access, db, learner, loaders};
use crate::graphql::error::ApiResult;
use crate::graphql::guards::SignedIn;
use crate::graphql::ids::GlobalId;
use crate::progress::bus::{NoteNotice, Notice};
use crate::progress::service::{self, Wanted};
use crate::progress::{export, ProgressChangeKind, ProgressStatus};

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
        let user = learner(ctx)?.user_id();
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
        let user = learner(ctx)?.user_id();
        let key = GlobalId::topic(&topic_id, "topicId")?;
        let (topic, roadmap) = service::live_topic(db(ctx), &catalog_access(ctx), &key)
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
        let user = learner(ctx)?.user_id();
        let rid = GlobalId::roadmap(&roadmap_id, "roadmapId")?;
        let roadmap = service::roadmap(db(ctx), &catalog_access(ctx), rid)
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
        let user = learner(ctx)?.user_id();
        let rid = GlobalId::roadmap(&roadmap_id, "roadmapId")?;
        let roadmap = service::roadmap(db(ctx), &catalog_access(ctx), rid)
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
        let user = learner(ctx)?.user_id();
        let key = GlobalId::topic(&topic_id, "topicId")?;
        let note = service::check_note(note, "note")?;
        let (topic, roadmap) = service::live_topic(db(ctx), &catalog_access(ctx), &key)
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
        let user = learner(ctx)?.user_id();
        let doc = export::parse(&document.0)?;
        let access = catalog_access(ctx);
        let slugs: Vec<String> = doc.iter().map(|r| r.slug.clone()).collect();
        let roadmaps_found = service::roadmaps_by_slug(db(ctx), &access, &slugs).await?;
        let keys: Vec<String> = doc
            .iter()
            .flat_map(|r| r.topics.iter().map(|t| t.key.clone()))
            .collect();
        let topics_found = service::live_topics_by_id(db(ctx), &keys).await?;

        let mut parts = Vec::with_capacity(doc.len());
        for r in &doc {
            let roadmap = roadmaps_found.get(&r.slug).ok_or_else(|| {
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
    let user = learner(ctx)?.user_id();
    let rid = GlobalId::roadmap(&roadmap_id, "roadmapId")?;
    let roadmap = service::roadmap(db(ctx), &catalog_access(ctx), rid)
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
