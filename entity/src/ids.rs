//! Identities of rows, one type per kind of row, made by one macro (lldap's habit): a function
//! that takes `(TeamId, UserId)` cannot be called with the two the wrong way round, and an id of
//! one table cannot be looked up in another. Entity models carry them (SeaORM newtype columns,
//! `DeriveValueType`), so a row read from the database already holds typed ids; the GraphQL
//! layer parses client ids into them once, at the edge (`graphql::ids`).
//!
//! Users', roadmaps' and teams' ids are typed throughout: every model column that holds one is
//! the newtype. A new kind of row id goes the same way (the model's columns, then what the
//! compiler lists).
//!
//! The number inside is public (`TeamId(7)`, `id.0`) for the places that must speak the bare
//! value: SQL written by hand, global ids, log fields.
use std::fmt;

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares integer row ids: `Copy`, ordered, hashable, shown as the bare number.
macro_rules! integer_ids {
    ($($(#[$doc:meta])* $name:ident($inner:ty);)+) => {$(
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            DeriveValueType, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        /// Auto-increment primary keys come back from an insert as a `u64`.
        impl sea_orm::TryFromU64 for $name {
            fn try_from_u64(n: u64) -> Result<Self, DbErr> {
                <$inner as sea_orm::TryFromU64>::try_from_u64(n).map(Self)
            }
        }
    )+};
}

integer_ids! {
    /// A team (`teams.id`).
    TeamId(i32);
    /// An invitation to a team (`team_invites.id`).
    TeamInviteId(i32);
    /// A user (`users.id`).
    UserId(i32);
    /// A roadmap (`roadmaps.id`).
    RoadmapId(i32);
}
