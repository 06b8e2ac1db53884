//! Importing a roadmap document: CREATE makes a new roadmap; REPLACE makes an existing one equal to
//! the document while keeping the topic ids that remain, so learners' progress survives. Both run
//! in the caller's transaction (all or nothing) and record a revision. Topic prerequisites are
//! written after the topics, by `prerequisites_doc`.
use std::collections::{HashMap, HashSet};

use entity::ids::{RoadmapId, TopicKey};
use entity::{resources, roadmaps, topics};
use sea_orm::sea_query::Expr;
use sea_orm::ActiveEnum;
use sea_orm::UpdateMany;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
};
use serde_json::{json, Value};

use super::document::{self, ResourceDoc, RoadmapDocument, RoadmapMeta, TopicNode};
use super::export::{self, date_modified_now, now};
use super::ownership::{check_roadmap_quota, check_topic_count, Ownership};
use super::prerequisites_doc::{self, Written};
use super::revisions::{self, Actor, Edit, Entity};
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
    let report = match mode {
        ImportMode::Create => create(txn, doc, actor).await?,
        ImportMode::Replace => replace(txn, doc, actor).await?,
    };
    super::same_as_doc::write(txn, doc).await?;
    Ok(report)
}

/// Refuses topic ids that belong to another roadmap (topic ids are global keys).
async fn check_ids_free(
    txn: &impl ConnectionTrait,
    ids: &[TopicKey],
    own_roadmap: Option<RoadmapId>,
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
    let ids: Vec<TopicKey> = flat.iter().map(|(_, _, n)| n.id.clone()).collect();
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
    report.unresolved_prerequisites = write_prerequisites(txn, actor, roadmap.id, &flat)
        .await?
        .unresolved;
    report.unresolved_related =
        service::set_related(txn, &actor.catalog(), roadmap.id, &meta.related_roadmaps).await?;
    revisions::record(
        txn,
        roadmap.id,
        actor,
        Edit::ImportRoadmap,
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
    parent: Option<&TopicKey>,
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

/// Makes the roadmap named by the document's slug equal to the document, in these steps: lock
/// the roadmap, read what it holds, plan each topic's change, write the topics (new first), remove
/// the topics the document leaves out, replace changed resources, update the roadmap's own
/// fields, and record one revision.
async fn replace(
    txn: &impl ConnectionTrait,
    doc: &RoadmapDocument,
    actor: &Actor,
) -> Result<ImportReport, AppError> {
    let model = lock_roadmap(txn, &doc.roadmap.slug, actor).await?;
    check_topic_count(model.is_official(), doc.flatten().len(), "topics")?;
    let roadmap_id = model.id;
    let before_meta = export::full_meta(txn, &model).await?;
    let stored = stored_topics(txn, roadmap_id).await?;
    let flat = doc.flatten();
    let ids: Vec<TopicKey> = flat.iter().map(|(_, _, n)| n.id.clone()).collect();
    check_ids_free(txn, &ids, Some(roadmap_id)).await?;

    let mut report = ImportReport::new(doc.roadmap.slug.clone(), ImportMode::Replace);
    let now = now();
    let plan = plan_topics(roadmap_id, &flat, &stored, now, &mut report)?;
    // New topics first: a kept topic may move under a new one, and foreign keys are checked per
    // statement.
    insert_topics(txn, plan.new_rows).await?;
    for update in plan.updates {
        update.exec(txn).await?;
    }
    let removed = remove_missing(txn, &stored.topics, &ids, now).await?;
    report.removed_topic_ids = removed.iter().map(|t| t.id.clone()).collect();
    super::links::dissolve_dead_groups(txn).await?;
    replace_resources(txn, &plan.replaced_resources, plan.new_resources).await?;
    let prerequisites = write_prerequisites(txn, actor, roadmap_id, &flat).await?;
    count_prerequisite_changes(&prerequisites, &ids, &mut report);

    let meta_changed = meta_without_date(&before_meta) != meta_without_date(&doc.roadmap);
    report.roadmap_changed = meta_changed;
    report.topics_added = report.added_topic_ids.len() as u64;
    report.topics_changed = report.changed_topic_ids.len() as u64;
    report.topics_removed = report.removed_topic_ids.len() as u64;
    let roadmap_diff = if meta_changed {
        update_meta(txn, actor, &model, &before_meta, &doc.roadmap, &mut report).await?
    } else {
        Value::Null
    };
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
        Edit::ImportRoadmap,
        Entity::Roadmap,
        &roadmap_id.to_string(),
        json!({
            "mode": "REPLACE",
            "roadmap": roadmap_diff,
            "added": report.added_topic_ids,
            "changed": plan.changed_diffs,
            "removed": removed_info,
            "reordered": report.topics_reordered,
            "prerequisites": prerequisites
                .changed
                .iter()
                .map(|(t, before, after)| {
                    (t.to_string(), json!({ "before": before, "after": after }))
                })
                .collect::<serde_json::Map<String, Value>>(),
        }),
    )
    .await?;
    Ok(report)
}

/// Sets the document's prerequisites on the roadmap's topics, which are written by now.
async fn write_prerequisites(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    roadmap_id: RoadmapId,
    flat: &[(Option<&TopicKey>, i32, &TopicNode)],
) -> Result<Written, AppError> {
    let lists: Vec<(TopicKey, Vec<TopicKey>)> = flat
        .iter()
        .map(|(_, _, n)| (n.id.clone(), n.prerequisites.clone()))
        .collect();
    let own: HashSet<&str> = flat.iter().map(|(_, _, n)| n.id.as_str()).collect();
    prerequisites_doc::write(txn, actor, roadmap_id, &lists, &own).await
}

/// A kept topic whose prerequisites changed counts as changed (in document order, once); the
/// keys left out are reported.
fn count_prerequisite_changes(written: &Written, ids: &[TopicKey], report: &mut ImportReport) {
    for (t, _, _) in &written.changed {
        if !report.added_topic_ids.contains(t) && !report.changed_topic_ids.contains(t) {
            report.changed_topic_ids.push(t.clone());
        }
    }
    let place: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    report
        .changed_topic_ids
        .sort_by_key(|k| place.get(k.as_str()).copied().unwrap_or(usize::MAX));
    report.unresolved_prerequisites = written.unresolved.clone();
}

/// The live roadmap with this slug that the actor may edit, locked for the rest of the
/// transaction: the first statement is a write on its row (see `roadmap_editing::touch`). One
/// the actor may read but not edit is refused; one they may not read does not exist for them.
async fn lock_roadmap(
    txn: &impl ConnectionTrait,
    slug: &str,
    actor: &Actor,
) -> Result<roadmaps::Model, AppError> {
    let locked = roadmaps::Entity::update_many()
        .col_expr(
            roadmaps::Column::Version,
            Expr::col(roadmaps::Column::Version).into(),
        )
        .filter(roadmaps::Column::Slug.eq(slug))
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
    service::by_slug(txn, slug).await?.ok_or_else(missing)
}

/// What a roadmap holds before a REPLACE: every topic (deleted ones too, by id) and their
/// resources.
struct StoredTopics {
    topics: HashMap<TopicKey, topics::Model>,
    resources: HashMap<TopicKey, Vec<resources::Model>>,
}

async fn stored_topics(
    txn: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
) -> Result<StoredTopics, AppError> {
    let topics = export::all_topics(txn, roadmap_id)
        .await?
        .into_iter()
        .map(|t| (t.id.clone(), t))
        .collect();
    let resources = export::all_resources(txn, roadmap_id).await?;
    Ok(StoredTopics { topics, resources })
}

/// The writes a REPLACE makes to topics and resources, and the diffs its revision records.
struct TopicPlan {
    new_rows: Vec<topics::ActiveModel>,
    new_resources: Vec<resources::ActiveModel>,
    updates: Vec<UpdateMany<topics::Entity>>,
    /// Topics whose stored resources are deleted before `new_resources` are inserted.
    replaced_resources: Vec<TopicKey>,
    changed_diffs: serde_json::Map<String, Value>,
}

/// Compares each document node with its stored topic: a new topic is inserted; a deleted one is
/// revived; a changed or moved one is updated (with its resources if they differ); the others are
/// left alone. Counts what it plans in `report`.
fn plan_topics(
    roadmap_id: RoadmapId,
    flat: &[(Option<&TopicKey>, i32, &TopicNode)],
    stored: &StoredTopics,
    now: chrono::DateTime<chrono::Utc>,
    report: &mut ImportReport,
) -> Result<TopicPlan, AppError> {
    let mut plan = TopicPlan {
        new_rows: Vec::new(),
        new_resources: Vec::new(),
        updates: Vec::new(),
        replaced_resources: Vec::new(),
        changed_diffs: serde_json::Map::new(),
    };
    for &(parent, pos, n) in flat {
        let doc_snapshot = topic_snapshot(
            parent,
            n.kind,
            &n.title,
            &n.description,
            n.legend,
            &n.resources,
        );
        let Some(old) = stored.topics.get(&n.id) else {
            plan.new_rows
                .push(topic_row(roadmap_id, parent, pos, n, now));
            plan.new_resources
                .extend(resource_rows(&n.id, &n.resources, now));
            report.resources_added += n.resources.len() as u64;
            report.added_topic_ids.push(n.id.clone());
            continue;
        };
        let old_resources: Vec<ResourceDoc> = stored
            .resources
            .get(&n.id)
            .map(|rs| rs.iter().map(export::resource_doc).collect())
            .transpose()?
            .unwrap_or_default();
        let old_snapshot = topic_snapshot(
            old.parent_id.as_ref(),
            old.kind,
            &old.title,
            &old.description,
            old.legend,
            &old_resources,
        );
        let revived = old.deleted_at.is_some();
        let content_changed = old_snapshot != doc_snapshot;
        let moved = old.position != pos;
        if !revived && !content_changed && !moved {
            continue;
        }
        plan.updates.push(topic_update(
            parent,
            pos,
            n,
            revived || content_changed,
            now,
        ));
        if old_resources != n.resources {
            plan.replaced_resources.push(n.id.clone());
            report.resources_removed += old_resources.len() as u64;
            report.resources_added += n.resources.len() as u64;
            plan.new_resources
                .extend(resource_rows(&n.id, &n.resources, now));
        }
        if revived {
            report.added_topic_ids.push(n.id.clone());
        } else if content_changed {
            report.changed_topic_ids.push(n.id.clone());
            if let Some(d) = revisions::diff(&old_snapshot, &doc_snapshot) {
                plan.changed_diffs.insert(n.id.to_string(), d);
            }
        } else {
            report.topics_reordered += 1;
        }
    }
    Ok(plan)
}

/// The update of a kept topic: its place always; its content too (and it is live again, one
/// version on) when `with_content`.
fn topic_update(
    parent: Option<&TopicKey>,
    pos: i32,
    n: &TopicNode,
    with_content: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> UpdateMany<topics::Entity> {
    let update = topics::Entity::update_many()
        .col_expr(topics::Column::ParentId, Expr::value(parent.cloned()))
        .col_expr(topics::Column::Position, Expr::value(pos))
        .filter(topics::Column::Id.eq(&n.id));
    if !with_content {
        return update;
    }
    update
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
        )
}

/// Soft-deletes the live topics the document leaves out; returns them, by id.
async fn remove_missing<'s>(
    txn: &impl ConnectionTrait,
    stored: &'s HashMap<TopicKey, topics::Model>,
    ids: &[TopicKey],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<&'s topics::Model>, AppError> {
    let in_doc: HashSet<&TopicKey> = ids.iter().collect();
    let mut removed: Vec<&topics::Model> = stored
        .values()
        .filter(|t| t.deleted_at.is_none() && !in_doc.contains(&t.id))
        .collect();
    removed.sort_by(|a, b| a.id.cmp(&b.id));
    let removed_ids: Vec<TopicKey> = removed.iter().map(|t| t.id.clone()).collect();
    for chunk in removed_ids.chunks(INSERT_CHUNK) {
        topics::Entity::update_many()
            .col_expr(topics::Column::DeletedAt, Expr::value(Some(now)))
            .col_expr(topics::Column::UpdatedAt, Expr::value(now))
            .filter(topics::Column::Id.is_in(chunk.iter().cloned()))
            .exec(txn)
            .await?;
    }
    Ok(removed)
}

