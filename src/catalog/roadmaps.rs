//! Roadmap reads (always through a `CatalogAccess`), tags and related roadmaps, and the import
//! report.
use entity::ids::{RoadmapId, TopicKey, UserId};
use entity::{roadmap_tags, roadmaps};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};

use super::RoadmapKind;
use crate::auth::CatalogAccess;
use crate::error::AppError;

pub struct ListFilter {
    pub kind: Option<RoadmapKind>,
    pub tag: Option<String>,
    /// Only official roadmaps (owned by no user or team).
    pub official_only: bool,
}

fn filtered(access: &CatalogAccess, filter: &ListFilter) -> Select<roadmaps::Entity> {
    let mut q = roadmaps::Entity::find().filter(access.condition());
    if filter.official_only {
        q = q
            .filter(roadmaps::Column::OwnerId.is_null())
            .filter(roadmaps::Column::TeamId.is_null());
    }
    if let Some(kind) = filter.kind {
        q = q.filter(roadmaps::Column::Kind.eq(kind));
    }
    if let Some(tag) = &filter.tag {
        let tagged = roadmap_tags::Entity::find()
            .select_only()
            .column(roadmap_tags::Column::RoadmapId)
            .filter(roadmap_tags::Column::Tag.eq(tag.trim().to_lowercase()))
            .into_query();
        q = q.filter(roadmaps::Column::Id.in_subquery(tagged));
    }
    q
}

pub async fn count(
    db: &impl ConnectionTrait,
    access: &CatalogAccess,
    filter: &ListFilter,
) -> Result<u64, AppError> {
    Ok(filtered(access, filter).count(db).await?)
}

pub async fn list(
    db: &impl ConnectionTrait,
    access: &CatalogAccess,
    filter: &ListFilter,
    offset: u64,
    limit: u64,
) -> Result<Vec<roadmaps::Model>, AppError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    Ok(filtered(access, filter)
        .order_by_asc(roadmaps::Column::SortOrder)
        .order_by_asc(roadmaps::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?)
}

pub async fn by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<roadmaps::Model>, AppError> {
    Ok(roadmaps::Entity::find()
        .filter(roadmaps::Column::Slug.eq(slug.trim()))
        .filter(roadmaps::Column::DeletedAt.is_null())
        .one(db)
        .await?)
}

/// The most roadmaps [`owned_by`] returns: more than `MAX_ROADMAPS_PER_USER`'s default, so a
/// learner's list is whole unless an operator raised the quota past it.
pub const OWNED_LIST_MAX: u64 = 100;

/// The live roadmaps a learner owns (not their teams'), newest first, at most
/// [`OWNED_LIST_MAX`]: one statement. Their owner may read them all, drafts and PRIVATE ones
/// included, so no [`CatalogAccess`] is needed.
pub async fn owned_by(
    db: &impl ConnectionTrait,
    owner_id: UserId,
) -> Result<Vec<roadmaps::Model>, AppError> {
    Ok(roadmaps::Entity::find()
        .filter(roadmaps::Column::OwnerId.eq(owner_id))
        .filter(roadmaps::Column::DeletedAt.is_null())
        .order_by_desc(roadmaps::Column::CreatedAt)
        .order_by_desc(roadmaps::Column::Id)
        .limit(OWNED_LIST_MAX)
        .all(db)
        .await?)
}

/// A roadmap by id in whatever state (deleted included): for payloads after an admin's edit.
pub async fn by_id(
    db: &impl ConnectionTrait,
    id: RoadmapId,
) -> Result<Option<roadmaps::Model>, AppError> {
    Ok(roadmaps::Entity::find_by_id(id).one(db).await?)
}

/// The catalogue position after the last roadmap (deleted ones included, so orders stay unique).
pub async fn next_sort_order(db: &impl ConnectionTrait) -> Result<i32, AppError> {
    Ok(roadmaps::Entity::find()
        .order_by_desc(roadmaps::Column::SortOrder)
        .one(db)
        .await?
        .map(|r| r.sort_order + 1)
        .unwrap_or(1))
}

/// Whether any roadmap, live or deleted, ever had this slug (seeding must not recreate it).
pub async fn slug_ever_used(db: &impl ConnectionTrait, slug: &str) -> Result<bool, AppError> {
    Ok(roadmaps::Entity::find()
        .filter(roadmaps::Column::Slug.eq(slug.trim()))
        .one(db)
        .await?
        .is_some())
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub slug: String,
    pub mode: super::ImportMode,
    /// True when the import created the roadmap (CREATE).
    pub created: bool,
    /// True when the roadmap's metadata, tags or related roadmaps changed (REPLACE).
    pub roadmap_changed: bool,
    /// Topics created, or brought back after an earlier removal (their progress comes back too).
    pub topics_added: u64,
    /// Topics whose title, description, kind, legend, resources or parent changed.
    pub topics_changed: u64,
    /// Topics the document no longer has: soft-deleted, learners' progress on them kept.
    pub topics_removed: u64,
    /// Topics that only moved among their siblings.
    pub topics_reordered: u64,
    pub resources_added: u64,
    pub resources_removed: u64,
    /// Keys of the added topics, in document order.
    pub added_topic_ids: Vec<TopicKey>,
    pub changed_topic_ids: Vec<TopicKey>,
    pub removed_topic_ids: Vec<TopicKey>,
    /// Related roadmap slugs that name no roadmap here (kept out; set them again once they exist).
    pub unresolved_related: Vec<String>,
    /// `topic: key` for each prerequisite left out: the key names no live topic of the document
    /// or of a roadmap the importer may read (see `prerequisites_doc`).
    pub unresolved_prerequisites: Vec<String>,
}

