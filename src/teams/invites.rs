//! Invites: owners and managers invite by email; the person signed in with that email accepts or
//! declines. An invite expires [`INVITE_DAYS`] days after it was made; inviting the same email
//! again renews it (new role, new expiry) instead of failing.
use chrono::{Duration, Utc};
use entity::{team_invites, team_members, teams, users};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, TransactionTrait,
};

use super::service::{find_team, member, TeamView};
use super::{TeamRole, INVITE_DAYS};
use crate::accounts::fields::normalize_email;
use crate::auth::{Learner, Membership};
use crate::error::{is_unique_violation, AppError};

/// An invite as its team's owners and managers see it, with the team and who made it.
#[derive(Debug, Clone)]
pub struct InviteView {
    pub invite: team_invites::Model,
    pub team: TeamView,
    /// The inviter's display name, for the mail.
    pub inviter_name: String,
}

/// Invites `email` to the team with `role`: owners invite with any role, managers invite members
/// only (`FORBIDDEN` otherwise). An invalid email is `BAD_USER_INPUT` and someone already in the
/// team `CONFLICT`, both naming `email`. A pending invite to the same email is renewed.
pub async fn invite(
    db: &DatabaseConnection,
    learner: Learner,
    team_id: i32,
    email: &str,
    role: TeamRole,
) -> Result<InviteView, AppError> {
    let email = normalize_email("email", email)?;
    let txn = db.begin().await?;
    let me = member(&txn, learner, team_id).await?;
    if !me.may_invite(role) {
        return Err(AppError::Forbidden(
            "Managers invite members only; owners invite with any role".to_owned(),
        ));
    }
    let invitee = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::Email.eq(email.as_str()))
        .into_tuple::<i32>()
        .one(&txn)
        .await?;
    let already = match invitee {
        Some(id) => {
            team_members::Entity::find_by_id((team_id, id))
                .count(&txn)
                .await?
        }
        None => 0,
    };
    if already > 0 {
        return Err(AppError::conflict(
            "email",
            "Someone with this email is already in the team",
        ));
    }
    let now = Utc::now();
    let expires_at = now + Duration::days(INVITE_DAYS);
    let existing = team_invites::Entity::find()
        .filter(team_invites::Column::TeamId.eq(team_id))
        .filter(team_invites::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?;
    let invite = match existing {
        Some(old) => {
            let mut active: team_invites::ActiveModel = old.into();
            active.role = Set(role);
            active.invited_by = Set(Some(learner.user_id()));
            active.created_at = Set(now);
            active.expires_at = Set(expires_at);
            active.update(&txn).await?
        }
        None => team_invites::ActiveModel {
            team_id: Set(team_id),
            email: Set(email),
            role: Set(role),
            invited_by: Set(Some(learner.user_id())),
            created_at: Set(now),
            expires_at: Set(expires_at),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                AppError::conflict("email", "This email was invited a moment ago")
            } else {
                e.into()
            }
        })?,
    };
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
    })
}

/// Accepts (the team, with the caller as a member in the invite's role) or declines (`None`) an
/// invite to the caller's email. Someone else's invite is `NOT_FOUND` and an expired one
/// `BAD_USER_INPUT`, both naming `inviteId`. The invite is gone afterwards either way.
pub async fn respond(
    db: &DatabaseConnection,
    learner: Learner,
    invite_id: i32,
    accept: bool,
) -> Result<Option<TeamView>, AppError> {
    let not_found = || AppError::not_found_in("inviteId", "No such invite");
    let txn = db.begin().await?;
    lock_team_of(&txn, invite_id).await?;
    let email = user_email(&txn, learner).await?;
    let invite = own_invite(&txn, invite_id, &email)
        .await?
        .ok_or_else(not_found)?;
    if invite.expires_at <= Utc::now() {
        return Err(AppError::bad_input(
            "inviteId",
            "This invite has expired; ask for a new one",
        ));
    }
    team_invites::Entity::delete_by_id(invite.id)
        .exec(&txn)
        .await?;
    if !accept {
        txn.commit().await?;
        return Ok(None);
    }
    let membership = match Membership::of(&txn, learner, invite.team_id).await? {
        Some(m) => m,
        None => {
            let row = team_members::ActiveModel {
                team_id: Set(invite.team_id),
                user_id: Set(learner.user_id()),
                role: Set(invite.role),
                joined_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?;
            Membership::from_row(&row)
        }
    };
    let team = find_team(&txn, invite.team_id).await?;
    txn.commit().await?;
    Ok(Some(TeamView { team, membership }))
}

/// Withdraws an invite: owners, and managers for invites with the `MEMBER` role. An invite of a
/// team the caller is not in is `NOT_FOUND` (field `inviteId`).
pub async fn cancel(
    db: &DatabaseConnection,
    learner: Learner,
    invite_id: i32,
) -> Result<TeamView, AppError> {
    let not_found = || AppError::not_found_in("inviteId", "No such invite");
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

/// The pending (unexpired) invites to the signed-in user's email, newest first, with their teams.
pub async fn invites_for(
    db: &impl ConnectionTrait,
    learner: Learner,
) -> Result<Vec<(team_invites::Model, teams::Model)>, AppError> {
    let email = user_email(db, learner).await?;
    let invites = team_invites::Entity::find()
        .filter(team_invites::Column::Email.eq(email))
        .filter(team_invites::Column::ExpiresAt.gt(Utc::now()))
        .all(db)
        .await?;
    with_teams(db, invites).await
}

/// One invite, when the caller may see it: it is to their email and unexpired, or they own or
/// manage its team. With its team and the caller's membership of it, if any.
pub async fn visible_invite(
    db: &impl ConnectionTrait,
    learner: Learner,
    invite_id: i32,
) -> Result<Option<(team_invites::Model, teams::Model, Option<Membership>)>, AppError> {
    let Some(invite) = team_invites::Entity::find_by_id(invite_id).one(db).await? else {
        return Ok(None);
    };
    let membership = Membership::of(db, learner, invite.team_id).await?;
    let manages = membership.is_some_and(|m| m.sees_invites());
    let mine = invite.expires_at > Utc::now() && invite.email == user_email(db, learner).await?;
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
    let ids: Vec<i32> = invites.iter().map(|i| i.team_id).collect();
    let teams: std::collections::HashMap<i32, teams::Model> = teams::Entity::find()
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
async fn lock_team_of(txn: &impl ConnectionTrait, invite_id: i32) -> Result<(), AppError> {
    use sea_orm::sea_query::{Expr, Query};
    let team = Query::select()
        .column(team_invites::Column::TeamId)
        .from(team_invites::Entity)
        .and_where(team_invites::Column::Id.eq(invite_id))
        .to_owned();
    teams::Entity::update_many()
        .col_expr(
            teams::Column::UpdatedAt,
            Expr::col(teams::Column::UpdatedAt).into(),
        )
        .filter(teams::Column::Id.in_subquery(team))
        .exec(txn)
        .await?;
    Ok(())
}

async fn own_invite(
    txn: &impl ConnectionTrait,
    invite_id: i32,
    email: &str,
) -> Result<Option<team_invites::Model>, AppError> {
    Ok(team_invites::Entity::find_by_id(invite_id)
        .one(txn)
        .await?
        .filter(|i| i.email == email))
}

async fn user_email(db: &impl ConnectionTrait, learner: Learner) -> Result<String, AppError> {
    Ok(users::Entity::find_by_id(learner.user_id())
        .select_only()
        .column(users::Column::Email)
        .into_tuple::<String>()
        .one(db)
        .await?
        .unwrap_or_default())
}
