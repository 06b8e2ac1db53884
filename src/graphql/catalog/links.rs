//! Linked topics: `Topic.linkedTopics` and the `linkTopics` / `unlinkTopic` mutations. Thin: ids
//! in, `progress::links` links (and merges learners' statuses), the topics come back as the
//! viewer may see them.
use async_graphql::{Context, Object, ID};

use super::roadmap::can_see;
use super::topic::{tree_of, Topic, TreeTopics};
use crate::catalog::links::LinkedTopic;
use crate::error::AppError;
use crate::graphql::context::{db, loaders, viewer};
use crate::graphql::error::ApiResult;
use crate::graphql::guards::SignedIn;
use crate::graphql::ids::GlobalId;
use crate::progress::links;

/// The topics linked to a topic of a roadmap that the viewer may see, by roadmap then key: two
/// statements for a whole tree (the request's links loader), plus the trees of the linked
/// roadmaps the shared cache lacks, in one batch.
pub async fn linked_topics(ctx: &Context<'_>, roadmap_id: i32, key: &str) -> ApiResult<Vec<Topic>> {
    let map = loaders(ctx)
        .links
        .load_one(roadmap_id)
        .await?
        .unwrap_or_default();
    let Some(members) = map.by_topic.get(key) else {
        return Ok(Vec::new());
    };
    let shown: Vec<&LinkedTopic> = members
        .iter()
        .filter(|m| {
            map.roadmaps
                .get(&m.roadmap_id)
                .is_some_and(|r| can_see(ctx, r))
        })
        .collect();
    topics_at(ctx, &shown).await
}

/// The members the viewer may see, as topics (roadmaps through the request's loader).
async fn visible_members(ctx: &Context<'_>, members: &[LinkedTopic]) -> ApiResult<Vec<Topic>> {
    let mut ids: Vec<i32> = members.iter().map(|m| m.roadmap_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let roadmaps = loaders(ctx).roadmap_by_id.load_many(ids).await?;
    let shown: Vec<&LinkedTopic> = members
        .iter()
        .filter(|m| roadmaps.get(&m.roadmap_id).is_some_and(|r| can_see(ctx, r)))
        .collect();
    topics_at(ctx, &shown).await
}

/// Topics of several roadmaps, in the order given; one batch of trees.
async fn topics_at(ctx: &Context<'_>, members: &[&LinkedTopic]) -> ApiResult<Vec<Topic>> {
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<i32> = members.iter().map(|m| m.roadmap_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let trees = loaders(ctx).trees_of(&ids).await?;
    Ok(members
        .iter()
        .filter_map(|m| {
            let tree = trees.get(&m.roadmap_id)?;
            tree.index_of(&m.topic_id).map(|i| tree.topic(i))
        })
        .collect())
}

fn editor(ctx: &Context<'_>) -> Result<crate::auth::Editor, AppError> {
    viewer(ctx)
        .editor()
        .ok_or_else(|| AppError::Unauthenticated("You must be signed in to do this".to_owned()))
}

#[derive(Default)]
pub struct LinkMutation;

#[Object]
impl LinkMutation {
    /// Links topics that teach one subject on different roadmaps (2 to 100, at most one per
    /// roadmap), merging the link groups any of them is already in. A learner's status on any
    /// topic of a group is then their status on all of them: for each learner with progress on
    /// the group, the most recently changed status is written to every topic (no history
    /// entries). Returns the group's topics that you may see. Admins link any topics; others link
    /// topics of roadmaps they own to any topic they can read (`FORBIDDEN` when none of the
    /// topics is on a roadmap of yours). A topic that does not exist or that you cannot see fails
    /// with `NOT_FOUND`, fewer than 2 or more than 100 topics, a topic named twice, two topics of
    /// one roadmap, or a malformed id with `BAD_USER_INPUT` (field `topicIds` or `topicIds[i]`).
    #[graphql(guard = "SignedIn")]
    async fn link_topics(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global ids of the topics to link (`Topic.id`), each on another roadmap."
        )]
        topic_ids: Vec<ID>,
    ) -> ApiResult<Vec<Topic>> {
        let keys = topic_ids
            .iter()
            .enumerate()
            .map(|(i, id)| GlobalId::topic(id, &format!("topicIds[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let editor = editor(ctx)?;
        let members = links::link_topics(db(ctx), &editor, &keys).await?;
        loaders(ctx).links.clear::<i32>();
        visible_members(ctx, &members).await
    }

    /// Removes a topic from its link group (a group left with one topic is dissolved). Every
    /// topic keeps the status each learner had on it. Owners of the topic's roadmap and admins
    /// (`FORBIDDEN` on a roadmap you can read but not edit); a topic that does not exist or that
    /// you cannot see fails with `NOT_FOUND`, a malformed id with `BAD_USER_INPUT` (field
    /// `topicId`). A topic without links is returned unchanged.
    #[graphql(guard = "SignedIn")]
    async fn unlink_topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic's global id (`Topic.id`).")] topic_id: ID,
    ) -> ApiResult<Topic> {
        let key = GlobalId::topic(&topic_id, "topicId")?;
        let editor = editor(ctx)?;
        let (_, roadmap) = links::unlink_topic(db(ctx), &editor, &key).await?;
        loaders(ctx).links.clear::<i32>();
        let tree = tree_of(ctx, roadmap.id).await?;
        tree.index_of(&key)
            .map(|i| tree.topic(i))
            .ok_or_else(|| AppError::not_found_in("topicId", format!("no topic `{key}`")).into())
    }
}
