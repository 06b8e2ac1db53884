//! The markdown form of a roadmap document: a folder that people can edit and review.
//!
//! ```text
//! roadmap.md                      YAML front matter (the metadata) + the description as markdown
//! tree.json                       order, nesting, kind, legend, sameAs, prerequisites (one per line)
//! content/<slug>@<topic id>.md    "# Title", the description, "- [@type@Title](url)" resources
//! ```
//!
//! Reading checks everything before anything is written and names `file:line` in every error.
//! This file holds the folder's shape and puts the files together; each file kind has its own
//! module.
mod files;
mod front_matter;
mod locate;
mod parse;
mod render;
mod tree_file;

use entity::ids::TopicKey;
use std::collections::HashMap;

use super::document::{self, RoadmapDocument, RoadmapMeta, TopicNode, FORMAT};
use crate::error::AppError;
use locate::{Errs, TopicSource};
use parse::ParsedTopic;
use tree_file::TreeEntry;

pub use files::{read_dir, write_dir};
pub use render::{title_slug, topic_file_name};

pub const ROADMAP_FILE: &str = "roadmap.md";
pub const TREE_FILE: &str = "tree.json";
pub const CONTENT_DIR: &str = "content";
pub const TREE_FORMAT: &str = "roadmap-api/tree@1";
const RESOURCES_HEADER: &str = "Visit the following resources to learn more:";

