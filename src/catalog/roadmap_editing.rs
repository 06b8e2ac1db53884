//! Edits (by the roadmap's editors: see `auth::Editor`) of roadmaps: create, partial update, soft
//! delete, related roadmaps. Each runs in one transaction whose first statement writes the roadmap
//! row: that takes the row lock (PostgreSQL) or the write lock (SQLite) before anything is read, so
//! concurrent edits of one roadmap queue up instead of reading stale rows, and `expectedVersion` is
//! checked atomically in that statement.
use chrono::{DateTime, Utc};
use entity::enums::Visibility;
use entity::ids::{RoadmapId, TeamId};
use entity::{progress, roadmaps, topics};
use sea_orm::sea_query::{Condition, Expr, IntoCondition};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, JoinType, PaginatorTrait, QueryFilter, QuerySelect, RelationTrait,
    TransactionTrait,
};
use serde_json::json;

use super::document::{self, RoadmapMeta};
use super::export::{self, date_modified_now, now};
use super::ownership::{check_roadmap_quota, Ownership};
use super::revisions::{self, Actor, Edit, Entity};
use super::roadmaps as service;
use super::rows::roadmap_row;
use crate::error::{is_unique_violation, AppError, Field, Input, Words};

fn not_found(id: RoadmapId) -> AppError {
    AppError::NotFound(format!("roadmap {id} not found"))
}

fn slug_taken(slug: &str) -> AppError {
    AppError::conflict(
        Input::Slug,
        format!("a roadmap with slug `{slug}` already exists"),
    )
}

/// Maps a unique violation on insert/update of a roadmap row to CONFLICT on `slug`.
pub(super) fn slug_error(err: sea_orm::DbErr, slug: &str) -> AppError {
    if is_unique_violation(&err) {
        slug_taken(slug)
    } else {
        err.into()
    }
}

/// Marks a live roadmap as modified now (`updated_at` and the structured-data date modified);
/// with `expected`, also bumps its version, refusing a stale one. This is the first statement of
/// every edit: it is what serialises concurrent edits of one roadmap, and where "may the actor
/// edit this roadmap" is decided (in the same statement, so it cannot be skipped).
pub async fn touch(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    roadmap_id: RoadmapId,
    bump_version: bool,
    expected: Option<i32>,
) -> Result<(), AppError> {
    let mut q = roadmaps::Entity::update_many()
        .col_expr(roadmaps::Column::UpdatedAt, Expr::value(now()))
        .col_expr(
            roadmaps::Column::SchemaDateModified,
            Expr::value(Some(date_modified_now())),
        )
        .filter(roadmaps::Column::Id.eq(roadmap_id))
        .filter(roadmaps::Column::DeletedAt.is_null())
        .filter(actor.edit_condition());
    if bump_version {
        q = q.col_expr(
            roadmaps::Column::Version,
            Expr::col(roadmaps::Column::Version).add(1),
        );
    }
    if let Some(v) = expected {
        q = q.filter(roadmaps::Column::Version.eq(v));
    }
    if q.exec(txn).await?.rows_affected == 1 {
        return Ok(());
    }
    match live_by_id(txn, roadmap_id).await? {
        Some(current) if !actor.may_edit(&current) => Err(actor.refusal(&current)),
        Some(current) => Err(stale("roadmap", current.version)),
        None => Err(not_found(roadmap_id)),
    }
}

pub fn stale(what: &str, current: i32) -> AppError {
    AppError::conflict(
        Input::ExpectedVersion,
        format!(
            "the {what} was changed by someone else (it is at version {current}): reload it and \
             apply your change again"
        ),
    )
}

pub async fn live_by_id(
    db: &impl ConnectionTrait,
    id: RoadmapId,
) -> Result<Option<roadmaps::Model>, AppError> {
    Ok(roadmaps::Entity::find_by_id(id)
        .filter(roadmaps::Column::DeletedAt.is_null())
        .one(db)
        .await?)
}

