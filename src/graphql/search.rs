//! `search`: roadmaps, topics and resources the viewer may read, or the viewer's own notes,
//! found by words with typo tolerance and prefix matching (the engine is `crate::search`).
use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::connection::PageInfo;
use async_graphql::{Context, Enum, Object, SimpleObject, Union, ID};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use entity::ids::RoadmapId;
use sha2::{Digest, Sha256};

use super::catalog::roadmap::Roadmap;
use super::catalog::topic::{Resource, Topic, TreeTopics};
use super::context::{catalog_access, db, learner, loaders, viewer};
use super::error::ApiResult;
use super::ids::GlobalId;
use crate::error::AppError;
use crate::search::{self as engine, Filter, HitNode, SearchIndex};

/// Most hits on one page of `search`.
pub const MAX_SEARCH_PAGE: i32 = 50;
const DEFAULT_SEARCH_PAGE: i32 = 20;
/// Most values in `kinds` (there are three kinds).
const MAX_KINDS: usize = 3;

/// What a search hit may be.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::search::SearchKind")]
pub enum SearchKind {
    /// A roadmap, found by its title or description.
    Roadmap,
    /// A topic, found by its title or description (or, in `MY_NOTES`, by your note on it).
    Topic,
    /// A resource, found by its link text.
    Resource,
}

/// What a search looks through.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchScope {
    /// The catalogue you may read: official roadmaps, published public community ones, your
    /// own, your teams', and the unlisted ones you follow.
    #[default]
    Catalog,
    /// Your own notes on topics (signed in only); hits are the topics the notes are on.
    MyNotes,
}

/// The field of a hit that a highlight is in.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::search::HitField")]
pub enum SearchField {
    /// The title (a resource's link text).
    Title,
    /// The description.
    Description,
    /// Your note on the topic.
    Note,
}

/// What a search found.
#[derive(Union)]
pub enum SearchResult {
    Roadmap(Roadmap),
    Topic(Topic),
    Resource(Resource),
}

/// A stretch of a highlighted text, in characters (Unicode code points) from 0; `end` excluded.
#[derive(SimpleObject)]
pub struct TextRange {
    /// The first character of the stretch.
    start: i32,
    /// The character after the stretch.
    end: i32,
}

/// Where the query's words are in one field of a hit.
#[derive(SimpleObject)]
pub struct SearchHighlight {
    /// The field.
    field: SearchField,
    /// The field's whole text.
    text: String,
    /// The stretches of `text` that matched a word of the query, in order.
    ranges: Vec<TextRange>,
}

/// One hit of a search.
pub struct SearchEdge {
    node: SearchResult,
    cursor: String,
    score: f64,
    highlights: Vec<SearchHighlight>,
}

/// One hit of a search and its cursor.
#[Object]
impl SearchEdge {
    /// The roadmap, topic or resource found.
    async fn node(&self) -> &SearchResult {
        &self.node
    }
    /// Opaque cursor of this hit: pass it as `after`, with the same query and filters, for the
    /// hits that follow it.
    async fn cursor(&self) -> &str {
        &self.cursor
    }
    /// How well the hit matched, in (0, 1]: 1 for an exact match in the title of an official
    /// roadmap; fewer typos, then exact words before prefixes, then the title before the
    /// description, then official roadmaps score higher. Edges come in this order.
    async fn score(&self) -> f64 {
        self.score
    }
    /// Where the query's words are in the hit's fields (only fields with a match).
    async fn highlights(&self) -> &[SearchHighlight] {
        &self.highlights
    }
}

/// A page of search hits, best first.
pub struct SearchConnection {
    edges: Vec<SearchEdge>,
    total: usize,
    has_previous_page: bool,
    has_next_page: bool,
}

/// One page of search hits, best first. Continue with `after` set to `pageInfo.endCursor`.
#[Object]
impl SearchConnection {
    /// Whether there are hits before and after this page, and the cursors of its first and last.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges.first().map(|e| e.cursor.clone()),
            end_cursor: self.edges.last().map(|e| e.cursor.clone()),
        }
    }
    /// The hits of this page, in order.
    async fn edges(&self) -> &[SearchEdge] {
        &self.edges
    }
    /// Number of hits across all pages.
    async fn total_count(&self) -> u64 {
        self.total as u64
    }
}

/// What a cursor is bound to: the search it came from, in canonical form.
fn fingerprint(
    scope: SearchScope,
    words: &[String],
    kinds: &[engine::SearchKind],
    roadmap: Option<RoadmapId>,
) -> String {
    let canonical = format!(
        "{scope:?}|{}|{kinds:?}|{}",
        words.join(" "),
        roadmap.map(|r| r.0).unwrap_or(0)
    );
    hex::encode(&Sha256::digest(canonical.as_bytes())[..8])
}

fn encode_cursor(fingerprint: &str, offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("s:{fingerprint}:{offset}"))
}