/// One file of the folder: a `/`-separated path relative to the folder, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoadmapFile {
    pub path: String,
    pub content: String,
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The folder for a document, files sorted by path.
pub fn write(doc: &RoadmapDocument) -> Result<Vec<RoadmapFile>, AppError> {
    let flat = doc.flatten();
    let mut files = vec![
        RoadmapFile {
            path: ROADMAP_FILE.to_owned(),
            content: front_matter::render(&doc.roadmap)?,
        },
        RoadmapFile {
            path: TREE_FILE.to_owned(),
            content: tree_file::render(&flat)?,
        },
    ];
    files.extend(flat.iter().map(|(_, _, n)| RoadmapFile {
        path: topic_file_name(n),
        content: render::topic_markdown(n),
    }));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Reads a markdown folder. `base` names the folder in errors; `field` is the input at fault.
pub fn read(files: &[RoadmapFile], base: &str, field: &str) -> Result<RoadmapDocument, AppError> {
    let errs = Errs { base, field };
    // `roadmap.md` and `tree.json` sit at the top of the folder (a common prefix is fine).
    let find = |name: &str| {
        files
            .iter()
            .find(|f| file_name(&f.path) == name && !f.path.contains(&format!("{CONTENT_DIR}/")))
    };
    let roadmap_md = find(ROADMAP_FILE)
        .ok_or_else(|| errs.at(ROADMAP_FILE, 1, "the folder has no roadmap.md"))?;
    let tree_file =
        find(TREE_FILE).ok_or_else(|| errs.at(TREE_FILE, 1, "the folder has no tree.json"))?;

    let (meta, meta_lines) = front_matter::parse(&roadmap_md.content, &errs)?;
    let tree = tree_file::parse(&tree_file.content, &errs)?;
    let listed: HashMap<&str, usize> = tree.iter().map(|(e, l)| (e.id.as_str(), *l)).collect();
    let parsed = parse::read_topics(files, &roadmap_md.path, &listed, &errs)?;
    let (mut doc, sources) = assemble(meta, &tree, parsed, &errs)?;

    document::normalize(&mut doc);
    document::validate(&doc).map_err(|e| match e {
        AppError::BadInput {
            message,
            field: Some(path),
        } => {
            let (file, line) = locate::locate(&doc, &path.to_string(), &sources, &meta_lines);
            errs.at(&file, line, message)
        }
        other => other,
    })?;
    Ok(doc)
}

/// The nested document from the tree entries (with their lines) and the parsed topic files,
/// keeping where each topic came from. Every listed topic needs its file.
fn assemble(
    meta: RoadmapMeta,
    tree: &[(TreeEntry, usize)],
    mut parsed: HashMap<TopicKey, (String, ParsedTopic)>,
    errs: &Errs,
) -> Result<(RoadmapDocument, HashMap<TopicKey, TopicSource>), AppError> {
    let mut sources: HashMap<TopicKey, TopicSource> = HashMap::new();
    let mut nodes: HashMap<TopicKey, TopicNode> = HashMap::new();
    let mut children: HashMap<Option<TopicKey>, Vec<TopicKey>> = HashMap::new();
    for (e, line) in tree {
        let line = *line;
        let (file, topic) = parsed.remove(&e.id).ok_or_else(|| {
            errs.at(
                TREE_FILE,
                line,
                format!(
                    "topic `{}` has no file {CONTENT_DIR}/<slug>@{}.md",
                    e.id, e.id
                ),
            )
        })?;
        sources.insert(
            e.id.clone(),
            TopicSource {
                file,
                tree_line: line,
                resource_lines: topic.resource_lines,
                description_line: topic.description_line,
            },
        );
        nodes.insert(
            e.id.clone(),
            TopicNode {
                id: e.id.clone(),
                kind: e.kind,
                title: topic.title,
                description: topic.description,
                legend: e.legend,
                resources: topic.resources,
                children: Vec::new(),
                same_as: e.same_as.clone(),
                prerequisites: e.prerequisites.clone(),
            },
        );
        children
            .entry(e.parent.clone())
            .or_default()
            .push(e.id.clone());
    }
    // Deeper than validation allows is cut off here (validation then names the depth), so a
    // cycle-free but absurdly deep tree cannot recurse without bound.
    fn build(
        parent: Option<TopicKey>,
        nodes: &mut HashMap<TopicKey, TopicNode>,
        children: &HashMap<Option<TopicKey>, Vec<TopicKey>>,
        depth: usize,
    ) -> Vec<TopicNode> {
        let ids = children.get(&parent).cloned().unwrap_or_default();
        ids.into_iter()
            .filter_map(|id| {
                let mut n = nodes.remove(&id)?;
                if depth <= document::MAX_DEPTH + 1 {
                    n.children = build(Some(id), nodes, children, depth + 1);
                }
                Some(n)
            })
            .collect()
    }
    let doc = RoadmapDocument {
        format: FORMAT.to_owned(),
        roadmap: meta,
        topics: build(None, &mut nodes, &children, 1),
    };
    Ok((doc, sources))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_documents_round_trip_through_the_folder() {
        let mut doc = document::parse_json(
            r##"{"format":"roadmap-api/roadmap@1","roadmap":{"slug":"x","title":"null","briefTitle":"yes",
            "description":"Line one.\n\n  indented: code\n- list","briefDescription":"'quoted' \"too\" # not a comment",
            "order":3,"kind":"SKILL","status":"DRAFT","tags":["a","true"],
            "question":{"title":"Why: because?","description":"multi\nline"},
            "seo":{"title":"1.0","description":null,"keywords":["~","@at"]},
            "structuredData":{"headline":"h","description":null,"imageUrl":"/img.png","datePublished":"2024-02-29","dateModified":"2025-01-01T10:20:30Z"},
            "sitemap":{"priority":0.5,"changeFrequency":"WEEKLY"},
            "sponsor":{"url":"https://s.example","title":"S: [x]","imageUrl":null,"description":"d","expiresAt":"2030-01-01"},
            "relatedRoadmaps":["backend"],"relatedQuestions":["q"]},
            "topics":[{"id":"a1","kind":"TOPIC","title":"# Hash [x]","description":"","legend":"RECOMMENDED","children":[
              {"id":"b_1","kind":"SUBTOPIC","title":"B","description":"Desc","resources":[
                {"kind":"OPENSOURCE","title":"]tricky[ \\","url":"https://e.org/a_(b)"}]}]},
              {"id":"c-2","kind":"TOPIC","title":"C"}]}"##,
        )
        .unwrap();
        document::normalize(&mut doc);
        let files = write(&doc).unwrap();
        let back = read(&files, "", "files").unwrap();
        assert_eq!(back, doc);
        assert_eq!(write(&back).unwrap(), files);
    }
}
