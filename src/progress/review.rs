//! Spaced-repetition review of topics a learner marked DONE, scheduled by FSRS (`rs-fsrs`, default
//! parameters, no fuzz, so a schedule is a pure function of the reviews).
//!
//! Rules:
//! - Only a topic whose status is DONE can be reviewed (for linked topics the status is shared).
//!   A topic that goes back from DONE keeps its card but leaves the queue and the counts.
//! - The log (`review_log`) is the truth; a card (`review_cards`) is what the log gives when its
//!   reviews are applied in `at` order. A review newer than the card's last one is applied to the
//!   card; an older one (an offline device syncing late) makes the card be recomputed from the
//!   log. The same (topic, `at`) twice is a retry: stored once, applied once.
//! - Linked topics share one schedule: the card is written onto every live topic of the group
//!   (as status writes fan out), computed from the log of the whole group (so topics reviewed
//!   before they were linked get one schedule at their next review).
//! - Writes take the learner's lock (see `locks`) in one transaction.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TopicKey, UserId};
use entity::{progress, review_cards, review_log, topic_links, topics};
pub use rs_fsrs::Rating;
use rs_fsrs::{Card, Parameters, State, FSRS};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};

use super::locks::{lock_user, write_turn};
use super::merge::micros;
pub use super::review_reads::{cards_on, queue, stats, ReviewStats};
use super::types::ProgressStatus;
use crate::db::sql::Sql;
use crate::error::{AppError, Field, Input, Words};

/// Lowest desired retention a learner may ask for.
pub const MIN_RETENTION: f64 = 0.7;
/// Highest desired retention a learner may ask for.
pub const MAX_RETENTION: f64 = 0.99;
/// Desired retention of a learner who never set one.
pub const DEFAULT_RETENTION: f64 = 0.9;
/// Most topics one page of the review queue holds.
pub const MAX_QUEUE: u64 = 50;
/// Most reviews kept for one topic (its link group) of one learner; more are refused.
pub const MAX_REVIEWS_PER_TOPIC: u64 = 2_000;

/// The rating of a review, as stored (1 again … 4 easy).
pub fn rating_code(rating: Rating) -> i16 {
    rating as i16
}

/// The rating a stored code names; only this server writes the column.
fn stored_rating(code: i16) -> Result<Rating, AppError> {
    match code {
        1 => Ok(Rating::Again),
        2 => Ok(Rating::Hard),
        3 => Ok(Rating::Good),
        4 => Ok(Rating::Easy),
        _ => Err(AppError::internal(format!(
            "a stored review rating `{code}` is not one this server knows"
        ))),
    }
}

/// Checks a desired retention: within [`MIN_RETENTION`, `MAX_RETENTION`].
pub fn check_retention(retention: f64) -> Result<f64, AppError> {
    if !(MIN_RETENTION..=MAX_RETENTION).contains(&retention) {
        return Err(AppError::bad_input(
            Input::DesiredRetention,
            Words::named(Input::DesiredRetention).then(format!(
                ": must be between {MIN_RETENTION} and {MAX_RETENTION} ({retention} given)"
            )),
        ));
    }
    Ok(retention)
}

/// The scheduler for a desired retention: FSRS's default parameters otherwise (fuzz is off, so
/// the same reviews always give the same card).
pub fn scheduler(retention: f64) -> FSRS {
    FSRS::new(Parameters {
        request_retention: retention,
        ..Parameters::default()
    })
}

/// The card after `reviews` (rating, at) applied in the order given, from `start` (a new card
/// when `None`).
pub fn replay(
    retention: f64,
    start: Option<Card>,
    reviews: impl IntoIterator<Item = (Rating, DateTime<Utc>)>,
) -> Card {
    let fsrs = scheduler(retention);
    reviews
        .into_iter()
        .fold(start.unwrap_or_default(), |card, (rating, at)| {
            fsrs.next(card, at, rating).card
        })
}

fn state_code(state: State) -> i16 {
    state as i16
}

fn stored_state(code: i16) -> State {
    match code {
        1 => State::Learning,
        2 => State::Review,
        3 => State::Relearning,
        _ => State::New,
    }
}

/// The scheduler's card of a stored row.
fn card_of(row: &review_cards::Model) -> Card {
    Card {
        due: row.due,
        stability: row.stability,
        difficulty: row.difficulty,
        elapsed_days: row.elapsed_days,
        scheduled_days: row.scheduled_days,
        reps: row.reps,
        lapses: row.lapses,
        state: stored_state(row.state),
        last_review: row.last_reviewed_at,
    }
}

