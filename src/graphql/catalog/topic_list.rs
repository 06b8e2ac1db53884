//! The fast read path for topic lists (`Roadmap.topics`, `Topic.children`): when the selection
//! asks only for fields that come straight from the in-memory tree, the whole list — every level of
//! `children` and every `resources` list below it — is written as JSON in one synchronous walk,
//! instead of one async resolver per field (a 301-topic tree is ~5,000 fields). For the list of a
//! roadmap's roots, the written bytes are also kept with the tree, for that content version and
//! selection, so the next request copies them.
//!
//! The bytes reach the response through [`RawJson`]: the list resolves to a placeholder string that
//! the HTTP handler swaps for the bytes after serialising the response. Without a `RawJson` in the
//! request (WebSocket subscriptions, tests calling the schema directly), or for any selection this
//! module does not know, the list resolves through async-graphql as usual, with the same result.
//!
//! What the viewer owns (`myStatus`, `myNote`) is not in the kept bytes: they are written once for
//! every viewer with holes at those places ([`RenderedList`]), and each request fills the holes from
//! the viewer's statuses and notes (the learners' cache, else one statement each), so a signed-in
//! page copies the tree's bytes instead of writing 301 topics again.
use entity::ids::TopicKey;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write as _;
use std::sync::Arc;

use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ScalarType, ServerResult, Value};
use axum::body::Bytes;
use chrono::{DateTime, Utc};

use super::raw_json::RawJson;
use super::topic::{Topic, TreeTopics};
use crate::auth::Viewer;
use crate::catalog::batch::ResourceMap;
use crate::catalog::cache::{Hole, HoleKind, RenderedList};
use crate::catalog::RoadmapTree;
use crate::graphql::ids::GlobalId;
use crate::graphql::loaders::Loaders;
use crate::progress::ProgressStatus;
use sea_orm::ActiveEnum;

/// A list of topics of one tree: resolves like `[Topic!]!`.
pub struct TopicList {
    pub tree: Arc<RoadmapTree>,
    pub items: Vec<usize>,
    /// The roots of the roadmap (their rendering may be cached with the tree).
    pub roots: bool,
}

impl OutputType for TopicList {
    fn type_name() -> Cow<'static, str> {
        <Vec<Topic> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<Topic> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<Topic> as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        if let Some(raw) = ctx.data_opt::<RawJson>() {
            if let Some(bytes) = self.render(ctx, field).await? {
                return Ok(raw.placeholder(bytes));
            }
        }
        let topics: Vec<Topic> = self.items.iter().map(|i| self.tree.topic(*i)).collect();
        async_graphql::resolver_utils::resolve_list(ctx, field, &topics, Some(topics.len())).await
    }
}

