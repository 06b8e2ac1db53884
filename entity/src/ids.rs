//! Identities of rows, one type per kind of row (lldap's habit): a function that takes
//! `(TeamId, UserId)` cannot be called with the two the wrong way round, and an id of one table
//! cannot be looked up in another. Entity models carry them (SeaORM newtype columns,
//! `DeriveValueType`), so a row read from the database already holds typed ids; the GraphQL
//! layer parses client ids into them once, at the edge (`graphql::ids`).
//!
//! Integer row ids are made by one macro, which takes the stored integer type: users, roadmaps,
//! teams, team invites and resources (`i32`), revisions and progress events (`i64`). Every column
//! and read row holding one carries its type (`resources.id`, `roadmap_revisions.id`, the
//! revision a fork started from in `roadmaps.forked_at_revision`, the history's
//! `progress_events.id`). Ids that no function takes or returns stay bare: `refresh_tokens.id`,
//! `email_tokens.id` and `review_log.id` are read only inside the function that uses their row.
//!
//! A topic's identity is its string key (`topics.id`), typed as [`TopicKey`]; every model column
//! that holds a topic's key (`parent_id`, `forked_from_id`, `topic_id`, `prerequisite_id`,
//! `group_id`, …) is a `TopicKey`, except `roadmap_revisions.entity_id`, which holds the id of
//! whatever a revision changed (a roadmap, topic or resource) as text. There is no
//! `From<String>`: a string becomes a key by `TopicKey::new` only where its format was checked or
//! where it was made. A new kind of row id goes the same way (the model's columns, then what the
//! compiler lists).
//!
//! The value inside is public (`TeamId(7)`, `id.0`, `key.as_str()`) for the places that must
//! speak the bare value: SQL written by hand, global ids, log fields, documents.
use std::borrow::Borrow;
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
    /// A resource of a topic (`resources.id`).
    ResourceId(i32);
    /// One entry of a roadmap's revision history (`roadmap_revisions.id`).
    RevisionId(i64);
    /// One status change in a learner's history (`progress_events.id`).
    ProgressEventId(i64);
}

/// A topic's key (`topics.id`): a string chosen by the roadmap's author or made by the server,
/// unique across roadmaps. Shown as the bare key; its format is checked where a key enters
/// (`catalog::is_valid_topic_key`), not here.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, DeriveValueType, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct TopicKey(pub String);

impl TopicKey {
    /// Wraps a key as it is; its format is the caller's to have checked.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for TopicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl AsRef<str> for TopicKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Lets maps and sets keyed by `TopicKey` be looked up with a `&str` (same hash and order).
impl Borrow<str> for TopicKey {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// Lets a column be compared with a borrowed key (`topics::Column::Id.eq(&key)`).
impl From<&TopicKey> for sea_orm::Value {
    fn from(key: &TopicKey) -> Self {
        key.0.clone().into()
    }
}

/// SeaORM asks every primary key type for this; a string key never comes back from an insert as
/// a number, so the conversion always fails (as it does for `String`).
impl sea_orm::TryFromU64 for TopicKey {
    fn try_from_u64(_: u64) -> Result<Self, DbErr> {
        Err(DbErr::ConvertFromU64("TopicKey"))
    }
}
