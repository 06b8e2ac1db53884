//! Authoring GraphQL: roadmap mutations, `exportRoadmap`, `importRoadmap`. Open to every signed-in
//! user; what each may change (their own roadmaps; admins any) is decided by the catalogue from
//! the [`Actor`]'s capability. Resolvers stay thin: they decode ids and inputs and call `editing`,
//! `import` and `export`.
use std::sync::Arc;

use async_graphql::{Context, Json, MaybeUndefined, Object, SimpleObject, ID};
use entity::roadmaps;
use sea_orm::TransactionTrait;

use super::import_report::ImportReportObject;
use super::inputs::RoadmapFileObject;
use super::roadmap::Roadmap;
use super::roadmap_inputs::{CreateRoadmapInput, StructuredDataInput, UpdateRoadmapInput};
use crate::catalog::document::{self, RoadmapDocument, RoadmapMeta};
use crate::catalog::limits;
use crate::catalog::markdown::{self, RoadmapFile};
use crate::catalog::ownership::Ownership;
use crate::catalog::revisions::Actor;
use crate::catalog::roadmaps as service;
use crate::catalog::{export, roadmap_editing as editing};
use crate::error::AppError;
use crate::graphql::context::{db, viewer};
use crate::graphql::enums::ImportMode;
use crate::graphql::error::ApiResult;
use crate::graphql::guards::SignedIn;
use crate::graphql::ids::GlobalId;
use crate::graphql::AuthoringLimits;

/// The signed-in author making a change (the `SignedIn` guard has already run; this only refuses
/// the impossible).
pub async fn actor(ctx: &Context<'_>) -> Result<Actor, AppError> {
    let editor = viewer(ctx)
        .editor()
        .ok_or_else(|| AppError::Unauthenticated("You must be signed in to do this".into()))?;
    let max = ctx
        .data_opt::<AuthoringLimits>()
        .map_or(50, |l| l.max_roadmaps_per_user);
    Actor::editor(db(ctx), &editor, max).await
}

/// What `deleteRoadmap` removed.
#[derive(SimpleObject)]
pub struct DeleteRoadmapPayload {
    /// Global id of the deleted roadmap (remove it from your cache).
    pub deleted_roadmap_id: ID,
    /// Slug of the deleted roadmap.
    pub slug: String,
    /// Learners' topic statuses archived by `force` (kept, but counted nowhere).
    pub archived_progress: u64,
}

/// A roadmap exported as a document.
pub struct RoadmapExport {
    doc: RoadmapDocument,
}

