//! Who owns a new roadmap and who may see it, the share token of its link, and the limits on what
//! one learner or team may author. Official roadmaps have no owner and are made by admins only;
//! a team's roadmaps are owned by the team (no user), made and edited by its owners and managers.
use base64::Engine;
use entity::enums::Visibility;
use entity::ids::{TeamId, UserId};
use entity::{roadmaps, team_members, users};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::revisions::Actor;
use crate::auth::{lock_team, no_such_team, Membership};
use crate::error::{AppError, Field, Input, Words};

/// Topics a learner's roadmap may hold (official roadmaps: `document::MAX_TOPICS`).
pub const MAX_OWNED_TOPICS: usize = 2_000;

/// The owner and visibility of a roadmap about to be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ownership {
    /// The learner who owns it; None for official and team roadmaps.
    pub owner_id: Option<UserId>,
    /// The team that owns it.
    pub team_id: Option<TeamId>,
    pub visibility: Visibility,
}

impl Ownership {
    /// Official roadmaps (made by the CLI, seeding, or an admin who asks for it) are PUBLIC unless
    /// told otherwise: their `status` keeps drafts to admins. Everyone else's roadmaps are theirs
    /// and PRIVATE unless told otherwise. `official` defaults to true for admins, who curate the
    /// catalogue; a learner who asks for it is refused. With `team_id`, the team owns it (PRIVATE
    /// to its members unless told otherwise): its owners and managers may make one, a plain
    /// member is refused, and for anyone else the team does not exist.
    pub fn for_new(
        actor: &Actor,
        official: Option<bool>,
        visibility: Option<Visibility>,
        team_id: Option<TeamId>,
    ) -> Result<Self, AppError> {
        if let Some(team_id) = team_id {
            return Self::for_team(actor, official, visibility, team_id);
        }
        let curator = actor.author().is_none_or(|e| e.may_curate());
        let official =
            match official {
                Some(true) if !curator => return Err(AppError::Forbidden(
                    "only admins may make official roadmaps (`official`): leave it out to make \
                     one of your own"
                        .into(),
                )),
                Some(o) => o,
                None => curator,
            };
        let owner_id = if official { None } else { actor.user_id };
        if !official && owner_id.is_none() {
            return Err(AppError::bad_input(
                Input::Official,
                "a roadmap made without a signed-in user must be official",
            ));
        }
        let default = if official {
            Visibility::Public
        } else {
            Visibility::Private
        };
        Ok(Self {
            owner_id,
            team_id: None,
            visibility: visibility.unwrap_or(default),
        })
    }

    fn for_team(
        actor: &Actor,
        official: Option<bool>,
        visibility: Option<Visibility>,
        team_id: TeamId,
    ) -> Result<Self, AppError> {
        if official == Some(true) {
            return Err(AppError::bad_input(
                Input::Official,
                Words::new()
                    .then("a team's roadmap cannot be official: leave out ")
                    .then_quoted(Input::Official)
                    .then(" or ")
                    .then_quoted(Input::Team),
            ));
        }
        let Some(editor) = actor.author() else {
            return Err(AppError::bad_input(
                Input::Team,
                "a team's roadmap needs a signed-in author",
            ));
        };
        if !editor.in_team(team_id) {
            return Err(no_such_team());
        }
        if !editor.may_author_for(team_id) {
            return Err(not_an_editor());
        }
        Ok(Self {
            owner_id: None,
            team_id: Some(team_id),
            visibility: visibility.unwrap_or(Visibility::Private),
        })
    }

    /// Whether the new roadmap is official (owned by no user or team).
    pub fn is_official(&self) -> bool {
        self.owner_id.is_none() && self.team_id.is_none()
    }

    pub fn apply(&self, row: &mut roadmaps::ActiveModel) {
        row.owner_id = Set(self.owner_id);
        row.team_id = Set(self.team_id);
        row.visibility = Set(self.visibility);
    }
}

fn not_an_editor() -> AppError {
    AppError::Forbidden("only the team's owners and managers make roadmaps for it".into())
}

/// Longest share token a client may hand back (ours are 32 characters).
pub const MAX_SHARE_TOKEN_CHARS: usize = 64;

/// A fresh share token: 24 random bytes, URL-safe base64 (32 characters).
pub fn new_share_token() -> String {
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// How many topics a roadmap may hold: official ones more than learners' and teams'.
pub fn topic_limit(official: bool) -> usize {
    if official {
        super::document::MAX_TOPICS
    } else {
        MAX_OWNED_TOPICS
    }
}

/// Refuses a roadmap with more topics than its owner may have.
pub fn check_topic_count(
    official: bool,
    count: usize,
    field: impl Into<Field>,
) -> Result<(), AppError> {
    let limit = topic_limit(official);
    if count > limit {
        return Err(AppError::bad_input(
            field,
            format!("a roadmap of your own may hold at most {limit} topics (this one would have {count})"),
        ));
    }
    Ok(())
}

/// Refuses a new roadmap for an owner (learner or team) who already has `max` live ones. Its first
/// statement locks the owner's row, so two creations at once cannot both pass the count; for a
/// team it then checks, inside the transaction, that the author still edits for the team.
pub async fn check_roadmap_quota(
    txn: &impl ConnectionTrait,
    ownership: &Ownership,
    author: Option<UserId>,
    max: u64,
) -> Result<(), AppError> {
    if let Some(team_id) = ownership.team_id {
        return check_team_quota(txn, team_id, author, max).await;
    }
    let Some(owner_id) = ownership.owner_id else {
        return Ok(());
    };
    users::Entity::update_many()
        .col_expr(users::Column::Id, Expr::col(users::Column::Id).into())
        .filter(users::Column::Id.eq(owner_id))
        .exec(txn)
        .await?;
    let owned = roadmaps::Entity::find()
        .filter(roadmaps::Column::OwnerId.eq(owner_id))
        .filter(roadmaps::Column::DeletedAt.is_null())
        .count(txn)
        .await?;
    if owned >= max {
        return Err(AppError::bad_input(
            Input::Whole,
            format!(
                "you already own {owned} roadmaps, the most one learner may have \
                 (MAX_ROADMAPS_PER_USER = {max}): delete one before making another"
            ),
        ));
    }
    Ok(())
}

async fn check_team_quota(
    txn: &impl ConnectionTrait,
    team_id: TeamId,
    author: Option<UserId>,
    max: u64,
) -> Result<(), AppError> {
    lock_team(txn, team_id).await?;
    let seat = match author {
        Some(user) => {
            team_members::Entity::find_by_id((team_id, user))
                .one(txn)
                .await?
        }
        None => None,
    };
    match seat.map(|s| Membership::from_row(&s)) {
        None => return Err(no_such_team()),
        Some(m) if !m.may_curate_roadmaps() => return Err(not_an_editor()),
        Some(_) => {}
    }
    let owned = roadmaps::Entity::find()
        .filter(roadmaps::Column::TeamId.eq(team_id))
        .filter(roadmaps::Column::DeletedAt.is_null())
        .count(txn)
        .await?;
    if owned >= max {
        return Err(AppError::bad_input(
            Input::Team,
            format!(
                "the team already owns {owned} roadmaps, the most one team may have \
                 (MAX_ROADMAPS_PER_USER = {max}): delete one before making another"
            ),
        ));
    }
    Ok(())
}
