//! Capabilities: values that can only be had from a [`Viewer`](super::Viewer) (or, for the CLI and
//! seeding, from the explicit constructors), and that services take as arguments. A service that
//! takes a `CatalogAccess` applies "who may read this roadmap" itself; one that takes an `Editor`
//! applies "who may edit it"; one that takes a `Learner` works on that learner's own data only.
//! These are the only places the rules are written.
use entity::{roadmap_shares, roadmaps, team_members};
use sea_orm::sea_query::{Condition, Expr, IntoCondition, Query, SelectStatement};
use sea_orm::ColumnTrait;

use super::{RoadmapGate, TeamSeats};
use crate::db::sql::Sql;

use entity::enums::{RoadmapStatus, Visibility};
use entity::ids::{TeamId, UserId};
use sea_orm::ActiveEnum;

/// What of the catalogue a caller may read. Never deleted roadmaps. Admins read everything;
/// owners read their own roadmaps in any state; everyone reads published PUBLIC ones. UNLISTED
/// roadmaps are read through their share link ([`CatalogAccess::can_read_shared`]); a learner
/// who opened that link signed in follows the roadmap and may record progress on it
/// ([`CatalogAccess::can_track`], [`CatalogAccess::tracking`]). A team's members read the
/// roadmaps their team owns, drafts and PRIVATE ones included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogAccess {
    viewer: Option<UserId>,
    admin: bool,
    /// The SQL forms also admit the published UNLISTED roadmaps the viewer follows.
    unlisted: bool,
    /// The viewer's teams, for the in-memory checks (the SQL forms ask `team_members`).
    teams: TeamSeats,
}

impl CatalogAccess {
    pub(super) fn new(viewer: Option<UserId>, admin: bool, teams: TeamSeats) -> Self {
        Self {
            viewer,
            admin,
            unlisted: false,
            teams,
        }
    }

    /// Everything that is not deleted: for the CLI, seeding and other trusted local callers.
    pub fn trusted() -> Self {
        Self::new(None, true, TeamSeats::default())
    }

    /// What anonymous readers see: published PUBLIC roadmaps.
    pub fn public() -> Self {
        Self::new(None, false, TeamSeats::default())
    }

    /// The same reader, whose SQL [`condition`](Self::condition) and
    /// [`sql_filter`](Self::sql_filter) also admit the published UNLISTED roadmaps they follow
    /// (opened by their link while signed in): what their progress may be recorded on and their
    /// dashboard shows. PRIVATE roadmaps stay hidden. In memory, use
    /// [`can_track`](Self::can_track).
    pub fn tracking(&self) -> Self {
        Self {
            unlisted: true,
            ..self.clone()
        }
    }

    /// The same reader without the admin's reach: what they may read as a plain user (a public
    /// profile shows others only what any reader of theirs could see).
    pub fn without_admin(&self) -> Self {
        Self {
            admin: false,
            ..self.clone()
        }
    }

    pub fn viewer_id(&self) -> Option<UserId> {
        self.viewer
    }

    pub fn is_admin(&self) -> bool {
        self.admin
    }

    /// Whether the caller owns this roadmap.
    pub fn owns(&self, roadmap: &roadmaps::Model) -> bool {
        self.viewer.is_some() && roadmap.owner_id == self.viewer
    }

    /// Whether the caller is a member of the team that owns this roadmap.
    pub fn in_team_of(&self, roadmap: &roadmaps::Model) -> bool {
        roadmap.team_id.is_some_and(|t| self.in_team(t))
    }

    /// Whether the caller is a member of this team.
    pub fn in_team(&self, team_id: TeamId) -> bool {
        self.teams.member_of(team_id)
    }

    /// Whether this roadmap exists for the caller.
    pub fn can_read(&self, roadmap: &roadmaps::Model) -> bool {
        self.can_read_gate(&RoadmapGate::of(roadmap))
    }

    /// [`can_read`](Self::can_read) on a roadmap's gate (read beside content, see [`RoadmapGate`]).
    pub fn can_read_gate(&self, gate: &RoadmapGate) -> bool {
        gate.deleted_at.is_none()
            && (self.admin
                || (self.viewer.is_some() && gate.owner_id == self.viewer)
                || gate.team_id.is_some_and(|t| self.in_team(t))
                || (gate.status == RoadmapStatus::Published
                    && gate.visibility == Visibility::Public))
    }