/// A roadmap exported as a document, in both import formats (JSON and the markdown folder).
#[Object]
impl RoadmapExport {
    /// Slug of the exported roadmap.
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
    async fn markdown_files(&self) -> ApiResult<Vec<RoadmapFileObject>> {
        Ok(markdown::write(&self.doc)?
            .into_iter()
            .map(Into::into)
            .collect())
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
    files: Option<Vec<RoadmapFileObject>>,
) -> Result<RoadmapDocument, AppError> {
    match (document, files) {
        (Some(Json(value)), None) => decode_document(value),
        (None, Some(files)) => {
            limits::check_files(
                "files",
                files.iter().map(|f| (f.path.as_str(), f.content.as_str())),
            )?;
            let files: Vec<RoadmapFile> = files.into_iter().map(Into::into).collect();
            markdown::read(&files, "", "files")
        }
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
    /// no roadmap with this slug that you can read. For its owner and admins (`FORBIDDEN` for a
    /// roadmap you can read but not edit).
    #[graphql(guard = "SignedIn")]
    async fn export_roadmap(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The roadmap's slug (drafts included).")] slug: String,
    ) -> ApiResult<Option<RoadmapExport>> {
        let actor = actor(ctx).await?;
        let Some(model) = service::by_slug(db(ctx), &slug)
            .await?
            .filter(|m| actor.catalog().can_read(m))
        else {
            return Ok(None);
        };
        if !actor.may_edit(&model) {
            return Err(actor.refusal(&model).into());
        }
        let doc = export::document_of(db(ctx), &model, &actor.catalog()).await?;
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
    /// Creates a roadmap without topics. Signed-in users create roadmaps of their own (`owner`
    /// is you; PRIVATE unless `visibility` says otherwise); admins create official ones unless
    /// they pass `official: false`; with `teamId`, the team owns it. Invalid values fail with `BAD_USER_INPUT`, a taken slug with
    /// `CONFLICT` (field `slug`), `official` from a non-admin with `FORBIDDEN`, and owning
    /// `MAX_ROADMAPS_PER_USER` roadmaps already with `BAD_USER_INPUT`.
    #[graphql(guard = "SignedIn")]
    async fn create_roadmap(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new roadmap's fields.")] input: CreateRoadmapInput,
    ) -> ApiResult<Roadmap> {
        let actor = actor(ctx).await?;
        let team = input
            .team_id
            .as_deref()
            .map(|id| crate::graphql::ids::GlobalId::team(id, "teamId"))
            .transpose()?;
        let ownership = Ownership::for_new(
            &actor,
            input.official,
            input.visibility.map(Into::into),
            team,
        )?;
        let status = input
            .status
            .map(Into::into)
            .unwrap_or(if !ownership.is_official() {
                crate::catalog::RoadmapStatus::Published
            } else {
                crate::catalog::RoadmapStatus::Draft
            });
        let order = match input.order {
            Some(o) => o,
            None => service::next_sort_order(db(ctx)).await?,
        };
        let meta = RoadmapMeta {
            slug: input.slug,
            title: input.title,
            brief_title: input.brief_title,
            description: input.description,
            brief_description: input.brief_description,
            order,
            kind: input.kind.into(),
            status,
            tags: input.tags,
            is_forkable: input.is_forkable,
            has_topics: input.has_topics,
            dimensions: input.dimensions.map(Into::into),
            question: input.question.map(Into::into),
            seo: input.seo.map(Into::into).unwrap_or_default(),
            structured_data: input
                .structured_data
                .map(StructuredDataInput::into_doc)
                .unwrap_or_default(),
            sitemap: input.sitemap.map(Into::into),
            pdf_url: input.pdf_url,
            json_url: input.json_url,
            sponsor: input.sponsor.map(Into::into),
            related_roadmaps: Vec::new(),
            related_questions: input.related_questions,
        };
        Ok(roadmap(
            editing::create_roadmap(db(ctx), &actor, meta, ownership).await?,
        ))
    }

    /// Changes only the fields given. Owners and admins (`FORBIDDEN` for a roadmap you can read
    /// but not edit, `NOT_FOUND` for one you cannot read). With `expectedVersion`, fails with
    /// `CONFLICT` (field `expectedVersion`) when the roadmap has changed since that version was
    /// read; a taken slug fails with `CONFLICT` (field `slug`).
    #[graphql(guard = "SignedIn")]
    async fn update_roadmap(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The roadmap's global id.")] id: ID,
        #[graphql(desc = "The fields to change.")] mut input: UpdateRoadmapInput,
        #[graphql(desc = "The `Roadmap.version` you read; omit to skip the check.")]
        expected_version: Option<i32>,
    ) -> ApiResult<Roadmap> {
        let id = GlobalId::roadmap(&id, "id")?;
        let visibility = match std::mem::take(&mut input.visibility) {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => {
                return Err(AppError::bad_input("visibility", "`visibility` cannot be null").into())
            }
            MaybeUndefined::Value(v) => Some(v.into()),
        };
        let actor = actor(ctx).await?;
        let txn = db(ctx).begin().await?;
        let done = editing::update_roadmap(&txn, &actor, id, expected_version, visibility, |m| {
            input.apply(m)
        })
        .await?;
        if done.audience_changed {
            // New readers may follow it: their statuses on linked topics must be on it.
            crate::progress::links::refresh(&txn, id, None).await?;
        }
        txn.commit().await?;
        Ok(roadmap(done.roadmap))
    }

    /// Replaces the roadmap's share token, so links made with the old one stop working (they
    /// read as "no such roadmap"). Owners and admins; the new token is in `shareToken`.
    #[graphql(guard = "SignedIn")]
    async fn regenerate_share_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The roadmap's global id.")] roadmap_id: ID,
    ) -> ApiResult<Roadmap> {
        let id = GlobalId::roadmap(&roadmap_id, "roadmapId")?;
        let actor = actor(ctx).await?;
        Ok(roadmap(
            editing::regenerate_share_token(db(ctx), &actor, id).await?,
        ))
    }

    /// Soft-deletes a roadmap. Owners and admins. Refused with `CONFLICT` (field `force`) while
    /// learners have progress on it, unless `force`, which archives their progress (kept, counted
    /// nowhere). A missing roadmap fails with `NOT_FOUND`.
    #[graphql(guard = "SignedIn")]
    async fn delete_roadmap(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The roadmap's global id.")] id: ID,
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

    /// Replaces the related roadmaps, in order. Owners and admins. Every slug must name another
    /// roadmap (else `BAD_USER_INPUT` with field `slugs[i]`); a stale `expectedVersion` fails with
    /// `CONFLICT`.
    #[graphql(guard = "SignedIn")]
    async fn set_related_roadmaps(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The roadmap's global id.")] id: ID,
        #[graphql(
            desc = "Slugs of the related roadmaps, in order, each 1-64 lower-case letters, digits \
                    and dashes (at most 64 characters); empty clears them. At most 20 items."
        )]
        slugs: Vec<String>,
        #[graphql(desc = "The `Roadmap.version` you read; omit to skip the check.")]
        expected_version: Option<i32>,
    ) -> ApiResult<Roadmap> {
        let id = GlobalId::roadmap(&id, "id")?;
        limits::check_slugs("slugs", &slugs, limits::MAX_RELATED, "related roadmap")?;
        let actor = actor(ctx).await?;
        let model =
            editing::set_related_roadmaps(db(ctx), &actor, id, slugs, expected_version).await?;
        Ok(roadmap(model))
    }

    /// Imports a roadmap from a JSON `document` (an object, or its text) or from the markdown
    /// folder's `files`. CREATE makes a new roadmap; REPLACE makes the roadmap with the document's
    /// slug equal to it, keeping topic ids that remain. All or nothing. CREATE makes an official
    /// roadmap for admins and a PRIVATE one of your own for everyone else (at most 2,000
    /// topics); REPLACE needs the right to edit the roadmap. Pass exactly
    /// one of `document` and `files`. A malformed document fails with `BAD_USER_INPUT` naming the
    /// place; CREATE with a taken slug fails with `CONFLICT`, REPLACE of a missing slug with
    /// `NOT_FOUND`.
    #[graphql(guard = "SignedIn")]
    async fn import_roadmap(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A `roadmap-api/roadmap@1` document: a JSON object, or its text.")]
        document: Option<Json<serde_json::Value>>,
        #[graphql(
            desc = "The markdown folder (`roadmap.md`, `tree.json`, `content/*.md`). At most \
                    5,002 items."
        )]
        files: Option<Vec<RoadmapFileObject>>,

        #[graphql(desc = "CREATE (the default) or REPLACE.")] mode: Option<ImportMode>,
    ) -> ApiResult<ImportReportObject> {
        let mode = mode.unwrap_or(ImportMode::Create);
        let doc = read_import(document, files)?;
        let actor = actor(ctx).await?;
        let txn = db(ctx).begin().await?;
        let report = crate::catalog::import::import(&txn, &doc, mode.into(), &actor).await?;
        if report.roadmap_changed {
            // Its status may have changed: new readers' linked statuses must be on it.
            if let Some(model) = service::by_slug(&txn, &report.slug).await? {
                crate::progress::links::refresh(&txn, model.id, None).await?;
            }
        }
        txn.commit().await?;
        Ok(ImportReportObject(report))
    }
}
