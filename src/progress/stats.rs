//! Per-user leaderboard statistics, kept on the `users` row so that the leaderboard reads the head
//! of an index instead of every learner's history:
//!
//! - `streak_run`, `streak_last_day`, `streak_longest`: the run of consecutive active days (local
//!   days of the user's time zone, as [`super::streak`] counts them) that ends on the last active
//!   day, and the longest run. The current streak is derived at read time ([`current`]): the run
//!   while the last active day is today or yesterday, else 0, so it decays without a write.
//! - `done_30d`: the DONE changes of the 30 days before the user's last write, on any roadmap. It
//!   can only go down until the next write, and the leaderboard counts a subset of it (the
//!   learner's showcase, see [`super::showcase`]), so it is an upper bound of the live figure
//!   ([`done_since_by_roadmap`]).
//!
//! [`record`] runs inside every status write's transaction, after its history events: a day at or
//! after the last active day extends the run in place; an older one (a change synced late) or a
//! user never computed recomputes from the history. A learner's own write extends the figures it
//! read with the stored statuses under the lock ([`SeenStats`], `merge::groups_and_stored`) in
//! one `UPDATE` guarded by them, without a read of its own; when it read none (an import, a large
//! batch) or the guard finds the row moved, they are read under the lock.
//! `done_30d` is always counted by the storing statement itself. [`recompute`] does the same on its own (a new
//! time zone), [`backfill`] for every user not computed yet (after the migration).
use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::ids::{RoadmapId, UserId};
use entity::users;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    TransactionTrait,
};

use super::locks::{lock_user, write_turn};
use super::reads::{activity_buckets, BUCKET_SECS};
use super::streak::{zone, StreakDays};
use crate::db::sql::Sql;
use crate::error::AppError;

/// The window of `DONE_LAST_30_DAYS`.
pub const DONE_WINDOW_DAYS: i64 = 30;

/// Bumped when the way the statistics are computed changes (users below it are recomputed).
pub const STATS_VERSION: i32 = 1;

/// Days since 1970-01-01.
pub fn day_number(d: NaiveDate) -> i32 {
    (d - NaiveDate::default()).num_days() as i32
}

/// The local day (a [`day_number`]) of an instant in the zone `tz`.
pub fn local_day(at: DateTime<Utc>, tz: Tz) -> i32 {
    day_number(at.with_timezone(&tz).date_naive())
}

/// The UTC day (a [`day_number`]) of an instant.
pub fn utc_day(at: DateTime<Utc>) -> i32 {
    local_day(at, Tz::UTC)
}

/// Today in the zone `tz`, as a [`day_number`].
pub fn today(now: DateTime<Utc>, tz: Tz) -> i32 {
    local_day(now, tz)
}

/// The current streak: the stored run while its last day is today or yesterday (or later: a
/// device clock slightly ahead), else 0.
pub fn current(run: i32, last_day: Option<i32>, today: i32) -> i32 {
    match last_day {
        Some(l) if l >= today - 1 => run,
        _ => 0,
    }
}

/// A user's current and longest streak from their stored statistics, at `now`.
pub fn streak_of(user: &users::Model, now: DateTime<Utc>) -> (i32, i32) {
    let today = today(now, zone(&user.time_zone));
    (
        current(user.streak_run, user.streak_last_day, today),
        user.streak_longest,
    )
}

/// `me.streak` from the stored statistics, equal to what [`super::streak::compute`] gives from the
/// history at `today` (a unit test runs both over generated histories); `None` when they cannot
/// say so: stored under another rule (`stats_version`, which a change of time zone also resets
/// until [`recompute`]) or with a last day after `today` (a device clock ahead: `compute` leaves
/// such days out until they come).
pub fn exact_streak(stats: &SeenStats, today: NaiveDate) -> Option<StreakDays> {
    if stats.stats_version != STATS_VERSION {
        return None;
    }
    let today = day_number(today);
    match stats.runs.last_day {
        None => Some(StreakDays::default()),
        Some(last) if last > today => None,
        Some(last) => Some(StreakDays {
            current: current(stats.runs.run, Some(last), today),
            longest: stats.runs.longest,
            last_active_on: date_of(last),
        }),
    }
}

