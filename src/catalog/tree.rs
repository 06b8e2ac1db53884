//! A roadmap's topic tree, loaded in one query and indexed in memory so that walking it costs no
//! further SQL.
use std::collections::HashMap;

use entity::ids::{RoadmapId, TopicKey};
use entity::topics;

use crate::auth::RoadmapGate;

#[derive(Debug)]
pub struct RoadmapTree {
    pub roadmap_id: RoadmapId,
    /// Who could read the roadmap when these topics were read (in the same statement); `None`
    /// when the tree was built without it (no topics, or a trusted caller's read).
    pub gate: Option<RoadmapGate>,
    /// Live topics only (deleted ones are kept in the database for progress, never shown).
    pub topics: Vec<topics::Model>,
    by_id: HashMap<TopicKey, usize>,
    roots: Vec<usize>,
    /// Children of each topic, by index, in order: walking the tree allocates nothing.
    children: Vec<Vec<usize>>,
    parent: Vec<Option<usize>>,
}

impl RoadmapTree {
    pub fn new(roadmap_id: RoadmapId, mut rows: Vec<topics::Model>) -> Self {
        rows.retain(|t| t.deleted_at.is_none());
        rows.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
        let by_id: HashMap<TopicKey, usize> = rows
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.clone(), i))
            .collect();
        let mut roots = Vec::new();
        let mut children = vec![Vec::new(); rows.len()];
        let mut parent = vec![None; rows.len()];
        for (i, t) in rows.iter().enumerate() {
            // A topic whose parent is gone is shown at the root rather than lost.
            match t.parent_id.as_ref().and_then(|p| by_id.get(p)) {
                Some(&p) => {
                    children[p].push(i);
                    parent[i] = Some(p);
                }
                None => roots.push(i),
            }
        }
        Self {
            roadmap_id,
            gate: None,
            topics: rows,
            by_id,
            roots,
            children,
            parent,
        }
    }

    /// The same tree, with the gate its topics were read beside.
    pub fn with_gate(mut self, gate: Option<RoadmapGate>) -> Self {
        self.gate = gate;
        self
    }

    pub fn index_of(&self, id: &TopicKey) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub fn roots(&self) -> &[usize] {
        &self.roots
    }

    pub fn children_of(&self, idx: usize) -> &[usize] {
        self.children.get(idx).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn parent_of(&self, idx: usize) -> Option<usize> {
        self.parent.get(idx).copied().flatten()
    }

    /// Indexes from the root down to `idx` (inclusive).
    pub fn path_to(&self, idx: usize) -> Vec<usize> {
        let mut path = vec![idx];
        let mut cur = idx;
        // Bounded by the number of topics, so a corrupt cycle cannot loop forever.
        while let Some(p) = self.parent_of(cur) {
            if path.len() > self.topics.len() {
                break;
            }
            path.push(p);
            cur = p;
        }
        path.reverse();
        path
    }

    /// 0 for a root topic.
    pub fn depth_of(&self, idx: usize) -> usize {
        self.path_to(idx).len() - 1
    }

    pub fn len(&self) -> usize {
        self.topics.len()
    }

    pub fn is_empty(&self) -> bool {
        self.topics.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

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

    #[test]
    fn orders_children_and_builds_paths() {
        let mut gone = t("gone", Some("a"), 2);
        gone.deleted_at = Some(Utc::now());
        let tree = RoadmapTree::new(
            RoadmapId(1),
            vec![
                t("b", None, 1),
                t("a", None, 0),
                t("a2", Some("a"), 1),
                t("a1", Some("a"), 0),
                t("a1x", Some("a1"), 0),
                gone,
            ],
        );
        let names = |ix: &[usize]| -> Vec<String> {
            ix.iter().map(|i| tree.topics[*i].id.to_string()).collect()
        };
        assert_eq!(names(tree.roots()), ["a", "b"]);
        let a = tree.index_of(&TopicKey::new("a")).unwrap();
        assert_eq!(names(tree.children_of(a)), ["a1", "a2"]);
        let leaf = tree.index_of(&TopicKey::new("a1x")).unwrap();
        assert_eq!(names(&tree.path_to(leaf)), ["a", "a1", "a1x"]);
        assert_eq!(tree.len(), 5);
        assert_eq!(tree.depth_of(leaf), 2);
        assert_eq!(tree.parent_of(leaf), tree.index_of(&TopicKey::new("a1")));
        assert!(tree.index_of(&TopicKey::new("gone")).is_none());
    }
}
