use sea_orm::entity::prelude::*;

use crate::ids::UserId;

use crate::enums::EmailTokenPurpose;

/// A link mailed to someone, stored as the SHA-256 of its token only: single use, expiring.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: UserId,
    pub purpose: EmailTokenPurpose,
    /// The address the link was mailed to (for `CHANGE`, the new address).
    pub email: String,
    /// SHA-256 of the token, hex.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// Set when the link is followed; a used link is refused.
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
