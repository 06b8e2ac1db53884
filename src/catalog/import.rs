//! Importing a roadmap document: CREATE makes a new roadmap; REPLACE makes an existing one equal to
//! the document while keeping the topic ids that remain, so learners' progress survives. Both run
//! in the caller's transaction (all or nothing) and record a revision.
use std::collections::{HashMap, HashSet};

use entity::{resources, roadmaps, topics};
use sea_orm::sea_query::Expr;
use sea_orm::ActiveEnum;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::{json, Value};

use super::document::{self, ResourceDoc, RoadmapDocument, RoadmapMeta};
use super::export::{self, date_modified_now, now};
use super::ownership::{check_roadmap_quota, check_topic_count, Ownership};
use super::revisions::{self, Actor, Entity};
use super::roadmap_editing::slug_error;
use super::roadmaps::{self as service, ImportReport};
use super::rows::{resource_rows, roadmap_row, topic_row};
use super::ImportMode;
use super::{LegendMark, TopicKind};
use crate::error::AppError;

/// Rows per multi-row INSERT: well under SQLite's bound-parameter limit for our widest table.
const INSERT_CHUNK: usize = 500;

pub async fn import(
    txn: &impl ConnectionTrait,
    doc: &RoadmapDocument,
    mode: ImportMode,
    actor: &Actor,
) -> Result<ImportReport, AppError> {
    document::validate(doc)?;
    match mode {
        ImportMode::Create => create(txn, doc, actor).await,
        ImportMode::Replace => replace(txn, doc, actor).await,
    }
}

/// Refuses topic ids that belong to another roadmap (topic ids are global keys).
async fn check_ids_free(
    txn: &impl ConnectionTrait,
    ids: &[String],
    own_roadmap: Option<i32>,
) -> Result<(), AppError> {
    for chunk in ids.chunks(INSERT_CHUNK) {
        let mut q = topics::Entity::find().filter(topics::Column::Id.is_in(chunk.iter().cloned()));
        if let Some(own) = own_roadmap {
            q = q.filter(topics::Column::RoadmapId.ne(own));
        }
        if let Some(taken) = q.one(txn).await? {
            return Err(AppError::conflict(
                "topics",
                format!("topic id `{}` is already used by another roadmap", taken.id),
            ));
        }
    }
    Ok(())
}

pub(super) async fn insert_topics(
    txn: &impl ConnectionTrait,
    rows: Vec<topics::ActiveModel>,
) -> Result<(), AppError> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        topics::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

pub(super) async fn insert_resources(
    txn: &impl ConnectionTrait,
    rows: Vec<resources::ActiveModel>,
) -> Result<(), AppError> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        resources::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

async fn create(
    txn: &impl ConnectionTrait,
    doc: &RoadmapDocument,
    actor: &Actor,
) -> Result<ImportReport, AppError> {
    let mut meta = doc.roadmap.clone();
    if meta.structured_data.date_modified.is_none() {
        meta.structured_data.date_modified = Some(date_modified_now());
    }
    let now = now();
    let ownership = Ownership::for_new(actor, None, None, None)?;
    check_topic_count(ownership.is_official(), doc.flatten().len(), "topics")?;
    check_roadmap_quota(txn, &ownership, actor.user_id, actor.max_owned_roadmaps).await?;
    // The insert takes the write lock; the unique index of live slugs decides whether the slug is
    // free.
    let mut row = roadmap_row(&meta, now);
    ownership.apply(&mut row);
    let roadmap = row
        .insert(txn)
        .await
        .map_err(|e| slug_error(e, &meta.slug))?;
    service::set_tags(txn, roadmap.id, &meta.tags).await?;

    let flat = doc.flatten();
    let ids: Vec<String> = flat.iter().map(|(_, _, n)| n.id.clone()).collect();
    check_ids_free(txn, &ids, None).await?;
    let topic_rows: Vec<topics::ActiveModel> = flat
        .iter()
        .map(|(parent, pos, n)| topic_row(roadmap.id, *parent, *pos, n, now))
        .collect();
    let resource_rows: Vec<resources::ActiveModel> = flat
        .iter()
        .flat_map(|(_, _, n)| resource_rows(&n.id, &n.resources, now))
        .collect();
    let mut report = ImportReport::new(roadmap.slug.clone(), ImportMode::Create);
    report.created = true;
    report.topics_added = topic_rows.len() as u64;
    report.resources_added = resource_rows.len() as u64;
    report.added_topic_ids = ids;
    insert_topics(txn, topic_rows).await?;
    insert_resources(txn, resource_rows).await?;
    report.unresolved_related =
        service::set_related(txn, &actor.catalog(), roadmap.id, &meta.related_roadmaps).await?;
    revisions::record(
        txn,
        roadmap.id,
        actor,
        "importRoadmap",
        Entity::Roadmap,
        &roadmap.id.to_string(),
        json!({ "mode": "CREATE", "after": { "slug": roadmap.slug, "title": roadmap.title },
                "topicsAdded": report.topics_added, "resourcesAdded": report.resources_added }),
    )
    .await?;
    Ok(report)
}

