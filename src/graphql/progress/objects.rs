//! Output types of progress reads: `RoadmapProgress`, `ActivityEntry`, `Streak`.

use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use entity::ids::RoadmapId;

use super::*;
use crate::graphql::catalog::roadmap::{self as roadmaps, Roadmap};
use crate::graphql::catalog::topic::Topic;
use crate::graphql::enums::ProgressStatus;
use crate::graphql::error::ApiResult;
use crate::progress::reads::ActivityRow;
use crate::progress::Counts;

// ---------------------------------------------------------------------------------------------
// Output types

/// The viewer's progress on one roadmap. `total` counts the topics of the current tree (the ones
/// that can carry a status), and the statuses are counted over exactly those, so `percentDone`
/// reaches 100 when every topic is done.
#[derive(Clone)]
pub struct RoadmapProgress {
    pub roadmap_id: RoadmapId,
    pub counts: Counts,
}

/// Your progress on one roadmap: how many of its current topics you have at each status.
#[Object]
impl RoadmapProgress {
    /// The roadmap counted.
    async fn roadmap(&self, ctx: &Context<'_>) -> ApiResult<Roadmap> {
        visible_roadmap(ctx, self.roadmap_id).await
    }
    /// Topics you marked `DONE`.
    async fn done(&self) -> i64 {
        self.counts.done
    }
    /// Topics you marked `LEARNING`.
    async fn learning(&self) -> i64 {
        self.counts.learning
    }
    /// Topics you marked `SKIPPED`.
    async fn skipped(&self) -> i64 {
        self.counts.skipped
    }
    /// Topics without a status.
    async fn pending(&self) -> i64 {
        self.counts.pending()
    }
    /// Topics that can carry a status: every topic of the current tree.
    async fn total(&self) -> i64 {
        self.counts.total
    }
    /// `done / total × 100` (0 for an empty roadmap).
    async fn percent_done(&self) -> f64 {
        self.counts.percent_done()
    }
    /// `(done + skipped) / total × 100`: skipped topics count as dealt with.
    async fn percent_complete(&self) -> f64 {
        self.counts.percent_complete()
    }
    /// When a counted status last changed; null when there is none.
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.counts.updated_at
    }
    /// Whether the roadmap is among your favourites.
    async fn favorite(&self) -> bool {
        self.counts.favorite
    }
}

/// One entry of your history.
pub struct ActivityEntry(pub(super) ActivityRow);

/// Why a status in your history changed.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeCause {
    /// You changed it (on this topic, or on a topic it is the same as).
    Learner,
    /// The topic's editor said it is the same as another topic (`setTopicSameAs`), and it took
    /// your status on that topic.
    Linked,
}

/// One status change in your history (`me.activity`).
#[Object]
impl ActivityEntry {
    /// Position in your history (increasing in the order the server recorded the changes).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// When the change was made: its `at` (by the clock of the device it was made on), or the
    /// server's time when it had none. A change synced late is recorded with its earlier `at`.
    async fn at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The status before the change.
    async fn from(&self) -> ApiResult<ProgressStatus> {
        Ok(self.0.from()?.into())
    }
    /// The status after the change.
    async fn to(&self) -> ApiResult<ProgressStatus> {
        Ok(self.0.to()?.into())
    }
    /// Why it changed: your own change, or a link set by the topic's editor.
    async fn cause(&self) -> ChangeCause {
        match self.0.cause.as_deref() {
            Some(crate::progress::links::CAUSE_LINKED) => ChangeCause::Linked,
            _ => ChangeCause::Learner,
        }
    }
    /// The topic's stable key.
    async fn topic_key(&self) -> &str {
        self.0.topic_id.as_str()
    }
    /// The topic's title as it was when the change was made (renamed or deleted topics keep it).
    async fn topic_title(&self) -> &str {
        self.0.topic_title.as_deref().unwrap_or("(unknown topic)")
    }
    /// The roadmap's title as it was when the change was made (a later rename does not show).
    async fn roadmap_title(&self) -> &str {
        self.0
            .roadmap_title
            .as_deref()
            .unwrap_or("(unknown roadmap)")
    }
    /// The roadmap's current slug while you can read the roadmap; null once it is deleted, made
    /// private, left with its team or behind a regenerated link.
    async fn roadmap_slug(&self) -> Option<&str> {
        self.0.roadmap_slug.as_deref()
    }
    /// The topic as it is now, while it is part of a roadmap you can read; null otherwise.
    async fn topic(&self, ctx: &Context<'_>) -> ApiResult<Option<Topic>> {
        topic_in(ctx, self.0.roadmap_id, &self.0.topic_id).await
    }
    /// The roadmap as it is now, while you can read it; null otherwise.
    async fn roadmap(&self, ctx: &Context<'_>) -> ApiResult<Option<Roadmap>> {
        roadmaps::trackable_by_id(ctx, self.0.roadmap_id).await
    }
}

/// Consecutive days (in your time zone) with at least one status change.
#[derive(SimpleObject)]
pub struct Streak {
    /// Days in the run that includes today or yesterday; 0 otherwise.
    pub current: i32,
    /// Days in the longest run ever.
    pub longest: i32,

    /// Your last day with activity, in your time zone.
    pub last_active_on: Option<NaiveDate>,
    /// The IANA time zone the days are counted in.
    pub time_zone: String,
}
