//! "Same as" links: `Topic.sameAs`, `Topic.linkedTopics` and the `setTopicSameAs` mutation.
//! Thin: ids in, `progress::links` points the topic (and gives it learners' statuses), the topics
//! come back as the viewer may see them.
use async_graphql::{Context, Object, ID};
use entity::ids::{RoadmapId, TopicKey};

use super::roadmap::can_see;
use super::topic::{tree_of, Topic, TreeTopics};
use crate::catalog::links::LinkedTopic;
use crate::error::AppError;
use crate::graphql::context::{db, loaders, viewer};
use crate::graphql::error::ApiResult;
use crate::graphql::guards::SignedIn;
use crate::graphql::ids::GlobalId;
use crate::progress::links;

/// The root a topic of a roadmap is the same as, when the viewer may see it.
pub async fn same_as(
    ctx: &Context<'_>,
    roadmap_id: RoadmapId,
    key: &TopicKey,
) -> ApiResult<Option<Topic>> {
    let map = loaders(ctx)
        .links
        .load_one(roadmap_id)
        .await?
        .unwrap_or_default();
    let Some(root) = map.same_as.get(key) else {
        return Ok(None);
    };
    if !map
        .roadmaps
        .get(&root.roadmap_id)
        .is_some_and(|r| can_see(ctx, r))
    {
        return Ok(None);
    }
    Ok(topics_at(ctx, &[root]).await?.into_iter().next())
}

/// The topics linked to a topic of a roadmap that the viewer may see, by roadmap then key: two
/// statements for a whole tree (the request's links loader), plus the trees of the linked
/// roadmaps the shared cache lacks, in one batch.
pub async fn linked_topics(
    ctx: &Context<'_>,
    roadmap_id: RoadmapId,
    key: &TopicKey,
) -> ApiResult<Vec<Topic>> {
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

/// Topics of several roadmaps, in the order given; one batch of trees.
async fn topics_at(ctx: &Context<'_>, members: &[&LinkedTopic]) -> ApiResult<Vec<Topic>> {
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<RoadmapId> = members.iter().map(|m| m.roadmap_id).collect();
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
    /// Says that a topic of a roadmap you edit is the same as another topic (`sameAsId`), or
    /// clears that (`sameAsId: null`). Your status on any topic of a group (a topic and the topics
    /// that are the same as it) is then your status on all of them; a repeat on its own roadmap
    /// counts once. Setting it changes only this topic: for every learner who can follow both
    /// roadmaps, this topic takes their status on the other (each change is in their history,
    /// cause `LINKED`); the other topic is never written. Clearing changes no status; clearing a
    /// topic that others are the same as detaches them all. A topic that is given a target stops
    /// being one: the topics that pointed at it stand alone. Editors of the topic's roadmap and
    /// admins (`FORBIDDEN` on a roadmap you can read but not edit). A topic or target that does
    /// not exist or that you cannot see fails with `NOT_FOUND` (field `topicId` or `sameAsId`);
    /// the topic itself, or a target that is itself the same as another topic (no chains), with
    /// `BAD_USER_INPUT` (field `sameAsId`); a malformed id with `BAD_USER_INPUT`.
    #[graphql(guard = "SignedIn")]
    async fn set_topic_same_as(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The global id (`Topic.id`) of a topic of a roadmap you edit.")]
        topic_id: ID,
        #[graphql(
            desc = "The global id of the topic it is the same as: any live topic you can read \
                    (of any roadmap, this one included) that is not itself the same as another; \
                    null clears."
        )]
        same_as_id: Option<ID>,
    ) -> ApiResult<Topic> {
        let key = GlobalId::topic(&topic_id, "topicId")?;
        let target = same_as_id
            .as_ref()
            .map(|id| GlobalId::topic(id, "sameAsId"))
            .transpose()?;
        let editor = editor(ctx)?;
        let (_, roadmap) = links::set_same_as(db(ctx), &editor, &key, target.as_ref()).await?;
        loaders(ctx).links.clear::<RoadmapId>();
        let tree = tree_of(ctx, roadmap.id).await?;
        tree.index_of(&key)
            .map(|i| tree.topic(i))
            .ok_or_else(|| AppError::not_found_in("topicId", format!("no topic `{key}`")).into())
    }
}