/// What a topic says, for comparing a stored topic with a document node and for revisions.
fn topic_snapshot(
    parent: Option<&str>,
    kind: TopicKind,
    title: &str,
    description: &str,
    legend: Option<LegendMark>,
    resources: &[ResourceDoc],
) -> Value {
    json!({
        "parentId": parent,
        "kind": kind,
        "title": title,
        "description": description,
        "legend": legend,
        "resources": resources,
    })
}

fn meta_without_date(meta: &RoadmapMeta) -> RoadmapMeta {
    let mut m = meta.clone();
    m.structured_data.date_modified = None;
    m
}

async fn replace(
    txn: &impl ConnectionTrait,
    doc: &RoadmapDocument,
    actor: &Actor,
) -> Result<ImportReport, AppError> {
    let slug = &doc.roadmap.slug;
    // First statement: a write that locks the live roadmap row (see editing.rs).
    let locked = roadmaps::Entity::update_many()
        .col_expr(
            roadmaps::Column::Version,
            Expr::col(roadmaps::Column::Version).into(),
        )
        .filter(roadmaps::Column::Slug.eq(slug.as_str()))
        .filter(roadmaps::Column::DeletedAt.is_null())
        .filter(actor.edit_condition())
        .exec(txn)
        .await?;
    let missing = || {
        AppError::NotFound(format!(
            "no roadmap has the slug `{slug}` (import it with mode CREATE)"
        ))
    };
    if locked.rows_affected != 1 {
        return Err(match service::by_slug(txn, slug).await? {
            Some(current) if actor.catalog().can_read(&current) => actor.refusal(&current),
            _ => missing(),
        });
    }
    let model = service::by_slug(txn, slug).await?.ok_or_else(missing)?;
    check_topic_count(model.is_official(), doc.flatten().len(), "topics")?;
    let roadmap_id = model.id;
    let before_meta = export::full_meta(txn, &model).await?;
    let stored: HashMap<String, topics::Model> = export::all_topics(txn, roadmap_id)
        .await?
        .into_iter()
        .map(|t| (t.id.clone(), t))
        .collect();
    let stored_resources = export::all_resources(txn, roadmap_id).await?;
    let flat = doc.flatten();
    let ids: Vec<String> = flat.iter().map(|(_, _, n)| n.id.clone()).collect();
    check_ids_free(txn, &ids, Some(roadmap_id)).await?;

    let mut report = ImportReport::new(slug.clone(), ImportMode::Replace);
    let now = now();
    let mut new_rows = Vec::new();
    let mut new_resources = Vec::new();
    let mut changed_diffs = serde_json::Map::new();
    let mut replaced_resources: Vec<String> = Vec::new();
    let mut updates = Vec::new();
    for (parent, pos, n) in &flat {
        let doc_snapshot = topic_snapshot(
            *parent,
            n.kind,
            &n.title,
            &n.description,
            n.legend,
            &n.resources,
        );
        let Some(old) = stored.get(&n.id) else {
            new_rows.push(topic_row(roadmap_id, *parent, *pos, n, now));
            new_resources.extend(resource_rows(&n.id, &n.resources, now));
            report.resources_added += n.resources.len() as u64;
            report.added_topic_ids.push(n.id.clone());
            continue;
        };
        let old_resources: Vec<ResourceDoc> = stored_resources
            .get(&n.id)
            .map(|rs| rs.iter().map(export::resource_doc).collect())
            .transpose()?
            .unwrap_or_default();
        let old_snapshot = topic_snapshot(
            old.parent_id.as_deref(),
            old.kind,
            &old.title,
            &old.description,
            old.legend,
            &old_resources,
        );
        let revived = old.deleted_at.is_some();
        let content_changed = old_snapshot != doc_snapshot;
        let moved = old.position != *pos;
        if !revived && !content_changed && !moved {
            continue;
        }
        let mut update = topics::Entity::update_many()
            .col_expr(
                topics::Column::ParentId,
                Expr::value(parent.map(str::to_owned)),
            )
            .col_expr(topics::Column::Position, Expr::value(*pos))
            .filter(topics::Column::Id.eq(n.id.as_str()));
        if revived || content_changed {
            update = update
                .col_expr(topics::Column::Kind, Expr::value(n.kind.to_value()))
                .col_expr(topics::Column::Title, Expr::value(n.title.as_str()))
                .col_expr(
                    topics::Column::Description,
                    Expr::value(n.description.as_str()),
                )
                .col_expr(
                    topics::Column::Legend,
                    Expr::value(n.legend.map(|l| l.to_value())),
                )
                .col_expr(
                    topics::Column::DeletedAt,
                    Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
                )
                .col_expr(topics::Column::UpdatedAt, Expr::value(now))
                .col_expr(
                    topics::Column::Version,
                    Expr::col(topics::Column::Version).add(1),
                );
        }
        updates.push(update);
        if old_resources != n.resources {
            replaced_resources.push(n.id.clone());
            report.resources_removed += old_resources.len() as u64;
            report.resources_added += n.resources.len() as u64;
            new_resources.extend(resource_rows(&n.id, &n.resources, now));
        }
        if revived {
            report.added_topic_ids.push(n.id.clone());
        } else if content_changed {
            report.changed_topic_ids.push(n.id.clone());
            if let Some(d) = revisions::diff(&old_snapshot, &doc_snapshot) {
                changed_diffs.insert(n.id.clone(), d);
            }
        } else {
            report.topics_reordered += 1;
        }
    }
    // New topics first: a kept topic may move under a new one, and foreign keys are checked per
    // statement.
    insert_topics(txn, new_rows).await?;
    for update in updates {
        update.exec(txn).await?;
    }

    let in_doc: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let mut removed: Vec<&topics::Model> = stored
        .values()
        .filter(|t| t.deleted_at.is_none() && !in_doc.contains(t.id.as_str()))
        .collect();
    removed.sort_by(|a, b| a.id.cmp(&b.id));
    report.removed_topic_ids = removed.iter().map(|t| t.id.clone()).collect();
    for chunk in report.removed_topic_ids.chunks(INSERT_CHUNK) {
        topics::Entity::update_many()
            .col_expr(topics::Column::DeletedAt, Expr::value(Some(now)))
            .col_expr(topics::Column::UpdatedAt, Expr::value(now))
            .filter(topics::Column::Id.is_in(chunk.iter().cloned()))
            .exec(txn)
            .await?;
    }
    for chunk in replaced_resources.chunks(INSERT_CHUNK) {
        resources::Entity::delete_many()
            .filter(resources::Column::TopicId.is_in(chunk.iter().cloned()))
            .exec(txn)
            .await?;
    }
    insert_resources(txn, new_resources).await?;

    let doc_meta = &doc.roadmap;
    let meta_changed = meta_without_date(&before_meta) != meta_without_date(doc_meta);
    report.roadmap_changed = meta_changed;
    report.topics_added = report.added_topic_ids.len() as u64;
    report.topics_changed = report.changed_topic_ids.len() as u64;
    report.topics_removed = report.removed_topic_ids.len() as u64;
    let mut roadmap_diff = Value::Null;
    if meta_changed {
        let mut meta = doc_meta.clone();
        meta.structured_data.date_modified = model.schema_date_modified;
        let mut active = model.clone().into_active_model();
        export::apply_meta(&mut active, &meta);
        active.update(txn).await?;
        service::set_tags(txn, roadmap_id, &meta.tags).await?;
        report.unresolved_related =
            service::set_related(txn, &actor.catalog(), roadmap_id, &meta.related_roadmaps).await?;
        let b =
            serde_json::to_value(meta_without_date(&before_meta)).map_err(AppError::internal)?;
        let a = serde_json::to_value(meta_without_date(&meta)).map_err(AppError::internal)?;
        roadmap_diff = revisions::diff(&b, &a).unwrap_or(Value::Null);
    }
    if !report.is_noop() {
        super::roadmap_editing::touch(txn, actor, roadmap_id, meta_changed, None).await?;
    }
    let removed_info: Vec<Value> = removed
        .iter()
        .map(|t| json!({ "id": t.id, "title": t.title }))
        .collect();
    revisions::record(
        txn,
        roadmap_id,
        actor,
        "importRoadmap",
        Entity::Roadmap,
        &roadmap_id.to_string(),
        json!({
            "mode": "REPLACE",
            "roadmap": roadmap_diff,
            "added": report.added_topic_ids,
            "changed": changed_diffs,
            "removed": removed_info,
            "reordered": report.topics_reordered,
        }),
    )
    .await?;
    Ok(report)
}
