//! The catalogue as the search sees it: every live roadmap with its gate, its topic tree and its
//! resources, read at one content version, and the word index over their titles and
//! descriptions. Hits are filtered by the caller's [`CatalogAccess`] (the one rule) before they
//! are ranked and paged, so what a viewer may not read never counts, shows or pages.
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use entity::ids::{RoadmapId, TopicKey};
use entity::{resources, roadmaps, topic_notes, topics};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::matcher::{Matched, Matcher};
use crate::auth::{CatalogAccess, RoadmapGate};
use crate::catalog::RoadmapTree;
use crate::error::AppError;

/// What a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SearchKind {
    Roadmap,
    Topic,
    Resource,
}

/// The field of a hit a highlight is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitField {
    Title,
    Description,
    /// The viewer's own note on a topic (notes scope).
    Note,
}

/// The object a hit points to, ready to show (no further read needed).
#[derive(Clone)]
pub enum HitNode {
    Roadmap(Arc<roadmaps::Model>),
    /// A topic: its roadmap's tree and its index in it.
    Topic(Arc<RoadmapTree>, usize),
    Resource(Arc<resources::Model>),
}

/// Where the query's words stand in one field of a hit (character ranges, end excluded).
pub struct Highlight {
    pub field: HitField,
    pub text: String,
    pub ranges: Vec<(usize, usize)>,
}

pub struct Hit {
    pub node: HitNode,
    pub score: f64,
    pub highlights: Vec<Highlight>,
}

/// One page of hits and how many there are in all.
pub struct Page {
    pub hits: Vec<Hit>,
    pub total: usize,
}

/// Which hits a request may have.
pub struct Filter<'a> {
    pub access: &'a CatalogAccess,
    /// The UNLISTED roadmaps the viewer follows.
    pub followed: &'a HashSet<RoadmapId>,
    /// Empty: every kind.
    pub kinds: &'a [SearchKind],
    pub roadmap: Option<RoadmapId>,
}

/// A live roadmap and its content, as read for the index.
pub struct Entry {
    pub roadmap: Arc<roadmaps::Model>,
    pub gate: RoadmapGate,
    pub tree: Arc<RoadmapTree>,
    pub resources: Vec<Arc<resources::Model>>,
}

/// What a document is, within its entry (indexes into the tree's topics or the resources).
/// `u32`s keep a [`Doc`] at 12 bytes: a common word's hits read tens of thousands of them.
#[derive(Clone, Copy)]
enum Target {
    Roadmap,
    Topic(u32),
    Resource(u32),
}

#[derive(Clone, Copy)]
struct Doc {
    entry: u32,
    target: Target,
}

/// The index of the catalogue at one content version.
pub struct Catalogue {
    pub version: u64,
    /// Per live roadmap, its `search_stamps` counter when its rows were read (0: no row).
    stamps: HashMap<RoadmapId, i64>,
    /// Per entry, the roadmap (none once dropped by a refresh) and its documents.
    entries: Vec<Option<Arc<Entry>>>,
    spans: Vec<std::ops::Range<u32>>,
    by_roadmap: HashMap<RoadmapId, usize>,
    docs: Vec<Doc>,
    /// Shared with the index this one was refreshed from until a document changes.
    matcher: Arc<Matcher>,
}

/// Above this many changed roadmaps a refresh reads everything again (one statement each instead
/// of long lists of bound ids).
const MOST_CHANGED: usize = 200;

impl Catalogue {
    /// Reads every live roadmap, topic and resource (three statements, after the stamps) and
    /// indexes them. The order of the documents, which breaks ranking ties, comes from ids sorted
    /// here, never from the database's collation, so both databases rank alike.
    pub async fn load(db: &impl ConnectionTrait, version: u64) -> Result<Self, AppError> {
        // The stamps are read before the rows: a write that lands in between is re-read later.
        let stamps = read_stamps(db).await?;
        let maps = roadmaps::Entity::find()
            .filter(roadmaps::Column::DeletedAt.is_null())
            .all(db)
            .await?;
        let topics = topics::Entity::find()
            .filter(topics::Column::DeletedAt.is_null())
            .all(db)
            .await?;
        let resources = resources::Entity::find().all(db).await?;
        Ok(Self::index(
            version,
            stamps,
            entries(maps, topics, resources),
        ))
    }