    /// Whether search may show this roadmap and its content to the caller: what they may read,
    /// and the published UNLISTED roadmaps they follow (`follows`); never one that only a share
    /// link would open.
    pub fn can_find_gate(&self, gate: &RoadmapGate, follows: bool) -> bool {
        self.can_read_gate(gate)
            || (follows && self.viewer.is_some() && Self::link_opens_gate(gate))
    }

    /// Whether a share link opens this roadmap: live, published and UNLISTED.
    pub fn link_opens(roadmap: &roadmaps::Model) -> bool {
        Self::link_opens_gate(&RoadmapGate::of(roadmap))
    }

    /// [`link_opens`](Self::link_opens) on a roadmap's gate.
    pub fn link_opens_gate(gate: &RoadmapGate) -> bool {
        gate.deleted_at.is_none()
            && gate.status == RoadmapStatus::Published
            && gate.visibility == Visibility::Unlisted
    }

    /// Whether only following it (having opened its link) would let the caller track it: a
    /// roadmap a link opens that they cannot otherwise read, and a signed-in caller.
    pub fn needs_follow(&self, roadmap: &roadmaps::Model) -> bool {
        self.viewer.is_some() && !self.can_read(roadmap) && Self::link_opens(roadmap)
    }

    /// Whether the caller may record progress on this roadmap, given whether they follow it.
    pub fn can_track(&self, roadmap: &roadmaps::Model, follows: bool) -> bool {
        self.can_read(roadmap) || (follows && self.needs_follow(roadmap))
    }

    /// Whether this roadmap exists for a caller who presents `share_token` with its slug: as
    /// [`can_read`](Self::can_read), plus published UNLISTED roadmaps whose token matches.
    pub fn can_read_shared(&self, roadmap: &roadmaps::Model, share_token: Option<&str>) -> bool {
        if self.can_read(roadmap) {
            return true;
        }
        let (Some(given), Some(stored)) = (share_token, roadmap.share_token.as_deref()) else {
            return false;
        };
        Self::link_opens(roadmap) && constant_time_eq(given.trim().as_bytes(), stored.as_bytes())
    }

    /// The same rule as [`can_read`](Self::can_read), as a SQL condition on the roadmaps table.
    pub fn condition(&self) -> Condition {
        let live = roadmaps::Column::DeletedAt.is_null().into_condition();
        if self.admin {
            return live;
        }
        let published = || roadmaps::Column::Status.eq(RoadmapStatus::Published);
        let mut who = Condition::any().add(
            Condition::all()
                .add(published())
                .add(roadmaps::Column::Visibility.eq(Visibility::Public)),
        );
        if let Some(id) = self.viewer {
            who = who
                .add(roadmaps::Column::OwnerId.eq(id))
                .add(roadmaps::Column::TeamId.in_subquery(teams_of(id, false)));
            if self.unlisted {
                let followed = Query::select()
                    .column(roadmap_shares::Column::RoadmapId)
                    .from(roadmap_shares::Entity)
                    .and_where(roadmap_shares::Column::UserId.eq(id))
                    .to_owned();
                who = who.add(
                    Condition::all()
                        .add(published())
                        .add(roadmaps::Column::Visibility.eq(Visibility::Unlisted))
                        .add(roadmaps::Column::Id.in_subquery(followed)),
                );
            }
        }
        live.add(who)
    }

    /// The same rule as SQL text over the roadmaps table aliased `alias`, for hand-written
    /// statements. Only constants and the viewer's integer id are written into it.
    pub fn sql_filter(&self, alias: &str) -> String {
        let live = format!("{alias}.deleted_at IS NULL");
        if self.admin {
            return live;
        }
        if let (Some(id), true) = (self.viewer, self.unlisted) {
            // One text for "may this learner follow it", shared with the many-learner statements.
            return Self::learner_tracks_parts(alias).join(&id.to_string());
        }
        let published = RoadmapStatus::Published.to_value();
        let public = Visibility::Public.to_value();
        let mut who =
            format!("({alias}.status = '{published}' AND {alias}.visibility = '{public}')");
        if let Some(id) = self.viewer {
            who = format!(
                "{who} OR {alias}.owner_id = {id} OR {}",
                in_team_sql(alias, &id.to_string())
            );
        }
        format!("{live} AND ({who})")
    }
}

