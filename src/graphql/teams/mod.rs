//! GraphQL of teams: `Team`, `TeamMember`, `TeamInvite`, `team(id)`, and (in `mutations`) the
//! team and invite mutations. A team exists only for its members: for anyone else (admins
//! included) `team(id)` and `node` read `null` and mutations answer `NOT_FOUND`. An invitee sees
//! the team they are invited to through the invite (its name and kind only).
mod mutations;
mod roadmaps;
mod views;

use std::sync::Arc;

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use entity::ids::{TeamId, TeamInviteId};
use entity::{team_invites, team_members, teams};

pub use mutations::{InviteMutation, TeamMutation};
pub use roadmaps::TeamRoadmapMutation;
pub use views::{TeamActivity, TeamProgress, TeamProgressOrder, TeamRoadmap};

use crate::auth::Membership;
use crate::error::AppError;
use crate::graphql::accounts::User;
use crate::graphql::context::{db, loaders, viewer};
use crate::graphql::enums::{TeamKind, TeamRole};
use crate::graphql::error::ApiResult;
use crate::graphql::ids::GlobalId;
use crate::graphql::pagination::{Conn, PageArgs};
use crate::teams::service::TeamView;
use crate::teams::{invites, reads};

/// A team, as one of its members (or, through an invite, its invitee) sees it.
#[derive(Clone)]
pub struct Team {
    team: Arc<teams::Model>,
    /// The viewer's membership; `None` for an invitee who is not a member.
    membership: Option<Membership>,
}

impl From<TeamView> for Team {
    fn from(v: TeamView) -> Self {
        Self {
            team: Arc::new(v.team),
            membership: Some(v.membership),
        }
    }
}

/// A team: a company or a study group whose members learn together. Visible to its members only
/// (an invitee sees `id`, `name`, `kind` and `createdAt` through the invite).
#[Object]
impl Team {
    /// Opaque global id (`team(id:)`, `node(id:)` and the team mutations take it).
    pub async fn id(&self) -> ID {
        GlobalId::Team(self.team.id).encode()
    }
    /// 1-100 characters.
    async fn name(&self) -> &str {
        &self.team.name
    }
    /// What the team is for.
    async fn kind(&self) -> TeamKind {
        self.team.kind.into()
    }
    /// When the team was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.team.created_at
    }
    /// Your role in the team; null when you are not a member (an invitee).
    async fn my_role(&self) -> Option<TeamRole> {
        self.membership.map(|m| m.role().into())
    }
    /// The team's members, earliest to join first; null when you are not a member. A page costs
    /// a fixed number of SQL statements whatever its size.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of an edge: the page starts after it.")] after: Option<String>,
        #[graphql(desc = "Page size from the end, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of an edge: the page ends before it.")] before: Option<String>,
    ) -> ApiResult<Option<Conn<TeamMember>>> {
        let Some(membership) = self.membership else {
            return Ok(None);
        };
        let page = PageArgs::parse(after, before, first, last)?;
        let total = reads::member_count(db(ctx), membership).await?;
        let (offset, limit) = page.window(total);
        let rows = if limit == 0 {
            Vec::new()
        } else {
            reads::members_page(db(ctx), membership, offset, limit).await?
        };
        Ok(Some(page.connection(
            total,
            rows.into_iter().map(TeamMember).collect(),
        )))
    }
    /// The roadmaps the team learns, in the order they were added (those you cannot read left
    /// out); null when you are not a member.
    async fn roadmaps(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<TeamRoadmap>>> {
        match self.membership {
            Some(m) => views::roadmaps(ctx, m).await.map(Some),
            None => Ok(None),
        }
    }
    /// Each member's counts on each of the team's roadmaps (only `roadmapId` when given: a roadmap
    /// not on the team's list is `NOT_FOUND`), without the topics the team hides; null when you
    /// are not a member. Never a member's other
    /// roadmaps. A page costs a fixed number of SQL statements whatever its size.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    // The page arguments are the schema's own; async-graphql cannot flatten a struct into
    // arguments (async-graphql#1514), so `PageArgs::parse` takes the four.
    #[allow(clippy::too_many_arguments)]
    async fn progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this team roadmap (`Roadmap.id`).")] roadmap_id: Option<ID>,
        #[graphql(desc = "Row order (default `PERCENT_DONE_DESC`).")] order_by: Option<
            TeamProgressOrder,
        >,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of an edge: the page starts after it.")] after: Option<String>,
        #[graphql(desc = "Page size from the end, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of an edge: the page ends before it.")] before: Option<String>,
    ) -> ApiResult<Option<Conn<TeamProgress>>> {
        let Some(membership) = self.membership else {
            return Ok(None);
        };
        let page = PageArgs::parse(after, before, first, last)?;
        let order = order_by.unwrap_or(TeamProgressOrder::PercentDoneDesc);
        views::progress(ctx, membership, roadmap_id, order, page)
            .await
            .map(Some)
    }
    /// The members' status changes on the team's roadmaps, newest first (hidden topics left
    /// out); null when you are not a member.
    #[graphql(complexity = "crate::graphql::limits::page_cost(first, last, child_complexity)")]
    async fn activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of an edge: the page starts after it.")] after: Option<String>,
        #[graphql(desc = "Page size from the end, 1 to 100.")] last: Option<i32>,
        #[graphql(desc = "Cursor of an edge: the page ends before it.")] before: Option<String>,
    ) -> ApiResult<Option<Conn<TeamActivity>>> {
        let Some(membership) = self.membership else {
            return Ok(None);
        };
        let page = PageArgs::parse(after, before, first, last)?;
        views::activity(ctx, membership, page).await.map(Some)
    }
    /// The pending (unexpired) invites, newest first: for owners and managers; empty for
    /// members and invitees.
    async fn invites(&self, ctx: &Context<'_>) -> ApiResult<Vec<TeamInvite>> {
        let Some(membership) = self.membership else {
            return Ok(Vec::new());
        };
        let rows = invites::team_invites(db(ctx), membership).await?;
        Ok(rows
            .into_iter()
            .map(|i| TeamInvite {
                invite: Arc::new(i),
                team: self.clone(),
            })
            .collect())
    }
}

