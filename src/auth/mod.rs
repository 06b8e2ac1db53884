//! Who is asking, and what they may do. The transport turns a request into a [`Viewer`] once; the
//! GraphQL layer then hands services the capabilities they need ([`CatalogAccess`], [`Learner`],
//! [`Editor`], [`Admin`], and a team's [`Membership`]), so a visibility, ownership or team rule is
//! written here once and cannot be forgotten at a call site.
mod capabilities;
mod gate;
mod teams;

pub use capabilities::{Admin, CatalogAccess, Editor, Learner, Tracker};
pub use entity::enums::{Role, TeamRole};
pub use gate::RoadmapGate;
pub use teams::{lock_team, no_such_team, Membership, TeamSeats};

use entity::ids::UserId;

/// Who is asking. Anonymous unless a valid access token came with the request.
#[derive(Clone, Debug, Default)]
pub struct Viewer {
    pub user: Option<ViewerUser>,
    /// Why a token that was sent was refused (shown by the guards; public fields still work).
    pub token_error: Option<String>,
}

/// The signed-in user behind a request, as the access token and the users table say.
#[derive(Clone)]
pub struct ViewerUser {
    pub id: UserId,
    pub role: Role,
    /// The teams they belong to, as of the start of the request.
    pub teams: TeamSeats,
    /// Their row as the check of an HTTP request's token found it (read, or kept from an earlier
    /// check while nothing changed it: `accounts::sessions`); `me` in a query answers from it.
    /// Its statistics columns (streak runs, `done_30d`) may be older than the database: a kept
    /// session outlives its user's progress writes, so read those through `progress`. `None` on
    /// a WebSocket, which outlives any one read.
    pub account: Option<std::sync::Arc<entity::users::Model>>,
}

/// Never prints the row: it holds the password hash.
impl std::fmt::Debug for ViewerUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // One format string rather than `debug_struct` field names: those would read as
        // GraphQL input names to the test that keeps wire names out of domains.
        write!(
            f,
            "ViewerUser {{ id: {:?}, role: {:?}, teams: {:?}, account: {} }}",
            self.id,
            self.role,
            self.teams,
            if self.account.is_some() {
                "users row"
            } else {
                "none"
            }
        )
    }
}

impl Viewer {
    pub const ANONYMOUS: Viewer = Viewer {
        user: None,
        token_error: None,
    };

    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Admin)
    }

    pub fn user_id(&self) -> Option<UserId> {
        self.user.as_ref().map(|u| u.id)
    }

    /// What this viewer may read of the catalogue.
    pub fn catalog(&self) -> CatalogAccess {
        let teams = self
            .user
            .as_ref()
            .map(|u| u.teams.clone())
            .unwrap_or_default();
        CatalogAccess::new(self.user_id(), self.is_admin(), teams)
    }

    /// The authoring capability: present when signed in (what it may edit depends on ownership).
    pub fn editor(&self) -> Option<Editor> {
        self.user
            .as_ref()
            .map(|u| Editor::new(u.id, u.role == Role::Admin, u.teams.clone()))
    }

    /// The learner capability: present when signed in.
    pub fn learner(&self) -> Option<Learner> {
        self.user_id().map(Learner::new)
    }

    /// The admin capability: present when signed in with the admin role.
    pub fn admin(&self) -> Option<Admin> {
        self.user
            .as_ref()
            .filter(|u| u.role == Role::Admin)
            .map(|u| Admin::new(u.id))
    }
}
