//! The in-memory steps of a status write ([`super::status_writes::apply_in`]): which changes win
//! over the stored ones, which rows to write (a change and its linked topics), and what the write
//! reports once the database said what it changed. Nothing here touches the database.
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::ids::{RoadmapId, TopicKey, UserId};
use entity::roadmaps;

use super::merge;
use super::status_writes::Wanted;
use super::types::{ProgressStatus, Skipped, StatusChange};
use crate::catalog::links::LinkedTopic;

/// The live topics linked to each wanted topic, on the roadmaps the learner can follow.
pub(super) type Groups = HashMap<TopicKey, Vec<LinkedTopic>>;

/// The stored status of each topic with its time ([`merge::stored_statuses`]).
pub(super) type Stored = HashMap<TopicKey, (ProgressStatus, DateTime<Utc>)>;

/// One change to write: the change, the row's `updated_at` (server) and `changed_at` (the
/// change's time, also the history event's).
pub(super) struct Timed<'w, 'a> {
    pub wanted: &'w Wanted<'a>,
    pub updated_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
}

/// One progress row to write: a wanted topic or one linked to it.
pub(super) struct Row<'a> {
    pub topic_id: &'a TopicKey,
    pub roadmap_id: RoadmapId,
    pub status: ProgressStatus,
    pub updated_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
}

/// What [`newest_wins`] decided for each wanted change.
pub(super) struct Merged<'w, 'a, 's> {
    /// The changes to write.
    pub timed: Vec<Timed<'w, 'a>>,
    /// The changes older than a stored one, in the order wanted.
    pub skipped: Vec<Skipped>,
    /// Live rows whose status is stated again later: their `changed_at` moves to that time.
    pub restated: Vec<(&'s TopicKey, DateTime<Utc>)>,
}

/// What a write reports once the database returned the rows it changed.
pub(super) struct Report {
    /// The changes on the roadmap written to, in the order wanted (linked topics of the same
    /// roadmap after them).
    pub changes: Vec<StatusChange>,
    /// One history event per change of a wanted topic.
    pub events: Vec<Event>,
    /// The statuses set on linked topics of other roadmaps, by roadmap (no history events).
    pub linked: BTreeMap<RoadmapId, Vec<StatusChange>>,
}

/// The topics linked to `topic_id` (none when it has no group).
pub(super) fn linked_of<'g>(groups: &'g Groups, topic_id: &TopicKey) -> &'g [LinkedTopic] {
    groups.get(topic_id).map(Vec::as_slice).unwrap_or(&[])
}

/// Under `Timing::Replace` every change is written, as made `now`; its `at` (never later than
/// now) only sets `updated_at`.
pub(super) fn replace<'w, 'a>(wanted: &'w [Wanted<'a>], now: DateTime<Utc>) -> Vec<Timed<'w, 'a>> {
    wanted
        .iter()
        .map(|w| Timed {
            wanted: w,
            updated_at: w.at.unwrap_or(now).min(now),
            changed_at: now,
        })
        .collect()
}

/// Under `Timing::NewestWins`: a change older than the newest stored time of its group is
/// skipped; one that restates the status every topic of its group has writes nothing but
/// remembers the later time; the others are written.
pub(super) fn newest_wins<'w, 'a, 's>(
    wanted: &'w [Wanted<'a>],
    groups: &Groups,
    stored: &'s Stored,
    now: DateTime<Utc>,
) -> Merged<'w, 'a, 's> {
    let shown = |t: &TopicKey| stored.get(t).map_or(ProgressStatus::Pending, |s| s.0);
    let mut merged = Merged {
        timed: Vec::with_capacity(wanted.len()),
        skipped: Vec::new(),
        restated: Vec::new(),
    };
    for w in wanted {
        let at = w.at.unwrap_or(now);
        let group: Vec<&TopicKey> = std::iter::once(&w.topic.id)
            .chain(linked_of(groups, &w.topic.id).iter().map(|m| &m.topic_id))
            .collect();
        let newest = group
            .iter()
            .filter_map(|t| stored.get(*t))
            .max_by_key(|s| s.1);
        if let Some(&(status, stored_at)) = newest {
            if let Some(s) = merge::skip(&w.topic.id, at, stored_at, Some(status)) {
                merged.skipped.push(s);
                continue;
            }
        }
        if group.iter().all(|t| shown(t) == w.status) {
            // The status it has, stated again later: nothing changes, but the rows remember the
            // later time, so that a change made between the two (synced after) loses, as it
            // would have had the devices synced in order.
            for (t, &(s, t_at)) in group.iter().filter_map(|t| stored.get_key_value(*t)) {
                if s != ProgressStatus::Pending && at > t_at {
                    merged.restated.push((t, at));
                }
            }
        } else {
            merged.timed.push(Timed {
                wanted: w,
                updated_at: now,
                changed_at: at,
            });
        }
    }
    merged
}

