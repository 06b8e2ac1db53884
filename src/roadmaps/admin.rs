//! Admin-only GraphQL: roadmap mutations, `exportRoadmap`, `importRoadmap`. Resolvers stay thin:
//! they decode ids and inputs and call `editing`, `import` and `export`.
use std::sync::Arc;

use async_graphql::{Context, InputObject, Json, MaybeUndefined, Object, SimpleObject, ID};
use chrono::NaiveDate;
use entity::roadmaps;
use sea_orm::{EntityTrait, QueryOrder, TransactionTrait};

use super::document::{
    self, DimensionsDoc, QuestionDoc, RoadmapDocument, RoadmapMeta, SeoDoc, SitemapDoc, SponsorDoc,
    StructuredDataDoc,
};
use super::markdown::{self, RoadmapFile};
use super::revisions::Actor;
use super::service::ImportReport;
use super::types::{ImportMode, RoadmapKind, RoadmapStatus};
use super::{editing, export, import, service, Roadmap};
use crate::accounts::{HasRole, Role};
use crate::error::{ApiResult, AppError};
use crate::graphql::context::{db, viewer};
use crate::graphql::ids::GlobalId;

/// The signed-in admin making a change (the guard has already checked the role).
pub async fn actor(ctx: &Context<'_>) -> Result<Actor, AppError> {
    let id = viewer(ctx)
        .user_id()
        .ok_or_else(|| AppError::Unauthenticated("You must be signed in to do this".into()))?;
    Actor::user(db(ctx), id).await
}

/// Structured data an admin sets; the date modified is kept by the server.
#[derive(InputObject, Default)]
pub struct StructuredDataInput {
    pub headline: Option<String>,
    pub description: Option<String>,
    pub image_url: Option<String>,
    pub date_published: Option<NaiveDate>,
}

impl StructuredDataInput {
    fn into_doc(self) -> StructuredDataDoc {
        StructuredDataDoc {
            headline: self.headline,
            description: self.description,
            image_url: self.image_url,
            date_published: self.date_published,
            date_modified: None,
        }
    }
}

#[derive(InputObject)]
pub struct CreateRoadmapInput {
    /// 1-64 lower-case letters, digits and dashes; unique.
    pub slug: String,
    pub title: String,
    pub brief_title: String,
    /// Markdown.
    pub description: String,
    pub brief_description: String,
    /// Position in the catalogue; by default after the last roadmap.
    pub order: Option<i32>,
    pub kind: RoadmapKind,
    /// New roadmaps are drafts (admins only) until published.
    #[graphql(default_with = "RoadmapStatus::Draft")]
    pub status: RoadmapStatus,
    #[graphql(default)]
    pub tags: Vec<String>,
    #[graphql(default)]
    pub is_forkable: bool,
    #[graphql(default = true)]
    pub has_topics: bool,
    pub dimensions: Option<DimensionsDoc>,
    pub question: Option<QuestionDoc>,
    pub seo: Option<SeoDoc>,
    pub structured_data: Option<StructuredDataInput>,
    pub sitemap: Option<SitemapDoc>,
    pub pdf_url: Option<String>,
    pub json_url: Option<String>,
    pub sponsor: Option<SponsorDoc>,
    #[graphql(default)]
    pub related_questions: Vec<String>,
}

/// Only the fields given change; `null` clears a nullable field. Grouped fields (`seo`,
/// `sponsor`, …) are replaced as a whole.
#[derive(InputObject, Default)]
pub struct UpdateRoadmapInput {
    pub slug: MaybeUndefined<String>,
    pub title: MaybeUndefined<String>,
    pub brief_title: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    pub brief_description: MaybeUndefined<String>,
    pub order: MaybeUndefined<i32>,
    pub kind: MaybeUndefined<RoadmapKind>,
    /// `PUBLISHED` publishes a draft; `DRAFT` hides it from everyone but admins.
    pub status: MaybeUndefined<RoadmapStatus>,
    pub tags: MaybeUndefined<Vec<String>>,
    pub is_forkable: MaybeUndefined<bool>,
    pub has_topics: MaybeUndefined<bool>,
    pub dimensions: MaybeUndefined<DimensionsDoc>,
    pub question: MaybeUndefined<QuestionDoc>,
    pub seo: MaybeUndefined<SeoDoc>,
    pub structured_data: MaybeUndefined<StructuredDataInput>,
    pub sitemap: MaybeUndefined<SitemapDoc>,
    pub pdf_url: MaybeUndefined<String>,
    pub json_url: MaybeUndefined<String>,
    pub sponsor: MaybeUndefined<SponsorDoc>,
    pub related_questions: MaybeUndefined<Vec<String>>,
}