    /// This index brought to `version`: the roadmaps whose stamp moved (or that appeared) are
    /// read again (three statements for all of them), those gone are dropped, the others kept as
    /// they were read. The words are then indexed again from memory in the same order as
    /// [`Catalogue::load`] would, so the answers are exactly those of a fresh build.
    pub async fn refresh(&self, db: &impl ConnectionTrait, version: u64) -> Result<Self, AppError> {
        let stamps = read_stamps(db).await?;
        let changed: Vec<RoadmapId> = stamps
            .iter()
            .filter(|(id, stamp)| self.stamps.get(id) != Some(stamp))
            .map(|(id, _)| *id)
            .collect();
        if changed.len() > MOST_CHANGED {
            return Self::load(db, version).await;
        }
        let mut fresh = Vec::new();
        if !changed.is_empty() {
            let maps = roadmaps::Entity::find()
                .filter(roadmaps::Column::Id.is_in(changed.iter().copied()))
                .filter(roadmaps::Column::DeletedAt.is_null())
                .all(db)
                .await?;
            let topics = topics::Entity::find()
                .filter(topics::Column::RoadmapId.is_in(changed.iter().copied()))
                .filter(topics::Column::DeletedAt.is_null())
                .all(db)
                .await?;
            let resources = resources::Entity::find()
                .filter(
                    resources::Column::TopicId.in_subquery(
                        Query::select()
                            .column(topics::Column::Id)
                            .from(topics::Entity)
                            .and_where(topics::Column::RoadmapId.is_in(changed.iter().copied()))
                            .to_owned(),
                    ),
                )
                .all(db)
                .await?;
            fresh = entries(maps, topics, resources);
        }
        Ok(self.updated(version, stamps, &changed, fresh))
    }

    /// This index with the roadmaps `changed` and those without a stamp (deleted) dropped, and
    /// `fresh` added. Their old documents are removed from the matcher and the new ones appended;
    /// order keys make the ranking that of a fresh build. Once a quarter of the documents are
    /// removed ones, the words are indexed again from memory (no read).
    fn updated(
        &self,
        version: u64,
        stamps: HashMap<RoadmapId, i64>,
        changed: &[RoadmapId],
        fresh: Vec<Arc<Entry>>,
    ) -> Self {
        let mut next = Self {
            version,
            stamps,
            entries: self.entries.clone(),
            spans: self.spans.clone(),
            by_roadmap: self.by_roadmap.clone(),
            docs: self.docs.clone(),
            matcher: self.matcher.clone(),
        };
        let dropped: Vec<RoadmapId> = self
            .by_roadmap
            .keys()
            .copied()
            .filter(|id| changed.contains(id) || !next.stamps.contains_key(id))
            .collect();
        if dropped.is_empty() && fresh.is_empty() {
            // Another table moved the version: the words are those of `self`, shared.
            return next;
        }
        for id in dropped {
            if let Some(i) = next.by_roadmap.remove(&id) {
                next.entries[i] = None;
                // The first change copies the shared matcher (the old index still answers).
                let matcher = Arc::make_mut(&mut next.matcher);
                for doc in next.spans[i].clone() {
                    matcher.remove(doc);
                }
            }
        }
        for e in fresh {
            next.push(e);
        }
        if next.matcher.removed() > next.matcher.documents() / 4 {
            let mut live: Vec<Arc<Entry>> = next.entries.into_iter().flatten().collect();
            live.sort_by_key(|e| e.roadmap.id);
            return Self::index(version, next.stamps, live);
        }
        Arc::make_mut(&mut next.matcher).finish();
        next
    }

    /// Indexes `entries` (in roadmap id order).
    fn index(version: u64, stamps: HashMap<RoadmapId, i64>, entries: Vec<Arc<Entry>>) -> Self {
        let mut index = Self {
            version,
            stamps,
            entries: Vec::with_capacity(entries.len()),
            spans: Vec::with_capacity(entries.len()),
            by_roadmap: HashMap::with_capacity(entries.len()),
            docs: Vec::new(),
            matcher: Arc::new(Matcher::default()),
        };
        for e in entries {
            index.push(e);
        }
        Arc::make_mut(&mut index.matcher).finish();
        index
    }

