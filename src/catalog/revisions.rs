//! The revision history of a roadmap: every admin change appends one row saying who, when, which
//! mutation, and what changed (`{"before": …, "after": …}` of the fields that differ).
//!
//! Retention: a roadmap keeps its newest [`MAX_REVISIONS_PER_ROADMAP`] revisions and at most
//! [`MAX_REVISION_BYTES_PER_ROADMAP`] bytes of diffs (the newest revision always stays); older
//! ones are deleted in the transaction of the edit that records a new one.
use entity::ids::{RevisionId, RoadmapId, TopicKey, UserId};
use entity::{roadmap_revisions, users};
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Map, Value};

use sea_orm::sea_query::{Condition, Expr, IntoCondition};

use crate::auth::{CatalogAccess, Editor};
use crate::error::AppError;

/// Who makes a change: a signed-in author (owner or admin), or the CLI / the seeding at start.
/// It carries the author's [`Editor`] capability: the first statement of every edit
/// (`roadmap_editing::touch`) writes the roadmap row only when the actor may edit it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub name: String,
    /// None for trusted local callers (CLI, seeding), who may edit anything.
    editor: Option<Editor>,
    /// How many live roadmaps the actor may own (`MAX_ROADMAPS_PER_USER`).
    pub max_owned_roadmaps: u64,
}

impl Actor {
    pub fn cli() -> Self {
        Self {
            user_id: None,
            name: "cli".into(),
            editor: None,
            max_owned_roadmaps: 0,
        }
    }

    pub fn seed() -> Self {
        Self {
            user_id: None,
            name: "seed".into(),
            editor: None,
            max_owned_roadmaps: 0,
        }
    }

    /// The signed-in author, named as they are now (the name is kept with each revision).
    pub async fn editor(
        db: &impl ConnectionTrait,
        editor: &Editor,
        max_owned_roadmaps: u64,
    ) -> Result<Self, AppError> {
        let user_id = editor.user_id();
        let name = users::Entity::find_by_id(user_id)
            .one(db)
            .await?
            .map(|u| u.username)
            .unwrap_or_else(|| format!("user {user_id}"));
        Ok(Self {
            user_id: Some(user_id),
            name,
            editor: Some(editor.clone()),
            max_owned_roadmaps,
        })
    }

    /// The author's capability; None for trusted local callers.
    pub fn author(&self) -> Option<&Editor> {
        self.editor.as_ref()
    }

    /// What the actor may read of the catalogue.
    pub fn catalog(&self) -> CatalogAccess {
        self.editor
            .as_ref()
            .map(|e| e.catalog())
            .unwrap_or_else(CatalogAccess::trusted)
    }

    /// Whether the actor may edit this roadmap.
    pub fn may_edit(&self, roadmap: &entity::roadmaps::Model) -> bool {
        self.editor.as_ref().is_none_or(|e| e.may_edit(roadmap))
    }

    /// [`may_edit`](Self::may_edit) as a SQL condition on the roadmaps table.
    pub fn edit_condition(&self) -> Condition {
        match &self.editor {
            Some(e) => e.condition(),
            None => Expr::value(true).into_condition(),
        }
    }

    /// Why an edit of `roadmap` (live) was refused: "not found" when the actor cannot read it,
    /// so a private roadmap does not reveal that it exists.
    pub fn refusal(&self, roadmap: &entity::roadmaps::Model) -> AppError {
        if self.catalog().can_read(roadmap) {
            AppError::Forbidden(format!(
                "you may edit only roadmaps you own, and your teams' roadmaps as their owner or \
                 manager; you may not edit `{}`",
                roadmap.slug
            ))
        } else {
            AppError::NotFound(format!("roadmap {} not found", roadmap.id))
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Roadmap,
    Topic,
    Resource,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Roadmap => "ROADMAP",
            Self::Topic => "TOPIC",
            Self::Resource => "RESOURCE",
        }
    }
}

