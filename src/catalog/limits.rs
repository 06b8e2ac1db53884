//! How big each part of a roadmap may be, and the checks of its metadata, topics and resources.
//! Text is counted in characters of the trimmed value and passes the rules of [`crate::text`];
//! errors name the field with the caller's prefix (`roadmap.` in a document, nothing in a
//! mutation's input). Every limit here is also written in the schema's descriptions.
use std::collections::HashSet;

use entity::ids::RoadmapId;

use super::document::{ResourceDoc, RoadmapMeta};
use crate::error::{AppError, Field};
use crate::text::{self, AtField, TextRefusal};

pub use crate::text::MAX_URL_CHARS;

pub const MAX_SLUG_CHARS: usize = 64;
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BRIEF_TITLE_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
pub const MAX_BRIEF_DESCRIPTION_CHARS: usize = 1_000;
pub const MAX_TAGS: usize = 20;
pub const MAX_RELATED: usize = 20;
pub const MAX_RELATED_QUESTION_CHARS: usize = 200;
pub const MAX_QUESTION_TITLE_CHARS: usize = 300;
pub const MAX_QUESTION_DESCRIPTION_CHARS: usize = 10_000;
pub const MAX_SEO_TITLE_CHARS: usize = 200;
pub const MAX_SEO_DESCRIPTION_CHARS: usize = 1_000;
pub const MAX_SEO_KEYWORDS: usize = 30;
pub const MAX_SEO_KEYWORD_CHARS: usize = 100;
pub const MAX_HEADLINE_CHARS: usize = 200;
pub const MAX_SPONSOR_TITLE_CHARS: usize = 300;
pub const MAX_SPONSOR_DESCRIPTION_CHARS: usize = 1_000;
pub const MAX_TOPIC_TITLE_CHARS: usize = 300;
pub const MAX_TOPIC_DESCRIPTION_CHARS: usize = 20_000;
pub const MAX_RESOURCE_TITLE_CHARS: usize = 300;
/// Resources one topic may hold.
pub const MAX_RESOURCES: usize = 100;
/// Files of a markdown folder given to `importRoadmap` (one per topic, plus two).
pub const MAX_IMPORT_FILES: usize = super::document::MAX_TOPICS + 2;
pub const MAX_FILE_PATH_CHARS: usize = 300;
/// One file's text; the whole roadmap is bounded by [`MAX_DOCUMENT_BYTES`] as well.
pub const MAX_FILE_CHARS: usize = 1_000_000;
/// A roadmap's whole document: the bytes of its export JSON (metadata, topics and resources).
/// An import or an edit that would make it larger is refused.
pub const MAX_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;