/// The teams `user` belongs to (`editing`: those they edit the roadmaps of), as a subquery.
fn teams_of(user: UserId, editing: bool) -> SelectStatement {
    let mut q = Query::select()
        .column(team_members::Column::TeamId)
        .from(team_members::Entity)
        .and_where(team_members::Column::UserId.eq(user))
        .to_owned();
    if editing {
        q.and_where(team_members::Column::Role.is_in(super::teams::EDITING_ROLES));
    }
    q
}

/// "The learner whose id is the SQL expression `user` is in the team owning roadmap `alias`".
fn in_team_sql(alias: &str, user: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = {alias}.team_id \
         AND tm.user_id = {user})"
    )
}

/// Whose "may follow" rule a many-learner statement applies (see
/// [`CatalogAccess::push_learner_tracks`]).
#[derive(Clone, Copy, Debug)]
pub enum Tracker {
    /// One learner: their id is bound as a value.
    Learner(UserId),
    /// The learner of each row: a `user_id` column of the statement (`"w.user_id"`), written
    /// in the code, never built from a value.
    EachRow(&'static str),
}

impl CatalogAccess {
    /// The rule of [`tracking`](Self::tracking) for a learner who is not an admin, over the
    /// roadmap aliased `alias`, cut at the three places the learner's id goes. Only constants
    /// and the alias are in it.
    fn learner_tracks_parts(alias: &str) -> [String; 4] {
        let published = RoadmapStatus::Published.to_value();
        let public = Visibility::Public.to_value();
        let unlisted = Visibility::Unlisted.to_value();
        [
            format!("({alias}.deleted_at IS NULL AND ({alias}.owner_id = "),
            format!(
                " OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.team_id = {alias}.team_id \
                 AND tm.user_id = "
            ),
            format!(
                ") OR ({alias}.status = '{published}' AND ({alias}.visibility = '{public}' \
                 OR ({alias}.visibility = '{unlisted}' AND EXISTS (SELECT 1 FROM roadmap_shares rs \
                 WHERE rs.roadmap_id = {alias}.id AND rs.user_id = "
            ),
            "))))))".to_owned(),
        ]
    }

    /// Writes into `q` whether `who` may track the roadmap aliased `alias`: the rule of
    /// [`tracking`](Self::tracking) for a learner who is not an admin, for statements that serve
    /// many learners at once (linked progress written across a link group only onto roadmaps
    /// each learner can follow).
    pub fn push_learner_tracks<'q>(
        q: &'q mut Sql,
        alias: &'static str,
        who: Tracker,
    ) -> &'q mut Sql {
        let [first, rest @ ..] = Self::learner_tracks_parts(alias);
        q.push(&first);
        for part in rest {
            match who {
                Tracker::Learner(id) => q.bind(id),
                Tracker::EachRow(column) => q.push(column),
            };
            q.push(&part);
        }
        q
    }
}

/// Compares secrets without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A signed-in user who may author roadmaps: create their own, edit the ones they own; admins
/// edit any (moderation) and curate official ones. A team's owners and managers edit the roadmaps
/// the team owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Editor {
    user_id: UserId,
    admin: bool,
    teams: TeamSeats,
}

impl Editor {
    pub(super) fn new(user_id: UserId, admin: bool, teams: TeamSeats) -> Self {
        Self {
            user_id,
            admin,
            teams,
        }
    }

    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    pub fn is_admin(&self) -> bool {
        self.admin
    }

    /// What this user may read: an edit of a roadmap they cannot read is "not found", of one they
    /// can read but not edit "forbidden".
    pub fn catalog(&self) -> CatalogAccess {
        CatalogAccess::new(Some(self.user_id), self.admin, self.teams.clone())
    }

    /// Whether this user may change this roadmap (its fields, topics, resources, links).
    pub fn may_edit(&self, roadmap: &roadmaps::Model) -> bool {
        self.admin
            || roadmap.owner_id == Some(self.user_id)
            || roadmap.team_id.is_some_and(|t| self.teams.edits(t))
    }