/// The user's statistics as stored now (one statement); `None` when there is no such user.
pub async fn stats_of(
    db: &impl ConnectionTrait,
    user_id: UserId,
) -> Result<Option<SeenStats>, AppError> {
    Ok(stats_row(db, user_id).await?.map(SeenStats::from))
}

/// The date of a [`day_number`].
fn date_of(day: i32) -> Option<NaiveDate> {
    NaiveDate::default().checked_add_signed(Duration::days(i64::from(day)))
}

/// The streak figures kept per user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Runs {
    /// Days in the run ending on `last_day`.
    pub run: i32,
    pub longest: i32,
    pub last_day: Option<i32>,
}

impl Runs {
    /// Adds active days, each at or after `last_day` (in any order, repeats allowed).
    pub fn extend(mut self, days: impl IntoIterator<Item = i32>) -> Self {
        let days: BTreeSet<i32> = days.into_iter().collect();
        for d in days {
            self.run = match self.last_day {
                Some(l) if d == l => continue,
                Some(l) if d == l + 1 => self.run + 1,
                _ => 1,
            };
            self.last_day = Some(d);
            self.longest = self.longest.max(self.run);
        }
        self
    }
}

#[derive(FromQueryResult)]
struct StatsRow {
    time_zone: String,
    streak_run: i32,
    streak_longest: i32,
    streak_last_day: Option<i32>,
    stats_version: i32,
}

async fn stats_row(
    db: &impl ConnectionTrait,
    user_id: UserId,
) -> Result<Option<StatsRow>, AppError> {
    Ok(users::Entity::find_by_id(user_id)
        .select_only()
        .column(users::Column::TimeZone)
        .column(users::Column::StreakRun)
        .column(users::Column::StreakLongest)
        .column(users::Column::StreakLastDay)
        .column(users::Column::StatsVersion)
        .into_model::<StatsRow>()
        .one(db)
        .await?)
}

/// The streak figures from the user's whole history.
async fn runs_from_history(
    db: &impl ConnectionTrait,
    user_id: UserId,
    tz: Tz,
) -> Result<Runs, AppError> {
    let days = activity_buckets(db, user_id)
        .await?
        .into_iter()
        .filter_map(|b| DateTime::from_timestamp(b.saturating_mul(BUCKET_SECS), 0))
        .map(|at| local_day(at, tz));
    Ok(Runs::default().extend(days))
}

/// DONE changes since `since` of each of the users on the roadmaps passing the condition on `r`
/// that `roadmaps` pushes (values bound), by user and roadmap, in one statement (absent: none).
pub async fn done_since_by_roadmap(
    db: &impl ConnectionTrait,
    user_ids: &[UserId],
    since: DateTime<Utc>,
    roadmaps: impl FnOnce(&mut Sql),
) -> Result<Vec<(UserId, RoadmapId, i32)>, AppError> {
    #[derive(FromQueryResult)]
    struct Row {
        user_id: UserId,
        roadmap_id: RoadmapId,
        n: i64,
    }
    if user_ids.is_empty() {
        return Ok(Default::default());
    }
    let mut q = Sql::new(db.get_database_backend());
    q.push(
        "SELECT e.user_id AS user_id, e.roadmap_id AS roadmap_id, COUNT(*) AS n \
         FROM progress_events e JOIN roadmaps r ON r.id = e.roadmap_id WHERE e.user_id IN ",
    )
    .bind_list(user_ids.iter().copied())
    .push(" AND e.to_status = 'DONE' AND e.cause IS NULL AND e.created_at >= ")
    .bind(since)
    .push(" AND ");
    roadmaps(&mut q);
    q.push(" GROUP BY e.user_id, e.roadmap_id");
    Ok(Row::find_by_statement(q.build())
        .all(db)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.user_id,
                r.roadmap_id,
                r.n.clamp(0, i32::MAX as i64) as i32,
            )
        })
        .collect())
}

/// The start of the `DONE_LAST_30_DAYS` window at `now`.
pub fn done_window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(DONE_WINDOW_DAYS)
}

/// The statistics of a user as a write read them (under the user's lock, with the stored
/// statuses): the `UPDATE` that stores what follows from them checks them in its `WHERE`, so a
/// row that moved anyway (a new time zone, which takes no write lock) is caught.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenStats {
    pub time_zone: String,
    pub runs: Runs,
    pub stats_version: i32,
}

