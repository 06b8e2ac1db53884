//! Teams: a company or a study group whose members learn together. Owners run the team, managers
//! invite and remove members, members belong; who may do what is the
//! [`Membership`](crate::auth::Membership) capability's call. Invites go by email and expire after
//! [`INVITE_DAYS`] days; the invitee answers them once signed in with that email. Plain Rust over
//! SeaORM: no GraphQL or HTTP types.
pub mod invites;
pub mod leaving;
pub mod mail;
pub mod members;
pub mod reads;
pub mod roadmaps;
pub mod service;
pub mod views;

pub use entity::enums::{TeamKind, TeamRole};

pub(crate) use crate::auth::no_such_team;
use crate::error::{AppError, Input};

/// How long an invite may be answered, from when it was made (or last renewed).
pub const INVITE_DAYS: i64 = 7;

/// A team's name and kind, as `createTeam` and `updateTeam` take them.
#[derive(Debug, Clone)]
pub struct TeamInput {
    pub name: String,
    pub kind: TeamKind,
}

/// What `updateTeam` changes; what is left out stays.
#[derive(Debug, Clone, Default)]
pub struct TeamChanges {
    pub name: Option<String>,
    pub kind: Option<TeamKind>,
}

/// Longest team name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Trims a team name and checks it is one line of 1-100 characters (see [`crate::text::line`]).
pub fn check_name(field: Input, name: &str) -> Result<String, AppError> {
    crate::text::line(name, MAX_NAME_CHARS).map_err(|r| r.at(field))?;
    Ok(name.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name(Input::TeamName, "  Crew ").unwrap(), "Crew");
        assert!(check_name(Input::TeamName, "  ").is_err());
        assert!(check_name(Input::TeamName, &"x".repeat(101)).is_err());
        assert!(check_name(Input::TeamName, &"é".repeat(100)).is_ok());
        assert!(check_name(Input::TeamName, "a\u{7}b").is_err());
    }
}
