//! Invites: owners and managers invite by email; the invitee answers once signed in with that
//! address VERIFIED (an unverified account of the address sees nothing and gets `NOT_FOUND`), or
//! accepts through the invite's own mailed link, whose token proves the mail reached them. An
//! invite expires [`INVITE_DAYS`] days after it was made; inviting the same email again renews it
//! (new role, new expiry, new token) instead of failing.
use chrono::{Duration, Utc};
use entity::ids::{TeamId, TeamInviteId, UserId};
use entity::{team_invites, team_members, teams, users};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, TransactionTrait,
};

use super::service::{find_team, member, TeamView};
use super::{TeamRole, INVITE_DAYS};
use crate::accounts::fields::normalize_email;
use crate::accounts::revocations::Revocations;
use crate::accounts::{email, email_tokens};
use crate::auth::{Learner, Membership};
use crate::error::{is_unique_violation, AppError, Input};

/// An invite as its team's owners and managers see it, with the team and who made it.
#[derive(Debug, Clone)]
pub struct InviteView {
    pub invite: team_invites::Model,
    pub team: TeamView,
    /// The inviter's display name, for the mail.
    pub inviter_name: String,
    /// The invite's token, for the mailed link (only its hash is stored).
    pub token: String,
}

/// Invites `email` to the team with `role`: owners invite with any role, managers invite members
/// only (`FORBIDDEN` otherwise). An invalid email is `BAD_USER_INPUT` and someone already in the
/// team `CONFLICT`, both naming `email`. A pending invite to the same email is renewed.
pub async fn invite(
    db: &DatabaseConnection,
    learner: Learner,
    team_id: TeamId,
    email: &str,
    role: TeamRole,
) -> Result<InviteView, AppError> {
    let email = normalize_email(Input::Email, email)?;
    let txn = db.begin().await?;
    let me = member(&txn, learner, team_id).await?;
    if !me.may_invite(role) {
        return Err(AppError::Forbidden(
            "Managers invite members only; owners invite with any role".to_owned(),
        ));
    }
    check_not_in_team(&txn, team_id, &email).await?;
    let token = email_tokens::new_token();
    let invite = save_invite(&txn, learner, team_id, email, role, &token).await?;
    let team = find_team(&txn, team_id).await?;
    let inviter_name = users::Entity::find_by_id(learner.user_id())
        .one(&txn)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    txn.commit().await?;
    Ok(InviteView {
        invite,
        team: TeamView {
            team,
            membership: me,
        },
        inviter_name,
        token,
    })
}

/// `CONFLICT` on `email` when an account with this email is already in the team.
async fn check_not_in_team(
    txn: &impl ConnectionTrait,
    team_id: TeamId,
    email: &str,
) -> Result<(), AppError> {
    let invitee = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Email.eq(email))
        .into_tuple::<UserId>()
        .one(txn)
        .await?;
    let already = match invitee {
        Some(id) => {
            team_members::Entity::find_by_id((team_id, id))
                .count(txn)
                .await?
        }
        None => 0,
    };
    if already > 0 {
        return Err(AppError::conflict(
            Input::Email,
            "Someone with this email is already in the team",
        ));
    }
    Ok(())
}

/// Writes the invite, storing only the hash of `token`: a pending invite to the same email is
/// renewed (role, inviter, expiry, token); otherwise a new one is made (two at once: the second
/// is `CONFLICT` on `email`).
async fn save_invite(
    txn: &impl ConnectionTrait,
    learner: Learner,
    team_id: TeamId,
    email: String,
    role: TeamRole,
    token: &str,
) -> Result<team_invites::Model, AppError> {
    let now = Utc::now();
    let expires_at = now + Duration::days(INVITE_DAYS);
    let existing = team_invites::Entity::find()
        .filter(team_invites::Column::TeamId.eq(team_id))
        .filter(team_invites::Column::Email.eq(email.as_str()))
        .one(txn)
        .await?;
    Ok(match existing {
        Some(old) => {
            let mut active: team_invites::ActiveModel = old.into();
            active.role = Set(role);
            active.invited_by = Set(Some(learner.user_id()));
            active.created_at = Set(now);
            active.expires_at = Set(expires_at);
            active.token_hash = Set(Some(email_tokens::hash_token(token)));
            active.update(txn).await?
        }
        None => team_invites::ActiveModel {
            team_id: Set(team_id),
            email: Set(email),
            role: Set(role),
            invited_by: Set(Some(learner.user_id())),
            created_at: Set(now),
            expires_at: Set(expires_at),
            token_hash: Set(Some(email_tokens::hash_token(token))),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                AppError::conflict(Input::Email, "This email was invited a moment ago")
            } else {
                e.into()
            }
        })?,
    })
}