/// The offset after the hit `after` names, which must come from the same search.
fn decode_cursor(after: &str, fingerprint: &str) -> Result<usize, AppError> {
    let bad = || AppError::bad_input("after", "`after` is not a valid cursor");
    let raw = URL_SAFE_NO_PAD.decode(after).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let mut parts = raw.splitn(3, ':');
    let (Some("s"), Some(print), Some(offset)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let offset: usize = offset.parse().map_err(|_| bad())?;
    if print != fingerprint {
        return Err(AppError::bad_input(
            "after",
            "`after` is a cursor of another search (the query, kinds, scope or roadmap differ)",
        ));
    }
    Ok(offset + 1)
}

/// The query's words, refusing what cannot be searched.
fn parse_query(query: &str) -> Result<Vec<String>, AppError> {
    if query.chars().count() > engine::MAX_QUERY_CHARS {
        return Err(AppError::bad_input(
            "query",
            format!(
                "`query` must be at most {} characters",
                engine::MAX_QUERY_CHARS
            ),
        ));
    }
    let words = engine::query_words(query);
    if words.is_empty() {
        return Err(AppError::bad_input(
            "query",
            "`query` must contain a letter or a digit",
        ));
    }
    Ok(words)
}

fn parse_first(first: Option<i32>) -> Result<usize, AppError> {
    match first.unwrap_or(DEFAULT_SEARCH_PAGE) {
        n @ 1..=MAX_SEARCH_PAGE => Ok(n as usize),
        _ => Err(AppError::bad_input(
            "first",
            format!("`first` must be between 1 and {MAX_SEARCH_PAGE}"),
        )),
    }
}

fn parse_kinds(kinds: Option<Vec<SearchKind>>) -> Result<Vec<engine::SearchKind>, AppError> {
    let kinds = kinds.unwrap_or_default();
    if kinds.len() > MAX_KINDS {
        return Err(AppError::bad_input(
            "kinds",
            format!("`kinds` takes at most {MAX_KINDS} values"),
        ));
    }
    let mut kinds: Vec<engine::SearchKind> = kinds.into_iter().map(Into::into).collect();
    kinds.sort();
    kinds.dedup();
    Ok(kinds)
}

fn edge(hit: engine::Hit, fingerprint: &str, offset: usize) -> SearchEdge {
    SearchEdge {
        node: match hit.node {
            HitNode::Roadmap(m) => SearchResult::Roadmap(Roadmap(m)),
            HitNode::Topic(tree, idx) => SearchResult::Topic(tree.topic(idx)),
            HitNode::Resource(r) => SearchResult::Resource(Resource(r)),
        },
        cursor: encode_cursor(fingerprint, offset),
        score: hit.score,
        highlights: hit
            .highlights
            .into_iter()
            .map(|h| SearchHighlight {
                field: h.field.into(),
                ranges: h
                    .ranges
                    .into_iter()
                    .map(|(start, end)| TextRange {
                        start: i32::try_from(start).unwrap_or(i32::MAX),
                        end: i32::try_from(end).unwrap_or(i32::MAX),
                    })
                    .collect(),
                text: h.text,
            })
            .collect(),
    }
}

#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Finds roadmaps, topics and resources by words, best first, among what you may read (or,
    /// with `scope: MY_NOTES`, your own notes). Every word must match: exactly, with one typo in
    /// words of 5 to 8 characters or two in longer ones, and the last word also as the start of a
    /// word (as you type). An edit is found by the next search. A query that is empty, over 200
    /// characters or without a letter or digit, `first` outside 1 to 50, more than 3 `kinds`, or
    /// a cursor of another search fails with `BAD_USER_INPUT` naming the argument.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, None, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The words to find. At most 200 characters (the first 10 words count).")]
        query: String,
        #[graphql(desc = "Only hits of these kinds (default: every kind). At most 3 items.")]
        kinds: Option<Vec<SearchKind>>,
        #[graphql(desc = "Only hits in this roadmap (`Roadmap.id`) and the roadmap itself.")]
        roadmap_id: Option<ID>,
        #[graphql(desc = "What to look through (default CATALOG).")] scope: Option<SearchScope>,
        #[graphql(desc = "Page size, 1 to 50 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of an edge of the same search: the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<SearchConnection> {
        let words = parse_query(&query)?;
        let limit = parse_first(first)?;
        let kinds = parse_kinds(kinds)?;
        let roadmap = roadmap_id
            .map(|id| GlobalId::roadmap(&id, "roadmapId"))
            .transpose()?;
        let scope = scope.unwrap_or_default();
        let print = fingerprint(scope, &words, &kinds, roadmap);
        let offset = after
            .map(|a| decode_cursor(&a, &print))
            .transpose()?
            .unwrap_or(0);
        let notes = match scope {
            SearchScope::MyNotes => {
                let me = learner(ctx)?.user_id();
                Some(engine::notes_of(db(ctx), me).await?)
            }
            SearchScope::Catalog => None,
        };
        let followed = match viewer(ctx).user_id() {
            Some(me) => crate::catalog::shares::followed_by(db(ctx), me).await?,
            None => HashSet::new(),
        };
        let access = catalog_access(ctx);
        let filter = Filter {
            access: &access,
            followed: &followed,
            kinds: &kinds,
            roadmap,
        };
        // The version the request read for its caches, when it has one: no second read.
        let known = match &loaders(ctx).cache {
            Some(scope) => scope.version().await,
            None => None,
        };
        let index = ctx
            .data_unchecked::<Arc<SearchIndex>>()
            .current(known)
            .await?;
        let page = match &notes {
            Some(notes) => index.search_notes(notes, &words, &filter, offset, limit),
            None => index.search(&words, &filter, offset, limit),
        };
        let end = offset + page.hits.len();
        Ok(SearchConnection {
            edges: page
                .hits
                .into_iter()
                .enumerate()
                .map(|(i, hit)| edge(hit, &print, offset + i))
                .collect(),
            total: page.total,
            has_previous_page: offset > 0,
            has_next_page: end < page.total,
        })
    }
}
