//! What to learn next on a roadmap: the topics the learner is LEARNING, then the topics not yet
//! DONE or SKIPPED whose prerequisites are all DONE or SKIPPED ("ready"), each in roadmap order
//! (the tree walked depth first, siblings by position). Pure: the caller hands in the tree (the
//! shared cache's), the learner's statuses and the prerequisite edges it read in a fixed number
//! of statements. A prerequisite the learner may not read does not exist for them: it neither
//! blocks nor counts.
use entity::ids::TopicKey;
use std::collections::HashMap;

use crate::catalog::links::LinkedTopic;
use crate::catalog::RoadmapTree;

use super::ProgressStatus;

/// A roadmap's next topics, by index into its tree.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NextTopics {
    /// Topics being learned, in roadmap order.
    pub learning: Vec<usize>,
    /// Topics ready to start, in roadmap order.
    pub ready: Vec<usize>,
}

/// Whether a status lets the topics that need it start.
fn satisfies(status: ProgressStatus) -> bool {
    matches!(status, ProgressStatus::Done | ProgressStatus::Skipped)
}

/// The tree's indexes depth first, siblings in order (the order a roadmap is read in).
pub fn roadmap_order(tree: &RoadmapTree) -> Vec<usize> {
    let mut out = Vec::with_capacity(tree.len());
    let mut stack: Vec<usize> = tree.roots().iter().rev().copied().collect();
    while let Some(i) = stack.pop() {
        out.push(i);
        stack.extend(tree.children_of(i).iter().rev().copied());
    }
    out
}

/// The next topics of `tree` for a learner whose status on a topic is `status(topic)` (`None`:
/// not a topic they may read), with the prerequisites of the tree's topics by key. At most `limit`
/// of each kind.
pub fn next_topics(
    tree: &RoadmapTree,
    prerequisites: &HashMap<TopicKey, Vec<LinkedTopic>>,
    status: impl Fn(&LinkedTopic) -> Option<ProgressStatus>,
    limit: usize,
) -> NextTopics {
    let mut next = NextTopics::default();
    let here = |key: &TopicKey| LinkedTopic {
        topic_id: key.clone(),
        roadmap_id: tree.roadmap_id,
    };
    for i in roadmap_order(tree) {
        if next.learning.len() >= limit && next.ready.len() >= limit {
            break;
        }
        let key = &tree.topics[i].id;
        match status(&here(key)).unwrap_or(ProgressStatus::Pending) {
            ProgressStatus::Learning => {
                if next.learning.len() < limit {
                    next.learning.push(i);
                }
            }
            s if satisfies(s) => {}
            _ => {
                let ready = prerequisites
                    .get(key)
                    .into_iter()
                    .flatten()
                    .all(|p| status(p).is_none_or(satisfies));
                if ready && next.ready.len() < limit {
                    next.ready.push(i);
                }
            }
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use entity::ids::RoadmapId;
    use entity::topics;

    fn t(id: &str, parent: Option<&str>, pos: i32) -> topics::Model {
        topics::Model {
            id: TopicKey::new(id),
            roadmap_id: RoadmapId(1),
            parent_id: parent.map(TopicKey::new),
            kind: entity::enums::TopicKind::Topic,
            title: id.into(),
            description: String::new(),
            position: pos,
            legend: None,
            version: 1,
            deleted_at: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            forked_from_id: None,
        }
    }

    fn at(roadmap_id: RoadmapId, id: &str) -> LinkedTopic {
        LinkedTopic {
            topic_id: TopicKey::new(id),
            roadmap_id,
        }
    }

    #[test]
    fn learning_first_then_ready_in_roadmap_order() {
        let tree = RoadmapTree::new(
            RoadmapId(1),
            vec![
                t("b", None, 1),
                t("a", None, 0),
                t("a1", Some("a"), 0),
                t("c", None, 2),
                t("d", None, 3),
                t("e", None, 4),
            ],
        );
        assert_eq!(roadmap_order(&tree).len(), 6);
        let prereqs = HashMap::from([
            // c needs a (done) and a topic of another roadmap the learner cannot read.
            (
                TopicKey::new("c"),
                vec![at(RoadmapId(1), "a"), at(RoadmapId(2), "hidden")],
            ),
            // d needs b, which is only being learned.
            (TopicKey::new("d"), vec![at(RoadmapId(1), "b")]),
            // e needs a1, skipped.
            (TopicKey::new("e"), vec![at(RoadmapId(1), "a1")]),
        ]);
        let statuses = HashMap::from([
            ("a", ProgressStatus::Done),
            ("a1", ProgressStatus::Skipped),
            ("b", ProgressStatus::Learning),
        ]);
        let status = |p: &LinkedTopic| {
            (p.roadmap_id == RoadmapId(1)).then(|| {
                statuses
                    .get(p.topic_id.as_str())
                    .copied()
                    .unwrap_or(ProgressStatus::Pending)
            })
        };
        let next = next_topics(&tree, &prereqs, status, 10);
        let keys = |ix: &[usize]| -> Vec<String> {
            ix.iter().map(|i| tree.topics[*i].id.to_string()).collect()
        };
        assert_eq!(keys(&next.learning), ["b"]);
        assert_eq!(keys(&next.ready), ["c", "e"]);
        let one = next_topics(&tree, &prereqs, status, 1);
        assert_eq!(keys(&one.ready), ["c"]);
    }
}