/// What [`review`] did.
pub struct ReviewOutcome {
    /// The card of the reviewed topic now.
    pub card: review_cards::Model,
    /// False when the review was a retry of one already stored.
    pub changed: bool,
    /// The roadmaps whose topics got the card (the group's), the reviewed topic's first.
    pub roadmap_ids: Vec<RoadmapId>,
}

/// Records a review of `topic` by `user_id` rated `rating`, made at `at` (device clock, already
/// checked), and reschedules the card of the topic's link group (see the module docs).
/// `BAD_USER_INPUT` (the topic) when the learner's status on it is not DONE.
pub(super) async fn review(
    db: &DatabaseConnection,
    user_id: UserId,
    topic: &topics::Model,
    rating: Rating,
    at: DateTime<Utc>,
) -> Result<ReviewOutcome, AppError> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    lock_user(&txn, user_id).await?;
    require_done(&txn, user_id, &topic.id).await?;
    let group = group_of(&txn, topic).await?;
    let keys: Vec<TopicKey> = group.iter().map(|(k, _)| k.clone()).collect();
    let now = micros(Utc::now());
    let inserted = review_log::Entity::insert(review_log::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        topic_id: Set(topic.id.clone()),
        rating: Set(rating_code(rating)),
        at: Set(at),
        received_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            review_log::Column::UserId,
            review_log::Column::TopicId,
            review_log::Column::At,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let stored = review_cards::Entity::find_by_id((user_id, topic.id.clone()))
        .one(&txn)
        .await?;
    let roadmap_ids = roadmaps_of(topic, &group);
    if inserted == 0 {
        if let Some(card) = stored {
            txn.commit().await?;
            return Ok(ReviewOutcome {
                card,
                changed: false,
                roadmap_ids,
            });
        }
    }
    let retention = retention(&txn, user_id).await?;
    let card = match stored {
        // A topic alone, reviewed in order: one more step from its card. (In a link group the
        // cards made before the topics were linked may differ: the group's log decides.)
        Some(row) if group.len() == 1 && at >= row.last_reviewed_at => {
            check_log_size(&txn, user_id, &keys).await?;
            replay(retention, Some(card_of(&row)), [(rating, at)])
        }
        // First, older than the last applied one, or linked: the group's whole log, in `at` order.
        _ => {
            let log = group_log(&txn, user_id, &keys).await?;
            if log.len() as u64 > MAX_REVIEWS_PER_TOPIC {
                return Err(too_many(Input::Topic));
            }
            replay(retention, None, log)
        }
    };
    write_card(&txn, user_id, &group, &card).await?;
    txn.commit().await?;
    Ok(ReviewOutcome {
        card: row_of(user_id, &topic.id, topic.roadmap_id, &card),
        changed: true,
        roadmap_ids,
    })
}

fn too_many(field: impl Into<Field>) -> AppError {
    let field = field.into();
    AppError::bad_input(
        &field,
        Words::named(&field).then(format!(
            ": at most {MAX_REVIEWS_PER_TOPIC} reviews are kept per topic"
        )),
    )
}

/// The group's roadmaps, the topic's own first, each once.
fn roadmaps_of(topic: &topics::Model, group: &[(TopicKey, RoadmapId)]) -> Vec<RoadmapId> {
    let mut out = vec![topic.roadmap_id];
    for (_, r) in group {
        if !out.contains(r) {
            out.push(*r);
        }
    }
    out
}

/// Refuses a review of a topic the learner has not marked DONE.
async fn require_done(
    db: &impl ConnectionTrait,
    user_id: UserId,
    key: &TopicKey,
) -> Result<(), AppError> {
    let row = progress::Entity::find_by_id((user_id, key.clone()))
        .one(db)
        .await?;
    if row.is_some_and(|r| r.status == ProgressStatus::Done && r.archived_at.is_none()) {
        return Ok(());
    }
    Err(AppError::bad_input(
        Input::Topic,
        Words::named(Input::Topic)
            .then(": only a topic you marked DONE can be reviewed; mark it DONE first"),
    ))
}

