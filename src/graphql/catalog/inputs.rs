//! Input objects shared by the catalogue's mutations, each mapping onto its document type.
use async_graphql::{InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use crate::catalog::document::{
    DimensionsDoc, QuestionDoc, ResourceDoc, SeoDoc, SitemapDoc, SponsorDoc,
};
use crate::catalog::markdown::RoadmapFile;
use crate::graphql::enums::{ChangeFrequency, ResourceKind};

/// Size of a roadmap's drawing, in pixels; both must be positive.
#[derive(InputObject)]
pub struct DimensionsInput {
    /// Width in pixels, positive.
    pub width: f64,
    /// Height in pixels, positive.
    pub height: f64,
}

impl From<DimensionsInput> for DimensionsDoc {
    fn from(i: DimensionsInput) -> Self {
        Self {
            width: i.width,
            height: i.height,
        }
    }
}

/// The question a roadmap page opens with.
#[derive(InputObject)]
pub struct QuestionInput {
    /// The question: one line, 1-300 characters. At most 300 characters.
    pub title: String,
    /// The answer, markdown. At most 10,000 characters.
    pub description: String,
}

impl From<QuestionInput> for QuestionDoc {
    fn from(i: QuestionInput) -> Self {
        Self {
            title: i.title,
            description: i.description,
        }
    }
}

/// What search engines are told about a roadmap page.
#[derive(InputObject)]
pub struct SeoInput {
    /// Page title, one line; null or omitted to use the roadmap's title. At most 200 characters.
    pub title: Option<String>,
    /// Meta description; null or omitted for none. At most 1,000 characters.
    pub description: Option<String>,
    /// Meta keywords, in order, each one line of at most 100 characters. At most 30 items.
    #[graphql(default)]
    pub keywords: Vec<String>,
}

impl From<SeoInput> for SeoDoc {
    fn from(i: SeoInput) -> Self {
        Self {
            title: i.title,
            description: i.description,
            keywords: i.keywords,
        }
    }
}

/// How a roadmap page appears in the sitemap.
#[derive(InputObject)]
pub struct SitemapInput {
    /// Sitemap priority, 0.0 to 1.0.
    pub priority: f64,
    /// How often the page changes.
    pub change_frequency: ChangeFrequency,
}

impl From<SitemapInput> for SitemapDoc {
    fn from(i: SitemapInput) -> Self {
        Self {
            priority: i.priority,
            change_frequency: i.change_frequency.into(),
        }
    }
}

/// A sponsor to show on a roadmap page.
#[derive(InputObject)]
pub struct SponsorInput {
    /// Where the sponsor's link points: an absolute http(s) URL. At most 2,000 characters.
    pub url: String,
    /// The sponsor's name or headline: one line. At most 300 characters.
    pub title: String,
    /// URL of the sponsor's image (http(s) or a site path starting with one `/`); null or omitted
    /// for none. At most 2,000 characters.
    pub image_url: Option<String>,
    /// A short text about the sponsor; null or omitted for none. At most 1,000 characters.
    pub description: Option<String>,
    /// When the sponsorship ends (it is hidden from then on); null or omitted for never.
    pub expires_at: Option<DateTime<Utc>>,
}

impl From<SponsorInput> for SponsorDoc {
    fn from(i: SponsorInput) -> Self {
        Self {
            url: i.url,
            title: i.title,
            image_url: i.image_url,
            description: i.description,
            expires_at: i.expires_at,
        }
    }
}

/// A learning resource to add to a topic.
#[derive(InputObject)]
pub struct ResourceInput {
    /// What kind of resource the link is.
    pub kind: ResourceKind,
    /// The link text: one line. At most 300 characters.
    pub title: String,
    /// An absolute http(s) URL. At most 2,000 characters.
    pub url: String,
}

impl From<ResourceInput> for ResourceDoc {
    fn from(i: ResourceInput) -> Self {
        Self {
            kind: i.kind.into(),
            title: i.title,
            url: i.url,
        }
    }
}

/// One file of the folder: a `/`-separated path relative to the folder, and its text.
#[derive(SimpleObject, InputObject)]
#[graphql(name = "RoadmapFile", input_name = "RoadmapFileInput")]
pub struct RoadmapFileObject {
    /// Path relative to the folder, `/`-separated, e.g. `content/intro@abc.md`. At most 300
    /// characters.
    pub path: String,
    /// The file's text (UTF-8). At most 1,000,000 characters.
    pub content: String,
}

impl From<RoadmapFile> for RoadmapFileObject {
    fn from(f: RoadmapFile) -> Self {
        Self {
            path: f.path,
            content: f.content,
        }
    }
}

impl From<RoadmapFileObject> for RoadmapFile {
    fn from(f: RoadmapFileObject) -> Self {
        Self {
            path: f.path,
            content: f.content,
        }
    }
}