/// Deletes the stored resources of the `replaced` topics, then inserts `new_resources`.
async fn replace_resources(
    txn: &impl ConnectionTrait,
    replaced: &[TopicKey],
    new_resources: Vec<resources::ActiveModel>,
) -> Result<(), AppError> {
    for chunk in replaced.chunks(INSERT_CHUNK) {
        resources::Entity::delete_many()
            .filter(resources::Column::TopicId.is_in(chunk.iter().cloned()))
            .exec(txn)
            .await?;
    }
    insert_resources(txn, new_resources).await
}

/// Writes the document's roadmap fields (keeping the stored `dateModified`), tags and related
/// roadmaps; the diff of the fields for the revision.
async fn update_meta(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    model: &roadmaps::Model,
    before_meta: &RoadmapMeta,
    doc_meta: &RoadmapMeta,
    report: &mut ImportReport,
) -> Result<Value, AppError> {
    let mut meta = doc_meta.clone();
    meta.structured_data.date_modified = model.schema_date_modified;
    let mut active = model.clone().into_active_model();
    export::apply_meta(&mut active, &meta);
    active.update(txn).await?;
    service::set_tags(txn, model.id, &meta.tags).await?;
    report.unresolved_related =
        service::set_related(txn, &actor.catalog(), model.id, &meta.related_roadmaps).await?;
    let b = serde_json::to_value(meta_without_date(before_meta)).map_err(AppError::internal)?;
    let a = serde_json::to_value(meta_without_date(&meta)).map_err(AppError::internal)?;
    Ok(revisions::diff(&b, &a).unwrap_or(Value::Null))
}