/// The live topics that share `topic`'s schedule (its link group, itself included), with their
/// roadmaps.
async fn group_of(
    db: &impl ConnectionTrait,
    topic: &topics::Model,
) -> Result<Vec<(TopicKey, RoadmapId)>, AppError> {
    let link = topic_links::Entity::find_by_id(topic.id.clone())
        .one(db)
        .await?;
    let Some(link) = link else {
        return Ok(vec![(topic.id.clone(), topic.roadmap_id)]);
    };
    let members = Query::select()
        .column(topic_links::Column::TopicId)
        .from(topic_links::Entity)
        .and_where(topic_links::Column::GroupId.eq(link.group_id.clone()))
        .to_owned();
    let rows: Vec<(TopicKey, RoadmapId)> = topics::Entity::find()
        .select_only()
        .column(topics::Column::Id)
        .column(topics::Column::RoadmapId)
        .filter(topics::Column::DeletedAt.is_null())
        .filter(
            sea_orm::Condition::any()
                .add(topics::Column::Id.in_subquery(members))
                .add(topics::Column::Id.eq(link.group_id))
                .add(topics::Column::Id.eq(topic.id.clone())),
        )
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows)
}

/// Refuses a review that would keep more than [`MAX_REVIEWS_PER_TOPIC`] for the group.
async fn check_log_size(
    db: &impl ConnectionTrait,
    user_id: UserId,
    keys: &[TopicKey],
) -> Result<(), AppError> {
    let n = review_log::Entity::find()
        .filter(review_log::Column::UserId.eq(user_id))
        .filter(review_log::Column::TopicId.is_in(keys.iter().cloned()))
        .count(db)
        .await?;
    if n > MAX_REVIEWS_PER_TOPIC {
        return Err(too_many(Input::Topic));
    }
    Ok(())
}

/// The reviews of the group, in `at` order (then arrival order).
async fn group_log(
    db: &impl ConnectionTrait,
    user_id: UserId,
    keys: &[TopicKey],
) -> Result<Vec<(Rating, DateTime<Utc>)>, AppError> {
    let rows: Vec<(i16, DateTime<Utc>)> = review_log::Entity::find()
        .select_only()
        .column(review_log::Column::Rating)
        .column(review_log::Column::At)
        .filter(review_log::Column::UserId.eq(user_id))
        .filter(review_log::Column::TopicId.is_in(keys.iter().cloned()))
        .order_by_asc(review_log::Column::At)
        .order_by_asc(review_log::Column::Id)
        .limit(MAX_REVIEWS_PER_TOPIC + 1)
        .into_tuple()
        .all(db)
        .await?;
    rows.into_iter()
        .map(|(r, at)| Ok((stored_rating(r)?, at)))
        .collect()
}

fn row_of(
    user_id: UserId,
    key: &TopicKey,
    roadmap_id: RoadmapId,
    card: &Card,
) -> review_cards::Model {
    review_cards::Model {
        user_id,
        topic_id: key.clone(),
        roadmap_id,
        due: micros(card.due),
        stability: card.stability,
        difficulty: card.difficulty,
        elapsed_days: card.elapsed_days,
        scheduled_days: card.scheduled_days,
        reps: card.reps,
        lapses: card.lapses,
        state: state_code(card.state),
        last_reviewed_at: micros(card.last_review),
    }
}

