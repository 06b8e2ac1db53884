//! Prerequisites and what to learn next: `Topic.prerequisites`, `Topic.unlocks`,
//! `Roadmap.nextTopics`, `User.nextTopics` and the `setTopicPrerequisites` mutation. Thin: the
//! catalogue stores the edges (`catalog::prerequisites`), progress orders the next topics
//! (`progress::next`); here the viewer's gate is applied to the topics at the other end of each
//! edge, and the statuses are read through the request's progress loaders (the learners' cache).
use entity::ids::{RoadmapId, TopicKey, UserId};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::{Context, Object, ID};

use super::roadmap::{can_see, gate_admits};
use super::roadmap_admin::actor;
use super::topic::{tree_of, Topic, TreeTopics};
use crate::catalog::links::LinkedTopic;
use crate::catalog::prerequisites::{self, PrerequisiteMap, MAX_PREREQUISITES};
use crate::catalog::RoadmapTree;
use crate::error::AppError;
use crate::graphql::context::{catalog_access, db, loaders, viewer};
use crate::graphql::error::ApiResult;
use crate::graphql::guards::SignedIn;
use crate::graphql::ids::GlobalId;
use crate::progress::next::{next_topics, NextTopics};
use crate::progress::{reads, ProgressStatus};
use crate::text::{self, AtField};

/// Most next topics one call returns (`first`).
pub const MAX_NEXT: i32 = 50;
/// Next topics returned when `first` is omitted.
pub const DEFAULT_NEXT: i32 = 10;
/// Tracked roadmaps `User.nextTopics` looks at (favourites first, then most recently active).
pub const MAX_TRACKED: u64 = 20;

/// `first` checked: 1 to [`MAX_NEXT`], by default [`DEFAULT_NEXT`].
pub fn next_count(first: Option<i32>) -> Result<usize, AppError> {
    let n = first.unwrap_or(DEFAULT_NEXT);
    if !(1..=MAX_NEXT).contains(&n) {
        return Err(AppError::bad_input(
            "first",
            format!("`first` must be between 1 and {MAX_NEXT}"),
        ));
    }
    Ok(n as usize)
}

/// The complexity of a list of next topics: `first` (clamped) times a topic's.
pub fn next_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let n = first.unwrap_or(DEFAULT_NEXT).clamp(1, MAX_NEXT) as usize;
    n.saturating_mul(child_complexity).saturating_add(1)
}

/// The prerequisite edges of a roadmap's topics: from the shared cache, else the request's loader.
async fn map_of(ctx: &Context<'_>, roadmap_id: RoadmapId) -> ApiResult<Arc<PrerequisiteMap>> {
    Ok(loaders(ctx)
        .prerequisites_of(&[roadmap_id])
        .await?
        .remove(&roadmap_id)
        .unwrap_or_default())
}

/// The roadmaps at the far end of a map's edges that the viewer may read (the map's own roadmap
/// is the caller's: its tree was read through the gate).
fn readable(ctx: &Context<'_>, map: &PrerequisiteMap) -> HashSet<RoadmapId> {
    map.roadmaps
        .values()
        .filter(|r| can_see(ctx, r))
        .map(|r| r.id)
        .collect()
}

