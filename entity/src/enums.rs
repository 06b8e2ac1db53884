//! The enumerations stored in text columns, as SeaORM active enums: a column reads into its enum
//! (an unknown stored value is a read error, not a silent default) and writes its exact text. The
//! text is the GraphQL name of each value (`SCREAMING_SNAKE`), which documents use too (serde).
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What a user may do: learners are `USER`; `ADMIN`s also edit roadmaps and users.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Role {
    #[sea_orm(string_value = "USER")]
    #[serde(rename = "USER")]
    User,
    #[sea_orm(string_value = "ADMIN")]
    #[serde(rename = "ADMIN")]
    Admin,
}

/// What a roadmap is about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum RoadmapKind {
    /// A path to a job role (e.g. Backend Developer).
    #[sea_orm(string_value = "ROLE")]
    #[serde(rename = "ROLE")]
    Role,
    /// A single skill or technology (e.g. Docker).
    #[sea_orm(string_value = "SKILL")]
    #[serde(rename = "SKILL")]
    Skill,
    /// A checklist of good practices.
    #[sea_orm(string_value = "BEST_PRACTICE")]
    #[serde(rename = "BEST_PRACTICE")]
    BestPractice,
}

/// Drafts are visible to admins only.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum RoadmapStatus {
    #[sea_orm(string_value = "DRAFT")]
    #[serde(rename = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "PUBLISHED")]
    #[serde(rename = "PUBLISHED")]
    Published,
}

/// How often a page changes, as sitemaps say it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ChangeFrequency {
    #[sea_orm(string_value = "ALWAYS")]
    #[serde(rename = "ALWAYS")]
    Always,
    #[sea_orm(string_value = "HOURLY")]
    #[serde(rename = "HOURLY")]
    Hourly,
    #[sea_orm(string_value = "DAILY")]
    #[serde(rename = "DAILY")]
    Daily,
    #[sea_orm(string_value = "WEEKLY")]
    #[serde(rename = "WEEKLY")]
    Weekly,
    #[sea_orm(string_value = "MONTHLY")]
    #[serde(rename = "MONTHLY")]
    Monthly,
    #[sea_orm(string_value = "YEARLY")]
    #[serde(rename = "YEARLY")]
    Yearly,
    #[sea_orm(string_value = "NEVER")]
    #[serde(rename = "NEVER")]
    Never,
}

/// Top-level topic or a subtopic inside one.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum TopicKind {
    #[sea_orm(string_value = "TOPIC")]
    #[serde(rename = "TOPIC")]
    Topic,
    #[sea_orm(string_value = "SUBTOPIC")]
    #[serde(rename = "SUBTOPIC")]
    Subtopic,
}

/// The legend mark a roadmap shows next to a topic.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum LegendMark {
    /// Our recommendation.
    #[sea_orm(string_value = "RECOMMENDED")]
    #[serde(rename = "RECOMMENDED")]
    Recommended,
    /// An alternative to the recommended option.
    #[sea_orm(string_value = "ALTERNATIVE")]
    #[serde(rename = "ALTERNATIVE")]
    Alternative,
    /// Can be learned at any point; the order does not matter.
    #[sea_orm(string_value = "ORDER_NOT_STRICT")]
    #[serde(rename = "ORDER_NOT_STRICT")]
    OrderNotStrict,
}

/// What kind of learning resource a link is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ResourceKind {
    #[sea_orm(string_value = "ARTICLE")]
    #[serde(rename = "ARTICLE")]
    Article,
    #[sea_orm(string_value = "VIDEO")]
    #[serde(rename = "VIDEO")]
    Video,
    #[sea_orm(string_value = "OFFICIAL")]
    #[serde(rename = "OFFICIAL")]
    Official,
    #[sea_orm(string_value = "OPENSOURCE")]
    #[serde(rename = "OPENSOURCE")]
    Opensource,
    #[sea_orm(string_value = "COURSE")]
    #[serde(rename = "COURSE")]
    Course,
    #[sea_orm(string_value = "PODCAST")]
    #[serde(rename = "PODCAST")]
    Podcast,
    #[sea_orm(string_value = "BOOK")]
    #[serde(rename = "BOOK")]
    Book,
    #[sea_orm(string_value = "FEED")]
    #[serde(rename = "FEED")]
    Feed,
    #[sea_orm(string_value = "ROADMAP")]
    #[serde(rename = "ROADMAP")]
    Roadmap,
}

