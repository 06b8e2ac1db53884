//! Capabilities: values that can only be had from a [`Viewer`](super::Viewer) (or, for the CLI and
//! seeding, from the explicit constructors), and that services take as arguments. A service that
//! takes a `CatalogAccess` applies "deleted roadmaps are hidden, drafts are for admins" itself; one
//! that takes a `Learner` works on that learner's own data only.
use entity::roadmaps;
use sea_orm::sea_query::{Condition, IntoCondition};
use sea_orm::ColumnTrait;

use entity::enums::RoadmapStatus;
use sea_orm::ActiveEnum;

/// What of the catalogue a caller may read: never deleted roadmaps; drafts only for admins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatalogAccess {
    drafts: bool,
}

impl CatalogAccess {
    pub(super) fn new(drafts: bool) -> Self {
        Self { drafts }
    }

    /// Everything that is not deleted: for the CLI, seeding and other trusted local callers.
    pub fn trusted() -> Self {
        Self { drafts: true }
    }

    /// Published roadmaps only, as anonymous readers see them.
    pub fn public() -> Self {
        Self { drafts: false }
    }

    pub fn sees_drafts(&self) -> bool {
        self.drafts
    }

    /// Whether this roadmap exists for the caller.
    pub fn can_read(&self, roadmap: &roadmaps::Model) -> bool {
        roadmap.deleted_at.is_none() && (self.drafts || roadmap.status == RoadmapStatus::Published)
    }

    /// The same rule as a SQL condition on the roadmaps table, for queries that list or count.
    pub fn condition(&self) -> Condition {
        let live = roadmaps::Column::DeletedAt.is_null().into_condition();
        if self.drafts {
            live
        } else {
            live.add(roadmaps::Column::Status.eq(RoadmapStatus::Published))
        }
    }

    /// The same rule as SQL text over the roadmaps table aliased `alias`, for hand-written
    /// statements.
    pub fn sql_filter(&self, alias: &str) -> String {
        if self.drafts {
            format!("{alias}.deleted_at IS NULL")
        } else {
            let published = RoadmapStatus::Published.to_value();
            format!("{alias}.deleted_at IS NULL AND {alias}.status = '{published}'")
        }
    }
}

/// A signed-in learner, working on their own progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Learner {
    user_id: i32,
}

impl Learner {
    pub(super) fn new(user_id: i32) -> Self {
        Self { user_id }
    }

    pub fn user_id(&self) -> i32 {
        self.user_id
    }
}

/// A signed-in admin: may edit the catalogue and users.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admin {
    user_id: i32,
}

impl Admin {
    pub(super) fn new(user_id: i32) -> Self {
        Self { user_id }
    }

    pub fn user_id(&self) -> i32 {
        self.user_id
    }

    /// Admins read the whole catalogue, drafts included.
    pub fn catalog(&self) -> CatalogAccess {
        CatalogAccess::trusted()
    }
}