impl TopicList {
    /// The list as JSON, or `None` when the selection needs the general path.
    async fn render(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Option<Bytes>> {
        let Some(plan) = TopicPlan::compile(ctx, &ctx.item.node, 0) else {
            return Ok(None);
        };
        let l = ctx.data_unchecked::<Loaders>();
        // Only the roots of a tree that came from the shared cache, so the bytes share its version.
        let cached = match (&l.cache, self.roots) {
            (Some(scope), true) => scope.version().await.map(|v| (scope, v)),
            _ => None,
        };
        let kept = cached.and_then(|(scope, v)| {
            scope
                .caches()
                .trees
                .rendered(self.tree.roadmap_id, v, &plan.key)
        });
        let list = match kept {
            Some(list) => list,
            None => {
                let resources = if plan.needs_resources() {
                    let map = super::topic::resources_of(ctx, self.tree.roadmap_id)
                        .await
                        .map_err(|e| async_graphql::Error::from(e).into_server_error(field.pos))?;
                    Some(map)
                } else {
                    None
                };
                let Some(list) = self.write(resources.as_deref(), &plan) else {
                    return Ok(None);
                };
                if let Some((scope, v)) = cached {
                    scope.caches().trees.put_rendered(
                        self.tree.roadmap_id,
                        v,
                        plan.key.clone(),
                        list.clone(),
                    );
                }
                list
            }
        };
        if list.holes.is_empty() {
            return Ok(Some(list.bytes));
        }
        let mine = self
            .viewer_values(ctx, &plan)
            .await
            .map_err(|e| async_graphql::Error::from(e).into_server_error(field.pos))?;
        Ok(Some(fill(&self.tree, &list, &mine)))
    }

    /// The list written for every viewer alike, or `None` when a stored value cannot be shown.
    fn write(&self, resources: Option<&ResourceMap>, plan: &TopicPlan) -> Option<RenderedList> {
        let mut out = Vec::with_capacity(256 * self.items.len().max(1));
        let w = Writer {
            tree: &self.tree,
            resources,
            holes: RefCell::default(),
        };
        if !w.list(&mut out, &self.items, plan) {
            return None;
        }
        Some(RenderedList {
            bytes: Bytes::from(out),
            holes: w.holes.into_inner().into(),
        })
    }

    /// The viewer's statuses and notes on this roadmap, those the plan asks for (none when
    /// signed out: their holes are null).
    async fn viewer_values(
        &self,
        ctx: &ContextSelectionSet<'_>,
        plan: &TopicPlan,
    ) -> Result<ViewerValues, crate::graphql::error::ApiError> {
        let l = ctx.data_unchecked::<Loaders>();
        let user = ctx.data_opt::<Viewer>().and_then(Viewer::user_id);
        let Some(key) = user.map(|u| (u, self.tree.roadmap_id)) else {
            return Ok(ViewerValues::default());
        };
        let statuses = if plan.any(&|f| matches!(f, TopicField::MyStatus)) {
            Some(l.progress.statuses(key).await?)
        } else {
            None
        };
        let notes = if plan.any(&|f| matches!(f, TopicField::MyNote)) {
            Some(l.progress.notes(key).await?)
        } else {
            None
        };
        Ok(ViewerValues { statuses, notes })
    }
}

/// One viewer's own values on a roadmap; `None` when signed out (null is written).
#[derive(Default)]
struct ViewerValues {
    statuses: Option<Arc<HashMap<TopicKey, ProgressStatus>>>,
    notes: Option<Arc<HashMap<TopicKey, String>>>,
}

/// The list's bytes with each hole filled with the viewer's value, as the general path writes it.
fn fill(tree: &RoadmapTree, list: &RenderedList, mine: &ViewerValues) -> Bytes {
    let mut out = Vec::with_capacity(list.bytes.len() + 12 * list.holes.len());
    let mut from = 0;
    for hole in list.holes.iter() {
        out.extend_from_slice(&list.bytes[from..hole.at]);
        from = hole.at;
        let key = &tree.topics[hole.topic].id;
        match hole.kind {
            HoleKind::Status => match &mine.statuses {
                Some(m) => string(
                    &mut out,
                    &m.get(key)
                        .copied()
                        .unwrap_or(ProgressStatus::Pending)
                        .to_value(),
                ),
                None => out.extend_from_slice(b"null"),
            },
            HoleKind::Note => match mine.notes.as_ref().and_then(|m| m.get(key)) {
                Some(n) => string(&mut out, n),
                None => out.extend_from_slice(b"null"),
            },
        }
    }
    out.extend_from_slice(&list.bytes[from..]);
    Bytes::from(out)
}

// ---------------------------------------------------------------------------------------------
// Selections this path understands.

#[derive(Debug)]
enum TopicField {
    Typename,
    Id,
    Key,
    Kind,
    Title,
    Description,
    Position,
    Legend,
    Depth,
    Version,
    CreatedAt,
    UpdatedAt,
    MyStatus,
    MyNote,
    Children(Box<TopicPlan>),
    Resources(ResourcePlan),
}

#[derive(Debug, Clone, Copy)]
enum ResourceField {
    Typename,
    Id,
    Kind,
    Title,
    Url,
    Position,
}

/// Output keys (already JSON-quoted, with the colon) and what to write under them, in order.
#[derive(Debug)]
struct TopicPlan {
    fields: Vec<(Vec<u8>, TopicField)>,
    /// Identifies the selection, for the cache of written lists.
    key: String,
}

#[derive(Debug)]
struct ResourcePlan {
    fields: Vec<(Vec<u8>, ResourceField)>,
    key: String,
}

/// Fields merged from fragments nest at most this deep (the document limits bound it anyway).
const MAX_DEPTH: usize = 32;

fn quoted_key(key: &str) -> Vec<u8> {
    let mut k = serde_json::to_vec(key).unwrap_or_default();
    k.push(b':');
    k
}

/// Collects the fields of a selection set on `type_name`, expanding fragments in document order
/// as GraphQL's CollectFields does. `None` for anything unusual (directives left after
/// @skip/@include were applied, arguments, a fragment on another type, one key selected twice
/// with a sub-selection): the general path handles those.
fn collect<'a>(
    ctx: &ContextSelectionSet<'a>,
    set: &'a SelectionSet,
    type_name: &str,
    depth: usize,
    out: &mut Vec<&'a Positioned<Field>>,
) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    for sel in &set.items {
        match &sel.node {
            Selection::Field(f) => {
                if !f.node.directives.is_empty() || !f.node.arguments.is_empty() {
                    return None;
                }
                out.push(f);
            }
            Selection::FragmentSpread(s) => {
                if !s.node.directives.is_empty() {
                    return None;
                }
                let frag = ctx.query_env.fragments.get(&s.node.fragment_name.node)?;
                if frag.node.type_condition.node.on.node.as_str() != type_name
                    || !frag.node.directives.is_empty()
                {
                    return None;
                }
                collect(
                    ctx,
                    &frag.node.selection_set.node,
                    type_name,
                    depth + 1,
                    out,
                )?;
            }
            Selection::InlineFragment(f) => {
                if !f.node.directives.is_empty() {
                    return None;
                }
                if let Some(tc) = &f.node.type_condition {
                    if tc.node.on.node.as_str() != type_name {
                        return None;
                    }
                }
                collect(ctx, &f.node.selection_set.node, type_name, depth + 1, out)?;
            }
        }
    }
    Some(())
}

