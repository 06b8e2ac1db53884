//! The team and invite mutations. Each takes the signed-in learner; the domain reads their
//! membership once (after locking the team) and the `Membership` capability decides. A team the
//! caller is not in is `NOT_FOUND` (field `teamId`), never `FORBIDDEN`; a member without the
//! right gets `FORBIDDEN`.
use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, ID};

use super::{Team, TeamInvite};
use crate::graphql::context::{auth, db, learner, mailer};
use crate::graphql::enums::{TeamKind, TeamRole};
use crate::graphql::error::ApiResult;
use crate::graphql::guards::SignedIn;
use crate::graphql::ids::GlobalId;
use crate::teams::mail::{send_invite, InviteMail};
use crate::teams::{invites, members, service, TeamChanges, TeamInput};
use entity::ids::TeamId;

/// A new team.
#[derive(InputObject)]
pub struct CreateTeamInput {
    /// One line with something visible in it (`BAD_USER_INPUT` with field `name` otherwise). At
    /// most 100 characters.
    pub name: String,
    /// What the team is for.
    pub kind: TeamKind,
}

/// Changes to a team; fields left out (or null) stay as they are.
#[derive(InputObject)]
pub struct UpdateTeamInput {
    /// One line with something visible in it (`BAD_USER_INPUT` with field `name` otherwise). At
    /// most 100 characters.
    pub name: Option<String>,
    /// What the team is for.
    pub kind: Option<TeamKind>,
}

/// Where a change of someone's team seats is announced (their kept session goes stale).
fn seats<'a>(ctx: &Context<'a>) -> &'a crate::accounts::revocations::Revocations {
    &auth(ctx).revocations
}

fn team_id(id: &ID) -> Result<TeamId, crate::error::AppError> {
    GlobalId::team(id, "teamId")
}

#[derive(Default)]
pub struct TeamMutation;

#[Object]
impl TeamMutation {
    /// Creates a team; you become its first `OWNER`. Signed in only.
    #[graphql(guard = "SignedIn")]
    async fn create_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The team's name and kind.")] input: CreateTeamInput,
    ) -> ApiResult<Team> {
        let input = TeamInput {
            name: input.name,
            kind: input.kind.into(),
        };
        Ok(
            service::create_team(db(ctx), seats(ctx), learner(ctx)?, input)
                .await?
                .into(),
        )
    }

    /// Renames a team or changes its kind: owners (`FORBIDDEN` for other members).
    #[graphql(guard = "SignedIn")]
    async fn update_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the team (`Team.id`).")] team_id: ID,
        #[graphql(desc = "What to change.")] input: UpdateTeamInput,
    ) -> ApiResult<Team> {
        let changes = TeamChanges {
            name: input.name,
            kind: input.kind.map(Into::into),
        };
        let id = self::team_id(&team_id)?;
        Ok(service::update_team(db(ctx), learner(ctx)?, id, changes)
            .await?
            .into())
    }

    /// Deletes a team with its memberships and invites; returns true. Owners only (`FORBIDDEN`
    /// for other members).
    #[graphql(guard = "SignedIn")]
    async fn delete_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the team (`Team.id`).")] team_id: ID,
    ) -> ApiResult<bool> {
        service::delete_team(db(ctx), seats(ctx), learner(ctx)?, self::team_id(&team_id)?).await?;
        Ok(true)
    }

    /// Gives a member another role: owners only. Demoting the last owner is refused with
    /// `CONFLICT` (field `role`); someone who is not in the team is `NOT_FOUND` (field `userId`).
    #[graphql(guard = "SignedIn")]
    async fn update_team_member_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the team (`Team.id`).")] team_id: ID,
        #[graphql(desc = "Global id of the member (`User.id`).")] user_id: ID,
        #[graphql(desc = "The member's new role.")] role: TeamRole,
    ) -> ApiResult<Team> {
        let (team, user) = (
            self::team_id(&team_id)?,
            GlobalId::user(&user_id, "userId")?,
        );
        Ok(
            members::update_member_role(
                db(ctx),
                seats(ctx),
                learner(ctx)?,
                team,
                user,
                role.into(),
            )
            .await?
            .into(),
        )
    }

    /// Removes someone from the team: owners remove anyone but themselves (`leaveTeam` is for
    /// that; `BAD_USER_INPUT` on `userId`), managers remove members; `FORBIDDEN` otherwise.
    #[graphql(guard = "SignedIn")]
    async fn remove_team_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the team (`Team.id`).")] team_id: ID,
        #[graphql(desc = "Global id of the member to remove (`User.id`).")] user_id: ID,
    ) -> ApiResult<Team> {
        let (team, user) = (
            self::team_id(&team_id)?,
            GlobalId::user(&user_id, "userId")?,
        );
        Ok(
            members::remove_member(db(ctx), seats(ctx), learner(ctx)?, team, user)
                .await?
                .into(),
        )
    }

    /// Leaves a team; returns true. The last owner cannot leave (`CONFLICT`, field `teamId`):
    /// they transfer the team, make someone else an owner, or delete it.
    #[graphql(guard = "SignedIn")]
    async fn leave_team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the team (`Team.id`).")] team_id: ID,
    ) -> ApiResult<bool> {
        members::leave_team(db(ctx), seats(ctx), learner(ctx)?, self::team_id(&team_id)?).await?;
        Ok(true)
    }

    /// Hands the team over: the member becomes an `OWNER` and you (an owner) a `MANAGER`.
    /// Owners only; the member must be in the team (`NOT_FOUND`, field `userId`).
    #[graphql(guard = "SignedIn")]
    async fn transfer_team_ownership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the team (`Team.id`).")] team_id: ID,
        #[graphql(desc = "Global id of the member who becomes owner (`User.id`).")] user_id: ID,
    ) -> ApiResult<Team> {
        let (team, user) = (
            self::team_id(&team_id)?,
            GlobalId::user(&user_id, "userId")?,
        );
        Ok(
            members::transfer_ownership(db(ctx), seats(ctx), learner(ctx)?, team, user)
                .await?
                .into(),
        )
    }
}