pub async fn require_live(
    db: &impl ConnectionTrait,
    id: RoadmapId,
) -> Result<roadmaps::Model, AppError> {
    live_by_id(db, id).await?.ok_or_else(|| not_found(id))
}

/// Creates a roadmap (metadata only; topics come with `createTopic` or an import). Validated here;
/// error `field`s are the input's names.
pub async fn create_roadmap(
    db: &DatabaseConnection,
    actor: &Actor,
    meta: RoadmapMeta,
    ownership: Ownership,
) -> Result<roadmaps::Model, AppError> {
    let mut doc = document::RoadmapDocument {
        format: document::FORMAT.to_owned(),
        roadmap: meta,
        topics: Vec::new(),
    };
    document::normalize(&mut doc);
    let mut meta = doc.roadmap;
    meta.structured_data.date_modified = Some(date_modified_now());
    document::validate_meta(&meta, "")?;

    let txn = db.begin().await?;
    check_roadmap_quota(&txn, &ownership, actor.user_id, actor.max_owned_roadmaps).await?;
    // The insert comes next (see the module comment); the unique index decides on the slug.
    let mut row = roadmap_row(&meta, now());
    ownership.apply(&mut row);
    let model = row
        .insert(&txn)
        .await
        .map_err(|e| slug_error(e, &meta.slug))?;
    service::set_tags(&txn, model.id, &meta.tags).await?;
    if let Some(team_id) = ownership.team_id {
        list_on_team(&txn, team_id, model.id).await?;
    }
    set_related_checked(
        &txn,
        actor,
        model.id,
        &meta.related_roadmaps,
        Input::RelatedRoadmaps,
    )
    .await?;
    revisions::record(
        &txn,
        model.id,
        actor,
        Edit::CreateRoadmap,
        Entity::Roadmap,
        &model.id.to_string(),
        json!({ "after": meta }),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// What [`update_roadmap`] did.
pub struct RoadmapUpdate {
    pub roadmap: roadmaps::Model,
    /// Its `status` or `visibility` changed: who may follow it changed (see `progress::links`).
    pub audience_changed: bool,
}

/// Partial update: `patch` edits the current metadata; only what it changes is written. Runs in
/// the caller's transaction (the caller may have more to write when the audience changed).
pub async fn update_roadmap(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    id: RoadmapId,
    expected_version: Option<i32>,
    visibility: Option<Visibility>,
    patch: impl FnOnce(&mut RoadmapMeta) -> Result<(), AppError>,
) -> Result<RoadmapUpdate, AppError> {
    touch(txn, actor, id, true, expected_version).await?;
    let model = require_live(txn, id).await?;
    let before_visibility = model.visibility;
    let before_status = model.status;
    let before = export::full_meta(txn, &model).await?;
    let mut after = before.clone();
    patch(&mut after)?;
    let mut doc = document::RoadmapDocument {
        format: document::FORMAT.to_owned(),
        roadmap: after,
        topics: Vec::new(),
    };
    document::normalize(&mut doc);
    let mut after = doc.roadmap;
    after.structured_data.date_modified = model.schema_date_modified;
    document::validate_meta(&after, "")?;

    if after.slug != before.slug && service::by_slug(txn, &after.slug).await?.is_some() {
        return Err(slug_taken(&after.slug));
    }
    let mut active = model.clone().into_active_model();
    export::apply_meta(&mut active, &after);
    if let Some(v) = visibility {
        active.visibility = Set(v);
    }
    let model = active
        .update(txn)
        .await
        .map_err(|e| slug_error(e, &after.slug))?;
    if after.tags != before.tags {
        service::set_tags(txn, id, &after.tags).await?;
    }
    let mut b = serde_json::to_value(&before).map_err(AppError::internal)?;
    let mut a = serde_json::to_value(&after).map_err(AppError::internal)?;
    // Only longer metadata can make the document larger.
    if a.to_string().len() > b.to_string().len() {
        super::limits::check_stored_size(txn, id, Input::Whole).await?;
    }
    // The date modified moves on every edit; the diff is about what the admin changed.
    for v in [&mut b, &mut a] {
        if let Some(sd) = v.get_mut("structuredData").and_then(|s| s.as_object_mut()) {
            sd.remove("dateModified");
        }
    }
    if let Some(v) = visibility.filter(|v| *v != before_visibility) {
        b["visibility"] = json!(before_visibility);
        a["visibility"] = json!(v);
    }
    let diff = revisions::diff(&b, &a).unwrap_or_else(|| json!({}));
    revisions::record(
        txn,
        id,
        actor,
        Edit::UpdateRoadmap,
        Entity::Roadmap,
        &id.to_string(),
        diff,
    )
    .await?;
    let audience_changed = model.visibility != before_visibility || model.status != before_status;
    Ok(RoadmapUpdate {
        roadmap: model,
        audience_changed,
    })
}

/// Gives the roadmap a new share token: links with the old one stop working, and whoever
/// followed the roadmap by its link needs the new one.
pub async fn regenerate_share_token(
    db: &DatabaseConnection,
    actor: &Actor,
    id: RoadmapId,
) -> Result<roadmaps::Model, AppError> {
    let txn = db.begin().await?;
    touch(&txn, actor, id, false, None).await?;
    let mut active = require_live(&txn, id).await?.into_active_model();
    active.share_token = Set(Some(super::ownership::new_share_token()));
    let model = active.update(&txn).await?;
    super::shares::clear(&txn, id).await?;
    // The token itself stays out of the history: revisions are read by every editor.
    revisions::record(
        &txn,
        id,
        actor,
        Edit::RegenerateShareToken,
        Entity::Roadmap,
        &id.to_string(),
        json!({ "after": { "shareToken": "(new)" } }),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Replaces the related roadmaps by slug (in order). Unknown slugs are refused.
pub async fn set_related_roadmaps(
    db: &DatabaseConnection,
    actor: &Actor,
    id: RoadmapId,
    slugs: Vec<String>,
    expected_version: Option<i32>,
) -> Result<roadmaps::Model, AppError> {
    let slugs: Vec<String> = slugs.iter().map(|s| s.trim().to_owned()).collect();
    let txn = db.begin().await?;
    touch(&txn, actor, id, true, expected_version).await?;
    let model = require_live(&txn, id).await?;
    for (i, s) in slugs.iter().enumerate() {
        if !document::is_valid_slug(s) || s == &model.slug {
            return Err(AppError::bad_input(
                Field::item(Input::RelatedSlugs, i),
                format!("`{s}` is not the slug of another roadmap"),
            ));
        }
    }
    let before = export::related_of(&txn, id).await?;
    set_related_checked(&txn, actor, id, &slugs, Input::RelatedSlugs).await?;
    let after = export::related_of(&txn, id).await?;
    revisions::record(
        &txn,
        id,
        actor,
        Edit::SetRelatedRoadmaps,
        Entity::Roadmap,
        &id.to_string(),
        json!({ "before": { "relatedRoadmaps": before }, "after": { "relatedRoadmaps": after } }),
    )
    .await?;
    let model = require_live(&txn, id).await?;
    txn.commit().await?;
    Ok(model)
}

async fn set_related_checked(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    id: RoadmapId,
    slugs: &[String],
    list: Input,
) -> Result<(), AppError> {
    let unresolved = service::set_related(txn, &actor.catalog(), id, slugs).await?;
    if let Some(first) = unresolved.first() {
        let i = slugs.iter().position(|s| s == first).unwrap_or(0);
        return Err(AppError::bad_input(
            Field::item(list, i),
            format!("no roadmap has the slug `{first}`"),
        ));
    }
    Ok(())
}

/// What deleting a roadmap did.
pub struct Deleted {
    pub roadmap: roadmaps::Model,
    pub archived_progress: u64,
}

/// Soft-deletes a roadmap. While learners have (unarchived) progress on it this is refused unless
/// `force`, which archives that progress (kept, but out of every count) instead of destroying it.
pub async fn delete_roadmap(
    db: &DatabaseConnection,
    actor: &Actor,
    id: RoadmapId,
    force: bool,
) -> Result<Deleted, AppError> {
    let txn = db.begin().await?;
    let when: DateTime<Utc> = now();
    let which = Condition::all()
        .add(roadmaps::Column::Id.eq(id))
        .add(actor.edit_condition());
    if soft_delete(&txn, which, when).await? != 1 {
        return Err(match live_by_id(&txn, id).await? {
            Some(current) => actor.refusal(&current),
            None => not_found(id),
        });
    }
    // Progress on topics already deleted counts nowhere, so it does not block the delete.
    let live_progress = progress::Entity::find()
        .join(JoinType::InnerJoin, progress::Relation::Topic.def())
        .filter(progress::Column::RoadmapId.eq(id))
        .filter(progress::Column::ArchivedAt.is_null())
        .filter(topics::Column::DeletedAt.is_null())
        .count(&txn)
        .await?;
    if live_progress > 0 && !force {
        // Dropping the transaction rolls the delete back.
        return Err(AppError::conflict(
            Input::Force,
            Words::from(format!(
                "learners have progress on this roadmap ({live_progress} topic statuses): pass `"
            ))
            .then_name(Input::Force)
            .then(": true` to delete it anyway and archive their progress"),
        ));
    }
    // Every unarchived row of the roadmap is archived, including those on deleted topics.
    let archived = archive_progress(&txn, progress::Column::RoadmapId.eq(id), when).await?;
    let model = roadmaps::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| not_found(id))?;
    revisions::record(
        &txn,
        id,
        actor,
        Edit::DeleteRoadmap,
        Entity::Roadmap,
        &id.to_string(),
        json!({ "before": { "slug": model.slug, "title": model.title, "deletedAt": null },
                "after": { "deletedAt": when, "archivedProgress": archived, "force": force } }),
    )
    .await?;
    txn.commit().await?;
    Ok(Deleted {
        roadmap: model,
        archived_progress: archived,
    })
}

/// Lists a roadmap among a team's roadmaps (one the team just made, or chose).
pub async fn list_on_team(
    txn: &impl ConnectionTrait,
    team_id: TeamId,
    roadmap_id: RoadmapId,
) -> Result<(), AppError> {
    entity::team_roadmaps::Entity::insert(entity::team_roadmaps::ActiveModel {
        team_id: Set(team_id),
        roadmap_id: Set(roadmap_id),
        added_at: Set(Utc::now()),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// Marks the live roadmaps matching `which` deleted at `when`, bumping their version (so cached
/// trees and answers drop them), and dissolves the groups rooted on them; returns how many.
pub async fn soft_delete(
    txn: &impl ConnectionTrait,
    which: Condition,
    when: DateTime<Utc>,
) -> Result<u64, AppError> {
    let done = roadmaps::Entity::update_many()
        .col_expr(roadmaps::Column::DeletedAt, Expr::value(Some(when)))
        .col_expr(roadmaps::Column::UpdatedAt, Expr::value(when))
        .col_expr(
            roadmaps::Column::Version,
            Expr::col(roadmaps::Column::Version).add(1),
        )
        .filter(roadmaps::Column::DeletedAt.is_null())
        .filter(which)
        .exec(txn)
        .await?;
    super::links::dissolve_dead_groups(txn).await?;
    Ok(done.rows_affected)
}

/// Archives the unarchived progress rows matching `which` (a condition on `progress`) at `when`;
/// returns how many.
pub async fn archive_progress(
    txn: &impl ConnectionTrait,
    which: impl IntoCondition,
    when: DateTime<Utc>,
) -> Result<u64, AppError> {
    let done = progress::Entity::update_many()
        .col_expr(progress::Column::ArchivedAt, Expr::value(Some(when)))
        .filter(progress::Column::ArchivedAt.is_null())
        .filter(which.into_condition())
        .exec(txn)
        .await?;
    Ok(done.rows_affected)
}