/// Keeps the first of fields sharing a response key; a repeated key is fine only for a leaf asked
/// twice the same way.
fn dedup(fields: Vec<&Positioned<Field>>) -> Option<Vec<&Positioned<Field>>> {
    let mut seen: HashMap<&str, &Positioned<Field>> = HashMap::new();
    let mut out = Vec::with_capacity(fields.len());
    for f in fields {
        let key = f.node.response_key().node.as_str();
        match seen.get(key) {
            Some(first) => {
                let leaf = f.node.selection_set.node.items.is_empty()
                    && first.node.selection_set.node.items.is_empty();
                if !leaf || first.node.name.node != f.node.name.node {
                    return None;
                }
            }
            None => {
                seen.insert(key, f);
                out.push(f);
            }
        }
    }
    Some(out)
}

impl TopicPlan {
    fn compile(ctx: &ContextSelectionSet<'_>, set: &SelectionSet, depth: usize) -> Option<Self> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut collected = Vec::new();
        collect(ctx, set, "Topic", 0, &mut collected)?;
        let mut fields = Vec::new();
        let mut key = String::from("{");
        for f in dedup(collected)? {
            let name = f.node.name.node.as_str();
            let sub = &f.node.selection_set.node;
            let field = match name {
                "__typename" => TopicField::Typename,
                "id" => TopicField::Id,
                "key" => TopicField::Key,
                "kind" => TopicField::Kind,
                "title" => TopicField::Title,
                "description" => TopicField::Description,
                "position" => TopicField::Position,
                "legend" => TopicField::Legend,
                "depth" => TopicField::Depth,
                "version" => TopicField::Version,
                "createdAt" => TopicField::CreatedAt,
                "updatedAt" => TopicField::UpdatedAt,
                "myStatus" => TopicField::MyStatus,
                "myNote" => TopicField::MyNote,
                "children" => TopicField::Children(Box::new(Self::compile(ctx, sub, depth + 1)?)),
                "resources" => TopicField::Resources(ResourcePlan::compile(ctx, sub)?),
                // parent, path, roadmap and anything added later: the general path.
                _ => return None,
            };
            let out_key = f.node.response_key().node.as_str();
            key.push_str(out_key);
            key.push('=');
            key.push_str(name);
            match &field {
                TopicField::Children(p) => key.push_str(&p.key),
                TopicField::Resources(p) => key.push_str(&p.key),
                _ => {}
            }
            key.push(',');
            fields.push((quoted_key(out_key), field));
        }
        key.push('}');
        Some(Self { fields, key })
    }

    fn needs_resources(&self) -> bool {
        self.any(&|f| matches!(f, TopicField::Resources(_)))
    }

    /// Whether a field anywhere in the plan (children included) matches.
    fn any(&self, test: &dyn Fn(&TopicField) -> bool) -> bool {
        self.fields.iter().any(|(_, f)| match f {
            TopicField::Children(p) => test(f) || p.any(test),
            _ => test(f),
        })
    }
}