/// Writes `card` onto every topic of the group (one statement).
async fn write_card(
    db: &impl ConnectionTrait,
    user_id: UserId,
    group: &[(TopicKey, RoadmapId)],
    card: &Card,
) -> Result<(), AppError> {
    use review_cards::Column as C;
    let rows = group.iter().map(|(key, roadmap_id)| {
        let m = row_of(user_id, key, *roadmap_id, card);
        review_cards::ActiveModel {
            user_id: Set(m.user_id),
            topic_id: Set(m.topic_id),
            roadmap_id: Set(m.roadmap_id),
            due: Set(m.due),
            stability: Set(m.stability),
            difficulty: Set(m.difficulty),
            elapsed_days: Set(m.elapsed_days),
            scheduled_days: Set(m.scheduled_days),
            reps: Set(m.reps),
            lapses: Set(m.lapses),
            state: Set(m.state),
            last_reviewed_at: Set(m.last_reviewed_at),
        }
    });
    review_cards::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([C::UserId, C::TopicId])
                .update_columns([
                    C::RoadmapId,
                    C::Due,
                    C::Stability,
                    C::Difficulty,
                    C::ElapsedDays,
                    C::ScheduledDays,
                    C::Reps,
                    C::Lapses,
                    C::State,
                    C::LastReviewedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The name of a rating in the progress document.
pub fn rating_name(rating: Rating) -> &'static str {
    match rating {
        Rating::Again => "AGAIN",
        Rating::Hard => "HARD",
        Rating::Good => "GOOD",
        Rating::Easy => "EASY",
    }
}

/// The rating a progress document names.
pub fn rating_named(name: &str) -> Option<Rating> {
    [Rating::Again, Rating::Hard, Rating::Good, Rating::Easy]
        .into_iter()
        .find(|r| rating_name(*r) == name)
}

/// The learner's whole review log, by topic, each topic's in `at` order (one statement).
pub async fn log_by_topic(
    db: &impl ConnectionTrait,
    user_id: UserId,
) -> Result<HashMap<TopicKey, Vec<(Rating, DateTime<Utc>)>>, AppError> {
    let rows: Vec<(TopicKey, i16, DateTime<Utc>)> = review_log::Entity::find()
        .select_only()
        .column(review_log::Column::TopicId)
        .column(review_log::Column::Rating)
        .column(review_log::Column::At)
        .filter(review_log::Column::UserId.eq(user_id))
        .order_by_asc(review_log::Column::At)
        .order_by_asc(review_log::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<TopicKey, Vec<(Rating, DateTime<Utc>)>> = HashMap::new();
    for (topic, rating, at) in rows {
        out.entry(topic)
            .or_default()
            .push((stored_rating(rating)?, at));
    }
    Ok(out)
}

/// Stores imported reviews of `topic` (those already stored, same `at`, are skipped) and
/// recomputes its link group's card from the log. Inside the caller's transaction, after the
/// user's lock; `field` names the topic's reviews in the document. Returns whether any was new.
pub(super) async fn import_reviews(
    txn: &impl ConnectionTrait,
    user_id: UserId,
    topic: &topics::Model,
    reviews: &[(Rating, DateTime<Utc>)],
    now: DateTime<Utc>,
    field: Field,
) -> Result<bool, AppError> {
    if reviews.is_empty() {
        return Ok(false);
    }
    let rows = reviews.iter().map(|(rating, at)| review_log::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        topic_id: Set(topic.id.clone()),
        rating: Set(rating_code(*rating)),
        at: Set(micros(*at)),
        received_at: Set(now),
    });
    let inserted = review_log::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                review_log::Column::UserId,
                review_log::Column::TopicId,
                review_log::Column::At,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    if inserted == 0 {
        return Ok(false);
    }
    let group = group_of(txn, topic).await?;
    let keys: Vec<TopicKey> = group.iter().map(|(k, _)| k.clone()).collect();
    let log = group_log(txn, user_id, &keys).await?;
    if log.len() as u64 > MAX_REVIEWS_PER_TOPIC {
        return Err(too_many(field));
    }
    let card = replay(retention(txn, user_id).await?, None, log);
    write_card(txn, user_id, &group, &card).await?;
    Ok(true)
}

/// The learner's desired retention (one statement).
pub async fn retention(db: &impl ConnectionTrait, user_id: UserId) -> Result<f64, AppError> {
    let mut q = Sql::new(db.get_database_backend());
    q.push("SELECT review_retention FROM users WHERE id = ")
        .bind(user_id);
    let row = db.query_one(q.build()).await?;
    Ok(match row {
        Some(row) => row.try_get_by_index::<f64>(0)?,
        None => DEFAULT_RETENTION,
    })
}

/// Sets the learner's desired retention (checked by the caller with [`check_retention`]). Cards
/// keep their schedule; the next review of each uses the new retention.
pub async fn set_retention(
    db: &impl ConnectionTrait,
    user_id: UserId,
    retention: f64,
) -> Result<(), AppError> {
    let mut q = Sql::new(db.get_database_backend());
    q.push("UPDATE users SET review_retention = ")
        .bind(retention)
        .push(" WHERE id = ")
        .bind(user_id);
    db.execute(q.build()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn retention_outside_its_range_is_refused() {
        assert!(check_retention(0.9).is_ok());
        assert!(check_retention(0.7).is_ok());
        assert!(check_retention(0.99).is_ok());
        assert!(check_retention(0.69).is_err());
        assert!(check_retention(1.0).is_err());
        assert!(check_retention(f64::NAN).is_err());
    }

    #[test]
    fn a_replay_in_order_is_the_steps_one_by_one() {
        let t0 = DateTime::parse_from_rfc3339("2026-11-01T09:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let reviews = [
            (Rating::Good, t0),
            (Rating::Good, t0 + TimeDelta::days(1)),
            (Rating::Again, t0 + TimeDelta::days(5)),
        ];
        let whole = replay(0.9, None, reviews);
        let first = replay(0.9, None, reviews[..2].iter().copied());
        let stepped = replay(0.9, Some(first), reviews[2..].iter().copied());
        assert_eq!(whole, stepped);
        assert_eq!(whole.reps, 3);
        assert_eq!(whole.lapses, 1);
    }
}
