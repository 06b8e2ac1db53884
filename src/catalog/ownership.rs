//! Who owns a new roadmap and who may see it, the share token of its link, and the limits on what
//! one learner may author. Official roadmaps have no owner and are made by admins only.
use base64::Engine;
use entity::enums::Visibility;
use entity::{roadmaps, users};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::revisions::Actor;
use crate::error::AppError;

/// Topics a learner's roadmap may hold (official roadmaps: `document::MAX_TOPICS`).
pub const MAX_OWNED_TOPICS: usize = 2_000;

/// The owner and visibility of a roadmap about to be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ownership {
    /// None: official.
    pub owner_id: Option<i32>,
    pub visibility: Visibility,
}

impl Ownership {
    /// Official roadmaps (made by the CLI, seeding, or an admin who asks for it) are PUBLIC unless
    /// told otherwise: their `status` keeps drafts to admins. Everyone else's roadmaps are theirs
    /// and PRIVATE unless told otherwise. `official` defaults to true for admins, who curate the
    /// catalogue; a learner who asks for it is refused.
    pub fn for_new(
        actor: &Actor,
        official: Option<bool>,
        visibility: Option<Visibility>,
    ) -> Result<Self, AppError> {
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
                "official",
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
            visibility: visibility.unwrap_or(default),
        })
    }

    pub fn apply(&self, row: &mut roadmaps::ActiveModel) {
        row.owner_id = Set(self.owner_id);
        row.visibility = Set(self.visibility);
    }
}

/// A fresh share token: 24 random bytes, URL-safe base64 (32 characters).
pub fn new_share_token() -> String {
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// How many topics a roadmap with this owner may hold.
pub fn topic_limit(owner_id: Option<i32>) -> usize {
    match owner_id {
        Some(_) => MAX_OWNED_TOPICS,
        None => super::document::MAX_TOPICS,
    }
}

/// Refuses a roadmap with more topics than its owner may have.
pub fn check_topic_count(owner_id: Option<i32>, count: usize, field: &str) -> Result<(), AppError> {
    let limit = topic_limit(owner_id);
    if count > limit {
        return Err(AppError::bad_input(
            field,
            format!("a roadmap of your own may hold at most {limit} topics (this one would have {count})"),
        ));
    }
    Ok(())
}

/// Refuses a new roadmap for an owner who already has `max` live ones. Its first statement locks
/// the owner's row, so two creations at once cannot both pass the count.
pub async fn check_roadmap_quota(
    txn: &impl ConnectionTrait,
    owner_id: Option<i32>,
    max: u64,
) -> Result<(), AppError> {
    let Some(owner_id) = owner_id else {
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
            "input",
            format!(
                "you already own {owned} roadmaps, the most one learner may have \
                 (MAX_ROADMAPS_PER_USER = {max}): delete one before making another"
            ),
        ));
    }
    Ok(())
}
