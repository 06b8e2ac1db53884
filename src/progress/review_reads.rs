//! The reads of spaced-repetition review (see [`super::review`]): a roadmap's cards, the queue and
//! the figures. The queue and the figures count only the cards of topics still DONE and live, on
//! roadmaps the caller may track.
use std::collections::HashMap;

use chrono::{DateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use entity::ids::{RoadmapId, TopicKey, UserId};
use entity::{progress, review_cards, review_log, roadmaps, topics};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use super::review::MAX_QUEUE;
use super::types::ProgressStatus;
use crate::auth::CatalogAccess;
use crate::error::AppError;

/// The learner's cards on the topics of one roadmap, by topic (one statement).
pub async fn cards_on(
    db: &impl ConnectionTrait,
    user_id: UserId,
    roadmap_id: RoadmapId,
) -> Result<HashMap<TopicKey, review_cards::Model>, AppError> {
    let rows = review_cards::Entity::find()
        .filter(review_cards::Column::UserId.eq(user_id))
        .filter(review_cards::Column::RoadmapId.eq(roadmap_id))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.topic_id.clone(), r)).collect())
}

/// The learner's cards that count: on topics still DONE and live, of roadmaps `access` may
/// track, optionally of one roadmap.
fn counted(
    user_id: UserId,
    access: &CatalogAccess,
    roadmap_id: Option<RoadmapId>,
) -> Select<review_cards::Entity> {
    let done = Query::select()
        .column(progress::Column::TopicId)
        .from(progress::Entity)
        .and_where(progress::Column::UserId.eq(user_id))
        .and_where(progress::Column::Status.eq(ProgressStatus::Done))
        .and_where(progress::Column::ArchivedAt.is_null())
        .to_owned();
    let live = Query::select()
        .column(topics::Column::Id)
        .from(topics::Entity)
        .and_where(topics::Column::DeletedAt.is_null())
        .to_owned();
    let tracked = Query::select()
        .column(roadmaps::Column::Id)
        .from(roadmaps::Entity)
        .cond_where(access.tracking().condition())
        .to_owned();
    let mut q = review_cards::Entity::find()
        .filter(review_cards::Column::UserId.eq(user_id))
        .filter(review_cards::Column::TopicId.in_subquery(done))
        .filter(review_cards::Column::TopicId.in_subquery(live))
        .filter(review_cards::Column::RoadmapId.in_subquery(tracked));
    if let Some(id) = roadmap_id {
        q = q.filter(review_cards::Column::RoadmapId.eq(id));
    }
    q
}

/// The topics due for review at `now` (due ≤ now), most overdue first, ties by topic id: at
/// most `first` (≤ [`MAX_QUEUE`]), as (topic, roadmap). One statement.
pub async fn queue(
    db: &impl ConnectionTrait,
    user_id: UserId,
    access: &CatalogAccess,
    roadmap_id: Option<RoadmapId>,
    now: DateTime<Utc>,
    first: u64,
) -> Result<Vec<(TopicKey, RoadmapId)>, AppError> {
    Ok(counted(user_id, access, roadmap_id)
        .select_only()
        .column(review_cards::Column::TopicId)
        .column(review_cards::Column::RoadmapId)
        .filter(review_cards::Column::Due.lte(now))
        .order_by_asc(review_cards::Column::Due)
        .order_by_asc(review_cards::Column::TopicId)
        .limit(first.min(MAX_QUEUE))
        .into_tuple()
        .all(db)
        .await?)
}

/// The learner's review figures at `now`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReviewStats {
    /// Topics due by the end of today in the learner's time zone (overdue ones included).
    pub due_today: i64,
    /// Topics due by the end of the sixth day after today, there (overdue ones included).
    pub due_this_week: i64,
    /// Reviews made (by `at`) in the last 7 days.
    pub reviewed_this_week: i64,
}

/// The end of the day `days` after today in `tz` (the next local midnight, as a UTC instant); a
/// day a DST change leaves without that midnight ends at the first instant after it.
pub fn end_of_local_day(now: DateTime<Utc>, tz: Tz, days: i64) -> DateTime<Utc> {
    let date = now.with_timezone(&tz).date_naive() + TimeDelta::days(days + 1);
    let midnight = date.and_time(NaiveTime::MIN);
    (0..4)
        .find_map(|hour| {
            tz.from_local_datetime(&(midnight + TimeDelta::hours(hour)))
                .earliest()
        })
        .map_or(now + TimeDelta::days(days + 1), |t| t.with_timezone(&Utc))
}

/// [`ReviewStats`] over the cards that count (see [`queue`]) for a learner in `tz`: three
/// statements. "Today" is the learner's calendar day, as their streak counts it.
pub async fn stats(
    db: &impl ConnectionTrait,
    user_id: UserId,
    access: &CatalogAccess,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<ReviewStats, AppError> {
    let day = end_of_local_day(now, tz, 0);
    let week = end_of_local_day(now, tz, 6);
    let due_today = counted(user_id, access, None)
        .filter(review_cards::Column::Due.lte(day))
        .count(db)
        .await? as i64;
    let due_this_week = counted(user_id, access, None)
        .filter(review_cards::Column::Due.lte(week))
        .count(db)
        .await? as i64;
    let reviewed_this_week = review_log::Entity::find()
        .filter(review_log::Column::UserId.eq(user_id))
        .filter(review_log::Column::At.gt(now - TimeDelta::days(7)))
        .count(db)
        .await? as i64;
    Ok(ReviewStats {
        due_today,
        due_this_week,
        reviewed_this_week,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn today_ends_at_the_learners_midnight() {
        let now = at("2026-12-07T22:30:00Z");
        // UTC: midnight tonight; a week: the end of the 13th.
        assert_eq!(
            end_of_local_day(now, Tz::UTC, 0),
            at("2026-12-08T00:00:00Z")
        );
        assert_eq!(
            end_of_local_day(now, Tz::UTC, 6),
            at("2026-12-14T00:00:00Z")
        );
        // In Tokyo it is already the 8th: today ends at its midnight, 15:00 UTC.
        assert_eq!(
            end_of_local_day(now, chrono_tz::Asia::Tokyo, 0),
            at("2026-12-08T15:00:00Z")
        );
        // In New York it is 17:30 on the 7th: today ends at 05:00 UTC on the 8th.
        assert_eq!(
            end_of_local_day(now, chrono_tz::America::New_York, 0),
            at("2026-12-08T05:00:00Z")
        );
    }

    #[test]
    fn a_day_without_midnight_ends_at_its_first_instant() {
        // Santiago skips from 00:00 to 01:00 on 2026-09-06 (DST starts at midnight).
        let now = at("2026-09-05T12:00:00Z");
        let end = end_of_local_day(now, chrono_tz::America::Santiago, 0);
        assert_eq!(end, at("2026-09-06T04:00:00Z"));
    }
}
