//! The leaderboard over public profiles: current streak, longest streak, or DONE changes in the
//! last 30 days, from the statistics [`super::stats`] keeps on `users`.
//!
//! Each kind has a partial index over public profiles in `(figure DESC, username_key)` order, so
//! candidates come from the head of an index, a batch at a time (keyset pages). The stored figure
//! is exact for `LONGEST_STREAK`; for the two others it is an upper bound of the live one (a run
//! whose last day has passed reads 0; DONE changes leave the window), so the live figure is
//! computed for each candidate (the streak in memory, the DONE count in one statement per batch)
//! and the scan stops once no later candidate can still enter the top `first`.
//!
//! `DONE_LAST_30_DAYS` counts, on the public board, only the DONE changes on the learner's
//! [`Showcase`] (what their profile and badge show), and on a team's board only those on the
//! team's roadmaps: never a private roadmap's progress.
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::enums::{ProfileRoadmaps, ProfileVisibility};
use entity::ids::{TeamId, UserId};
use sea_orm::{ActiveEnum, ConnectionTrait, FromQueryResult};

use super::showcase::{public_roadmap_sql, Showcase};
use super::stats::{current, done_since_by_roadmap, done_window_start, today};
use super::streak::zone;
use crate::db::sql::Sql;
use crate::error::AppError;

/// What the leaderboard ranks by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoardKind {
    CurrentStreak,
    LongestStreak,
    DoneLast30Days,
}

impl BoardKind {
    fn column(self) -> &'static str {
        match self {
            BoardKind::CurrentStreak => "streak_run",
            BoardKind::LongestStreak => "streak_longest",
            BoardKind::DoneLast30Days => "done_30d",
        }
    }
}

/// One place on the leaderboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardEntry {
    /// Standard competition ranking: ties share a rank and the next rank skips (1, 2, 2, 4).
    pub rank: i32,
    pub value: i32,
    pub user_id: UserId,
}

#[derive(FromQueryResult)]
struct Candidate {
    id: UserId,
    username_key: String,
    time_zone: String,
    streak_last_day: Option<i32>,
    stored: i32,
    profile_visibility: String,
    profile_roadmaps: String,
    profile_roadmap_ids: String,
}

impl Candidate {
    /// Only this server writes these columns, so a value it does not know is a fault to report
    /// (internal, logged), never a setting to guess.
    fn showcase(&self) -> Result<Showcase, AppError> {
        let unknown = |what: &str, v: &str| {
            AppError::internal(format!(
                "a stored {what} `{v}` is not one this server knows"
            ))
        };
        let visibility = ProfileVisibility::try_from_value(&self.profile_visibility)
            .map_err(|_| unknown("profile visibility", &self.profile_visibility))?;
        let roadmaps = ProfileRoadmaps::try_from_value(&self.profile_roadmaps)
            .map_err(|_| unknown("profile roadmaps setting", &self.profile_roadmaps))?;
        Ok(Showcase::from_settings(
            &visibility,
            &roadmaps,
            &self.profile_roadmap_ids,
        ))
    }
}

/// One keyset page of candidates in index order, after `(stored, username_key)` when given.
async fn candidates(
    db: &impl ConnectionTrait,
    kind: BoardKind,
    board: Board,
    after: Option<(i32, &str)>,
    limit: usize,
    now: DateTime<Utc>,
) -> Result<Vec<Candidate>, AppError> {
    let col = kind.column();
    let mut q = Sql::new(db.get_database_backend());
    q.push(&format!(
        "SELECT id, username_key, time_zone, streak_last_day, {col} AS stored, \
         profile_visibility, profile_roadmaps, profile_roadmap_ids FROM users \
         WHERE {col} > 0 AND "
    ));
    match board {
        Board::Public => {
            q.push("profile_visibility = 'PUBLIC'");
        }
        // A team's board ranks all its members, for its members: they already follow each
        // other's progress there.
        Board::Team(team_id) => {
            q.push("id IN (SELECT user_id FROM team_members WHERE team_id = ")
                .bind(team_id)
                .push(")");
        }
    }
    if kind == BoardKind::CurrentStreak {
        // Today is at least yesterday (UTC) in every zone: runs that ended before the day before
        // that are over everywhere. The exact cut is made per user below.
        let utc_yesterday = today(now - Duration::days(1), chrono_tz::Tz::UTC);
        q.push(" AND streak_last_day >= ").bind(utc_yesterday - 1);
    }
    if let Some((stored, key)) = after {
        q.push(&format!(" AND ({col} < "))
            .bind(stored)
            .push(&format!(" OR ({col} = "))
            .bind(stored)
            .push(" AND username_key > ")
            .bind(key.to_owned())
            .push("))");
    }
    q.push(&format!(" ORDER BY {col} DESC, username_key LIMIT "))
        .bind(limit as i64);
    Ok(Candidate::find_by_statement(q.build()).all(db).await?)
}