impl ImportReport {
    pub fn new(slug: String, mode: super::ImportMode) -> Self {
        Self {
            slug,
            mode,
            created: false,
            roadmap_changed: false,
            topics_added: 0,
            topics_changed: 0,
            topics_removed: 0,
            topics_reordered: 0,
            resources_added: 0,
            resources_removed: 0,
            added_topic_ids: Vec::new(),
            changed_topic_ids: Vec::new(),
            removed_topic_ids: Vec::new(),
            unresolved_related: Vec::new(),
            unresolved_prerequisites: Vec::new(),
        }
    }

    /// True when the import wrote nothing but its revision.
    pub fn is_noop(&self) -> bool {
        !self.created
            && !self.roadmap_changed
            && self.topics_added == 0
            && self.topics_changed == 0
            && self.topics_removed == 0
            && self.topics_reordered == 0
            && self.resources_added == 0
            && self.resources_removed == 0
    }
}

/// Imports a document in its own transaction: all of it, or nothing.
pub async fn import_document(
    db: &sea_orm::DatabaseConnection,
    doc: &super::document::RoadmapDocument,
    mode: super::ImportMode,
    actor: &super::revisions::Actor,
) -> Result<ImportReport, AppError> {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    let report = super::import::import(&txn, doc, mode, actor).await?;
    txn.commit().await?;
    Ok(report)
}

/// Creates a new roadmap from a validated document. Runs inside the caller's transaction.
pub async fn import_create(
    txn: &impl ConnectionTrait,
    doc: &super::document::RoadmapDocument,
) -> Result<ImportReport, AppError> {
    super::import::import(
        txn,
        doc,
        super::ImportMode::Create,
        &super::revisions::Actor::seed(),
    )
    .await
}

/// Replaces a roadmap's tags (stored lower-case, in the given order).
pub async fn set_tags(
    txn: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
    tags: &[String],
) -> Result<(), AppError> {
    use sea_orm::ActiveValue::Set;
    roadmap_tags::Entity::delete_many()
        .filter(roadmap_tags::Column::RoadmapId.eq(roadmap_id))
        .exec(txn)
        .await?;
    let rows: Vec<roadmap_tags::ActiveModel> = tags
        .iter()
        .enumerate()
        .map(|(i, t)| roadmap_tags::ActiveModel {
            roadmap_id: Set(roadmap_id),
            tag: Set(t.trim().to_lowercase()),
            position: Set(i as i32),
        })
        .collect();
    if !rows.is_empty() {
        roadmap_tags::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Replaces a roadmap's related roadmaps by slug, in order. Returns the slugs that match nothing.
/// [`set_related`] in a transaction of its own (the CLI links roadmaps after importing them all).
pub async fn set_related_now(
    db: &sea_orm::DatabaseConnection,
    roadmap_id: RoadmapId,
    slugs: &[String],
) -> Result<Vec<String>, AppError> {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    let left = set_related(&txn, &CatalogAccess::trusted(), roadmap_id, slugs).await?;
    txn.commit().await?;
    Ok(left)
}

/// Only roadmaps the author may read can be named: another learner's PRIVATE roadmap is as
/// unknown here as everywhere else.
pub async fn set_related(
    txn: &impl ConnectionTrait,
    access: &CatalogAccess,
    roadmap_id: RoadmapId,
    slugs: &[String],
) -> Result<Vec<String>, AppError> {
    use entity::roadmap_relations;
    use sea_orm::ActiveValue::Set;
    roadmap_relations::Entity::delete_many()
        .filter(roadmap_relations::Column::RoadmapId.eq(roadmap_id))
        .exec(txn)
        .await?;
    let found = roadmaps::Entity::find()
        .filter(roadmaps::Column::Slug.is_in(slugs.iter().cloned()))
        .filter(access.condition())
        .all(txn)
        .await?;
    let mut rows = Vec::new();
    let mut unresolved = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for slug in slugs {
        match found.iter().find(|r| &r.slug == slug) {
            Some(r) if r.id != roadmap_id && seen.insert(r.id) => {
                rows.push(roadmap_relations::ActiveModel {
                    roadmap_id: Set(roadmap_id),
                    related_id: Set(r.id),
                    position: Set(rows.len() as i32),
                })
            }
            Some(_) => {}
            None => unresolved.push(slug.clone()),
        }
    }
    if !rows.is_empty() {
        roadmap_relations::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(unresolved)
}
