//! What a learner shows the public: the one definition of "publicly shown progress" that the
//! public profile, the badge and the public leaderboard all count over, so none of them can say
//! more than another.
//!
//! A learner shows progress only with a `PUBLIC` profile, and then only on the roadmaps their
//! profile settings select (`ALL`, `NONE`, `SELECTED` ids) that anonymous readers may read now
//! (live, published, PUBLIC). Private, unlisted and team roadmaps never count, whoever asks.
//! Streaks are not narrowed: they count days, and name no roadmap.
use entity::enums::{ProfileRoadmaps, ProfileVisibility};
use entity::ids::RoadmapId;
use entity::users;

use crate::auth::CatalogAccess;

/// The roadmaps a learner's public statistics may count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Showcase {
    /// `None`: every public roadmap; `Some(ids)`: only those ids (possibly none).
    selected: Option<Vec<RoadmapId>>,
}

impl Showcase {
    /// The showcase of a user, from their profile settings (nothing for a private profile).
    pub fn of(user: &users::Model) -> Self {
        Self::from_settings(
            &user.profile_visibility,
            &user.profile_roadmaps,
            &user.profile_roadmap_ids,
        )
    }

    /// The same from the stored columns (`roadmap_ids` is the JSON list kept on `users`).
    pub fn from_settings(
        visibility: &ProfileVisibility,
        roadmaps: &ProfileRoadmaps,
        roadmap_ids: &str,
    ) -> Self {
        let selected = match (visibility, roadmaps) {
            (ProfileVisibility::Private, _) | (_, ProfileRoadmaps::None) => Some(Vec::new()),
            (_, ProfileRoadmaps::All) => None,
            (_, ProfileRoadmaps::Selected) => {
                Some(serde_json::from_str(roadmap_ids).unwrap_or_default())
            }
        };
        Self { selected }
    }

    /// Whether the profile settings select this roadmap. The other half of the rule (a roadmap
    /// anonymous readers may read) is [`public_roadmap_sql`], applied in SQL next to it.
    pub fn selects(&self, roadmap_id: RoadmapId) -> bool {
        self.selected
            .as_ref()
            .is_none_or(|ids| ids.contains(&roadmap_id))
    }

    /// The whole rule as a SQL condition on the roadmaps aliased `alias`.
    pub fn sql_filter(&self, alias: &str) -> String {
        let public = public_roadmap_sql(alias);
        match &self.selected {
            None => public,
            Some(ids) if ids.is_empty() => "1 = 0".to_owned(),
            Some(ids) => {
                // Integers parsed from the stored JSON list: nothing of the user's text reaches SQL.
                let list: Vec<String> = ids.iter().map(RoadmapId::to_string).collect();
                format!("{public} AND {alias}.id IN ({})", list.join(", "))
            }
        }
    }
}

/// A roadmap anonymous readers may read now, as a SQL condition on `alias`.
pub fn public_roadmap_sql(alias: &str) -> String {
    CatalogAccess::public().sql_filter(alias)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_select_roadmaps() {
        let all = Showcase::from_settings(&ProfileVisibility::Public, &ProfileRoadmaps::All, "[]");
        assert!(all.selects(RoadmapId(7)));
        let some = Showcase::from_settings(
            &ProfileVisibility::Public,
            &ProfileRoadmaps::Selected,
            "[3, 7]",
        );
        assert!(some.selects(RoadmapId(7)) && !some.selects(RoadmapId(8)));
        assert!(some.sql_filter("r").ends_with("AND r.id IN (3, 7)"));
        let private =
            Showcase::from_settings(&ProfileVisibility::Private, &ProfileRoadmaps::All, "[]");
        assert!(!private.selects(RoadmapId(7)));
        assert_eq!(private.sql_filter("r"), "1 = 0");
        let none = Showcase::from_settings(&ProfileVisibility::Public, &ProfileRoadmaps::None, "");
        assert!(!none.selects(RoadmapId(7)));
    }
}
