//! The Relay `Node` interface and `node(id:)`.
use async_graphql::{Context, Interface, Object, ID};

use super::catalog::roadmap::{self as roadmaps, Roadmap};
use super::catalog::topic::{self as topics, Resource, Topic};
use super::error::ApiResult;
use super::ids::GlobalId;
use super::teams::{self as teams, Team, TeamInvite};

/// An object that can be fetched again by its global id with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id."))]
pub enum Node {
    Roadmap(Roadmap),
    Topic(Topic),
    Resource(Resource),
    Team(Team),
    TeamInvite(TeamInvite),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Fetches any object by its global id; null when it does not exist or is not visible.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A global id (`Roadmap.id`, `Topic.id`, `Resource.id`, `Team.id` or `TeamInvite.id`)."
        )]
        id: ID,
    ) -> ApiResult<Option<Node>> {
        Ok(match GlobalId::decode(&id, "id")? {
            GlobalId::Roadmap(id) => roadmaps::visible_by_id(ctx, id).await?.map(Node::Roadmap),
            GlobalId::Topic(id) => topics::visible_topic(ctx, &id).await?.map(Node::Topic),
            GlobalId::Resource(id) => topics::visible_resource(ctx, id).await?.map(Node::Resource),
            GlobalId::Team(id) => teams::visible_team(ctx, id).await?.map(Node::Team),
            GlobalId::TeamInvite(id) => teams::visible_invite(ctx, id).await?.map(Node::TeamInvite),
            // Users are not exposed through `node`: profiles are private.
            GlobalId::User(_) => None,
        })
    }
}
