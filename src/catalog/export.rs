//! Stored roadmap → `RoadmapDocument`, and the model columns ↔ document metadata mapping that
//! create, update, import and export share.
use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use entity::ids::{RoadmapId, TopicKey};
use entity::{resources, roadmap_relations, roadmap_tags, roadmaps, topics};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait,
};

use super::document::{
    DimensionsDoc, QuestionDoc, ResourceDoc, RoadmapDocument, RoadmapMeta, SeoDoc, SitemapDoc,
    SponsorDoc, StructuredDataDoc, TopicNode, FORMAT,
};
use super::RoadmapTree;
use crate::auth::CatalogAccess;
use crate::error::AppError;

/// "Now" as stored: microseconds (PostgreSQL's precision), so a value reads back as written.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// The structured-data "date modified" is published with second precision.
pub fn date_modified_now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// The strings of a JSON array column (`seo_keywords`, `related_questions`); anything else in it
/// is skipped, so a hand-edited row cannot fail a read.
pub fn json_strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Sets every metadata column of a roadmap row from a document's metadata (not id, version,
/// timestamps or deletion).
pub fn apply_meta(a: &mut roadmaps::ActiveModel, m: &RoadmapMeta) {
    let sd = &m.structured_data;
    let sponsor = m.sponsor.as_ref();
    a.slug = Set(m.slug.clone());
    a.title = Set(m.title.clone());
    a.brief_title = Set(m.brief_title.clone());
    a.description = Set(m.description.clone());
    a.brief_description = Set(m.brief_description.clone());
    a.sort_order = Set(m.order);
    a.kind = Set(m.kind);
    a.status = Set(m.status);
    a.is_forkable = Set(m.is_forkable);
    a.has_topics = Set(m.has_topics);
    a.width = Set(m.dimensions.as_ref().map(|d| d.width));
    a.height = Set(m.dimensions.as_ref().map(|d| d.height));
    a.question_title = Set(m.question.as_ref().map(|q| q.title.clone()));
    a.question_description = Set(m.question.as_ref().map(|q| q.description.clone()));
    a.seo_title = Set(m.seo.title.clone());
    a.seo_description = Set(m.seo.description.clone());
    a.seo_keywords = Set(serde_json::json!(m.seo.keywords));
    a.schema_headline = Set(sd.headline.clone());
    a.schema_description = Set(sd.description.clone());
    a.schema_image_url = Set(sd.image_url.clone());
    a.schema_date_published = Set(sd.date_published);
    a.schema_date_modified = Set(sd.date_modified);
    a.sitemap_priority = Set(m.sitemap.as_ref().map(|s| s.priority));
    a.sitemap_change_frequency = Set(m.sitemap.as_ref().map(|s| s.change_frequency));
    a.pdf_url = Set(m.pdf_url.clone());
    a.json_url = Set(m.json_url.clone());
    a.sponsor_url = Set(sponsor.map(|s| s.url.clone()));
    a.sponsor_title = Set(sponsor.map(|s| s.title.clone()));
    a.sponsor_image_url = Set(sponsor.and_then(|s| s.image_url.clone()));
    a.sponsor_description = Set(sponsor.and_then(|s| s.description.clone()));
    a.sponsor_expires_at = Set(sponsor.and_then(|s| s.expires_at));
    a.related_questions = Set(serde_json::json!(m.related_questions));
}

/// A stored roadmap's metadata in document form.
pub fn meta_of(
    m: &roadmaps::Model,
    tags: Vec<String>,
    related: Vec<String>,
) -> Result<RoadmapMeta, AppError> {
    let sitemap = match (m.sitemap_priority, m.sitemap_change_frequency) {
        (Some(priority), Some(change_frequency)) => Some(SitemapDoc {
            priority,
            change_frequency,
        }),
        _ => None,
    };
    Ok(RoadmapMeta {
        slug: m.slug.clone(),
        title: m.title.clone(),
        brief_title: m.brief_title.clone(),
        description: m.description.clone(),
        brief_description: m.brief_description.clone(),
        order: m.sort_order,
        kind: m.kind,
        status: m.status,
        tags,
        is_forkable: m.is_forkable,
        has_topics: m.has_topics,
        dimensions: match (m.width, m.height) {
            (Some(width), Some(height)) => Some(DimensionsDoc { width, height }),
            _ => None,
        },
        question: m.question_title.as_ref().map(|t| QuestionDoc {
            title: t.clone(),
            description: m.question_description.clone().unwrap_or_default(),
        }),
        seo: SeoDoc {
            title: m.seo_title.clone(),
            description: m.seo_description.clone(),
            keywords: json_strings(&m.seo_keywords),
        },
        structured_data: StructuredDataDoc {
            headline: m.schema_headline.clone(),
            description: m.schema_description.clone(),
            image_url: m.schema_image_url.clone(),
            date_published: m.schema_date_published,
            date_modified: m.schema_date_modified,
        },
        sitemap,
        pdf_url: m.pdf_url.clone(),
        json_url: m.json_url.clone(),
        sponsor: match (&m.sponsor_url, &m.sponsor_title) {
            (Some(url), Some(title)) => Some(SponsorDoc {
                url: url.clone(),
                title: title.clone(),
                image_url: m.sponsor_image_url.clone(),
                description: m.sponsor_description.clone(),
                expires_at: m.sponsor_expires_at,
            }),
            _ => None,
        },
        related_roadmaps: related,
        related_questions: json_strings(&m.related_questions),
    })
}