/// A learner's status on a topic. `PENDING` is the absence of a status (no row is stored).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ProgressStatus {
    #[sea_orm(string_value = "PENDING")]
    #[serde(rename = "PENDING")]
    Pending,
    #[sea_orm(string_value = "LEARNING")]
    #[serde(rename = "LEARNING")]
    Learning,
    #[sea_orm(string_value = "DONE")]
    #[serde(rename = "DONE")]
    Done,
    #[sea_orm(string_value = "SKIPPED")]
    #[serde(rename = "SKIPPED")]
    Skipped,
}

/// Who may read a roadmap besides its owner and admins.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Visibility {
    /// Nobody else: for anyone else the roadmap does not exist.
    #[sea_orm(string_value = "PRIVATE")]
    #[serde(rename = "PRIVATE")]
    Private,
    /// Whoever has its share link (slug and share token); listed nowhere.
    #[sea_orm(string_value = "UNLISTED")]
    #[serde(rename = "UNLISTED")]
    Unlisted,
    /// Everyone; user-owned public roadmaps are listed in the community catalogue.
    #[sea_orm(string_value = "PUBLIC")]
    #[serde(rename = "PUBLIC")]
    Public,
}

/// What a team is for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum TeamKind {
    /// A company onboarding its people.
    #[sea_orm(string_value = "COMPANY")]
    #[serde(rename = "COMPANY")]
    Company,
    /// A learning club.
    #[sea_orm(string_value = "STUDY_GROUP")]
    #[serde(rename = "STUDY_GROUP")]
    StudyGroup,
}

/// What a member may do in a team.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum TeamRole {
    /// Runs the team: its name, its roles, its deletion.
    #[sea_orm(string_value = "OWNER")]
    #[serde(rename = "OWNER")]
    Owner,
    /// Invites and removes members.
    #[sea_orm(string_value = "MANAGER")]
    #[serde(rename = "MANAGER")]
    Manager,
    /// Belongs to the team.
    #[sea_orm(string_value = "MEMBER")]
    #[serde(rename = "MEMBER")]
    Member,
}

/// Who sees a user's profile (`profile(username)` and their badges).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ProfileVisibility {
    /// Only the user: for anyone else the profile does not exist (the default).
    #[sea_orm(string_value = "PRIVATE")]
    #[serde(rename = "PRIVATE")]
    Private,
    /// Everyone, and the user takes part in the leaderboard.
    #[sea_orm(string_value = "PUBLIC")]
    #[serde(rename = "PUBLIC")]
    Public,
}

/// Which of the roadmaps a user follows their public profile lists.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ProfileRoadmaps {
    /// Every roadmap they have progress on (the default).
    #[sea_orm(string_value = "ALL")]
    #[serde(rename = "ALL")]
    All,
    /// None.
    #[sea_orm(string_value = "NONE")]
    #[serde(rename = "NONE")]
    None,
    /// Only the roadmaps in `profile_roadmap_ids`.
    #[sea_orm(string_value = "SELECTED")]
    #[serde(rename = "SELECTED")]
    Selected,
}

/// What a mailed link does.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum EmailTokenPurpose {
    /// Proves the account's current address.
    #[sea_orm(string_value = "VERIFY")]
    #[serde(rename = "VERIFY")]
    Verify,
    /// Proves a new address; following it makes it the account's address.
    #[sea_orm(string_value = "CHANGE")]
    #[serde(rename = "CHANGE")]
    Change,
    /// Sets a new password.
    #[sea_orm(string_value = "RESET")]
    #[serde(rename = "RESET")]
    Reset,
}