/// The edit a revision records. Its stored name (the `mutation` column, which the revision history
/// shows) is the name of the API's mutation that made it: history written before keeps these
/// names, so they are a stored vocabulary, kept in this one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    ForkRoadmap,
    CreateTopic,
    UpdateTopic,
    MoveTopic,
    DeleteTopic,
    CreateRoadmap,
    UpdateRoadmap,
    RegenerateShareToken,
    SetRelatedRoadmaps,
    DeleteRoadmap,
    AddResource,
    UpdateResource,
    RemoveResource,
    ReorderResources,
    ImportRoadmap,
    SetTopicPrerequisites,
}

impl Edit {
    /// The name stored in the `mutation` column.
    pub fn stored_name(self) -> &'static str {
        match self {
            Self::ForkRoadmap => "forkRoadmap",
            Self::CreateTopic => "createTopic",
            Self::UpdateTopic => "updateTopic",
            Self::MoveTopic => "moveTopic",
            Self::DeleteTopic => "deleteTopic",
            Self::CreateRoadmap => "createRoadmap",
            Self::UpdateRoadmap => "updateRoadmap",
            Self::RegenerateShareToken => "regenerateShareToken",
            Self::SetRelatedRoadmaps => "setRelatedRoadmaps",
            Self::DeleteRoadmap => "deleteRoadmap",
            Self::AddResource => "addResource",
            Self::UpdateResource => "updateResource",
            Self::RemoveResource => "removeResource",
            Self::ReorderResources => "reorderResources",
            Self::ImportRoadmap => "importRoadmap",
            Self::SetTopicPrerequisites => "setTopicPrerequisites",
        }
    }
}

/// Revisions a roadmap keeps; older ones are pruned.
pub const MAX_REVISIONS_PER_ROADMAP: usize = 1_000;
/// Bytes of diffs (as JSON text) a roadmap keeps; older revisions are pruned.
pub const MAX_REVISION_BYTES_PER_ROADMAP: i64 = 2 * 1024 * 1024;

/// The newest revision id to delete, given a roadmap's `(id, bytes)` newest first: the first one
/// past the count or the bytes allowed (the newest always stays); `None` when all fit.
fn prune_from(rows: &[(RevisionId, i64)], max_count: usize, max_bytes: i64) -> Option<RevisionId> {
    let mut total = 0i64;
    for (i, (id, bytes)) in rows.iter().enumerate() {
        total = total.saturating_add(*bytes);
        if i >= max_count || (i > 0 && total > max_bytes) {
            return Some(*id);
        }
    }
    None
}