/// Every row to write, once: each change on its topic and on the topics linked to it (a topic
/// named twice through its group: the later change wins).
pub(super) fn rows_to_write<'t>(
    timed: &'t [Timed<'_, '_>],
    roadmap_id: RoadmapId,
    groups: &'t Groups,
) -> Vec<Row<'t>> {
    let mut rows: Vec<Row> = Vec::new();
    let mut at_row: HashMap<&TopicKey, usize> = HashMap::new();
    for t in timed {
        let w = t.wanted;
        let own = (&w.topic.id, roadmap_id);
        let members = linked_of(groups, &w.topic.id)
            .iter()
            .map(|m| (&m.topic_id, m.roadmap_id));
        for (topic_id, roadmap_id) in std::iter::once(own).chain(members) {
            let row = Row {
                topic_id,
                roadmap_id,
                status: w.status,
                updated_at: t.updated_at,
                changed_at: t.changed_at,
            };
            match at_row.get(topic_id) {
                Some(&i) => rows[i] = row,
                None => {
                    at_row.insert(topic_id, rows.len());
                    rows.push(row);
                }
            }
        }
    }
    rows
}

/// What writing `rows` will change, by topic, with the status each had before: what the upsert
/// and the clear report (`status_writes::write_rows`), known beforehand from `stored` when it was
/// read under the user's lock over every topic of `rows` (as [`Timing::NewestWins`] reads it).
/// A row changes when its status differs from the live one (none: `PENDING`); a clear changes
/// only a live row.
///
/// [`Timing::NewestWins`]: super::status_writes::Timing::NewestWins
pub(super) fn predicted_from(
    rows: &[Row<'_>],
    stored: &Stored,
) -> HashMap<TopicKey, ProgressStatus> {
    rows.iter()
        .filter_map(|r| {
            let live = stored
                .get(r.topic_id)
                .map(|s| s.0)
                .unwrap_or(ProgressStatus::Pending);
            (live != r.status).then(|| (r.topic_id.clone(), live))
        })
        .collect()
}

/// What the write changed, from `from` (the status each changed topic had before): first the
/// wanted topics, in order, each with its history event; then the linked topics, on this
/// roadmap or by other roadmap.
pub(super) fn report(
    user_id: UserId,
    roadmap: &roadmaps::Model,
    timed: &[Timed<'_, '_>],
    rows: &[Row<'_>],
    from: &HashMap<TopicKey, ProgressStatus>,
) -> Report {
    let mut report = Report {
        changes: Vec::new(),
        events: Vec::new(),
        linked: BTreeMap::new(),
    };
    let mut reported: HashSet<&TopicKey> = HashSet::new();
    for t in timed {
        let w = t.wanted;
        let Some(&was) = from.get(&w.topic.id) else {
            continue;
        };
        reported.insert(&w.topic.id);
        let change = StatusChange {
            topic_id: w.topic.id.clone(),
            from: was,
            to: w.status,
        };
        report.events.push(event(
            user_id,
            roadmap,
            &change,
            Some(w.topic.title.clone()),
            t.changed_at,
        ));
        report.changes.push(change);
    }
    for r in rows {
        let Some(&was) = from.get(r.topic_id) else {
            continue;
        };
        if !reported.insert(r.topic_id) {
            continue;
        }
        let change = StatusChange {
            topic_id: r.topic_id.clone(),
            from: was,
            to: r.status,
        };
        if r.roadmap_id == roadmap.id {
            report.changes.push(change);
        } else {
            report.linked.entry(r.roadmap_id).or_default().push(change);
        }
    }
    report
}

/// A history row (`progress_events`) for one change of the learner's own (no `cause`).
pub(super) struct Event {
    pub user_id: UserId,
    pub roadmap_id: RoadmapId,
    pub roadmap_title: String,
    pub change: StatusChange,
    /// `None` only for a topic that no longer exists.
    pub topic_title: Option<String>,
    pub at: DateTime<Utc>,
}

/// A history row for one change; `topic_title` is `None` only for a topic that no longer exists.
pub(super) fn event(
    user_id: UserId,
    roadmap: &roadmaps::Model,
    change: &StatusChange,
    topic_title: Option<String>,
    at: DateTime<Utc>,
) -> Event {
    Event {
        user_id,
        roadmap_id: roadmap.id,
        roadmap_title: roadmap.title.clone(),
        change: change.clone(),
        topic_title,
        at,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use entity::topics;

    use super::*;

    fn topic(id: &str) -> topics::Model {
        topics::Model {
            id: TopicKey::new(id),
            roadmap_id: RoadmapId(1),
            parent_id: None,
            kind: entity::enums::TopicKind::Topic,
            title: id.into(),
            description: String::new(),
            position: 0,
            legend: None,
            version: 1,
            deleted_at: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            forked_from_id: None,
        }
    }

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(minute)
    }

    fn linked(topic_id: &str, roadmap_id: RoadmapId) -> LinkedTopic {
        LinkedTopic {
            topic_id: TopicKey::new(topic_id),
            roadmap_id,
        }
    }

    #[test]
    fn newest_wins_skips_older_restates_same_and_writes_the_rest() {
        let (a, b, c) = (topic("a"), topic("b"), topic("c"));
        let wanted = [
            // Older than the DONE stored on its linked topic: skipped.
            Wanted {
                topic: &a,
                status: ProgressStatus::Learning,
                at: Some(at(1)),
            },
            // The status it has, later: restated.
            Wanted {
                topic: &b,
                status: ProgressStatus::Done,
                at: Some(at(5)),
            },
            // New: written.
            Wanted {
                topic: &c,
                status: ProgressStatus::Skipped,
                at: None,
            },
        ];
        let groups: Groups = [(TopicKey::new("a"), vec![linked("a2", RoadmapId(2))])].into();
        let stored: Stored = [
            (TopicKey::new("a2"), (ProgressStatus::Done, at(2))),
            (TopicKey::new("b"), (ProgressStatus::Done, at(3))),
        ]
        .into();
        let merged = newest_wins(&wanted, &groups, &stored, at(10));
        assert_eq!(merged.skipped.len(), 1);
        assert_eq!(merged.skipped[0].topic_id.as_str(), "a");
        assert_eq!(merged.restated, vec![(&TopicKey::new("b"), at(5))]);
        let written: Vec<&str> = merged
            .timed
            .iter()
            .map(|t| t.wanted.topic.id.as_str())
            .collect();
        assert_eq!(written, ["c"]);
        assert_eq!(merged.timed[0].changed_at, at(10));
    }

    #[test]
    fn rows_cover_linked_topics_once_and_the_later_change_wins() {
        let (a, b) = (topic("a"), topic("b"));
        let wanted = [
            Wanted {
                topic: &a,
                status: ProgressStatus::Done,
                at: None,
            },
            Wanted {
                topic: &b,
                status: ProgressStatus::Learning,
                at: None,
            },
        ];
        // `a` and `b` share the linked topic `x` of roadmap 2.
        let groups: Groups = [
            (TopicKey::new("a"), vec![linked("x", RoadmapId(2))]),
            (TopicKey::new("b"), vec![linked("x", RoadmapId(2))]),
        ]
        .into();
        let timed = replace(&wanted, at(0));
        let rows = rows_to_write(&timed, RoadmapId(1), &groups);
        let seen: Vec<(&str, i32, ProgressStatus)> = rows
            .iter()
            .map(|r| (r.topic_id.as_str(), r.roadmap_id.0, r.status))
            .collect();
        assert_eq!(
            seen,
            [
                ("a", 1, ProgressStatus::Done),
                ("x", 2, ProgressStatus::Learning),
                ("b", 1, ProgressStatus::Learning),
            ]
        );
    }

    #[test]
    fn predicted_changes_are_what_the_writes_report() {
        use ProgressStatus::{Done, Learning, Pending};
        let keys: Vec<TopicKey> = ["same", "other", "cleared", "new", "gone", "never"]
            .into_iter()
            .map(TopicKey::new)
            .collect();
        let row = |i: usize, status| Row {
            topic_id: &keys[i],
            roadmap_id: RoadmapId(1),
            status,
            updated_at: at(0),
            changed_at: at(0),
        };
        // Stored: live rows for the first three; `gone` was cleared (its history says PENDING).
        let stored: Stored = [
            (keys[0].clone(), (Done, at(1))),
            (keys[1].clone(), (Learning, at(1))),
            (keys[2].clone(), (Done, at(1))),
            (keys[4].clone(), (Pending, at(1))),
        ]
        .into();
        let rows = [
            row(0, Done),     // already so: no change
            row(1, Done),     // LEARNING -> DONE
            row(2, Pending),  // a live row cleared
            row(3, Learning), // never set -> LEARNING
            row(4, Pending),  // clearing what has no live row: nothing
            row(5, Pending),  // the same, never set
        ];
        let from = predicted_from(&rows, &stored);
        let mut got: Vec<(&str, ProgressStatus)> =
            from.iter().map(|(k, s)| (k.as_str(), *s)).collect();
        got.sort_unstable_by_key(|g| g.0);
        assert_eq!(
            got,
            [("cleared", Done), ("new", Pending), ("other", Learning)]
        );
    }
}