/// Whose ranks a leaderboard lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Board {
    /// Everyone with a public profile.
    Public,
    /// Every member of a team (the caller has checked they are one).
    Team(TeamId),
}

/// The top `first` of `board` by `kind` at `now`, value descending then username; users whose
/// value is 0 are left out.
pub async fn leaderboard(
    db: &impl ConnectionTrait,
    kind: BoardKind,
    board: Board,
    first: usize,
    now: DateTime<Utc>,
) -> Result<Vec<BoardEntry>, AppError> {
    let mut batch = first * 2 + 16;
    let mut after: Option<(i32, String)> = None;
    // (value, username_key, id), kept sorted.
    let mut found: Vec<(i32, String, UserId)> = Vec::new();
    loop {
        let page = candidates(
            db,
            kind,
            board,
            after.as_ref().map(|(s, k)| (*s, k.as_str())),
            batch,
            now,
        )
        .await?;
        let Some(last) = page.last() else { break };
        let last_stored = last.stored;
        after = Some((last.stored, last.username_key.clone()));
        let done = match kind {
            BoardKind::DoneLast30Days => done_counted(db, board, &page, now).await?,
            _ => Default::default(),
        };
        for c in &page {
            let value = match kind {
                BoardKind::LongestStreak => c.stored,
                BoardKind::CurrentStreak => {
                    current(c.stored, c.streak_last_day, today(now, zone(&c.time_zone)))
                }
                BoardKind::DoneLast30Days => done.get(&c.id).copied().unwrap_or(0).min(c.stored),
            };
            if value > 0 {
                found.push((value, c.username_key.clone(), c.id));
            }
        }
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        found.truncate(first);
        if page.len() < batch {
            break;
        }
        // Later candidates have a stored figure ≤ last_stored, and a live one no higher. For the
        // streaks the live figure is the stored one or 0, and an equal one sorts after by
        // username: they cannot enter once the `first`-th value is ≥ last_stored. A DONE count
        // below its stored figure could tie with an earlier username, hence the strict bound.
        let full = found.len() == first;
        let enough = match kind {
            BoardKind::DoneLast30Days => full && found[first - 1].0 > last_stored,
            _ => full && found[first - 1].0 >= last_stored,
        };
        if enough {
            break;
        }
        batch = (batch * 2).min(5000);
    }
    Ok(rank(found))
}

/// The live DONE count of each candidate over the last 30 days, on the roadmaps `board` may
/// count (see the module docs), in one statement.
async fn done_counted(
    db: &impl ConnectionTrait,
    board: Board,
    page: &[Candidate],
    now: DateTime<Utc>,
) -> Result<HashMap<UserId, i32>, AppError> {
    let ids: Vec<UserId> = page.iter().map(|c| c.id).collect();
    let since = done_window_start(now);
    let rows = match board {
        Board::Public => {
            done_since_by_roadmap(db, &ids, since, |q| {
                q.push(&public_roadmap_sql("r"));
            })
            .await?
        }
        Board::Team(team) => {
            done_since_by_roadmap(db, &ids, since, |q| {
                q.push(
                    "r.deleted_at IS NULL AND r.id IN \
                     (SELECT roadmap_id FROM team_roadmaps WHERE team_id = ",
                )
                .bind(team)
                .push(")");
            })
            .await?
        }
    };
    let showcases: HashMap<UserId, Showcase> = match board {
        Board::Public => page
            .iter()
            .map(|c| Ok((c.id, c.showcase()?)))
            .collect::<Result<_, AppError>>()?,
        Board::Team(_) => HashMap::new(),
    };
    let mut out: HashMap<UserId, i32> = HashMap::new();
    for (user, roadmap, n) in rows {
        if showcases.get(&user).is_none_or(|s| s.selects(roadmap)) {
            *out.entry(user).or_default() += n;
        }
    }
    Ok(out)
}

/// Standard competition ranks over entries sorted by value descending.
fn rank(sorted: Vec<(i32, String, UserId)>) -> Vec<BoardEntry> {
    let mut out: Vec<BoardEntry> = Vec::with_capacity(sorted.len());
    for (i, (value, _, user_id)) in sorted.into_iter().enumerate() {
        let rank = match out.last() {
            Some(prev) if prev.value == value => prev.rank,
            _ => i as i32 + 1,
        };
        out.push(BoardEntry {
            rank,
            value,
            user_id,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_a_rank_and_the_next_skips() {
        let e = rank(vec![
            (9, "a".into(), UserId(1)),
            (7, "b".into(), UserId(2)),
            (7, "c".into(), UserId(3)),
            (5, "d".into(), UserId(4)),
            (5, "e".into(), UserId(5)),
            (1, "f".into(), UserId(6)),
        ]);
        let ranks: Vec<i32> = e.iter().map(|e| e.rank).collect();
        assert_eq!(ranks, [1, 2, 2, 4, 4, 6]);
    }
}