/// Deletes the revisions of a roadmap beyond the retention rule (see the module comment).
async fn prune(txn: &impl ConnectionTrait, roadmap_id: RoadmapId) -> Result<(), AppError> {
    let rows: Vec<(RevisionId, i64)> = roadmap_revisions::Entity::find()
        .select_only()
        .column(roadmap_revisions::Column::Id)
        .column(roadmap_revisions::Column::Bytes)
        .filter(roadmap_revisions::Column::RoadmapId.eq(roadmap_id))
        .order_by_desc(roadmap_revisions::Column::Id)
        .into_tuple()
        .all(txn)
        .await?;
    let cut = prune_from(
        &rows,
        MAX_REVISIONS_PER_ROADMAP,
        MAX_REVISION_BYTES_PER_ROADMAP,
    );
    if let Some(cut) = cut {
        roadmap_revisions::Entity::delete_many()
            .filter(roadmap_revisions::Column::RoadmapId.eq(roadmap_id))
            .filter(roadmap_revisions::Column::Id.lte(cut))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Appends a revision and prunes the oldest beyond the retention rule. Runs in the caller's
/// transaction, so it exists exactly when the change does.
pub async fn record(
    txn: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
    actor: &Actor,
    edit: Edit,
    entity: Entity,
    entity_id: &str,
    diff: Value,
) -> Result<(), AppError> {
    let bytes = serde_json::to_string(&diff).map_or(0, |t| t.len() as i64);
    roadmap_revisions::Entity::insert(roadmap_revisions::ActiveModel {
        id: NotSet,
        roadmap_id: Set(roadmap_id),
        user_id: Set(actor.user_id),
        actor: Set(actor.name.chars().take(100).collect()),
        mutation: Set(edit.stored_name().to_owned()),
        entity_type: Set(entity.as_str().to_owned()),
        entity_id: Set(entity_id.to_owned()),
        diff: Set(diff),
        bytes: Set(bytes),
        created_at: Set(super::export::now()),
    })
    .exec_without_returning(txn)
    .await?;
    prune(txn, roadmap_id).await
}

/// `{"before": {k: old}, "after": {k: new}}` for the keys whose values differ between two JSON
/// objects; `None` when nothing differs.
pub fn diff(before: &Value, after: &Value) -> Option<Value> {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let keys = b.keys().chain(a.keys().filter(|k| !b.contains_key(*k)));
    let (mut out_b, mut out_a) = (Map::new(), Map::new());
    for k in keys {
        let (vb, va) = (
            b.get(k).unwrap_or(&Value::Null),
            a.get(k).unwrap_or(&Value::Null),
        );
        if vb != va {
            out_b.insert(k.clone(), vb.clone());
            out_a.insert(k.clone(), va.clone());
        }
    }
    if out_b.is_empty() {
        None
    } else {
        Some(serde_json::json!({ "before": out_b, "after": out_a }))
    }
}

pub struct RevisionFilter {
    pub roadmap_id: RoadmapId,
    /// Only the revisions of this topic (by key).
    pub topic: Option<TopicKey>,
}

fn filtered(f: &RevisionFilter) -> sea_orm::Select<roadmap_revisions::Entity> {
    let mut q = roadmap_revisions::Entity::find()
        .filter(roadmap_revisions::Column::RoadmapId.eq(f.roadmap_id));
    if let Some(topic) = &f.topic {
        q = q
            .filter(roadmap_revisions::Column::EntityType.eq(Entity::Topic.as_str()))
            .filter(roadmap_revisions::Column::EntityId.eq(topic.as_str()));
    }
    q
}

pub async fn count(db: &impl ConnectionTrait, f: &RevisionFilter) -> Result<u64, AppError> {
    Ok(filtered(f).count(db).await?)
}

/// Newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &RevisionFilter,
    offset: u64,
    limit: u64,
) -> Result<Vec<roadmap_revisions::Model>, AppError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    Ok(filtered(f)
        .order_by_desc(roadmap_revisions::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::{diff, prune_from};
    use entity::ids::RevisionId;
    use serde_json::json;

    #[test]
    fn retention_keeps_the_newest_within_count_and_bytes() {
        let rows = [9, 8, 7, 6].map(|id| (RevisionId(id), 10));
        assert_eq!(prune_from(&rows, 10, 100), None);
        assert_eq!(prune_from(&rows, 2, 100), Some(RevisionId(7)));
        assert_eq!(prune_from(&rows, 10, 25), Some(RevisionId(7)));
        // The newest stays even when it alone is over the bytes.
        let big_newest = [(RevisionId(5), 500), (RevisionId(4), 1)];
        assert_eq!(prune_from(&big_newest, 10, 100), Some(RevisionId(4)));
        assert_eq!(prune_from(&[], 10, 100), None);
    }

    #[test]
    fn diffs_only_changed_keys() {
        let d = diff(
            &json!({"title": "A", "kind": "TOPIC", "legend": null}),
            &json!({"title": "B", "kind": "TOPIC", "legend": "RECOMMENDED"}),
        )
        .unwrap();
        assert_eq!(
            d,
            json!({"before": {"title": "A", "legend": null}, "after": {"title": "B", "legend": "RECOMMENDED"}})
        );
        assert!(diff(&json!({"a": 1}), &json!({"a": 1})).is_none());
    }
}