#[derive(Default)]
pub struct InviteMutation;

#[Object]
impl InviteMutation {
    /// Invites someone by email, whether or not they have an account yet; they see the invite in
    /// `me.teamInvites` once signed in with that email verified, and get a mail whose link
    /// accepts it (`acceptTeamInvite`).
    /// Owners invite with any role, managers invite `MEMBER`s only (`FORBIDDEN` otherwise). An
    /// invalid email is `BAD_USER_INPUT` and someone already in the team `CONFLICT` (field
    /// `email`). Inviting the same email again renews the invite (new role, new expiry).
    #[graphql(guard = "SignedIn")]
    async fn invite_team_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the team (`Team.id`).")] team_id: ID,
        #[graphql(desc = "The invitee's email address. At most 254 characters.")] email: String,
        #[graphql(desc = "The role the invitee gets on accepting.")] role: TeamRole,
    ) -> ApiResult<TeamInvite> {
        let id = self::team_id(&team_id)?;
        let made = invites::invite(db(ctx), learner(ctx)?, id, &email, role.into()).await?;
        let invite = TeamInvite {
            invite: Arc::new(made.invite),
            team: made.team.into(),
        };
        send_invite(
            mailer(ctx),
            InviteMail {
                to: invite.invite.email.clone(),
                team_name: invite.team.team.name.clone(),
                inviter_name: made.inviter_name,
                invite_key: GlobalId::TeamInvite(invite.invite.id).encode().0,
                token: made.token,
                expires_at: invite.invite.expires_at,
            },
        );
        Ok(invite)
    }

    /// Accepts an invite through the link mailed with it, from any account (holding the token
    /// proves the mail reached you); returns the team, with you a member in the invite's role.
    /// When the invite was to your own address, your address becomes verified. An unknown token
    /// (the invite was answered, renewed or withdrawn) or an expired invite fails with
    /// `BAD_USER_INPUT` (field `token`).
    #[graphql(guard = "SignedIn")]
    async fn accept_team_invite(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The token of the mailed link (`?token=` in the link), at most 64 characters."
        )]
        token: String,
    ) -> ApiResult<Team> {
        Ok(
            invites::accept_by_token(db(ctx), seats(ctx), learner(ctx)?, &token)
                .await?
                .into(),
        )
    }

    /// Answers an invite to your verified email: accepting makes you a member with the invite's
    /// role and returns the team; declining returns null. Either way the invite is gone. Someone
    /// else's invite, or one to your address while it is unverified, is `NOT_FOUND`; an expired
    /// one `BAD_USER_INPUT` (field `inviteId`).
    #[graphql(guard = "SignedIn")]
    async fn respond_to_team_invite(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the invite (`TeamInvite.id`).")] invite_id: ID,
        #[graphql(desc = "True to join the team, false to decline.")] accept: bool,
    ) -> ApiResult<Option<Team>> {
        let id = GlobalId::team_invite(&invite_id, "inviteId")?;
        Ok(
            invites::respond(db(ctx), seats(ctx), learner(ctx)?, id, accept)
                .await?
                .map(Team::from),
        )
    }

    /// Withdraws an invite and returns its team: owners, and managers for `MEMBER` invites
    /// (`FORBIDDEN` otherwise). An invite of a team you are not in is `NOT_FOUND` (field
    /// `inviteId`).
    #[graphql(guard = "SignedIn")]
    async fn cancel_team_invite(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the invite (`TeamInvite.id`).")] invite_id: ID,
    ) -> ApiResult<Team> {
        let id = GlobalId::team_invite(&invite_id, "inviteId")?;
        Ok(invites::cancel(db(ctx), learner(ctx)?, id).await?.into())
    }
}
