//! Linking topics: a link group joins topics that teach one subject on several roadmaps, and a
//! learner's status on any of them is their status on all of them.
//!
//! Progress stays one row per (user, topic): a status write fans out to the whole group (see
//! `status_writes`), so every reader of progress is unchanged. Linking merges groups and, for
//! every learner with progress on the merged group, writes the most recently changed status to
//! all its topics (a topic without a row counts as `PENDING`, older than any row), in one
//! statement for all learners; it records no history. Unlinking removes one topic from its group;
//! each topic keeps the status it showed (its own row). Linking waits for the status writes under
//! way and holds new ones back until it commits (`locks::lock_links`).
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{roadmaps, topic_links, topics};
use sea_orm::sea_query::{Condition, IntoCondition};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};

use super::locks::{lock_links, write_turn};
use super::lookups::find_in;
use super::merge::micros;
use super::CHUNK;
use crate::auth::CatalogAccess;
use crate::auth::Editor;
use crate::catalog::links::{group_members, LinkedTopic};
use crate::catalog::topic_editing::new_topic_key;
use crate::db::sql::Sql;
use crate::error::AppError;

/// Most topics one `linkTopics` call may name.
pub const MAX_LINK: usize = 100;

/// Links the topics named by `keys` (input field `topicIds`) into one group, merging the groups
/// any of them is already in; returns the group's live topics. See [`Editor::may_link`] for who
/// may; a topic that is missing, deleted or on a roadmap the editor cannot read is `NOT_FOUND`
/// naming `topicIds[i]`.
pub async fn link_topics(
    db: &DatabaseConnection,
    editor: &Editor,
    keys: &[String],
) -> Result<Vec<LinkedTopic>, AppError> {
    if keys.len() < 2 || keys.len() > MAX_LINK {
        return Err(AppError::bad_input(
            "topicIds",
            format!(
                "topicIds: link 2 to {MAX_LINK} topics at a time ({} given)",
                keys.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    for (i, key) in keys.iter().enumerate() {
        if !seen.insert(key) {
            let field = format!("topicIds[{i}]");
            return Err(AppError::bad_input(
                &field,
                format!("{field}: topic `{key}` appears twice"),
            ));
        }
    }
    let found = readable_topics(db, editor, keys).await?;
    let mut on_roadmap: HashMap<i32, usize> = HashMap::new();
    for (i, (_, r)) in found.iter().enumerate() {
        if let Some(j) = on_roadmap.insert(r.id, i) {
            let field = format!("topicIds[{i}]");
            return Err(AppError::bad_input(
                &field,
                format!(
                    "{field}: on the same roadmap (`{}`) as topicIds[{j}]; links join topics of \
                     different roadmaps",
                    r.slug
                ),
            ));
        }
    }
    if !editor.may_link(found.iter().map(|(_, r)| r)) {
        return Err(AppError::Forbidden(
            "You may link topics of your own roadmaps only (to any topic you can read)".into(),
        ));
    }

    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    lock_links(&txn).await?;
    let now = micros(Utc::now());
    let existing: HashSet<String> =
        find_in::<topic_links::Entity, _>(&txn, topic_links::Column::TopicId, keys, all())
            .await?
            .into_iter()
            .map(|l| l.group_id)
            .collect();
    let mut groups: Vec<String> = existing.into_iter().collect();
    groups.sort();
    check_one_per_roadmap(&txn, &groups, &found).await?;
    let group = groups.first().cloned().unwrap_or_else(new_group_id);
    if groups.len() > 1 {
        let mut q = Sql::new(txn.get_database_backend());
        q.push("UPDATE topic_links SET group_id = ")
            .bind(group.as_str())
            .push(" WHERE group_id IN ")
            .bind_list(groups[1..].iter().map(String::as_str));
        txn.execute(q.build()).await?;
    }
    let pairs: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), group.as_str())).collect();
    put_in_groups(&txn, &pairs, now).await?;
    sync(&txn, Targets::Group(&group), now).await?;
    let members = group_members(&txn, &group).await?;
    txn.commit().await?;
    Ok(members)
}

/// Removes a topic (input field `topicId`) from its group; a group left with one topic
/// dissolves. Each topic keeps the status it shows. Owners of the topic's roadmap and admins
/// (`FORBIDDEN` for a roadmap the editor can read but not edit, `NOT_FOUND` for one they cannot
/// read). Returns the topic with its roadmap; unlinking a topic without a group changes nothing.
pub async fn unlink_topic(
    db: &DatabaseConnection,
    editor: &Editor,
    key: &str,
) -> Result<(topics::Model, roadmaps::Model), AppError> {
    let (topic, roadmap) = readable_topic(db, editor, key, "topicId").await?;
    if !editor.may_edit(&roadmap) {
        return Err(AppError::Forbidden(
            "Only the roadmap's owner and admins may unlink its topics".into(),
        ));
    }
    let _turn = write_turn(db).await;
    let txn = db.begin().await?;
    lock_links(&txn).await?;
    if let Some(link) = topic_links::Entity::find_by_id(key.to_owned())
        .one(&txn)
        .await?
    {
        topic_links::Entity::delete_by_id(key.to_owned())
            .exec(&txn)
            .await?;
        let mut q = Sql::new(txn.get_database_backend());
        q.push("DELETE FROM topic_links WHERE group_id = ")
            .bind(link.group_id.as_str())
            .push(" AND (SELECT COUNT(*) FROM topic_links x WHERE x.group_id = ")
            .bind(link.group_id.as_str())
            .push(") = 1");
        txn.execute(q.build()).await?;
    }
    txn.commit().await?;
    Ok((topic, roadmap))
}

/// For each `(new_topic, source_topic)`: puts `new_topic` into `source_topic`'s group (creating
/// the group when the source has none; a group `new_topic` was in before is left) and writes every
/// learner's status on the source's group onto `new_topic` (the most recently changed one, as
/// when linking). For forks: a fixed number of statements per 500 pairs, inside the caller's
/// transaction, after the link lock. No authorisation here: the caller checks; nor a check that
/// a group keeps one topic per roadmap. Topic ids that do not exist fail on the foreign key.
pub async fn link_pairs(
    txn: &impl ConnectionTrait,
    pairs: &[(String, String)],
) -> Result<(), AppError> {
    if pairs.is_empty() {
        return Ok(());
    }
    lock_links(txn).await?;
    let now = micros(Utc::now());
    for chunk in pairs.chunks(CHUNK) {
        let sources: Vec<&str> = chunk.iter().map(|(_, s)| s.as_str()).collect();
        let mut group_of: HashMap<String, String> =
            find_in::<topic_links::Entity, _>(txn, topic_links::Column::TopicId, &sources, all())
                .await?
                .into_iter()
                .map(|l| (l.topic_id, l.group_id))
                .collect();
        let mut fresh: Vec<(&str, String)> = Vec::new();
        for s in &sources {
            if !group_of.contains_key(*s) {
                let g = new_group_id();
                group_of.insert((*s).to_owned(), g.clone());
                fresh.push((s, g));
            }
        }
        let fresh: Vec<(&str, &str)> = fresh.iter().map(|(s, g)| (*s, g.as_str())).collect();
        put_in_groups(txn, &fresh, now).await?;
        // A topic named twice goes where its last pair says.
        let mut joined: Vec<(&str, &str)> = Vec::new();
        let mut at: HashMap<&str, usize> = HashMap::new();
        for (n, s) in chunk {
            let Some(g) = group_of.get(s) else { continue };
            match at.get(n.as_str()) {
                Some(&i) => joined[i] = (n.as_str(), g.as_str()),
                None => {
                    at.insert(n.as_str(), joined.len());
                    joined.push((n.as_str(), g.as_str()));
                }
            }
        }
        put_in_groups(txn, &joined, now).await?;
        let targets: Vec<&str> = chunk.iter().map(|(n, _)| n.as_str()).collect();
        sync(txn, Targets::Topics(&targets), now).await?;
    }
    Ok(())
}

fn all() -> Condition {
    Condition::all()
}

/// A new opaque group id: 16 random base62 characters, as topic keys.
fn new_group_id() -> String {
    new_topic_key()
}

/// The live topics named by `keys`, with their roadmaps, in input order; the first that is
/// missing, deleted or unreadable to the editor fails as `NOT_FOUND` naming `topicIds[i]`.
async fn readable_topics(
    db: &impl ConnectionTrait,
    editor: &Editor,
    keys: &[String],
) -> Result<Vec<(topics::Model, roadmaps::Model)>, AppError> {
    let live = topics::Column::DeletedAt.is_null().into_condition();
    let found: HashMap<String, topics::Model> =
        find_in::<topics::Entity, _>(db, topics::Column::Id, keys, live)
            .await?
            .into_iter()
            .map(|t| (t.id.clone(), t))
            .collect();
    let mut ids: Vec<i32> = found.values().map(|t| t.roadmap_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let access = editor.catalog();
    let roadmaps: HashMap<i32, roadmaps::Model> =
        find_in::<roadmaps::Entity, _>(db, roadmaps::Column::Id, &ids, all())
            .await?
            .into_iter()
            .filter(|r| access.can_read(r))
            .map(|r| (r.id, r))
            .collect();
    keys.iter()
        .enumerate()
        .map(|(i, key)| {
            found
                .get(key)
                .and_then(|t| roadmaps.get(&t.roadmap_id).map(|r| (t.clone(), r.clone())))
                .ok_or_else(|| missing(&format!("topicIds[{i}]"), key))
        })
        .collect()
}

/// One live topic readable to the editor, with its roadmap, or `NOT_FOUND` naming `field`.
async fn readable_topic(
    db: &impl ConnectionTrait,
    editor: &Editor,
    key: &str,
    field: &str,
) -> Result<(topics::Model, roadmaps::Model), AppError> {
    let row = topics::Entity::find_by_id(key.to_owned())
        .filter(topics::Column::DeletedAt.is_null())
        .find_also_related(roadmaps::Entity)
        .one(db)
        .await?;
    match row {
        Some((t, Some(r))) if editor.catalog().can_read(&r) => Ok((t, r)),
        _ => Err(missing(field, key)),
    }
}

fn missing(field: &str, key: &str) -> AppError {
    AppError::not_found_in(field, format!("{field}: no topic `{key}`"))
}

/// Refuses a link that would put two live topics of one roadmap in a group: `groups` are the
/// groups being merged, `given` the topics named (already one per roadmap).
async fn check_one_per_roadmap(
    txn: &impl ConnectionTrait,
    groups: &[String],
    given: &[(topics::Model, roadmaps::Model)],
) -> Result<(), AppError> {
    let mut seen: HashMap<i32, &str> = given.iter().map(|(t, r)| (r.id, t.id.as_str())).collect();
    let mut members = Vec::new();
    for g in groups {
        members.extend(group_members(txn, g).await?);
    }
    for m in &members {
        match seen.get(&m.roadmap_id) {
            Some(other) if *other != m.topic_id => {
                return Err(AppError::bad_input(
                    "topicIds",
                    format!(
                        "topicIds: the groups would join topics `{other}` and `{}` of one \
                         roadmap; unlink one first",
                        m.topic_id
                    ),
                ));
            }
            _ => {
                seen.insert(m.roadmap_id, &m.topic_id);
            }
        }
    }
    Ok(())
}

/// Puts each topic into a group (moving it out of the one it was in), one statement per 500.
async fn put_in_groups(
    txn: &impl ConnectionTrait,
    pairs: &[(&str, &str)],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    for chunk in pairs.chunks(CHUNK) {
        let mut q = Sql::new(txn.get_database_backend());
        q.push("INSERT INTO topic_links (topic_id, group_id, created_at) VALUES ");
        for (i, (topic, group)) in chunk.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push("(")
                .bind(*topic)
                .push(", ")
                .bind(*group)
                .push(", ")
                .bind(now)
                .push(")");
        }
        q.push(
            " ON CONFLICT (topic_id) DO UPDATE SET group_id = excluded.group_id, \
             created_at = excluded.created_at WHERE topic_links.group_id <> excluded.group_id",
        );
        txn.execute(q.build()).await?;
    }
    Ok(())
}

/// The topics whose rows [`sync`] brings in line with their group.
enum Targets<'a> {
    /// Every topic of a group.
    Group(&'a str),
    /// These topics (each in a group).
    Topics(&'a [&'a str]),
    /// The linked topics of a roadmap, for every learner or for one.
    Roadmap(i32, Option<i32>),
}

