//! GraphQL of public profiles and the leaderboard: `profile(username)` and `leaderboard(kind,
//! first, teamId)`. Thin: `progress::profile` and `progress::leaderboard` do the work.
use std::sync::Arc;

use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::Utc;
use entity::ids::UserId;

use crate::accounts::service;
use crate::auth::Membership;
use crate::error::AppError;
use crate::graphql::accounts::User;
use crate::graphql::catalog::roadmap::{self as roadmaps, Roadmap};
use crate::graphql::context::{catalog_access, db, viewer};
use crate::graphql::error::ApiResult;
use crate::graphql::ids::GlobalId;
use crate::progress::leaderboard::{self, BoardKind};
use crate::progress::profile::{self, ProfileRoadmap as Shown, PublicProfile};

/// A learner's public profile: only what they chose to show.
pub struct Profile(PublicProfile);

/// A learner's public profile. Only public roadmaps are listed (to the learner: also their own).
#[Object]
impl Profile {
    /// The learner's unique handle.
    async fn username(&self) -> &str {
        &self.0.user.username
    }
    /// The learner's name to show.
    async fn display_name(&self) -> &str {
        &self.0.user.display_name
    }
    /// One line about the learner; null when they wrote none.
    async fn headline(&self) -> Option<&str> {
        self.0.user.headline.as_deref()
    }
    /// Links the learner chose to show (http or https URLs, at most 10).
    async fn links(&self) -> &[String] {
        &self.0.links
    }
    /// The learner's streak, counted in their time zone.
    async fn streak(&self) -> ProfileStreak {
        ProfileStreak {
            current: self.0.streak.0,
            longest: self.0.streak.1,
        }
    }
    /// The roadmaps the learner follows (has progress on) and chose to show that anyone may read
    /// (live, published, PUBLIC), most recently updated first; the learner also sees their own
    /// private and team ones here.
    async fn roadmaps(&self) -> Vec<ProfileRoadmap> {
        self.0
            .roadmaps
            .iter()
            .cloned()
            .map(ProfileRoadmap)
            .collect()
    }
}

/// Consecutive days with at least one status change, in the learner's time zone.
#[derive(SimpleObject)]
pub struct ProfileStreak {
    /// Days in the run that includes today or yesterday; 0 otherwise.
    pub current: i32,
    /// Days in the longest run ever.
    pub longest: i32,
}

/// A learner's progress on one roadmap of their public profile.
pub struct ProfileRoadmap(Shown);

/// A learner's progress on one roadmap, counted over the topics of its current tree.
#[Object]
impl ProfileRoadmap {
    /// The roadmap.
    async fn roadmap(&self, ctx: &Context<'_>) -> ApiResult<Option<Roadmap>> {
        roadmaps::visible_by_id(ctx, self.0.roadmap_id).await
    }
    /// Topics the learner marked `DONE`.
    async fn done(&self) -> i64 {
        self.0.counts.done
    }
    /// Topics the learner marked `LEARNING`.
    async fn learning(&self) -> i64 {
        self.0.counts.learning
    }
    /// Topics the learner marked `SKIPPED`.
    async fn skipped(&self) -> i64 {
        self.0.counts.skipped
    }
    /// Topics of the current tree.
    async fn total(&self) -> i64 {
        self.0.counts.total
    }
    /// `done / total × 100` (0 for an empty roadmap).
    async fn percent_done(&self) -> f64 {
        self.0.counts.percent_done()
    }
}

/// What the leaderboard ranks by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaderboardKind {
    /// Days in the current streak (the run that includes today or yesterday, in each learner's
    /// time zone).
    CurrentStreak,
    /// Days in the longest streak ever.
    LongestStreak,
    /// Status changes to `DONE` in the last 30 days (30 × 24 hours), on the roadmaps the
    /// learner's public profile shows (on a team's board: on the team's roadmaps).
    DoneLast30Days,
}

impl From<LeaderboardKind> for BoardKind {
    fn from(k: LeaderboardKind) -> Self {
        match k {
            LeaderboardKind::CurrentStreak => BoardKind::CurrentStreak,
            LeaderboardKind::LongestStreak => BoardKind::LongestStreak,
            LeaderboardKind::DoneLast30Days => BoardKind::DoneLast30Days,
        }
    }
}

/// One place on the leaderboard.
#[derive(SimpleObject)]
pub struct LeaderboardEntry {
    /// 1 for the highest value; ties share a rank and the next rank skips (1, 2, 2, 4).
    pub rank: i32,
    /// The figure ranked: days, or DONE changes.
    pub value: i32,
    /// The learner (their profile is public).
    pub user: User,
}

#[derive(Default)]
pub struct ProfileQuery;

#[Object]
impl ProfileQuery {
    /// A learner's public profile; null when it is private or there is no such user (for
    /// everyone, admins included). Anyone may call. It lists only public roadmaps, the same for
    /// every reader (teammates and admins included), and counts nothing else; the learner also
    /// sees their own private and team roadmaps on it.
    async fn profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The learner's username (case-insensitive).")] username: String,
    ) -> ApiResult<Option<Profile>> {
        let access = catalog_access(ctx);
        Ok(
            profile::public_profile(db(ctx), &username, &access, Utc::now())
                .await?
                .map(Profile),
        )
    }

    /// The learners with public profiles ranked by `kind`, highest first, then by username;
    /// learners whose value is 0 are not listed. Anyone may call. `first` outside 1..100 fails
    /// with `BAD_USER_INPUT` (field `first`).
    async fn leaderboard(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to rank by.")] kind: LeaderboardKind,
        #[graphql(desc = "How many entries, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "Rank this team's members (all of them, public profile or not), for its \
                    members only: anyone else gets `NOT_FOUND` (field `teamId`)."
        )]
        team_id: Option<ID>,
    ) -> ApiResult<Vec<LeaderboardEntry>> {
        let first = crate::graphql::pagination::check_size("first", first)?
            .unwrap_or(crate::graphql::pagination::DEFAULT_PAGE as u64);
        let board = match team_id {
            None => leaderboard::Board::Public,
            Some(id) => {
                let team = GlobalId::team(&id, "teamId")?;
                let member = match viewer(ctx).learner() {
                    Some(learner) => Membership::of(db(ctx), learner, team).await?,
                    None => None,
                };
                if member.is_none() {
                    let message = format!("No team with id `{}` that you belong to", id.as_str());
                    return Err(AppError::not_found_in("teamId", message).into());
                }
                leaderboard::Board::Team(team)
            }
        };
        let entries =
            leaderboard::leaderboard(db(ctx), kind.into(), board, first as usize, Utc::now())
                .await?;
        let ids: Vec<UserId> = entries.iter().map(|e| e.user_id).collect();
        let users = service::users_by_id(db(ctx), &ids).await?;
        Ok(entries
            .into_iter()
            .filter_map(|e| {
                users.get(&e.user_id).map(|u| LeaderboardEntry {
                    rank: e.rank,
                    value: e.value,
                    user: User(Arc::clone(u)),
                })
            })
            .collect())
    }
}
