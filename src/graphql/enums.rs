//! The GraphQL enums: mirrors of the domain's enums (`remote`), so the domains stay free of GraphQL
//! types while conversions both ways are generated. Value names are the stored `SCREAMING_SNAKE`
//! text.
use async_graphql::Enum;

/// What a user may do: learners are `USER`; `ADMIN`s also edit roadmaps and users.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::Role")]
pub enum Role {
    /// A learner: reads published roadmaps and keeps their own progress.
    User,
    /// Also sees drafts and revisions, edits roadmaps, topics and resources, and sets roles.
    Admin,
}

/// What a roadmap is about.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::RoadmapKind")]
pub enum RoadmapKind {
    /// A path to a job role (e.g. Backend Developer).
    Role,
    /// A single skill or technology (e.g. Docker).
    Skill,
    /// A checklist of good practices.
    BestPractice,
}

/// Drafts are visible to their owner and admins only.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::RoadmapStatus")]
pub enum RoadmapStatus {
    /// Visible to the owner and admins only.
    Draft,
    /// Visible to whoever the roadmap's `visibility` allows.
    Published,
}

/// Who may read a roadmap besides its owner and admins.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::Visibility")]
pub enum Visibility {
    /// Nobody else: for anyone else the roadmap does not exist.
    Private,
    /// Whoever has its share link (`roadmap(slug:, shareToken:)`); listed nowhere.
    Unlisted,
    /// Everyone; learners' public roadmaps are listed in `communityRoadmaps`.
    Public,
}

/// How often a page changes, as sitemaps say it.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ChangeFrequency")]
pub enum ChangeFrequency {
    /// Changes on every visit.
    Always,
    /// About once an hour.
    Hourly,
    /// About once a day.
    Daily,
    /// About once a week.
    Weekly,
    /// About once a month.
    Monthly,
    /// About once a year.
    Yearly,
    /// Archived: never changes.
    Never,
}

/// Top-level topic or a subtopic inside one.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::TopicKind")]
pub enum TopicKind {
    /// A main topic, usually at the root of the tree.
    Topic,
    /// A subtopic, usually below a topic.
    Subtopic,
}

/// The legend mark a roadmap shows next to a topic.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::LegendMark")]
pub enum LegendMark {
    /// Our recommendation.
    Recommended,
    /// An alternative to the recommended option.
    Alternative,
    /// Can be learned at any point; the order does not matter.
    OrderNotStrict,
}

/// What kind of learning resource a link is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ResourceKind")]
pub enum ResourceKind {
    /// An article or blog post.
    Article,
    /// A video.
    Video,
    /// Official documentation or website.
    Official,
    /// An open-source project or repository.
    Opensource,
    /// A course.
    Course,
    /// A podcast.
    Podcast,
    /// A book.
    Book,
    /// A feed of news or posts.
    Feed,
    /// Another roadmap.
    Roadmap,
}

/// A learner's status on a topic. `PENDING` is the absence of a status (no row is stored).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ProgressStatus")]
pub enum ProgressStatus {
    /// Not started (no status); setting it clears the status.
    Pending,
    /// Being learned now.
    Learning,
    /// Learned.
    Done,
    /// Deliberately left out; counts as dealt with in `percentComplete`.
    Skipped,
}

/// Why a progress change was not applied (offline merge).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::progress::SkipReason")]
pub enum SkipReason {
    /// What is stored was set by a change made later than this one (by the devices' clocks,
    /// the changes' `at`): the newest change wins whatever order devices sync in.
    NewerChangeStored,
}

/// How `importRoadmap` treats a document whose slug already exists.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::catalog::ImportMode")]
pub enum ImportMode {
    /// Create a new roadmap; refused when the slug is taken.
    Create,
    /// Make an existing roadmap equal to the document, keeping the topic ids that remain (so
    /// learners' progress on them survives) and soft-deleting the topics it no longer has.
    Replace,
}

/// What a `myProgressChanged` notification reports.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "crate::progress::ProgressChangeKind")]
pub enum ProgressChangeKind {
    /// Topic statuses changed (`setTopicStatus`, `setTopicStatuses`).
    Status,
    /// A whole roadmap was reset to pending.
    Reset,
    /// A private note was set or cleared.
    Note,
    /// The roadmap was added to or removed from the favourites.
    Favorite,
    /// Progress on the roadmap was imported from a document.
    Import,
    /// A topic was reviewed (`reviewTopic`): its `myReview` changed.
    Review,
    /// Notifications were dropped because this client fell behind: refetch your progress.
    Resync,
}

/// What a team is for.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::TeamKind")]
pub enum TeamKind {
    /// A company onboarding its people.
    Company,
    /// A learning club.
    StudyGroup,
}

/// What a member may do in a team.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::TeamRole")]
pub enum TeamRole {
    /// Runs the team: renames or deletes it, invites with any role, changes roles, removes
    /// anyone, hands it over. A team always has at least one.
    Owner,
    /// Invites and removes members (not managers or owners) and sees the pending invites.
    Manager,
    /// Belongs to the team and sees its members.
    Member,
}

/// Who sees a user's public profile (`profile(username)`), badges and leaderboard entries.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ProfileVisibility")]
pub enum ProfileVisibility {
    /// Only you: for anyone else the profile and its badges do not exist (the default).
    Private,
    /// Everyone; you also appear on the leaderboard.
    Public,
}

/// Which of the roadmaps you follow your public profile lists.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ProfileRoadmaps")]
pub enum ProfileRoadmaps {
    /// Every roadmap you have progress on (the default).
    All,
    /// None.
    None,
    /// Only those in `profileRoadmapIds`.
    Selected,
}