/// Sets a non-nullable field when given; `null` is refused.
fn set<T>(v: MaybeUndefined<T>, field: &str, slot: &mut T) -> Result<(), AppError> {
    match v {
        MaybeUndefined::Undefined => Ok(()),
        MaybeUndefined::Null => Err(AppError::bad_input(
            field,
            format!("`{field}` cannot be null"),
        )),
        MaybeUndefined::Value(x) => {
            *slot = x;
            Ok(())
        }
    }
}

/// Sets or clears a nullable field.
fn set_opt<T>(v: MaybeUndefined<T>, slot: &mut Option<T>) {
    match v {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *slot = None,
        MaybeUndefined::Value(x) => *slot = Some(x),
    }
}

impl UpdateRoadmapInput {
    fn apply(self, m: &mut RoadmapMeta) -> Result<(), AppError> {
        set(self.slug, "slug", &mut m.slug)?;
        set(self.title, "title", &mut m.title)?;
        set(self.brief_title, "briefTitle", &mut m.brief_title)?;
        set(self.description, "description", &mut m.description)?;
        set(
            self.brief_description,
            "briefDescription",
            &mut m.brief_description,
        )?;
        set(self.order, "order", &mut m.order)?;
        set(self.kind, "kind", &mut m.kind)?;
        set(self.status, "status", &mut m.status)?;
        set(self.tags, "tags", &mut m.tags)?;
        set(self.is_forkable, "isForkable", &mut m.is_forkable)?;
        set(self.has_topics, "hasTopics", &mut m.has_topics)?;
        set_opt(self.dimensions, &mut m.dimensions);
        set_opt(self.question, &mut m.question);
        match self.seo {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => m.seo = SeoDoc::default(),
            MaybeUndefined::Value(s) => m.seo = s,
        }
        match self.structured_data {
            MaybeUndefined::Undefined => {}
            other => {
                let date_modified = m.structured_data.date_modified;
                m.structured_data = other.take().unwrap_or_default().into_doc();
                m.structured_data.date_modified = date_modified;
            }
        }
        set_opt(self.sitemap, &mut m.sitemap);
        set_opt(self.pdf_url, &mut m.pdf_url);
        set_opt(self.json_url, &mut m.json_url);
        set_opt(self.sponsor, &mut m.sponsor);
        match self.related_questions {
            MaybeUndefined::Undefined => {}
            other => m.related_questions = other.take().unwrap_or_default(),
        }
        Ok(())
    }
}

#[derive(SimpleObject)]
pub struct DeleteRoadmapPayload {
    pub deleted_roadmap_id: ID,
    pub slug: String,
    /// Learners' topic statuses archived by `force` (kept, but counted nowhere).
    pub archived_progress: u64,
}

/// A roadmap exported as a document.
pub struct RoadmapExport {
    doc: RoadmapDocument,
}

#[Object]
impl RoadmapExport {
    async fn slug(&self) -> &str {
        &self.doc.roadmap.slug
    }
    /// The document (format `roadmap-api/roadmap@1`) as JSON.
    async fn document(&self) -> Json<&RoadmapDocument> {
        Json(&self.doc)
    }
    /// The same document as pretty-printed JSON text with a trailing newline (what
    /// `roadmap-api export --format json` writes).
    async fn json(&self) -> ApiResult<String> {
        Ok(export::to_json(&self.doc)?)
    }
    /// The markdown folder: `roadmap.md`, `tree.json` and one `content/<slug>@<id>.md` per topic.
    async fn markdown_files(&self) -> ApiResult<Vec<RoadmapFile>> {
        Ok(markdown::write(&self.doc)?)
    }
}

fn decode_document(value: serde_json::Value) -> Result<RoadmapDocument, AppError> {
    let text = match value {
        serde_json::Value::String(text) => text,
        // Pretty-printed so that errors can name a line of the document as the server reads it.
        other => serde_json::to_string_pretty(&other).map_err(AppError::internal)?,
    };
    document::parse_json_named(&text, "document", "document")
}

/// Reads a roadmap in either format, as given to `importRoadmap`.
pub fn read_import(
    document: Option<Json<serde_json::Value>>,
    files: Option<Vec<RoadmapFile>>,
) -> Result<RoadmapDocument, AppError> {
    match (document, files) {
        (Some(Json(value)), None) => decode_document(value),
        (None, Some(files)) => markdown::read(&files, "", "files"),
        _ => Err(AppError::bad_input(
            "document",
            "pass either `document` (JSON) or `files` (the markdown folder), not both",
        )),
    }
}

#[derive(Default)]
pub struct RoadmapAdminQuery;