/// The topics at the far end of some edges of roadmap `roadmap_id`, those the viewer may read:
/// this roadmap's first, then by roadmap id; in roadmap order within each. One batch of trees.
async fn topics_at(
    ctx: &Context<'_>,
    roadmap_id: RoadmapId,
    map: &PrerequisiteMap,
    ends: &[LinkedTopic],
) -> ApiResult<Vec<Topic>> {
    let open = readable(ctx, map);
    let shown: Vec<&LinkedTopic> = ends
        .iter()
        .filter(|t| t.roadmap_id == roadmap_id || open.contains(&t.roadmap_id))
        .collect();
    if shown.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<RoadmapId> = shown.iter().map(|t| t.roadmap_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let trees = loaders(ctx).trees_of(&ids).await?;
    let mut found: Vec<(bool, RoadmapId, usize, Topic)> = Vec::with_capacity(shown.len());
    for t in shown {
        let Some(tree) = trees.get(&t.roadmap_id) else {
            continue;
        };
        if !gate_admits(ctx, t.roadmap_id, tree.gate.as_ref()).await? {
            continue;
        }
        if let Some(i) = tree.index_of(&t.topic_id) {
            found.push((t.roadmap_id != roadmap_id, t.roadmap_id, i, tree.topic(i)));
        }
    }
    found.sort_by_key(|(other, id, i, _)| (*other, *id, *i));
    Ok(found.into_iter().map(|(.., t)| t).collect())
}

/// `Topic.prerequisites`.
pub async fn prerequisites_of(
    ctx: &Context<'_>,
    roadmap_id: RoadmapId,
    key: &TopicKey,
) -> ApiResult<Vec<Topic>> {
    let map = map_of(ctx, roadmap_id).await?;
    let ends = map.prerequisites.get(key).cloned().unwrap_or_default();
    topics_at(ctx, roadmap_id, &map, &ends).await
}

/// `Topic.unlocks`.
pub async fn unlocks_of(
    ctx: &Context<'_>,
    roadmap_id: RoadmapId,
    key: &TopicKey,
) -> ApiResult<Vec<Topic>> {
    let map = map_of(ctx, roadmap_id).await?;
    let ends = map.unlocks.get(key).cloned().unwrap_or_default();
    topics_at(ctx, roadmap_id, &map, &ends).await
}

/// The next topics of several visible trees for the signed-in `user`: the edges of all of them
/// in one batch, the statuses of every roadmap involved (theirs and the prerequisites') in one.
async fn next_of(
    ctx: &Context<'_>,
    user: UserId,
    trees: &[Arc<RoadmapTree>],
    limit: usize,
) -> ApiResult<Vec<(Arc<RoadmapTree>, NextTopics)>> {
    let ids: Vec<RoadmapId> = trees.iter().map(|t| t.roadmap_id).collect();
    let maps = loaders(ctx).prerequisites_of(&ids).await?;
    let mut open: HashSet<RoadmapId> = ids.iter().copied().collect();
    for map in maps.values() {
        open.extend(readable(ctx, map));
    }
    let open: Vec<RoadmapId> = open.into_iter().collect();
    let statuses = loaders(ctx).progress.statuses_of(user, &open).await?;
    let status = |p: &LinkedTopic| -> Option<ProgressStatus> {
        let map = statuses.get(&p.roadmap_id)?;
        Some(
            map.get(&p.topic_id)
                .copied()
                .unwrap_or(ProgressStatus::Pending),
        )
    };
    Ok(trees
        .iter()
        .map(|tree| {
            let empty = HashMap::new();
            let edges = maps
                .get(&tree.roadmap_id)
                .map_or(&empty, |m| &m.prerequisites);
            (tree.clone(), next_topics(tree, edges, status, limit))
        })
        .collect())
}

/// The topics of several roadmaps' next topics: every LEARNING one first, then the ready ones,
/// each in the order of the roadmaps and within a roadmap in roadmap order; at most `limit`. A
/// subject taught on several roadmaps (or twice on one) is one linked topic with one status: it
/// is listed once, where it comes first. The links cost one batch per request (the loader).
async fn flatten(
    ctx: &Context<'_>,
    next: Vec<(Arc<RoadmapTree>, NextTopics)>,
    limit: usize,
) -> ApiResult<Vec<Topic>> {
    let ids: Vec<RoadmapId> = next.iter().map(|(tree, _)| tree.roadmap_id).collect();
    let links = loaders(ctx).links.load_many(ids).await?;
    let learning = next
        .iter()
        .flat_map(|(tree, n)| n.learning.iter().map(move |i| (tree, *i)));
    let ready = next
        .iter()
        .flat_map(|(tree, n)| n.ready.iter().map(move |i| (tree, *i)));
    let mut seen: HashSet<(RoadmapId, TopicKey)> = HashSet::new();
    let mut out = Vec::with_capacity(limit);
    for (tree, i) in learning.chain(ready) {
        if out.len() == limit {
            break;
        }
        let key = &tree.topics[i].id;
        if !seen.insert((tree.roadmap_id, key.clone())) {
            continue;
        }
        let same = links
            .get(&tree.roadmap_id)
            .and_then(|map| map.by_topic.get(key));
        for other in same.into_iter().flatten() {
            seen.insert((other.roadmap_id, other.topic_id.clone()));
        }
        out.push(tree.topic(i));
    }
    Ok(out)
}

/// `Roadmap.nextTopics`: empty when signed out.
pub async fn roadmap_next(
    ctx: &Context<'_>,
    roadmap_id: RoadmapId,
    first: Option<i32>,
) -> ApiResult<Vec<Topic>> {
    let limit = next_count(first)?;
    let Some(user) = viewer(ctx).user_id() else {
        return Ok(Vec::new());
    };
    let tree = tree_of(ctx, roadmap_id).await?;
    if tree.is_empty() {
        return Ok(Vec::new());
    }
    // Twice the page: a repeated subject left out still leaves a full page.
    flatten(ctx, next_of(ctx, user, &[tree], limit * 2).await?, limit).await
}

/// `User.nextTopics` for the signed-in `user` themselves.
pub async fn my_next(ctx: &Context<'_>, user: UserId, first: Option<i32>) -> ApiResult<Vec<Topic>> {
    let limit = next_count(first)?;
    // The roadmaps of a learner's dashboard: the UNLISTED ones they follow included.
    let access = catalog_access(ctx).tracking();
    let ids = reads::tracked_roadmaps(db(ctx), user, &access, MAX_TRACKED).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found = loaders(ctx).trees_of(&ids).await?;
    let mut trees = Vec::with_capacity(ids.len());
    for id in &ids {
        if let Some(tree) = found.get(id) {
            if gate_admits(ctx, *id, tree.gate.as_ref()).await? {
                trees.push(tree.clone());
            }
        }
    }
    flatten(ctx, next_of(ctx, user, &trees, limit * 2).await?, limit).await
}

#[derive(Default)]
pub struct PrerequisiteMutation;

#[Object]
impl PrerequisiteMutation {
    /// Replaces the prerequisites of a topic of a roadmap you edit: the topics best learned
    /// before it, from this roadmap or any other you can read (repeats count once). Returns the
    /// topic with its new `prerequisites`. Editors of the topic's roadmap and admins (`FORBIDDEN`
    /// on a roadmap you can read but not edit). More than 20, the topic itself, or a list that
    /// would make a cycle (a topic needing itself through others; the message names the cycle's
    /// titles in order) fail with `BAD_USER_INPUT` (field `prerequisiteIds` or
    /// `prerequisiteIds[i]`); a topic that does not exist or that you cannot read with
    /// `NOT_FOUND` (field `topicId` or `prerequisiteIds[i]`).
    #[graphql(guard = "SignedIn")]
    async fn set_topic_prerequisites(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The global id (`Topic.id`) of a topic of a roadmap you edit.")]
        topic_id: ID,
        #[graphql(
            desc = "Global ids of the topics it needs, in any order; empty clears. At most 20 \
                    items."
        )]
        prerequisite_ids: Vec<ID>,
    ) -> ApiResult<Topic> {
        text::max_items(&prerequisite_ids, MAX_PREREQUISITES).at("prerequisiteIds")?;
        let key = GlobalId::topic(&topic_id, "topicId")?;
        let wanted = prerequisite_ids
            .iter()
            .enumerate()
            .map(|(i, id)| GlobalId::topic(id, &format!("prerequisiteIds[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let actor = actor(ctx).await?;
        let roadmap_id = prerequisites::set(db(ctx), &actor, &key, &wanted).await?;
        loaders(ctx).prerequisites.clear::<RoadmapId>();
        let tree = tree_of(ctx, roadmap_id).await?;
        tree.index_of(&key)
            .map(|i| tree.topic(i))
            .ok_or_else(|| AppError::not_found_in("topicId", format!("no topic `{key}`")).into())
    }
}