impl From<StatsRow> for SeenStats {
    fn from(r: StatsRow) -> Self {
        Self {
            time_zone: r.time_zone,
            runs: Runs {
                run: r.streak_run,
                longest: r.streak_longest,
                last_day: r.streak_last_day,
            },
            stats_version: r.stats_version,
        }
    }
}

/// What history events at `times` make of statistics `seen`, when they extend its run in place
/// (stored under this rule, no day before its last active day); `None` when only the history can
/// say (then [`record`] recomputes).
pub(super) fn extend(seen: &SeenStats, times: &[DateTime<Utc>]) -> Option<Runs> {
    let tz = zone(&seen.time_zone);
    let days: Vec<i32> = times.iter().map(|t| local_day(*t, tz)).collect();
    let in_order = seen.stats_version == STATS_VERSION
        && days
            .iter()
            .all(|d| seen.runs.last_day.is_none_or(|l| *d >= l));
    in_order.then(|| seen.runs.extend(days))
}

/// Appends `UPDATE users SET` the runs and `done_30d` for the window at `now`, counted from the
/// history by the statement itself plus `unseen_done` (DONE events written in the same statement,
/// by a CTE, which its subquery does not see), `WHERE` the user is `user_id` and, with `seen`,
/// their statistics are still those.
pub(super) fn push_store(
    q: &mut Sql,
    user_id: UserId,
    runs: Runs,
    now: DateTime<Utc>,
    unseen_done: i64,
    seen: Option<&SeenStats>,
) {
    q.push("UPDATE users SET streak_run = ")
        .bind(runs.run)
        .push(", streak_longest = ")
        .bind(runs.longest)
        .push(", streak_last_day = ")
        .bind(runs.last_day)
        .push(
            ", done_30d = (SELECT COUNT(*) FROM progress_events \
             WHERE user_id = ",
        )
        .bind(user_id)
        .push(" AND to_status = 'DONE' AND cause IS NULL AND created_at >= ")
        .bind(done_window_start(now))
        .push(") + ")
        .bind(unseen_done)
        .push(", stats_version = ")
        .bind(STATS_VERSION)
        .push(" WHERE id = ")
        .bind(user_id);
    if let Some(seen) = seen {
        q.push(" AND time_zone = ")
            .bind(seen.time_zone.as_str())
            .push(" AND streak_run = ")
            .bind(seen.runs.run)
            .push(" AND streak_longest = ")
            .bind(seen.runs.longest)
            .push(" AND stats_version = ")
            .bind(seen.stats_version);
        match seen.runs.last_day {
            Some(d) => q.push(" AND streak_last_day = ").bind(d),
            None => q.push(" AND streak_last_day IS NULL"),
        };
    }
}

/// Stores `runs` and the `done_30d` counted from the history, in one statement.
async fn store(
    db: &impl ConnectionTrait,
    user_id: UserId,
    runs: Runs,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut q = Sql::new(db.get_database_backend());
    push_store(&mut q, user_id, runs, now, 0, None);
    db.execute(q.build()).await?;
    Ok(())
}

/// Brings the user's statistics up to date after history events at `times` were written in
/// `txn` (the caller holds the user's write lock). With `seen` (the statistics as the request
/// read them), one guarded `UPDATE` when they extend in place and are still stored; otherwise (or
/// when the guard finds them moved) they are read under the lock first.
pub(super) async fn record(
    txn: &impl ConnectionTrait,
    user_id: UserId,
    times: &[DateTime<Utc>],
    now: DateTime<Utc>,
    seen: Option<&SeenStats>,
) -> Result<(), AppError> {
    if times.is_empty() {
        return Ok(());
    }
    if let Some((seen, runs)) = seen.and_then(|s| Some((s, extend(s, times)?))) {
        let mut q = Sql::new(txn.get_database_backend());
        push_store(&mut q, user_id, runs, now, 0, Some(seen));
        if txn.execute(q.build()).await?.rows_affected() > 0 {
            return Ok(());
        }
    }
    record_read(txn, user_id, times, now).await
}

/// [`record`] from the statistics read under the lock (`times` already in the history).
pub(super) async fn record_read(
    txn: &impl ConnectionTrait,
    user_id: UserId,
    times: &[DateTime<Utc>],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(row) = stats_row(txn, user_id).await? else {
        return Ok(());
    };
    let stored = SeenStats::from(row);
    let runs = match extend(&stored, times) {
        Some(runs) => runs,
        None => runs_from_history(txn, user_id, zone(&stored.time_zone)).await?,
    };
    store(txn, user_id, runs, now).await
}