    /// Whether this user belongs to this team.
    pub fn in_team(&self, team_id: TeamId) -> bool {
        self.teams.member_of(team_id)
    }

    /// Whether this user may make roadmaps for this team (owners and managers).
    pub fn may_author_for(&self, team_id: TeamId) -> bool {
        self.teams.edits(team_id)
    }

    /// Only admins create or mark official roadmaps.
    pub fn may_curate(&self) -> bool {
        self.admin
    }

    /// [`may_edit`](Self::may_edit) as a SQL condition on the roadmaps table.
    pub fn condition(&self) -> Condition {
        if self.admin {
            Expr::value(true).into_condition()
        } else {
            Condition::any()
                .add(roadmaps::Column::OwnerId.eq(self.user_id))
                .add(roadmaps::Column::TeamId.in_subquery(teams_of(self.user_id, true)))
        }
    }
}

/// A signed-in learner, working on their own progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Learner {
    user_id: UserId,
}

impl Learner {
    pub(super) fn new(user_id: UserId) -> Self {
        Self { user_id }
    }

    pub fn user_id(&self) -> UserId {
        self.user_id
    }
}

/// A signed-in admin: may manage users and read the whole catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admin {
    user_id: UserId,
}

impl Admin {
    pub(super) fn new(user_id: UserId) -> Self {
        Self { user_id }
    }

    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    /// Admins read the whole catalogue, drafts and private roadmaps included.
    pub fn catalog(&self) -> CatalogAccess {
        CatalogAccess::trusted()
    }

