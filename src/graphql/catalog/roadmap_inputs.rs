//! The roadmap mutations' input objects, and how an update patches a roadmap's metadata.
use async_graphql::{InputObject, MaybeUndefined};
use chrono::NaiveDate;

use super::inputs::{DimensionsInput, QuestionInput, SeoInput, SitemapInput, SponsorInput};
use crate::catalog::document::{RoadmapMeta, SeoDoc, StructuredDataDoc};
use crate::error::AppError;
use crate::graphql::enums::{RoadmapKind, RoadmapStatus};

/// Structured data an admin sets; the date modified is kept by the server.
#[derive(InputObject, Default)]
pub struct StructuredDataInput {
    pub headline: Option<String>,
    pub description: Option<String>,
    pub image_url: Option<String>,
    pub date_published: Option<NaiveDate>,
}

impl StructuredDataInput {
    pub fn into_doc(self) -> StructuredDataDoc {
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
    pub dimensions: Option<DimensionsInput>,
    pub question: Option<QuestionInput>,
    pub seo: Option<SeoInput>,
    pub structured_data: Option<StructuredDataInput>,
    pub sitemap: Option<SitemapInput>,
    pub pdf_url: Option<String>,
    pub json_url: Option<String>,
    pub sponsor: Option<SponsorInput>,
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
    pub dimensions: MaybeUndefined<DimensionsInput>,
    pub question: MaybeUndefined<QuestionInput>,
    pub seo: MaybeUndefined<SeoInput>,
    pub structured_data: MaybeUndefined<StructuredDataInput>,
    pub sitemap: MaybeUndefined<SitemapInput>,
    pub pdf_url: MaybeUndefined<String>,
    pub json_url: MaybeUndefined<String>,
    pub sponsor: MaybeUndefined<SponsorInput>,
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
    pub fn apply(self, m: &mut RoadmapMeta) -> Result<(), AppError> {
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
        set(self.kind.map_value(Into::into), "kind", &mut m.kind)?;
        set(self.status.map_value(Into::into), "status", &mut m.status)?;
        set(self.tags, "tags", &mut m.tags)?;
        set(self.is_forkable, "isForkable", &mut m.is_forkable)?;
        set(self.has_topics, "hasTopics", &mut m.has_topics)?;
        set_opt(self.dimensions.map_value(Into::into), &mut m.dimensions);
        set_opt(self.question.map_value(Into::into), &mut m.question);
        match self.seo {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => m.seo = SeoDoc::default(),
            MaybeUndefined::Value(s) => m.seo = s.into(),
        }
        match self.structured_data {
            MaybeUndefined::Undefined => {}
            other => {
                let date_modified = m.structured_data.date_modified;
                m.structured_data = other.take().unwrap_or_default().into_doc();
                m.structured_data.date_modified = date_modified;
            }
        }
        set_opt(self.sitemap.map_value(Into::into), &mut m.sitemap);
        set_opt(self.pdf_url, &mut m.pdf_url);
        set_opt(self.json_url, &mut m.json_url);
        set_opt(self.sponsor.map_value(Into::into), &mut m.sponsor);
        match self.related_questions {
            MaybeUndefined::Undefined => {}
            other => m.related_questions = other.take().unwrap_or_default(),
        }
        Ok(())
    }
}
