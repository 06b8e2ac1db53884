//! `roadmap.md`: the roadmap's metadata as YAML front matter, its description as the markdown
//! body below it.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::locate::{Errs, MetaLines};
use super::ROADMAP_FILE;
use crate::catalog::document::{
    DimensionsDoc, QuestionDoc, RoadmapMeta, SeoDoc, SitemapDoc, SponsorDoc, StructuredDataDoc,
    FORMAT,
};
use crate::catalog::{RoadmapKind, RoadmapStatus};
use crate::error::AppError;

/// `roadmap.md`'s front matter: the metadata without the description (which is the body).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FrontMatter {
    format: String,
    slug: String,
    title: String,
    brief_title: String,
    brief_description: String,
    order: i32,
    kind: RoadmapKind,
    #[serde(default = "published")]
    status: RoadmapStatus,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    is_forkable: bool,
    #[serde(default = "yes")]
    has_topics: bool,
    #[serde(default)]
    dimensions: Option<DimensionsDoc>,
    #[serde(default)]
    question: Option<QuestionDoc>,
    #[serde(default)]
    seo: SeoDoc,
    #[serde(default)]
    structured_data: StructuredDataFm,
    #[serde(default)]
    sitemap: Option<SitemapDoc>,
    #[serde(default)]
    pdf_url: Option<String>,
    #[serde(default)]
    json_url: Option<String>,
    #[serde(default)]
    sponsor: Option<SponsorFm>,
    #[serde(default)]
    related_roadmaps: Vec<String>,
    #[serde(default)]
    related_questions: Vec<String>,
}

/// Timestamps as RFC 3339 text (YAML has no timestamp type we could rely on).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StructuredDataFm {
    headline: Option<String>,
    description: Option<String>,
    image_url: Option<String>,
    date_published: Option<NaiveDate>,
    #[serde(default)]
    date_modified: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SponsorFm {
    url: String,
    title: String,
    image_url: Option<String>,
    description: Option<String>,
    #[serde(default)]
    expires_at: Option<String>,
}

fn published() -> RoadmapStatus {
    RoadmapStatus::Published
}

fn yes() -> bool {
    true
}

fn ts_text(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn ts_parse(text: Option<&str>) -> Result<Option<DateTime<Utc>>, String> {
    let Some(text) = text else { return Ok(None) };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| Some(d.and_utc()))
        .ok_or_else(|| format!("`{text}` is not a date (YYYY-MM-DD) or an RFC 3339 timestamp"))
}

impl FrontMatter {
    fn of(m: &RoadmapMeta) -> Self {
        let sd = &m.structured_data;
        Self {
            format: FORMAT.to_owned(),
            slug: m.slug.clone(),
            title: m.title.clone(),
            brief_title: m.brief_title.clone(),
            brief_description: m.brief_description.clone(),
            order: m.order,
            kind: m.kind,
            status: m.status,
            tags: m.tags.clone(),
            is_forkable: m.is_forkable,
            has_topics: m.has_topics,
            dimensions: m.dimensions.clone(),
            question: m.question.clone(),
            seo: m.seo.clone(),
            structured_data: StructuredDataFm {
                headline: sd.headline.clone(),
                description: sd.description.clone(),
                image_url: sd.image_url.clone(),
                date_published: sd.date_published,
                date_modified: ts_text(sd.date_modified),
            },
            sitemap: m.sitemap.clone(),
            pdf_url: m.pdf_url.clone(),
            json_url: m.json_url.clone(),
            sponsor: m.sponsor.as_ref().map(|s| SponsorFm {
                url: s.url.clone(),
                title: s.title.clone(),
                image_url: s.image_url.clone(),
                description: s.description.clone(),
                expires_at: ts_text(s.expires_at),
            }),
            related_roadmaps: m.related_roadmaps.clone(),
            related_questions: m.related_questions.clone(),
        }
    }