/// Recomputes one user's statistics from their history, in a transaction of its own under the
/// user's write lock (after a change of time zone moved their days).
pub async fn recompute(db: &DatabaseConnection, user_id: UserId) -> Result<(), AppError> {
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    lock_user(&txn, user_id).await?;
    let tz = stats_row(&txn, user_id)
        .await?
        .map_or(Tz::UTC, |r| zone(&r.time_zone));
    let runs = runs_from_history(&txn, user_id, tz).await?;
    store(&txn, user_id, runs, Utc::now()).await?;
    txn.commit().await?;
    Ok(())
}

/// Computes the statistics of every user not computed yet (`stats_version` below the current
/// one), a batch at a time; returns how many. Run at startup, after the migrations.
pub async fn backfill(db: &DatabaseConnection) -> Result<usize, AppError> {
    use sea_orm::ColumnTrait;
    let mut done = 0;
    loop {
        let ids: Vec<UserId> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .filter(users::Column::StatsVersion.lt(STATS_VERSION))
            .limit(500)
            .into_tuple()
            .all(db)
            .await?;
        if ids.is_empty() {
            return Ok(done);
        }
        for id in ids {
            recompute(db, id).await?;
            done += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_extend_and_restart() {
        let r = Runs::default().extend([10, 11, 11, 12]);
        assert_eq!(
            r,
            Runs {
                run: 3,
                longest: 3,
                last_day: Some(12)
            }
        );
        let r = r.extend([15]);
        assert_eq!(
            r,
            Runs {
                run: 1,
                longest: 3,
                last_day: Some(15)
            }
        );
        let r = r.extend([16, 17, 18, 19]);
        assert_eq!((r.run, r.longest), (5, 5));
    }

    #[test]
    fn current_decays_after_a_missed_day() {
        assert_eq!(current(4, Some(100), 100), 4);
        assert_eq!(current(4, Some(100), 101), 4); // yesterday still counts
        assert_eq!(current(4, Some(100), 102), 0);
        assert_eq!(current(4, Some(101), 100), 4); // a clock slightly ahead
        assert_eq!(current(0, None, 100), 0);
    }

    /// Runs kept by extending them day by day answer as the history does, for any set of days
    /// and any today at or after the last one.
    #[test]
    fn stored_runs_answer_as_the_history_does() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(22);
        let base = day_number(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        for _ in 0..500 {
            let n = rng.gen_range(0..25);
            let days: BTreeSet<i32> = (0..n).map(|_| base + rng.gen_range(0..40)).collect();
            let mut runs = Runs::default();
            // As writes arrive: in order, a few days at a time.
            let list: Vec<i32> = days.iter().copied().collect();
            for chunk in list.chunks(rng.gen_range(1..4)) {
                runs = runs.extend(chunk.iter().copied());
            }
            let buckets: Vec<i64> = days
                .iter()
                .map(|d| (i64::from(*d) * 86_400 + 3_600) / BUCKET_SECS)
                .collect();
            let last = days.iter().next_back().copied().unwrap_or(base);
            for today in [last, last + 1, last + 2, last + 9] {
                let stats = stored(runs);
                let date = date_of(today).unwrap();
                assert_eq!(
                    exact_streak(&stats, date),
                    Some(super::super::streak::compute(&buckets, Tz::UTC, date)),
                    "days {days:?}, today {today}"
                );
            }
            if let Some(l) = runs.last_day {
                let stats = stored(Runs {
                    last_day: Some(l),
                    ..Runs::default()
                });
                assert_eq!(exact_streak(&stats, date_of(l - 1).unwrap()), None);
            }
        }
    }

    /// Statistics stored under the current rule, in UTC.
    fn stored(runs: Runs) -> SeenStats {
        SeenStats {
            time_zone: "UTC".into(),
            runs,
            stats_version: STATS_VERSION,
        }
    }

    #[test]
    fn day_numbers() {
        assert_eq!(day_number(NaiveDate::from_ymd_opt(1970, 1, 2).unwrap()), 1);
        let at = DateTime::parse_from_rfc3339("2026-11-01T23:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            local_day(at, zone("Asia/Tokyo")),
            local_day(at, Tz::UTC) + 1
        );
    }
}