    /// Admins edit any roadmap.
    pub fn editor(&self) -> Editor {
        Editor::new(self.user_id, true, TeamSeats::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roadmap(
        owner: Option<UserId>,
        visibility: Visibility,
        status: RoadmapStatus,
    ) -> roadmaps::Model {
        roadmaps::Model {
            id: entity::ids::RoadmapId(1),
            slug: "r".into(),
            title: "R".into(),
            brief_title: "R".into(),
            description: String::new(),
            brief_description: String::new(),
            sort_order: 1,
            kind: entity::enums::RoadmapKind::Skill,
            status,
            is_forkable: true,
            has_topics: true,
            width: None,
            height: None,
            question_title: None,
            question_description: None,
            seo_title: None,
            seo_description: None,
            seo_keywords: serde_json::json!([]),
            schema_headline: None,
            schema_description: None,
            schema_image_url: None,
            schema_date_published: None,
            schema_date_modified: None,
            sitemap_priority: None,
            sitemap_change_frequency: None,
            pdf_url: None,
            json_url: None,
            sponsor_url: None,
            sponsor_title: None,
            sponsor_image_url: None,
            sponsor_description: None,
            sponsor_expires_at: None,
            related_questions: serde_json::json!([]),
            version: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            deleted_at: None,
            owner_id: owner,
            visibility,
            share_token: Some("secret".into()),
            forked_from_id: None,
            forked_at_revision: None,
            team_id: None,
        }
    }

    const PUBLISHED: RoadmapStatus = RoadmapStatus::Published;

    fn no_teams() -> TeamSeats {
        TeamSeats::default()
    }

    #[test]
    fn team_roadmaps_exist_for_members_and_are_edited_by_owners_and_managers() {
        use entity::enums::TeamRole;
        let mut r = roadmap(None, Visibility::Private, RoadmapStatus::Draft);
        r.team_id = Some(TeamId(3));
        let seats = |role| TeamSeats::from_pairs(vec![(TeamId(3), role)]);
        let member = CatalogAccess::new(Some(UserId(8)), false, seats(TeamRole::Member));
        assert!(member.can_read(&r), "members read their team's drafts too");
        assert!(!CatalogAccess::new(
            Some(UserId(8)),
            false,
            TeamSeats::from_pairs(vec![(TeamId(4), TeamRole::Owner)])
        )
        .can_read(&r));
        assert!(!CatalogAccess::public().can_read(&r));
        assert!(!Editor::new(UserId(8), false, seats(TeamRole::Member)).may_edit(&r));
        assert!(Editor::new(UserId(8), false, seats(TeamRole::Manager)).may_edit(&r));
        assert!(Editor::new(UserId(8), false, seats(TeamRole::Owner)).may_edit(&r));
        assert!(!Editor::new(UserId(8), false, no_teams()).may_edit(&r));
    }

    #[test]
    fn private_roadmaps_exist_for_owner_and_admins_only() {
        let r = roadmap(Some(UserId(7)), Visibility::Private, PUBLISHED);
        assert!(CatalogAccess::new(Some(UserId(7)), false, no_teams()).can_read(&r));
        assert!(CatalogAccess::new(Some(UserId(1)), true, no_teams()).can_read(&r));
        assert!(!CatalogAccess::new(Some(UserId(8)), false, no_teams()).can_read(&r));
        assert!(!CatalogAccess::public().can_read(&r));
        assert!(!CatalogAccess::new(Some(UserId(8)), false, no_teams()).can_track(&r, true));
        assert!(!CatalogAccess::public().can_read_shared(&r, Some("secret")));
    }

    #[test]
    fn unlisted_roadmaps_need_their_token() {
        let r = roadmap(Some(UserId(7)), Visibility::Unlisted, PUBLISHED);
        let other = CatalogAccess::new(Some(UserId(8)), false, no_teams());
        assert!(!other.can_read(&r));
        assert!(other.can_read_shared(&r, Some("secret")));
        assert!(!other.can_read_shared(&r, Some("secreT")));
        assert!(!other.can_read_shared(&r, None));
        assert!(other.can_track(&r, true));
        assert!(!other.can_track(&r, false));
        assert!(
            !CatalogAccess::public().can_track(&r, true),
            "anonymous callers follow nothing"
        );
        let draft = roadmap(Some(UserId(7)), Visibility::Unlisted, RoadmapStatus::Draft);
        assert!(!other.can_read_shared(&draft, Some("secret")));
    }

    #[test]
    fn public_drafts_stay_with_their_owner() {
        let r = roadmap(Some(UserId(7)), Visibility::Public, RoadmapStatus::Draft);
        assert!(CatalogAccess::new(Some(UserId(7)), false, no_teams()).can_read(&r));
        assert!(!CatalogAccess::new(Some(UserId(8)), false, no_teams()).can_read(&r));
        let published = roadmap(None, Visibility::Public, PUBLISHED);
        assert!(CatalogAccess::public().can_read(&published));
    }

    #[test]
    fn editors_edit_their_own_and_admins_any() {
        let r = roadmap(Some(UserId(7)), Visibility::Public, PUBLISHED);
        assert!(Editor::new(UserId(7), false, no_teams()).may_edit(&r));
        assert!(!Editor::new(UserId(8), false, no_teams()).may_edit(&r));
        assert!(Editor::new(UserId(8), true, no_teams()).may_edit(&r));
        let official = roadmap(None, Visibility::Public, PUBLISHED);
        assert!(!Editor::new(UserId(7), false, no_teams()).may_edit(&official));
    }

    #[test]
    fn sql_filter_names_only_constants_and_the_viewer() {
        let f = CatalogAccess::new(Some(UserId(42)), false, no_teams()).sql_filter("r");
        assert_eq!(
            f,
            "r.deleted_at IS NULL AND ((r.status = 'PUBLISHED' AND r.visibility = 'PUBLIC') \
             OR r.owner_id = 42 OR EXISTS (SELECT 1 FROM team_members tm \
             WHERE tm.team_id = r.team_id AND tm.user_id = 42))"
        );
        let t = CatalogAccess::new(Some(UserId(42)), false, no_teams())
            .tracking()
            .sql_filter("r");
        // The many-learner form is the same rule, the id bound three times.
        let mut q = Sql::new(sea_orm::DbBackend::Postgres);
        CatalogAccess::push_learner_tracks(&mut q, "r", Tracker::Learner(UserId(42)));
        let bound = q.build();
        let filled = ["$1", "$2", "$3"]
            .iter()
            .fold(bound.sql.clone(), |sql, p| sql.replace(p, "42"));
        assert_eq!(t, filled);
        assert_eq!(bound.values.map(|v| v.0.len()), Some(3));
        assert!(
            t.contains("rs.roadmap_id = r.id AND rs.user_id = 42"),
            "{t}"
        );
    }
}
