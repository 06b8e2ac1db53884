//! The leaderboard over public profiles: current streak, longest streak, or DONE changes in the
//! last 30 days, from the statistics [`super::stats`] keeps on `users`.
//!
//! Each kind has a partial index over public profiles in `(figure DESC, username_key)` order, so
//! candidates come from the head of an index, a batch at a time (keyset pages). The stored figure
//! is exact for `LONGEST_STREAK`; for the two others it is an upper bound of the live one (a run
//! whose last day has passed reads 0; DONE changes leave the window), so the live figure is
//! computed for each candidate (the streak in memory, the DONE count in one statement per batch)
//! and the scan stops once no later candidate can still enter the top `first`.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::stats::{current, done_since, done_window_start, today};
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
    pub user_id: i32,
}

#[derive(FromQueryResult)]
struct Candidate {
    id: i32,
    username_key: String,
    time_zone: String,
    streak_last_day: Option<i32>,
    stored: i32,
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
        "SELECT id, username_key, time_zone, streak_last_day, {col} AS stored FROM users \
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
    Team(i32),
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
    let mut found: Vec<(i32, String, i32)> = Vec::new();
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
            BoardKind::DoneLast30Days => {
                let ids: Vec<i32> = page.iter().map(|c| c.id).collect();
                done_since(db, &ids, done_window_start(now)).await?
            }
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

/// Standard competition ranks over entries sorted by value descending.
fn rank(sorted: Vec<(i32, String, i32)>) -> Vec<BoardEntry> {
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
            (9, "a".into(), 1),
            (7, "b".into(), 2),
            (7, "c".into(), 3),
            (5, "d".into(), 4),
            (5, "e".into(), 5),
            (1, "f".into(), 6),
        ]);
        let ranks: Vec<i32> = e.iter().map(|e| e.rank).collect();
        assert_eq!(ranks, [1, 2, 2, 4, 4, 6]);
    }
}