    /// Appends a roadmap's documents. Ties rank by (roadmap id, place in the roadmap): the order
    /// a build in id order adds them in, wherever a refresh appends them.
    fn push(&mut self, e: Arc<Entry>) {
        let entry = self.entries.len();
        let first = self.docs.len() as u32;
        let key = u64::from(e.roadmap.id.0 as u32) << 32;
        let mut place = 0u64;
        let mut add = |index: &mut Self, target: Target, title: &str, other: &str| {
            Arc::make_mut(&mut index.matcher).add_keyed(key | place, title, other);
            index.docs.push(Doc {
                entry: entry as u32,
                target,
            });
            place += 1;
        };
        add(
            self,
            Target::Roadmap,
            &e.roadmap.title,
            &e.roadmap.description,
        );
        for (i, t) in e.tree.topics.iter().enumerate() {
            add(self, Target::Topic(i as u32), &t.title, &t.description);
        }
        for (i, r) in e.resources.iter().enumerate() {
            add(self, Target::Resource(i as u32), &r.title, "");
        }
        self.by_roadmap.insert(e.roadmap.id, entry);
        self.spans.push(first..self.docs.len() as u32);
        self.entries.push(Some(e));
    }

    /// How many documents (roadmaps, topics, resources) the index holds.
    pub fn documents(&self) -> u32 {
        self.matcher.documents()
    }

    /// Which roadmaps the request may see hits of, by entry.
    fn admitted(&self, filter: &Filter) -> Vec<bool> {
        self.entries
            .iter()
            .map(|e| {
                let Some(e) = e else { return false };
                filter.roadmap.is_none_or(|r| r == e.roadmap.id)
                    && filter
                        .access
                        .can_find_gate(&e.gate, filter.followed.contains(&e.roadmap.id))
            })
            .collect()
    }

    /// The page `offset..offset + limit` of the hits of `words` (lower-cased query words).
    pub fn search(&self, words: &[String], filter: &Filter, offset: usize, limit: usize) -> Page {
        let admitted = self.admitted(filter);
        let kind_ok = |t: Target| {
            filter.kinds.is_empty()
                || filter.kinds.contains(&match t {
                    Target::Roadmap => SearchKind::Roadmap,
                    Target::Topic(_) => SearchKind::Topic,
                    Target::Resource(_) => SearchKind::Resource,
                })
        };
        // Per entry, read once here rather than through each hit's roadmap.
        let official: Vec<bool> = self
            .entries
            .iter()
            .map(|e| e.as_ref().is_some_and(|e| e.roadmap.is_official()))
            .collect();
        let found = self.matcher.search(
            words,
            |d| {
                let doc = self.docs[d as usize];
                admitted[doc.entry as usize] && kind_ok(doc.target)
            },
            |d| official[self.docs[d as usize].entry as usize],
            offset.saturating_add(limit),
        );
        let hits = found
            .hits
            .into_iter()
            .skip(offset)
            .filter_map(|m| self.hit(m, &found.terms))
            .collect();
        Page {
            hits,
            total: found.total,
        }
    }

    fn official(&self, doc: u32) -> bool {
        self.entries[self.docs[doc as usize].entry as usize]
            .as_ref()
            .is_some_and(|e| e.roadmap.is_official())
    }

    /// The hit of an admitted document (none for a dropped roadmap's, which are never admitted).
    fn hit(&self, m: Matched, matched: &HashSet<u32>) -> Option<Hit> {
        let doc = self.docs[m.doc as usize];
        let e = self.entries[doc.entry as usize].as_ref()?;
        let (node, title, other) = match doc.target {
            Target::Roadmap => (
                HitNode::Roadmap(e.roadmap.clone()),
                e.roadmap.title.as_str(),
                e.roadmap.description.as_str(),
            ),
            Target::Topic(i) => {
                let i = i as usize;
                (
                    HitNode::Topic(e.tree.clone(), i),
                    e.tree.topics[i].title.as_str(),
                    e.tree.topics[i].description.as_str(),
                )
            }
            Target::Resource(i) => {
                let r = &e.resources[i as usize];
                (HitNode::Resource(r.clone()), r.title.as_str(), "")
            }
        };
        let highlights = [(HitField::Title, title), (HitField::Description, other)]
            .into_iter()
            .filter_map(|(field, text)| highlighted(&self.matcher, field, text, matched))
            .collect();
        Some(Hit {
            node,
            score: m.score(self.official(m.doc)),
            highlights,
        })
    }