/// Someone in a team.
pub struct TeamMember(team_members::Model);

/// Someone in a team, with their role.
#[Object]
impl TeamMember {
    /// What they may do in the team.
    async fn role(&self) -> TeamRole {
        self.0.role.into()
    }
    /// When they joined (accepted their invite, or created the team).
    async fn joined_at(&self) -> DateTime<Utc> {
        self.0.joined_at
    }
    /// The member (their `email` stays private, as everywhere).
    async fn user(&self, ctx: &Context<'_>) -> ApiResult<User> {
        let user = loaders(ctx).user_by_id.load_one(self.0.user_id).await?;
        user.map(User)
            .ok_or_else(|| AppError::internal("a member without a user").into())
    }
}

/// An invitation to a team.
pub struct TeamInvite {
    invite: Arc<team_invites::Model>,
    team: Team,
}

/// An invitation to join a team, by email. Seen by the person signed in with that email
/// (`me.teamInvites`) and by the team's owners and managers (`Team.invites`).
#[Object]
impl TeamInvite {
    /// Opaque global id (`respondToTeamInvite` and `cancelTeamInvite` take it).
    pub async fn id(&self) -> ID {
        GlobalId::TeamInvite(self.invite.id).encode()
    }
    /// The invited address, lower-cased.
    async fn email(&self) -> &str {
        &self.invite.email
    }
    /// The role the invitee gets on accepting.
    async fn role(&self) -> TeamRole {
        self.invite.role.into()
    }
    /// When the invite was made (or last renewed by inviting the same email again).
    async fn created_at(&self) -> DateTime<Utc> {
        self.invite.created_at
    }
    /// After this, the invite can no longer be accepted: seven days after it was made.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.invite.expires_at
    }
    /// The team (an invitee who is not a member sees its name and kind only).
    async fn team(&self) -> &Team {
        &self.team
    }
    /// Who invited; null once their account is gone.
    async fn invited_by(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        let Some(id) = self.invite.invited_by else {
            return Ok(None);
        };
        Ok(loaders(ctx).user_by_id.load_one(id).await?.map(User))
    }
}

/// The signed-in user's teams, by name (for `User.teams`).
pub async fn my_teams(ctx: &Context<'_>) -> ApiResult<Vec<Team>> {
    let Some(learner) = viewer(ctx).learner() else {
        return Ok(Vec::new());
    };
    let teams = reads::teams_of(db(ctx), learner).await?;
    Ok(teams.into_iter().map(Team::from).collect())
}

/// The pending invites to the signed-in user's email, newest first (for `User.teamInvites`).
pub async fn my_invites(ctx: &Context<'_>) -> ApiResult<Vec<TeamInvite>> {
    let Some(learner) = viewer(ctx).learner() else {
        return Ok(Vec::new());
    };
    let rows = invites::invites_for(db(ctx), learner).await?;
    Ok(rows
        .into_iter()
        .map(|(invite, team)| TeamInvite {
            invite: Arc::new(invite),
            team: Team {
                team: Arc::new(team),
                membership: None,
            },
        })
        .collect())
}

/// The team, when the viewer is a member (for `team(id)` and `node`).
pub async fn visible_team(ctx: &Context<'_>, team_id: TeamId) -> ApiResult<Option<Team>> {
    let Some(learner) = viewer(ctx).learner() else {
        return Ok(None);
    };
    Ok(reads::team_for(db(ctx), learner, team_id)
        .await?
        .map(Team::from))
}

/// The invite, when the viewer is its invitee or manages its team (for `node`).
pub async fn visible_invite(
    ctx: &Context<'_>,
    invite_id: TeamInviteId,
) -> ApiResult<Option<TeamInvite>> {
    let Some(learner) = viewer(ctx).learner() else {
        return Ok(None);
    };
    let found = invites::visible_invite(db(ctx), learner, invite_id).await?;
    Ok(found.map(|(invite, team, membership)| TeamInvite {
        invite: Arc::new(invite),
        team: Team {
            team: Arc::new(team),
            membership,
        },
    }))
}

#[derive(Default)]
pub struct TeamQuery;

#[Object]
impl TeamQuery {
    /// A team you are a member of; null for anyone else (outsiders, anonymous callers, and
    /// admins who are not members), as for a team that does not exist.
    async fn team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the team (`Team.id`).")] id: ID,
    ) -> ApiResult<Option<Team>> {
        let id = GlobalId::team(&id, "id")?;
        visible_team(ctx, id).await
    }
}