/// Brings the linked topics of a roadmap in line with their groups, for every learner (the
/// roadmap's readership grew: published, or made UNLISTED or PUBLIC) or for one (who just
/// followed its link). Status writes fan out only onto roadmaps the learner can follow, so a
/// roadmap that opens up to someone must first receive their statuses. One statement.
pub async fn refresh(
    txn: &impl ConnectionTrait,
    roadmap_id: i32,
    learner: Option<i32>,
) -> Result<(), AppError> {
    lock_links(txn).await?;
    sync(
        txn,
        Targets::Roadmap(roadmap_id, learner),
        micros(Utc::now()),
    )
    .await
}

/// For every learner with progress on the group of a target topic on a roadmap they can follow,
/// writes the most recently changed status of the group (`COALESCE(changed_at, updated_at)`, ties to the greater topic
/// key; only live rows of live topics) to the target, keeping that change time: one statement,
/// whatever the number of learners. Rows already showing it are left alone.
async fn sync(
    txn: &impl ConnectionTrait,
    targets: Targets<'_>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut q = Sql::new(txn.get_database_backend());
    q.push(
        "INSERT INTO progress (user_id, topic_id, roadmap_id, status, updated_at, changed_at) \
         SELECT w.user_id, n.id, n.roadmap_id, w.status, ",
    )
    .bind(now)
    .push(
        ", COALESCE(w.changed_at, w.updated_at) \
         FROM topics n \
         JOIN roadmaps nr ON nr.id = n.roadmap_id AND nr.deleted_at IS NULL \
         JOIN topic_links nl ON nl.topic_id = n.id \
         JOIN topic_links wl ON wl.group_id = nl.group_id \
         JOIN topics wt ON wt.id = wl.topic_id AND wt.deleted_at IS NULL \
         JOIN progress w ON w.topic_id = wl.topic_id AND w.archived_at IS NULL \
         WHERE n.deleted_at IS NULL AND ",
    );
    match targets {
        Targets::Group(g) => {
            q.push("nl.group_id = ").bind(g);
        }
        Targets::Topics(ids) => {
            q.push("n.id IN ").bind_list(ids.iter().copied());
        }
        Targets::Roadmap(id, learner) => {
            q.push("n.roadmap_id = ").bind(id);
            if let Some(user) = learner {
                q.push(" AND w.user_id = ").bind(user);
            }
        }
    }
    // Only onto roadmaps each learner can follow (as status writes do).
    q.push(" AND ")
        .push(&CatalogAccess::learner_tracks_sql("nr", "w.user_id"));
    q.push(
        " AND NOT EXISTS (SELECT 1 FROM topic_links ol \
         JOIN topics ot ON ot.id = ol.topic_id AND ot.deleted_at IS NULL \
         JOIN progress o ON o.topic_id = ol.topic_id AND o.user_id = w.user_id \
         AND o.archived_at IS NULL \
         WHERE ol.group_id = nl.group_id \
         AND (COALESCE(o.changed_at, o.updated_at) > COALESCE(w.changed_at, w.updated_at) \
         OR (COALESCE(o.changed_at, o.updated_at) = COALESCE(w.changed_at, w.updated_at) \
         AND o.topic_id > w.topic_id))) \
         ON CONFLICT (user_id, topic_id) DO UPDATE SET \
         previous_status = CASE WHEN progress.archived_at IS NULL THEN progress.status END, \
         updated_at = CASE WHEN progress.archived_at IS NULL \
         AND progress.status = excluded.status THEN progress.updated_at \
         ELSE excluded.updated_at END, \
         status = excluded.status, changed_at = excluded.changed_at, \
         roadmap_id = excluded.roadmap_id, archived_at = NULL \
         WHERE progress.archived_at IS NOT NULL OR progress.status <> excluded.status \
         OR COALESCE(progress.changed_at, progress.updated_at) <> excluded.changed_at",
    );
    txn.execute(q.build()).await?;
    Ok(())
}