/// Accepts (the team, with the caller as a member in the invite's role) or declines (`None`) an
/// invite to the caller's verified email. Someone else's invite (or one to the caller's address
/// while it is unverified) is `NOT_FOUND` and an expired one `BAD_USER_INPUT`, both naming
/// `inviteId`. The invite is gone afterwards either way.
pub async fn respond(
    db: &DatabaseConnection,
    seats: &Revocations,
    learner: Learner,
    invite_id: TeamInviteId,
    accept: bool,
) -> Result<Option<TeamView>, AppError> {
    let not_found = || AppError::not_found_in(Input::Invite, "No such invite");
    let txn = db.begin().await?;
    lock_team_of(&txn, invite_id).await?;
    let email = verified_email(&txn, learner).await?;
    let invite = own_invite(&txn, invite_id, email.as_deref())
        .await?
        .ok_or_else(not_found)?;
    if invite.expires_at <= Utc::now() {
        return Err(AppError::bad_input(
            Input::Invite,
            "This invite has expired; ask for a new one",
        ));
    }
    if !accept {
        team_invites::Entity::delete_by_id(invite.id)
            .exec(&txn)
            .await?;
        txn.commit().await?;
        return Ok(None);
    }
    let view = join_by(&txn, learner, invite).await?;
    txn.commit().await?;
    seats.changed(learner.user_id());
    Ok(Some(view))
}

/// Accepts an invite through its mailed token, whatever the caller's address: holding the token
/// proves the mail reached them. When the invite was to the caller's own address, that address
/// becomes verified. An unknown token (used, renewed or withdrawn invite) or an expired invite
/// is `BAD_USER_INPUT` naming `token`.
pub async fn accept_by_token(
    db: &DatabaseConnection,
    seats: &Revocations,
    learner: Learner,
    token: &str,
) -> Result<TeamView, AppError> {
    email_tokens::check_size(token)?;
    let refused = |m: &str| AppError::bad_input(Input::MailedToken, m);
    let hash = email_tokens::hash_token(token);
    let find = || {
        team_invites::Entity::find()
            .filter(team_invites::Column::TokenHash.eq(hash.as_str()))
            .select_only()
            .column(team_invites::Column::Id)
            .into_tuple::<TeamInviteId>()
    };
    let Some(id) = find().one(db).await? else {
        return Err(refused(
            "This invite link is not valid: already answered, renewed or withdrawn",
        ));
    };
    let txn = db.begin().await?;
    lock_team_of(&txn, id).await?;
    let invite = team_invites::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|i| i.token_hash.as_deref() == Some(hash.as_str()))
        .ok_or_else(|| refused("This invite link was answered a moment ago"))?;
    if invite.expires_at <= Utc::now() {
        return Err(refused("This invite has expired; ask for a new one"));
    }
    email::mark_verified(&txn, learner.user_id(), &invite.email).await?;
    let view = join_by(&txn, learner, invite).await?;
    txn.commit().await?;
    // A new seat, and maybe a verified address.
    seats.changed(learner.user_id());
    Ok(view)
}

/// Uses up the invite and makes the caller a member in its role (a member already keeps theirs).
async fn join_by(
    txn: &impl ConnectionTrait,
    learner: Learner,
    invite: team_invites::Model,
) -> Result<TeamView, AppError> {
    team_invites::Entity::delete_by_id(invite.id)
        .exec(txn)
        .await?;
    let membership = match Membership::of(txn, learner, invite.team_id).await? {
        Some(m) => m,
        None => {
            let row = team_members::ActiveModel {
                team_id: Set(invite.team_id),
                user_id: Set(learner.user_id()),
                role: Set(invite.role),
                joined_at: Set(Utc::now()),
            }
            .insert(txn)
            .await?;
            Membership::from_row(&row)
        }
    };
    let team = find_team(txn, invite.team_id).await?;
    Ok(TeamView { team, membership })
}