    /// The metadata; `Err((yaml key path, message))` for a bad timestamp.
    fn into_meta(self, description: String) -> Result<RoadmapMeta, (&'static str, String)> {
        let sd = self.structured_data;
        let date_modified = ts_parse(sd.date_modified.as_deref())
            .map_err(|e| ("structuredData.dateModified", e))?;
        let sponsor = match self.sponsor {
            Some(s) => Some(SponsorDoc {
                expires_at: ts_parse(s.expires_at.as_deref())
                    .map_err(|e| ("sponsor.expiresAt", e))?,
                url: s.url,
                title: s.title,
                image_url: s.image_url,
                description: s.description,
            }),
            None => None,
        };
        Ok(RoadmapMeta {
            slug: self.slug,
            title: self.title,
            brief_title: self.brief_title,
            description,
            brief_description: self.brief_description,
            order: self.order,
            kind: self.kind,
            status: self.status,
            tags: self.tags,
            is_forkable: self.is_forkable,
            has_topics: self.has_topics,
            dimensions: self.dimensions,
            question: self.question,
            seo: self.seo,
            structured_data: StructuredDataDoc {
                headline: sd.headline,
                description: sd.description,
                image_url: sd.image_url,
                date_published: sd.date_published,
                date_modified,
            },
            sitemap: self.sitemap,
            pdf_url: self.pdf_url,
            json_url: self.json_url,
            sponsor,
            related_roadmaps: self.related_roadmaps,
            related_questions: self.related_questions,
        })
    }
}

/// The text of `roadmap.md`.
pub(super) fn render(meta: &RoadmapMeta) -> Result<String, AppError> {
    let yaml = serde_yaml_ng::to_string(&FrontMatter::of(meta))
        .map_err(|e| AppError::internal_from("cannot write the front matter", e))?;
    let mut roadmap_md = format!("---\n{yaml}---\n");
    if !meta.description.is_empty() {
        roadmap_md.push('\n');
        roadmap_md.push_str(&meta.description);
        roadmap_md.push('\n');
    }
    Ok(roadmap_md)
}

/// The metadata in `roadmap.md`, and where its parts are (for errors found later).
pub(super) fn parse<'t>(
    text: &'t str,
    errs: &Errs,
) -> Result<(RoadmapMeta, MetaLines<'t>), AppError> {
    let (yaml, yaml_start, body) = split_front_matter(text, errs)?;
    let fm: FrontMatter = serde_yaml_ng::from_str(yaml).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(0) + yaml_start - 1;
        let msg = e.to_string();
        // The error names its own line, relative to the front matter; ours is of the file.
        let msg = msg.split(" at line ").next().unwrap_or(&msg);
        errs.at(
            ROADMAP_FILE,
            line.max(1),
            format!("bad front matter: {msg}"),
        )
    })?;
    let body_line = text[..text.len() - body.len()].lines().count() + 1;
    let lines = MetaLines {
        yaml,
        yaml_start,
        body_line,
    };
    if fm.format != FORMAT {
        return Err(errs.at(
            ROADMAP_FILE,
            lines.key("format"),
            format!("unknown format `{}` (expected `{FORMAT}`)", fm.format),
        ));
    }
    let meta = fm
        .into_meta(body.trim().to_owned())
        .map_err(|(path, m)| errs.at(ROADMAP_FILE, lines.key(path), m))?;
    Ok((meta, lines))
}

/// Splits `roadmap.md` into front matter (and the line it starts on) and body.
fn split_front_matter<'t>(
    text: &'t str,
    errs: &Errs,
) -> Result<(&'t str, usize, &'t str), AppError> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or_else(|| {
            errs.at(
                ROADMAP_FILE,
                1,
                "roadmap.md must start with YAML front matter between `---` lines",
            )
        })?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Ok((&rest[..offset], 2, &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    Err(errs.at(
        ROADMAP_FILE,
        1,
        "the front matter of roadmap.md is not closed by a `---` line",
    ))
}