pub async fn tags_of(
    db: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
) -> Result<Vec<String>, AppError> {
    Ok(roadmap_tags::Entity::find()
        .filter(roadmap_tags::Column::RoadmapId.eq(roadmap_id))
        .order_by_asc(roadmap_tags::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.tag)
        .collect())
}

/// Slugs of the live roadmaps this one links to, in order.
pub async fn related_of(
    db: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
) -> Result<Vec<String>, AppError> {
    Ok(roadmap_relations::Entity::find()
        .filter(roadmap_relations::Column::RoadmapId.eq(roadmap_id))
        .order_by_asc(roadmap_relations::Column::Position)
        .find_also_related(roadmaps::Entity)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(_, r)| r.filter(|r| r.deleted_at.is_none()).map(|r| r.slug))
        .collect())
}

pub async fn full_meta(
    db: &impl ConnectionTrait,
    model: &roadmaps::Model,
) -> Result<RoadmapMeta, AppError> {
    let tags = tags_of(db, model.id).await?;
    let related = related_of(db, model.id).await?;
    meta_of(model, tags, related)
}

/// Every topic of a roadmap, deleted ones included (REPLACE revives them when they come back).
pub async fn all_topics(
    db: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
) -> Result<Vec<topics::Model>, AppError> {
    Ok(topics::Entity::find()
        .filter(topics::Column::RoadmapId.eq(roadmap_id))
        .all(db)
        .await?)
}

pub async fn live_topics(
    db: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
) -> Result<Vec<topics::Model>, AppError> {
    Ok(topics::Entity::find()
        .filter(topics::Column::RoadmapId.eq(roadmap_id))
        .filter(topics::Column::DeletedAt.is_null())
        .all(db)
        .await?)
}

/// Resources of every topic of a roadmap (deleted topics included), each list in order.
pub async fn all_resources(
    db: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
) -> Result<HashMap<TopicKey, Vec<resources::Model>>, AppError> {
    let rows = resources::Entity::find()
        .join(JoinType::InnerJoin, resources::Relation::Topic.def())
        .filter(topics::Column::RoadmapId.eq(roadmap_id))
        .order_by_asc(resources::Column::TopicId)
        .order_by_asc(resources::Column::Position)
        .order_by_asc(resources::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<TopicKey, Vec<resources::Model>> = HashMap::new();
    for r in rows {
        out.entry(r.topic_id.clone()).or_default().push(r);
    }
    Ok(out)
}

pub fn resource_doc(r: &resources::Model) -> Result<ResourceDoc, AppError> {
    Ok(ResourceDoc {
        kind: r.kind,
        title: r.title.clone(),
        url: r.url.clone(),
    })
}

/// What a topic node carries besides the topic row, by topic key.
struct NodeParts {
    resources: HashMap<TopicKey, Vec<resources::Model>>,
    repeats: HashMap<TopicKey, TopicKey>,
    prerequisites: HashMap<TopicKey, Vec<TopicKey>>,
}

/// The topic tree of a roadmap (live topics, in order) in document form; prerequisites on other
/// roadmaps only when `reader` may read them.
pub async fn topic_nodes(
    db: &impl ConnectionTrait,
    roadmap_id: RoadmapId,
    reader: &CatalogAccess,
) -> Result<Vec<TopicNode>, AppError> {
    let tree = RoadmapTree::new(roadmap_id, live_topics(db, roadmap_id).await?);
    let parts = NodeParts {
        resources: all_resources(db, roadmap_id).await?,
        repeats: super::links::repeats_of(db, roadmap_id).await?,
        prerequisites: super::prerequisites_doc::stored(db, roadmap_id, reader).await?,
    };
    fn node(
        tree: &RoadmapTree,
        idx: usize,
        parts: &NodeParts,
        depth: usize,
    ) -> Result<TopicNode, AppError> {
        let t = &tree.topics[idx];
        let children = if depth > tree.len() {
            Vec::new() // a corrupt cycle cannot recurse forever
        } else {
            tree.children_of(idx)
                .iter()
                .map(|c| node(tree, *c, parts, depth + 1))
                .collect::<Result<_, _>>()?
        };
        Ok(TopicNode {
            id: t.id.clone(),
            kind: t.kind,
            title: t.title.clone(),
            description: t.description.clone(),
            legend: t.legend,
            resources: parts
                .resources
                .get(&t.id)
                .map(|rs| rs.iter().map(resource_doc).collect::<Result<_, _>>())
                .transpose()?
                .unwrap_or_default(),
            children,
            same_as: parts.repeats.get(&t.id).cloned(),
            prerequisites: parts.prerequisites.get(&t.id).cloned().unwrap_or_default(),
        })
    }
    tree.roots()
        .iter()
        .map(|i| node(&tree, *i, &parts, 0))
        .collect()
}

/// The whole roadmap as a document: metadata, topic tree, resources, prerequisites (those on
/// other roadmaps when `reader` may read them).
pub async fn document_of(
    db: &impl ConnectionTrait,
    model: &roadmaps::Model,
    reader: &CatalogAccess,
) -> Result<RoadmapDocument, AppError> {
    Ok(RoadmapDocument {
        format: FORMAT.to_owned(),
        roadmap: full_meta(db, model).await?,
        topics: topic_nodes(db, model.id, reader).await?,
    })
}

/// The JSON export: pretty-printed, with a trailing newline.
pub fn to_json(doc: &RoadmapDocument) -> Result<String, AppError> {
    let mut text = serde_json::to_string_pretty(doc).map_err(AppError::internal)?;
    text.push('\n');
    Ok(text)
}
