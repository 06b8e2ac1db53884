//! The mutations that choose what a team learns: `addTeamRoadmap`, `removeTeamRoadmap` and
//! `setTeamHiddenTopics`. Owners and managers (`FORBIDDEN` for members); for anyone outside the
//! team it does not exist (`NOT_FOUND`, field `teamId`). Each returns the team.
use async_graphql::{Context, Object, ID};
use entity::ids::{RoadmapId, TeamId};

use super::Team;
use crate::graphql::context::{catalog_access, db, learner};
use crate::graphql::error::ApiResult;
use crate::graphql::guards::SignedIn;
use crate::graphql::ids::GlobalId;
use crate::teams::roadmaps;

#[derive(Default)]
pub struct TeamRoadmapMutation;

#[Object]
impl TeamRoadmapMutation {
    /// Adds a roadmap to the team's roadmaps (adding it again changes nothing): an official or
    /// community roadmap that is published and `PUBLIC`, or one the team owns (those made with
    /// `createRoadmap(input: {teamId})` are added when made). Any other roadmap you can read is
    /// `BAD_USER_INPUT`, one you cannot is `NOT_FOUND` (field `roadmapId`).
    #[graphql(guard = "SignedIn")]
    async fn add_team_roadmap(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the team (`Team.id`).")] team_id: ID,
        #[graphql(desc = "Global id of the roadmap (`Roadmap.id`).")] roadmap_id: ID,
    ) -> ApiResult<Team> {
        let (team, roadmap) = ids(&team_id, &roadmap_id)?;
        let access = catalog_access(ctx);
        let view = roadmaps::add_roadmap(db(ctx), learner(ctx)?, &access, team, roadmap).await?;
        Ok(view.into())
    }

    /// Takes a roadmap off the team's roadmaps, with the topics the team hid on it; members'
    /// progress stays theirs. A roadmap the team owns stays the team's. Not on the list:
    /// `NOT_FOUND` (field `roadmapId`).
    #[graphql(guard = "SignedIn")]
    async fn remove_team_roadmap(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the team (`Team.id`).")] team_id: ID,
        #[graphql(desc = "Global id of the roadmap (`Roadmap.id`).")] roadmap_id: ID,
    ) -> ApiResult<Team> {
        let (team, roadmap) = ids(&team_id, &roadmap_id)?;
        let view = roadmaps::remove_roadmap(db(ctx), learner(ctx)?, team, roadmap).await?;
        Ok(view.into())
    }

    /// Replaces the topics the team hides on one of its roadmaps (empty shows them all, at most
    /// 2,000): the team's progress and activity leave them out; members' own counts do not
    /// change. Each must be a live topic of that roadmap (`BAD_USER_INPUT`, field
    /// `topicIds[i]`); a roadmap not on the team's list is `NOT_FOUND` (field `roadmapId`).
    #[graphql(guard = "SignedIn")]
    async fn set_team_hidden_topics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the team (`Team.id`).")] team_id: ID,
        #[graphql(desc = "Global id of the roadmap (`Roadmap.id`).")] roadmap_id: ID,
        #[graphql(desc = "Global ids of the topics to hide (`Topic.id`). At most 2,000 items.")]
        topic_ids: Vec<ID>,
    ) -> ApiResult<Team> {
        crate::text::max_items(&topic_ids, crate::teams::roadmaps::MAX_HIDDEN_TOPICS)
            .map_err(|r| r.at("topicIds"))?;
        let (team, roadmap) = ids(&team_id, &roadmap_id)?;
        let topics = topic_ids
            .iter()
            .enumerate()
            .map(|(i, id)| GlobalId::topic(id, &format!("topicIds[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let view =
            roadmaps::set_hidden_topics(db(ctx), learner(ctx)?, team, roadmap, topics).await?;
        Ok(view.into())
    }
}

fn ids(team_id: &ID, roadmap_id: &ID) -> Result<(TeamId, RoadmapId), crate::error::AppError> {
    Ok((
        GlobalId::team(team_id, "teamId")?,
        GlobalId::roadmap(roadmap_id, "roadmapId")?,
    ))
}