impl ResourcePlan {
    fn compile(ctx: &ContextSelectionSet<'_>, set: &SelectionSet) -> Option<Self> {
        let mut collected = Vec::new();
        collect(ctx, set, "Resource", 0, &mut collected)?;
        let mut fields = Vec::new();
        let mut key = String::from("{");
        for f in dedup(collected)? {
            let name = f.node.name.node.as_str();
            let field = match name {
                "__typename" => ResourceField::Typename,
                "id" => ResourceField::Id,
                "kind" => ResourceField::Kind,
                "title" => ResourceField::Title,
                "url" => ResourceField::Url,
                "position" => ResourceField::Position,
                _ => return None,
            };
            let out_key = f.node.response_key().node.as_str();
            key.push_str(out_key);
            key.push('=');
            key.push_str(name);
            key.push(',');
            fields.push((quoted_key(out_key), field));
        }
        key.push('}');
        Some(Self { fields, key })
    }
}

// ---------------------------------------------------------------------------------------------
// Writing. Every value is written exactly as serde_json writes the `Value` the resolver in
// `topics/mod.rs` would return, so both paths give the same bytes.

struct Writer<'a> {
    tree: &'a RoadmapTree,
    resources: Option<&'a ResourceMap>,
    /// Where the viewer's own values go, in the order written (see [`fill`]).
    holes: RefCell<Vec<Hole>>,
}

fn string(out: &mut Vec<u8>, s: &str) {
    // Writing a str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn int(out: &mut Vec<u8>, n: i64) {
    let _ = write!(out, "{n}");
}

fn datetime(out: &mut Vec<u8>, at: &DateTime<Utc>) {
    match ScalarType::to_value(at) {
        Value::String(s) => string(out, &s),
        _ => out.extend_from_slice(b"null"),
    }
}

impl Writer<'_> {
    fn hole(&self, out: &[u8], topic: usize, kind: HoleKind) {
        self.holes.borrow_mut().push(Hole {
            at: out.len(),
            topic,
            kind,
        });
    }

    /// Writes `[…]`; false when a stored value cannot be shown (the general path reports it).
    fn list(&self, out: &mut Vec<u8>, items: &[usize], plan: &TopicPlan) -> bool {
        out.push(b'[');
        for (n, &i) in items.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            if !self.topic(out, i, plan) {
                return false;
            }
        }
        out.push(b']');
        true
    }

    fn topic(&self, out: &mut Vec<u8>, i: usize, plan: &TopicPlan) -> bool {
        let t = &self.tree.topics[i];
        out.push(b'{');
        for (n, (key, field)) in plan.fields.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(key);
            match field {
                TopicField::Typename => string(out, "Topic"),
                TopicField::Id => string(out, &GlobalId::Topic(t.id.clone()).encode()),
                TopicField::Key => string(out, t.id.as_str()),
                TopicField::Kind => string(out, &t.kind.to_value()),
                TopicField::Title => string(out, &t.title),
                TopicField::Description => string(out, &t.description),
                TopicField::Position => int(out, i64::from(t.position)),
                TopicField::Legend => match t.legend {
                    Some(l) => string(out, &l.to_value()),
                    None => out.extend_from_slice(b"null"),
                },
                TopicField::Depth => int(out, self.tree.depth_of(i) as i64),
                TopicField::Version => int(out, i64::from(t.version)),
                TopicField::CreatedAt => datetime(out, &t.created_at),
                TopicField::UpdatedAt => datetime(out, &t.updated_at),
                TopicField::MyStatus => self.hole(out, i, HoleKind::Status),
                TopicField::MyNote => self.hole(out, i, HoleKind::Note),
                TopicField::Children(p) => {
                    if !self.list(out, self.tree.children_of(i), p) {
                        return false;
                    }
                }
                TopicField::Resources(p) => {
                    out.push(b'[');
                    let list = self.resources.and_then(|m| m.get(&t.id));
                    for (n, r) in list.into_iter().flatten().enumerate() {
                        if n > 0 {
                            out.push(b',');
                        }
                        if !resource(out, r, p) {
                            return false;
                        }
                    }
                    out.push(b']');
                }
            }
        }
        out.push(b'}');
        true
    }
}

fn resource(out: &mut Vec<u8>, r: &entity::resources::Model, plan: &ResourcePlan) -> bool {
    out.push(b'{');
    for (n, (key, field)) in plan.fields.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(key);
        match field {
            ResourceField::Typename => string(out, "Resource"),
            ResourceField::Id => string(out, &GlobalId::Resource(r.id).encode()),
            ResourceField::Kind => string(out, &r.kind.to_value()),
            ResourceField::Title => string(out, &r.title),
            ResourceField::Url => string(out, &r.url),
            ResourceField::Position => int(out, i64::from(r.position)),
        }
    }
    out.push(b'}');
    true
}
