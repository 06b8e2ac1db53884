//! Input objects shared by the catalogue's mutations, each mapping onto its document type.
use async_graphql::{InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use crate::catalog::document::{
    DimensionsDoc, QuestionDoc, ResourceDoc, SeoDoc, SitemapDoc, SponsorDoc,
};
use crate::catalog::markdown::RoadmapFile;
use crate::graphql::enums::{ChangeFrequency, ResourceKind};

#[derive(InputObject)]
pub struct DimensionsInput {
    pub width: f64,
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

#[derive(InputObject)]
pub struct QuestionInput {
    pub title: String,
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

#[derive(InputObject)]
pub struct SeoInput {
    pub title: Option<String>,
    pub description: Option<String>,
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

#[derive(InputObject)]
pub struct SitemapInput {
    pub priority: f64,
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

#[derive(InputObject)]
pub struct SponsorInput {
    pub url: String,
    pub title: String,
    pub image_url: Option<String>,
    pub description: Option<String>,
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

#[derive(InputObject)]
pub struct ResourceInput {
    pub kind: ResourceKind,
    pub title: String,
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
    pub path: String,
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
