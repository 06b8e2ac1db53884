//! Streaks: runs of consecutive local days with at least one progress event.
use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;

use super::reads::BUCKET_SECS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreakDays {
    /// Days in the run that ends today or yesterday (0 when the last active day is older).
    pub current: i32,
    pub longest: i32,
    pub last_active_on: Option<NaiveDate>,
}

/// Parses a stored IANA name; anything unknown counts as UTC.
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

/// Computes the streak from activity buckets (Unix seconds / `BUCKET_SECS`) in the zone `tz`.
pub fn compute(buckets: &[i64], tz: Tz, today: NaiveDate) -> StreakDays {
    let days: BTreeSet<NaiveDate> = buckets
        .iter()
        .filter_map(|b| DateTime::from_timestamp(b.saturating_mul(BUCKET_SECS), 0))
        .map(|at| at.with_timezone(&tz).date_naive())
        // A day after today (a clock ahead of ours) cannot extend a streak yet.
        .filter(|d| *d <= today)
        .collect();
    let mut longest = 0;
    let mut run = 0;
    let mut prev: Option<NaiveDate> = None;
    for d in &days {
        run = match prev {
            Some(p) if p.succ_opt() == Some(*d) => run + 1,
            _ => 1,
        };
        longest = longest.max(run);
        prev = Some(*d);
    }
    let last = days.iter().next_back().copied();
    let current = match last {
        Some(l) if l == today || l.succ_opt() == Some(today) => run,
        _ => 0,
    };
    StreakDays {
        current,
        longest,
        last_active_on: last,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn bucket(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .timestamp()
            / BUCKET_SECS
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn runs_and_gaps() {
        let b = [
            bucket(2026, 11, 1, 10, 0),
            bucket(2026, 11, 2, 10, 0),
            bucket(2026, 11, 3, 10, 0),
            bucket(2026, 11, 3, 11, 0),
            bucket(2026, 11, 10, 9, 0),
            bucket(2026, 11, 11, 9, 0),
        ];
        let s = compute(&b, Tz::UTC, day(2026, 11, 12));
        assert_eq!(s.longest, 3);
        assert_eq!(s.current, 2); // yesterday still counts
        assert_eq!(s.last_active_on, Some(day(2026, 11, 11)));
        let s = compute(&b, Tz::UTC, day(2026, 11, 13));
        assert_eq!(s.current, 0);
        assert_eq!(
            compute(&[], Tz::UTC, day(2026, 11, 13)),
            StreakDays::default()
        );
    }

    #[test]
    fn days_follow_the_time_zone() {
        // 23:30 UTC on the 1st and 00:30 UTC on the 3rd: two separate days in UTC, but in Tokyo
        // (UTC+9) the 2nd and the 3rd, consecutive.
        let b = [bucket(2026, 11, 1, 23, 30), bucket(2026, 11, 3, 0, 30)];
        let utc = compute(&b, Tz::UTC, day(2026, 11, 3));
        assert_eq!((utc.current, utc.longest), (1, 1));
        let tokyo = compute(&b, zone("Asia/Tokyo"), day(2026, 11, 3));
        assert_eq!((tokyo.current, tokyo.longest), (2, 2));
        // India is UTC+5:30: the 15-minute buckets still land on the right local day.
        let b = [bucket(2026, 11, 1, 18, 15), bucket(2026, 11, 1, 18, 45)];
        let india = compute(&b, zone("Asia/Kolkata"), day(2026, 11, 2));
        assert_eq!(india.last_active_on, Some(day(2026, 11, 2)));
        assert_eq!(india.longest, 2);
        assert_eq!(zone("Not/AZone"), Tz::UTC);
    }
}