/// Withdraws an invite: owners, and managers for invites with the `MEMBER` role. An invite of a
/// team the caller is not in is `NOT_FOUND` (field `inviteId`).
pub async fn cancel(
    db: &DatabaseConnection,
    learner: Learner,
    invite_id: TeamInviteId,
) -> Result<TeamView, AppError> {
    let not_found = || AppError::not_found_in(Input::Invite, "No such invite");
    let txn = db.begin().await?;
    lock_team_of(&txn, invite_id).await?;
    let invite = team_invites::Entity::find_by_id(invite_id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    let team_id = invite.team_id;
    let me = Membership::of(&txn, learner, team_id)
        .await?
        .ok_or_else(not_found)?;
    if !me.may_cancel_invite(invite.role) {
        return Err(AppError::Forbidden(
            "Managers cancel invites to members only; owners cancel any".to_owned(),
        ));
    }
    team_invites::Entity::delete_by_id(invite_id)
        .exec(&txn)
        .await?;
    let team = find_team(&txn, team_id).await?;
    txn.commit().await?;
    Ok(TeamView {
        team,
        membership: me,
    })
}

/// The pending (unexpired) invites to the signed-in user's email, newest first, with their teams;
/// none while the address is unverified.
pub async fn invites_for(
    db: &impl ConnectionTrait,
    learner: Learner,
) -> Result<Vec<(team_invites::Model, teams::Model)>, AppError> {
    let Some(email) = verified_email(db, learner).await? else {
        return Ok(Vec::new());
    };
    let invites = team_invites::Entity::find()
        .filter(team_invites::Column::Email.eq(email))
        .filter(team_invites::Column::ExpiresAt.gt(Utc::now()))
        .all(db)
        .await?;
    with_teams(db, invites).await
}

/// One invite, when the caller may see it: it is to their verified email and unexpired, or they own or
/// manage its team. With its team and the caller's membership of it, if any.
pub async fn visible_invite(
    db: &impl ConnectionTrait,
    learner: Learner,
    invite_id: TeamInviteId,
) -> Result<Option<(team_invites::Model, teams::Model, Option<Membership>)>, AppError> {
    let Some(invite) = team_invites::Entity::find_by_id(invite_id).one(db).await? else {
        return Ok(None);
    };
    let membership = Membership::of(db, learner, invite.team_id).await?;
    let manages = membership.is_some_and(|m| m.sees_invites());
    let mine = invite.expires_at > Utc::now()
        && verified_email(db, learner).await?.as_deref() == Some(invite.email.as_str());
    if !manages && !mine {
        return Ok(None);
    }
    let team = find_team(db, invite.team_id).await?;
    Ok(Some((invite, team, membership)))
}

/// A team's pending (unexpired) invites, newest first: for its owners and managers only (empty
/// for members).
pub async fn team_invites(
    db: &impl ConnectionTrait,
    membership: Membership,
) -> Result<Vec<team_invites::Model>, AppError> {
    if !membership.sees_invites() {
        return Ok(Vec::new());
    }
    use sea_orm::QueryOrder;
    Ok(team_invites::Entity::find()
        .filter(team_invites::Column::TeamId.eq(membership.team_id()))
        .filter(team_invites::Column::ExpiresAt.gt(Utc::now()))
        .order_by_desc(team_invites::Column::CreatedAt)
        .order_by_desc(team_invites::Column::Id)
        .all(db)
        .await?)
}

async fn with_teams(
    db: &impl ConnectionTrait,
    mut invites: Vec<team_invites::Model>,
) -> Result<Vec<(team_invites::Model, teams::Model)>, AppError> {
    invites.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let ids: Vec<TeamId> = invites.iter().map(|i| i.team_id).collect();
    let teams: std::collections::HashMap<TeamId, teams::Model> = teams::Entity::find()
        .filter(teams::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    Ok(invites
        .into_iter()
        .filter_map(|i| teams.get(&i.team_id).cloned().map(|t| (i, t)))
        .collect())
}

/// Locks the row of the invite's team (as [`Membership::lock`] does) before anything is read, so
/// answering or cancelling an invite waits for the team's other writes.
async fn lock_team_of(txn: &impl ConnectionTrait, invite_id: TeamInviteId) -> Result<(), AppError> {
    use sea_orm::sea_query::Query;
    let team = Query::select()
        .column(team_invites::Column::TeamId)
        .from(team_invites::Entity)
        .and_where(team_invites::Column::Id.eq(invite_id))
        .to_owned();
    crate::db::lock::lock_rows::<teams::Entity>(
        txn,
        teams::Column::UpdatedAt,
        teams::Column::Id.in_subquery(team),
    )
    .await?;
    Ok(())
}

async fn own_invite(
    txn: &impl ConnectionTrait,
    invite_id: TeamInviteId,
    email: Option<&str>,
) -> Result<Option<team_invites::Model>, AppError> {
    let Some(email) = email else {
        return Ok(None);
    };
    Ok(team_invites::Entity::find_by_id(invite_id)
        .one(txn)
        .await?
        .filter(|i| i.email == email))
}

/// The caller's address when it is verified; `None` while it is not (invites to it stay hidden).
async fn verified_email(
    db: &impl ConnectionTrait,
    learner: Learner,
) -> Result<Option<String>, AppError> {
    Ok(users::Entity::find_by_id(learner.user_id())
        .one(db)
        .await?
        .filter(email::is_verified)
        .map(|u| u.email))
}
