use sea_orm::entity::prelude::*;

use crate::ids::UserId;

use crate::enums::{ProfileRoadmaps, ProfileVisibility, Role};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: UserId,
    #[sea_orm(unique)]
    pub email: String,
    pub username: String,
    /// Lower-cased username, unique: usernames are case-insensitively unique.
    #[sea_orm(unique)]
    pub username_key: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub token_version: i32,
    pub time_zone: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Who sees the public profile; `PRIVATE` by default.
    pub profile_visibility: ProfileVisibility,
    /// One line under the name on the public profile, ≤ 200 characters.
    pub headline: Option<String>,
    /// JSON list of http(s) URLs (at most 10).
    #[sea_orm(column_type = "Text")]
    pub profile_links: String,
    /// Which followed roadmaps the public profile lists.
    pub profile_roadmaps: ProfileRoadmaps,
    /// JSON list of roadmap ids, for `profile_roadmaps = SELECTED`.
    #[sea_orm(column_type = "Text")]
    pub profile_roadmap_ids: String,
    /// Days in the run of active days that ends on `streak_last_day` (user's time zone).
    pub streak_run: i32,
    /// Days in the longest run of active days.
    pub streak_longest: i32,
    /// The last active day, as days since 1970-01-01 in the user's time zone.
    pub streak_last_day: Option<i32>,
    /// DONE changes in the 30 days before the last write (only decays until the next one).
    pub done_30d: i32,
    /// 0 until the statistics above were computed from the user's history.
    pub stats_version: i32,
    /// When the address was proved (a mailed link followed); null while unverified.
    pub email_verified_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::refresh_tokens::Entity")]
    RefreshTokens,
}

impl Related<super::refresh_tokens::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RefreshTokens.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