pub fn is_valid_slug(slug: &str) -> bool {
    (1..=MAX_SLUG_CHARS).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

pub fn is_http_url(url: &str) -> bool {
    text::http_url(url).is_ok()
}

/// A one-line title: non-empty, at most `max` characters, no line breaks (titles are headings in
/// the markdown format), nothing invisible-only, no control or bidi characters.
pub fn need_line(path: &str, value: &str, max: usize) -> Result<(), AppError> {
    text::line(value, max).at(path)
}

/// A non-empty multi-line text (markdown) of at most `max` characters.
pub fn need_text(path: &str, value: &str, max: usize) -> Result<(), AppError> {
    text::required_text(value, max).at(path)
}

fn optional_line(path: &str, value: &Option<String>, max: usize) -> Result<(), AppError> {
    value
        .as_deref()
        .map_or(Ok(()), |v| text::optional_line(v, max))
        .at(path)
}

fn optional_text(path: &str, value: &Option<String>, max: usize) -> Result<(), AppError> {
    value
        .as_deref()
        .map_or(Ok(()), |v| text::text(v, max))
        .at(path)
}

fn optional_link(path: &str, value: &Option<String>) -> Result<(), AppError> {
    value.as_deref().map_or(Ok(()), text::link).at(path)
}

/// A list of slugs (tags, related roadmaps): at most `max`, each a valid slug, none twice.
pub fn check_slugs(path: &str, slugs: &[String], max: usize, what: &str) -> Result<(), AppError> {
    text::max_items(slugs, max).at(path)?;
    for (i, slug) in slugs.iter().enumerate() {
        if !is_valid_slug(slug) {
            return Err(AppError::bad_input(
                format!("{path}[{i}]"),
                format!(
                    "{what} `{slug}` must be 1-{MAX_SLUG_CHARS} lower-case letters, digits and \
                     dashes"
                ),
            ));
        }
    }
    let mut seen = HashSet::new();
    if let Some(dup) = slugs.iter().find(|t| !seen.insert(t.as_str())) {
        return Err(AppError::bad_input(
            path,
            format!("{what} `{dup}` appears twice"),
        ));
    }
    Ok(())
}

/// Checks roadmap metadata; error fields are `prefix` + the camelCase name (`roadmap.slug` in a
/// document, `slug` in a mutation's input). Over 80 lines: one check per field, in document order
/// (the first error wins).
pub fn validate_meta(m: &RoadmapMeta, prefix: &str) -> Result<(), AppError> {
    let p = |name: &str| format!("{prefix}{name}");
    if !is_valid_slug(&m.slug) {
        return Err(AppError::bad_input(
            p("slug"),
            format!(
                "`{}` `{}` must be 1-{MAX_SLUG_CHARS} lower-case letters, digits and dashes",
                p("slug"),
                m.slug.chars().take(80).collect::<String>()
            ),
        ));
    }
    need_line(&p("title"), &m.title, MAX_TITLE_CHARS)?;
    need_line(&p("briefTitle"), &m.brief_title, MAX_BRIEF_TITLE_CHARS)?;
    need_text(&p("description"), &m.description, MAX_DESCRIPTION_CHARS)?;
    need_text(
        &p("briefDescription"),
        &m.brief_description,
        MAX_BRIEF_DESCRIPTION_CHARS,
    )?;
    check_slugs(&p("tags"), &m.tags, MAX_TAGS, "tag")?;
    for (path, url) in [
        (p("pdfUrl"), &m.pdf_url),
        (p("jsonUrl"), &m.json_url),
        (p("structuredData.imageUrl"), &m.structured_data.image_url),
    ] {
        optional_link(&path, url)?;
    }
    if let Some(q) = &m.question {
        need_line(&p("question.title"), &q.title, MAX_QUESTION_TITLE_CHARS)?;
        text::text(&q.description, MAX_QUESTION_DESCRIPTION_CHARS).at(p("question.description"))?;
    }
    optional_line(&p("seo.title"), &m.seo.title, MAX_SEO_TITLE_CHARS)?;
    optional_text(
        &p("seo.description"),
        &m.seo.description,
        MAX_SEO_DESCRIPTION_CHARS,
    )?;
    text::max_items(&m.seo.keywords, MAX_SEO_KEYWORDS).at(p("seo.keywords"))?;
    for (i, k) in m.seo.keywords.iter().enumerate() {
        need_line(
            &format!("{}[{i}]", p("seo.keywords")),
            k,
            MAX_SEO_KEYWORD_CHARS,
        )?;
    }
    let sd = &m.structured_data;
    optional_line(
        &p("structuredData.headline"),
        &sd.headline,
        MAX_HEADLINE_CHARS,
    )?;
    optional_text(
        &p("structuredData.description"),
        &sd.description,
        MAX_SEO_DESCRIPTION_CHARS,
    )?;
    if let Some(s) = &m.sponsor {
        text::http_url(&s.url).at(p("sponsor.url"))?;
        need_line(&p("sponsor.title"), &s.title, MAX_SPONSOR_TITLE_CHARS)?;
        optional_link(&p("sponsor.imageUrl"), &s.image_url)?;
        optional_text(
            &p("sponsor.description"),
            &s.description,
            MAX_SPONSOR_DESCRIPTION_CHARS,
        )?;
    }
    if let Some(s) = &m.sitemap {
        if !(0.0..=1.0).contains(&s.priority) {
            return Err(AppError::bad_input(
                p("sitemap.priority"),
                format!("`{}` must be between 0.0 and 1.0", p("sitemap.priority")),
            ));
        }
    }
    if let Some(d) = &m.dimensions {
        if !(d.width.is_finite() && d.height.is_finite() && d.width > 0.0 && d.height > 0.0) {
            return Err(AppError::bad_input(
                p("dimensions"),
                format!("`{}` must be positive numbers", p("dimensions")),
            ));
        }
    }
    text::max_items(&m.related_roadmaps, MAX_RELATED).at(p("relatedRoadmaps"))?;
    for (i, slug) in m.related_roadmaps.iter().enumerate() {
        if !is_valid_slug(slug) || slug == &m.slug {
            return Err(AppError::bad_input(
                format!("{}[{i}]", p("relatedRoadmaps")),
                format!("related roadmap `{slug}` is not a valid slug of another roadmap"),
            ));
        }
    }
    text::max_items(&m.related_questions, MAX_RELATED).at(p("relatedQuestions"))?;
    for (i, q) in m.related_questions.iter().enumerate() {
        need_line(
            &format!("{}[{i}]", p("relatedQuestions")),
            q,
            MAX_RELATED_QUESTION_CHARS,
        )?;
    }
    Ok(())
}

/// A topic's title: one line of at most 300 characters. `field` names it in the error.
pub fn check_topic_title(field: &str, title: &str) -> Result<(), AppError> {
    need_line(field, title, MAX_TOPIC_TITLE_CHARS)
}

/// A topic's description: markdown of at most 20,000 characters (it may be empty).
pub fn check_topic_description(field: &str, description: &str) -> Result<(), AppError> {
    text::text(description, MAX_TOPIC_DESCRIPTION_CHARS).at(field)
}

/// A topic's resources: at most [`MAX_RESOURCES`], each checked by [`check_resource`].
pub fn check_resources(field: &str, resources: &[ResourceDoc]) -> Result<(), AppError> {
    text::max_items(resources, MAX_RESOURCES).at(field)?;
    for (i, r) in resources.iter().enumerate() {
        check_resource(&format!("{field}[{i}]."), r)?;
    }
    Ok(())
}

/// A resource: a one-line title and an http(s) URL. `prefix` (`resources[2].`, or empty) leads
/// the names of its fields in errors.
pub fn check_resource(prefix: &str, r: &ResourceDoc) -> Result<(), AppError> {
    need_line(
        &format!("{prefix}title"),
        &r.title,
        MAX_RESOURCE_TITLE_CHARS,
    )?;
    text::http_url(&r.url).at(format!("{prefix}url"))
}

/// The markdown folder given to `importRoadmap`: at most [`MAX_IMPORT_FILES`] files, each path
/// and text within its limit. `field` names the list (`files`).
pub fn check_files<'a>(
    field: &str,
    files: impl ExactSizeIterator<Item = (&'a str, &'a str)>,
) -> Result<(), AppError> {
    if files.len() > MAX_IMPORT_FILES {
        return Err(TextRefusal::TooMany {
            max: MAX_IMPORT_FILES,
            what: "files",
        }
        .at(field));
    }
    for (i, (path, content)) in files.enumerate() {
        need_line(&format!("{field}[{i}].path"), path, MAX_FILE_PATH_CHARS)?;
        text::max_chars(content, MAX_FILE_CHARS).at(format!("{field}[{i}].content"))?;
    }
    Ok(())
}