    /// The page of the viewer's `notes` that match `words`, as hits on their topics: only notes
    /// on live topics of roadmaps the filter admits.
    pub fn search_notes(
        &self,
        notes: &[topic_notes::Model],
        words: &[String],
        filter: &Filter,
        offset: usize,
        limit: usize,
    ) -> Page {
        if !(filter.kinds.is_empty() || filter.kinds.contains(&SearchKind::Topic)) {
            return Page {
                hits: Vec::new(),
                total: 0,
            };
        }
        let admitted = self.admitted(filter);
        let mut shown: Vec<(&topic_notes::Model, usize, usize)> = notes
            .iter()
            .filter_map(|n| {
                let entry = *self.by_roadmap.get(&n.roadmap_id)?;
                let idx = self.entries[entry].as_ref()?.tree.index_of(&n.topic_id)?;
                admitted[entry].then_some((n, entry, idx))
            })
            .collect();
        shown.sort_by_key(|s| (s.1, s.2));
        let mut matcher = Matcher::default();
        for (n, _, _) in &shown {
            matcher.add(&n.note, "");
        }
        matcher.finish();
        let found = matcher.search(words, |_| true, |_| false, offset.saturating_add(limit));
        let matched = &found.terms;
        let hits = found
            .hits
            .into_iter()
            .skip(offset)
            .filter_map(|m| {
                let (note, entry, idx) = shown[m.doc as usize];
                Some(Hit {
                    node: HitNode::Topic(self.entries[entry].as_ref()?.tree.clone(), idx),
                    score: m.score(true),
                    highlights: highlighted(&matcher, HitField::Note, &note.note, matched)
                        .into_iter()
                        .collect(),
                })
            })
            .collect();
        Page {
            hits,
            total: found.total,
        }
    }
}

fn highlighted(
    matcher: &Matcher,
    field: HitField,
    text: &str,
    matched: &HashSet<u32>,
) -> Option<Highlight> {
    let ranges = matcher.highlight(text, matched);
    (!ranges.is_empty()).then(|| Highlight {
        field,
        text: text.to_owned(),
        ranges,
    })
}

/// Per live roadmap, its `search_stamps` counter (0 when it has none yet), in one statement.
async fn read_stamps(db: &impl ConnectionTrait) -> Result<HashMap<RoadmapId, i64>, AppError> {
    let rows = roadmaps::Entity::find()
        .select_only()
        .column(roadmaps::Column::Id)
        .column_as(
            Expr::cust("COALESCE((SELECT s.stamp FROM search_stamps s WHERE s.roadmap_id = roadmaps.id), 0)"),
            "stamp",
        )
        .filter(roadmaps::Column::DeletedAt.is_null())
        .into_tuple::<(RoadmapId, i64)>()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The entries of the roadmaps `maps`, in id order, with their live topics and their resources.
fn entries(
    mut maps: Vec<roadmaps::Model>,
    topics: Vec<topics::Model>,
    resources: Vec<resources::Model>,
) -> Vec<Arc<Entry>> {
    maps.sort_by_key(|r| r.id);
    let mut topics_of: HashMap<RoadmapId, Vec<topics::Model>> = HashMap::new();
    for t in topics {
        topics_of.entry(t.roadmap_id).or_default().push(t);
    }
    let mut resources_of: HashMap<TopicKey, Vec<resources::Model>> = HashMap::new();
    for r in resources {
        resources_of.entry(r.topic_id.clone()).or_default().push(r);
    }
    maps.into_iter()
        .map(|model| {
            let gate = RoadmapGate::of(&model);
            let rows = topics_of.remove(&model.id).unwrap_or_default();
            let tree = RoadmapTree::new(model.id, rows).with_gate(Some(gate.clone()));
            let mut list = Vec::new();
            for t in &tree.topics {
                let mut of_topic = resources_of.remove(&t.id).unwrap_or_default();
                of_topic.sort_by_key(|r| (r.position, r.id));
                list.extend(of_topic.into_iter().map(Arc::new));
            }
            Arc::new(Entry {
                roadmap: Arc::new(model),
                gate,
                tree: Arc::new(tree),
                resources: list,
            })
        })
        .collect()
}
