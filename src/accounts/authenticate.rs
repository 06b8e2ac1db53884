//! Bearer tokens to signed-in users: the JWT is checked in memory, then what a token cannot be
//! trusted to carry (the user still exists, the token was not revoked, their role now, their teams
//! now) comes from the user's kept session (`sessions`), or, when none is current, from one
//! statement that reads the row and seats and keeps them. A demotion or a removal from a team
//! makes the kept session stale when it commits (on the other processes when its notice arrives),
//! so it takes effect for the next request. The row also answers `me` in the same request.
use std::sync::Arc;

use entity::enums::TeamRole;
use entity::ids::{TeamId, UserId};
use entity::users;
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult};

use super::service::Auth;
use super::sessions::Known;
use crate::auth::{TeamSeats, ViewerUser};
use crate::db::sql::Sql;
use crate::error::AppError;

/// Where a token's user comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Their kept session when it is current, else the database (a request).
    KeptOrRead,
    /// The database (an open socket told of a revocation: the notice that makes the kept
    /// session stale may not have been handled yet).
    Read,
}

/// Turns a bearer token into the signed-in user: checks the JWT, then takes the user's row and
/// team seats from their kept session or reads them in one statement (the users primary key and
/// the `team_members` user index), and checks that the token was not revoked (a `token_version`
/// bump, or its sign-in family revoked). A token whose version differs from a kept row's is
/// checked against the database, never refused from memory.
///
/// A refused token is `AppError::Unauthenticated` (with the reason); a failed lookup is the
/// database's error (`Unavailable` when it cannot be reached), never a refusal: the token may well
/// be good, and a client told `UNAUTHENTICATED` would sign its user out.
pub async fn authenticate(
    db: &DatabaseConnection,
    auth: &Auth,
    token: &str,
    check: Check,
) -> Result<ViewerUser, AppError> {
    let refused = |reason: &str| AppError::Unauthenticated(reason.to_owned());
    let claims = auth.keys.decode(token).map_err(AppError::Unauthenticated)?;
    let id = claims
        .sub
        .parse()
        .map(UserId)
        .map_err(|_| refused("The access token is invalid"))?;
    let sessions = &auth.revocations.sessions;
    let stamp = sessions.stamp(id);
    let kept = match check {
        Check::KeptOrRead => sessions.get(id, stamp),
        Check::Read => None,
    };
    let user = match kept {
        Some(kept) if kept.row.token_version == claims.ver => kept,
        _ => {
            let Some(read) = user_and_seats(db, id).await? else {
                return Err(refused("The access token is invalid"));
            };
            sessions.put(id, stamp, read.clone());
            read
        }
    };
    let family_revoked = claims
        .fam
        .as_deref()
        .is_some_and(|f| auth.revocations.families.contains(f));
    if user.row.token_version != claims.ver || family_revoked {
        return Err(refused("The access token has been revoked; sign in again"));
    }
    Ok(ViewerUser {
        id,
        role: user.row.role,
        teams: user.seats,
        account: Some(user.row),
    })
}

/// The user's row with one result row per team seat (a left join: a user in no team is one row
/// with no team); `None` when there is no such user.
async fn user_and_seats(db: &impl ConnectionTrait, id: UserId) -> Result<Option<Known>, AppError> {
    let mut q = Sql::new(db.get_database_backend());
    q.push(
        "SELECT u.*, m.team_id AS seat_team_id, m.role AS seat_role FROM users u \
         LEFT JOIN team_members m ON m.user_id = u.id WHERE u.id = ",
    )
    .bind(id);
    let rows = db.query_all(q.build()).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let row = users::Model::from_query_result(first, "")?;
    let mut seats = Vec::new();
    for row in &rows {
        let team: Option<TeamId> = row.try_get("", "seat_team_id")?;
        let team_role: Option<TeamRole> = row.try_get("", "seat_role")?;
        if let (Some(team), Some(team_role)) = (team, team_role) {
            seats.push((team, team_role));
        }
    }
    Ok(Some(Known {
        row: Arc::new(row),
        seats: TeamSeats::from_pairs(seats),
    }))
}