#[Object]
impl RoadmapAdminQuery {
    /// A whole roadmap (metadata, topic tree, resources) in the import format; null when there is
    /// no roadmap with this slug. Admins only.
    #[graphql(guard = "HasRole(Role::Admin)")]
    async fn export_roadmap(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> ApiResult<Option<RoadmapExport>> {
        let Some(model) = service::by_slug(db(ctx), &slug).await? else {
            return Ok(None);
        };
        let doc = export::document_of(db(ctx), &model).await?;
        Ok(Some(RoadmapExport { doc }))
    }
}

fn roadmap(model: roadmaps::Model) -> Roadmap {
    Roadmap(Arc::new(model))
}

#[derive(Default)]
pub struct RoadmapMutation;

#[Object]
impl RoadmapMutation {
    /// Creates a roadmap (a draft unless `status` says otherwise) without topics.
    #[graphql(guard = "HasRole(Role::Admin)")]
    async fn create_roadmap(
        &self,
        ctx: &Context<'_>,
        input: CreateRoadmapInput,
    ) -> ApiResult<Roadmap> {
        let actor = actor(ctx).await?;
        let order = match input.order {
            Some(o) => o,
            None => roadmaps::Entity::find()
                .order_by_desc(roadmaps::Column::SortOrder)
                .one(db(ctx))
                .await?
                .map(|r| r.sort_order + 1)
                .unwrap_or(1),
        };
        let meta = RoadmapMeta {
            slug: input.slug,
            title: input.title,
            brief_title: input.brief_title,
            description: input.description,
            brief_description: input.brief_description,
            order,
            kind: input.kind,
            status: input.status,
            tags: input.tags,
            is_forkable: input.is_forkable,
            has_topics: input.has_topics,
            dimensions: input.dimensions,
            question: input.question,
            seo: input.seo.unwrap_or_default(),
            structured_data: input
                .structured_data
                .map(StructuredDataInput::into_doc)
                .unwrap_or_default(),
            sitemap: input.sitemap,
            pdf_url: input.pdf_url,
            json_url: input.json_url,
            sponsor: input.sponsor,
            related_roadmaps: Vec::new(),
            related_questions: input.related_questions,
        };
        Ok(roadmap(
            editing::create_roadmap(db(ctx), &actor, meta).await?,
        ))
    }

    /// Changes only the fields given. With `expectedVersion`, fails with CONFLICT when the roadmap
    /// has changed since that version was read.
    #[graphql(guard = "HasRole(Role::Admin)")]
    async fn update_roadmap(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateRoadmapInput,
        expected_version: Option<i32>,
    ) -> ApiResult<Roadmap> {
        let id = GlobalId::roadmap(&id, "id")?;
        let actor = actor(ctx).await?;
        let model =
            editing::update_roadmap(db(ctx), &actor, id, expected_version, |m| input.apply(m))
                .await?;
        Ok(roadmap(model))
    }

    /// Soft-deletes a roadmap. Refused while learners have progress on it, unless `force`, which
    /// archives their progress (kept, counted nowhere).
    #[graphql(guard = "HasRole(Role::Admin)")]
    async fn delete_roadmap(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(desc = "Delete even though learners have progress on it (default false).")]
        force: Option<bool>,
    ) -> ApiResult<DeleteRoadmapPayload> {
        let force = force.unwrap_or(false);
        let rid = GlobalId::roadmap(&id, "id")?;
        let actor = actor(ctx).await?;
        let done = editing::delete_roadmap(db(ctx), &actor, rid, force).await?;
        Ok(DeleteRoadmapPayload {
            deleted_roadmap_id: GlobalId::Roadmap(rid).encode(),
            slug: done.roadmap.slug,
            archived_progress: done.archived_progress,
        })
    }

    /// Replaces the related roadmaps, in order. Every slug must name a roadmap.
    #[graphql(guard = "HasRole(Role::Admin)")]
    async fn set_related_roadmaps(
        &self,
        ctx: &Context<'_>,
        id: ID,
        slugs: Vec<String>,
        expected_version: Option<i32>,
    ) -> ApiResult<Roadmap> {
        let id = GlobalId::roadmap(&id, "id")?;
        let actor = actor(ctx).await?;
        let model =
            editing::set_related_roadmaps(db(ctx), &actor, id, slugs, expected_version).await?;
        Ok(roadmap(model))
    }

    /// Imports a roadmap from a JSON `document` (an object, or its text) or from the markdown
    /// folder's `files`. CREATE makes a new roadmap; REPLACE makes the roadmap with the document's
    /// slug equal to it, keeping topic ids that remain. All or nothing.
    #[graphql(guard = "HasRole(Role::Admin)")]
    async fn import_roadmap(
        &self,
        ctx: &Context<'_>,
        document: Option<Json<serde_json::Value>>,
        files: Option<Vec<RoadmapFile>>,
        #[graphql(desc = "CREATE (the default) or REPLACE.")] mode: Option<ImportMode>,
    ) -> ApiResult<ImportReport> {
        let mode = mode.unwrap_or(ImportMode::Create);
        let doc = read_import(document, files)?;
        let actor = actor(ctx).await?;
        let txn = db(ctx).begin().await?;
        let report = import::import(&txn, &doc, mode, &actor).await?;
        txn.commit().await?;
        Ok(report)
    }
}