/// Refuses a roadmap whose export JSON is larger than [`MAX_DOCUMENT_BYTES`].
pub fn check_document_size(
    field: impl Into<Field>,
    doc: &super::document::RoadmapDocument,
) -> Result<(), AppError> {
    let bytes = serde_json::to_vec(doc).map_err(AppError::internal)?.len();
    if bytes > MAX_DOCUMENT_BYTES {
        return Err(AppError::bad_input(
            field,
            format!(
                "the roadmap would be {bytes} bytes as a document; a roadmap may hold at most \
                 {MAX_DOCUMENT_BYTES} bytes (metadata, topics and resources): shorten or remove \
                 something first"
            ),
        ));
    }
    Ok(())
}

/// Refuses an edit, inside its transaction and after its writes, that made the roadmap's
/// document larger than [`MAX_DOCUMENT_BYTES`]; the caller's transaction then rolls back. Callers
/// skip it for edits that do not add text, so a roadmap already over the limit (imported before
/// it existed) can always be shortened.
pub async fn check_stored_size(
    txn: &impl sea_orm::ConnectionTrait,
    roadmap_id: RoadmapId,
    field: impl Into<Field>,
) -> Result<(), AppError> {
    let model = super::roadmap_editing::require_live(txn, roadmap_id).await?;
    let doc =
        super::export::document_of(txn, &model, &crate::auth::CatalogAccess::trusted()).await?;
    check_document_size(field, &doc)
}
