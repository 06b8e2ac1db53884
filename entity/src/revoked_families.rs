use sea_orm::entity::prelude::*;

use crate::ids::UserId;

/// A sign-in (refresh-token family) revoked because a refresh token was used twice: its access
/// tokens are refused until they would have expired anyway.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "revoked_families")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub family_id: String,
    pub user_id: UserId,
    pub revoked_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
