//! Opaque global IDs: `base64url("Type:key")`. Clients treat them as opaque strings; the
//! decoders return the typed ids of `entity::ids`, so a client's id is parsed once, here.
use async_graphql::ID;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use entity::ids::{ResourceId, RoadmapId, TeamId, TeamInviteId, TopicKey, UserId};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlobalId {
    Roadmap(RoadmapId),
    Topic(TopicKey),
    Resource(ResourceId),
    User(UserId),
    Team(TeamId),
    TeamInvite(TeamInviteId),
}

impl GlobalId {
    pub fn encode(&self) -> ID {
        let raw = match self {
            Self::Roadmap(id) => format!("Roadmap:{id}"),
            Self::Topic(id) => format!("Topic:{id}"),
            Self::Resource(id) => format!("Resource:{id}"),
            Self::User(id) => format!("User:{id}"),
            Self::Team(id) => format!("Team:{id}"),
            Self::TeamInvite(id) => format!("TeamInvite:{id}"),
        };
        ID(URL_SAFE_NO_PAD.encode(raw))
    }

    /// Parses a global id; `field` names the argument in the error.
    pub fn decode(id: &str, field: &str) -> Result<Self, AppError> {
        let bad = || AppError::bad_input(field, format!("`{field}` is not a valid id"));
        let bytes = URL_SAFE_NO_PAD.decode(id.trim()).map_err(|_| bad())?;
        let raw = String::from_utf8(bytes).map_err(|_| bad())?;
        let (kind, key) = raw.split_once(':').ok_or_else(bad)?;
        let int = |k: &str| k.parse::<i32>().ok().filter(|v| *v > 0);
        match kind {
            "Roadmap" => int(key)
                .map(|k| Self::Roadmap(RoadmapId(k)))
                .ok_or_else(bad),
            "Resource" => int(key)
                .map(|k| Self::Resource(ResourceId(k)))
                .ok_or_else(bad),
            "User" => int(key).map(|k| Self::User(UserId(k))).ok_or_else(bad),
            "Team" => int(key).map(|k| Self::Team(TeamId(k))).ok_or_else(bad),
            "TeamInvite" => int(key)
                .map(|k| Self::TeamInvite(TeamInviteId(k)))
                .ok_or_else(bad),
            "Topic" if crate::catalog::is_valid_topic_key(key) => {
                Ok(Self::Topic(TopicKey(key.to_owned())))
            }
            _ => Err(bad()),
        }
    }

    pub fn roadmap(id: &str, field: &str) -> Result<RoadmapId, AppError> {
        match Self::decode(id, field)? {
            Self::Roadmap(id) => Ok(id),
            _ => Err(AppError::bad_input(
                field,
                format!("`{field}` is not a roadmap id"),
            )),
        }
    }

    pub fn topic(id: &str, field: &str) -> Result<TopicKey, AppError> {
        match Self::decode(id, field)? {
            Self::Topic(id) => Ok(id),
            _ => Err(AppError::bad_input(
                field,
                format!("`{field}` is not a topic id"),
            )),
        }
    }

    pub fn resource(id: &str, field: &str) -> Result<ResourceId, AppError> {
        match Self::decode(id, field)? {
            Self::Resource(id) => Ok(id),
            _ => Err(AppError::bad_input(
                field,
                format!("`{field}` is not a resource id"),
            )),
        }
    }

    pub fn team(id: &str, field: &str) -> Result<TeamId, AppError> {
        match Self::decode(id, field)? {
            Self::Team(id) => Ok(id),
            _ => Err(AppError::bad_input(
                field,
                format!("`{field}` is not a team id"),
            )),
        }
    }

    pub fn team_invite(id: &str, field: &str) -> Result<TeamInviteId, AppError> {
        match Self::decode(id, field)? {
            Self::TeamInvite(id) => Ok(id),
            _ => Err(AppError::bad_input(
                field,
                format!("`{field}` is not a team invite id"),
            )),
        }
    }

    pub fn user(id: &str, field: &str) -> Result<UserId, AppError> {
        match Self::decode(id, field)? {
            Self::User(id) => Ok(id),
            _ => Err(AppError::bad_input(
                field,
                format!("`{field}` is not a user id"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        for id in [
            GlobalId::Roadmap(RoadmapId(7)),
            GlobalId::Topic(TopicKey("aB3_x-9".into())),
            GlobalId::Resource(ResourceId(1)),
            GlobalId::User(UserId(42)),
            GlobalId::Team(TeamId(3)),
            GlobalId::TeamInvite(TeamInviteId(9)),
        ] {
            assert_eq!(GlobalId::decode(&id.encode(), "id").unwrap(), id);
        }
        for bad in ["", "!!!", "Um9hZG1hcDp4", "Um9hZG1hcDo", "Zm9vOjE"] {
            assert!(GlobalId::decode(bad, "id").is_err(), "{bad}");
        }
        assert!(GlobalId::roadmap(&GlobalId::User(UserId(1)).encode(), "id").is_err());
    }
}
