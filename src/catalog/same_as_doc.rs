//! `sameAs` in the roadmap document: a topic may name another topic of the same document that it
//! repeats (roadmap.sh repeats "Redis" and "GraphQL" in Backend), so the subject shows one status
//! and counts once. An import writes the pointers the document names (replacing the pointer such a
//! topic had, and detaching what pointed at it); it removes none it does not name, since the
//! markdown format carries no `sameAs`: `setTopicSameAs(topicId, null)` clears one.
use entity::ids::TopicKey;
use std::collections::HashMap;

use sea_orm::ConnectionTrait;

use super::document::{RoadmapDocument, TopicNode};
use super::links::{dissolve_dead_groups, dissolve_lone_roots};
use crate::db::sql::Sql;
use crate::error::AppError;

/// Each `sameAs` names another topic of the document that has no `sameAs` itself (no chains):
/// else `BAD_USER_INPUT` naming `topics` and the topic.
pub fn validate(doc: &RoadmapDocument) -> Result<(), AppError> {
    let flat = doc.flatten();
    let by_key: HashMap<&str, &TopicNode> =
        flat.iter().map(|(_, _, n)| (n.id.as_str(), *n)).collect();
    for (_, _, n) in &flat {
        let Some(target) = n.same_as.as_ref().map(TopicKey::as_str) else {
            continue;
        };
        let problem = match by_key.get(target) {
            _ if target == n.id.as_str() => "cannot be the same as itself",
            None => "names no topic of this document",
            Some(t) if t.same_as.is_some() => "names a topic that is itself the same as another",
            Some(_) => continue,
        };
        return Err(AppError::bad_input(
            "topics",
            format!("topic `{}`: sameAs `{target}` {problem}", n.id),
        ));
    }
    Ok(())
}

/// Writes the document's pointers (after its topics), in the caller's transaction: a fixed
/// number of statements.
pub async fn write(txn: &impl ConnectionTrait, doc: &RoadmapDocument) -> Result<(), AppError> {
    let flat = doc.flatten();
    let pairs: Vec<(&TopicKey, &TopicKey)> = flat
        .iter()
        .filter_map(|(_, _, n)| n.same_as.as_ref().map(|t| (&n.id, t)))
        .collect();
    let backend = txn.get_database_backend();
    let roots: Vec<&TopicKey> = pairs.iter().map(|(_, r)| *r).collect();
    let pointing: Vec<&TopicKey> = pairs.iter().map(|(p, _)| *p).collect();
    for chunk in roots.chunks(400) {
        let mut q = Sql::new(backend);
        q.push("DELETE FROM topic_links WHERE topic_id <> group_id AND topic_id IN ")
            .bind_list(chunk.iter().copied());
        txn.execute(q.build()).await?;
    }
    for chunk in pointing.chunks(400) {
        // A topic that now points was maybe a root: what pointed at it stands alone.
        let mut q = Sql::new(backend);
        q.push("DELETE FROM topic_links WHERE topic_id <> group_id AND group_id IN ")
            .bind_list(chunk.iter().copied());
        txn.execute(q.build()).await?;
    }
    super::links::point(txn, &pairs, chrono::Utc::now()).await?;
    dissolve_dead_groups(txn).await?;
    dissolve_lone_roots(txn).await
}
