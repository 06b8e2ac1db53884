use sea_orm::entity::prelude::*;

use crate::ids::TeamId;

use crate::enums::TeamKind;

/// A team: a company or a study group whose members learn together.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "teams")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: TeamId,
    /// 1-100 characters.
    pub name: String,
    pub kind: TeamKind,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
