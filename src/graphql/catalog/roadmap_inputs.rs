//! The roadmap mutations' input objects, and how an update patches a roadmap's metadata.
use async_graphql::{InputObject, MaybeUndefined};
use chrono::NaiveDate;

use super::inputs::{DimensionsInput, QuestionInput, SeoInput, SitemapInput, SponsorInput};
use crate::catalog::document::{RoadmapMeta, SeoDoc, StructuredDataDoc};
use crate::error::AppError;
use crate::graphql::enums::{RoadmapKind, RoadmapStatus, Visibility};

/// Structured data an admin sets; the date modified is kept by the server.
#[derive(InputObject, Default)]
pub struct StructuredDataInput {
    /// schema.org `headline`, one line; null or omitted for none. At most 200 characters.
    pub headline: Option<String>,
    /// schema.org `description`; null or omitted for none. At most 1,000 characters.
    pub description: Option<String>,
    /// schema.org `image`: an http(s) URL or a site path starting with one `/`; null or omitted
    /// for none. At most 2,000 characters.
    pub image_url: Option<String>,
    /// schema.org `datePublished`; null or omitted for none.
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

/// A new roadmap's fields (`createRoadmap`). Invalid values fail with `BAD_USER_INPUT` naming the
/// field.
#[derive(InputObject)]
pub struct CreateRoadmapInput {
    /// 1-64 lower-case letters, digits and dashes; unique (else `CONFLICT` with field `slug`).
    /// At most 64 characters.
    pub slug: String,
    /// Full title: one line. At most 200 characters.
    pub title: String,
    /// Short title for menus and cards: one line. At most 100 characters.
    pub brief_title: String,
    /// Long description: markdown. At most 10,000 characters.
    pub description: String,
    /// One-sentence description for cards. At most 1,000 characters.
    pub brief_description: String,
    /// Position in the catalogue; by default after the last roadmap.
    pub order: Option<i32>,
    /// What the roadmap is about.
    pub kind: RoadmapKind,
    /// `DRAFT` (seen only by the owner and admins) or `PUBLISHED`. By default official roadmaps
    /// start as drafts and your own roadmaps as published (their `visibility` decides who sees
    /// them).
    pub status: Option<RoadmapStatus>,
    /// Who may read it: `PRIVATE` (you and admins; the default for your own roadmaps),
    /// `UNLISTED` (whoever has its share link) or `PUBLIC` (everyone, listed in
    /// `communityRoadmaps`; the default for official roadmaps).
    pub visibility: Option<Visibility>,
    /// True for a roadmap of the official catalogue (no owner). Admins only (`FORBIDDEN`
    /// otherwise); the default for admins is true, for everyone else false.
    pub official: Option<bool>,
    /// Make it the team's roadmap (`Team.id`): its owners and managers edit it, and when
    /// `PRIVATE` (the default) only its members read it; it joins the team's roadmaps. Owners
    /// and managers only (`FORBIDDEN` for a member, `NOT_FOUND` when you are not in the team).
    pub team_id: Option<async_graphql::ID>,
    /// Tags, in order: each 1-64 lower-case letters, digits and dashes (at most 64 characters),
    /// none twice. At most 20 items.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Whether the client offers to copy the roadmap.
    #[graphql(default)]
    pub is_forkable: bool,
    /// False for a roadmap listed in the catalogue without a topic tree here.
    #[graphql(default = true)]
    pub has_topics: bool,
    /// Size of the drawing in pixels (positive numbers); omit for none.
    pub dimensions: Option<DimensionsInput>,
    /// The question the page opens with; omit for none.
    pub question: Option<QuestionInput>,
    /// Search-engine metadata; omit for none.
    pub seo: Option<SeoInput>,
    /// schema.org structured data; omit for none.
    pub structured_data: Option<StructuredDataInput>,
    /// Sitemap settings; omit for none.
    pub sitemap: Option<SitemapInput>,
    /// URL of a PDF of the roadmap (http(s) or a site path starting with one `/`); omit for
    /// none. At most 2,000 characters.
    pub pdf_url: Option<String>,
    /// URL of the drawing as JSON (http(s) or a site path starting with one `/`); omit for none.
    /// At most 2,000 characters.
    pub json_url: Option<String>,
    /// The sponsor to show; omit for none.
    pub sponsor: Option<SponsorInput>,
    /// Slugs of related questions (guides) on the client site, in order, each one line of at
    /// most 200 characters. At most 20 items.
    #[graphql(default)]
    pub related_questions: Vec<String>,
}

/// Only the fields given change; `null` clears a nullable field. Grouped fields (`seo`,
/// `sponsor`, …) are replaced as a whole.
#[derive(InputObject, Default)]
pub struct UpdateRoadmapInput {
    /// New slug: 1-64 lower-case letters, digits and dashes; unique (else `CONFLICT` with field
    /// `slug`). Cannot be null. At most 64 characters.
    pub slug: MaybeUndefined<String>,
    /// New title: one line. Cannot be null. At most 200 characters.
    pub title: MaybeUndefined<String>,
    /// New short title: one line. Cannot be null. At most 100 characters.
    pub brief_title: MaybeUndefined<String>,
    /// New description: markdown. Cannot be null. At most 10,000 characters.
    pub description: MaybeUndefined<String>,
    /// New one-sentence description. Cannot be null. At most 1,000 characters.
    pub brief_description: MaybeUndefined<String>,
    /// New position in the catalogue. Cannot be null.
    pub order: MaybeUndefined<i32>,
    /// New kind. Cannot be null.
    pub kind: MaybeUndefined<RoadmapKind>,
    /// `PUBLISHED` publishes a draft; `DRAFT` hides it from everyone but admins.
    pub status: MaybeUndefined<RoadmapStatus>,
    /// New visibility: `PRIVATE`, `UNLISTED` or `PUBLIC`. Cannot be null.
    pub visibility: MaybeUndefined<Visibility>,
    /// The new tags, replacing all of them: each 1-64 lower-case letters, digits and dashes (at
    /// most 64 characters). Cannot be null. At most 20 items.
    pub tags: MaybeUndefined<Vec<String>>,
    /// Whether the client offers to copy the roadmap. Cannot be null.
    pub is_forkable: MaybeUndefined<bool>,
    /// Whether the topic tree is published here. Cannot be null.
    pub has_topics: MaybeUndefined<bool>,
    /// New drawing size; null clears it.
    pub dimensions: MaybeUndefined<DimensionsInput>,
    /// New opening question; null clears it.
    pub question: MaybeUndefined<QuestionInput>,
    /// New search-engine metadata, replacing it as a whole; null clears it.
    pub seo: MaybeUndefined<SeoInput>,
    /// New structured data, replacing it as a whole (the date modified is kept); null clears it.
    pub structured_data: MaybeUndefined<StructuredDataInput>,
    /// New sitemap settings; null clears them.
    pub sitemap: MaybeUndefined<SitemapInput>,
    /// New PDF URL (http(s) or a site path starting with one `/`); null clears it. At most 2,000
    /// characters.
    pub pdf_url: MaybeUndefined<String>,
    /// New drawing JSON URL (http(s) or a site path starting with one `/`); null clears it. At
    /// most 2,000 characters.
    pub json_url: MaybeUndefined<String>,
    /// New sponsor, replacing it as a whole; null clears it.
    pub sponsor: MaybeUndefined<SponsorInput>,
    /// New related question slugs, replacing all of them, each one line of at most 200
    /// characters; null clears them. At most 20 items.
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
