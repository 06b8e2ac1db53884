use sea_orm::entity::prelude::*;

use crate::ids::{RevisionId, RoadmapId, TeamId, UserId};

use crate::enums::{ChangeFrequency, RoadmapKind, RoadmapStatus, Visibility};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "roadmaps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: RoadmapId,
    /// Unique among live (not deleted) roadmaps.
    pub slug: String,
    pub title: String,
    pub brief_title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    #[sea_orm(column_type = "Text")]
    pub brief_description: String,
    pub sort_order: i32,
    pub kind: RoadmapKind,
    pub status: RoadmapStatus,
    pub is_forkable: bool,
    pub has_topics: bool,
    pub width: Option<f64>,
    pub height: Option<f64>,
    pub question_title: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub question_description: Option<String>,
    pub seo_title: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub seo_description: Option<String>,
    pub seo_keywords: Json,
    pub schema_headline: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub schema_description: Option<String>,
    pub schema_image_url: Option<String>,
    pub schema_date_published: Option<Date>,
    pub schema_date_modified: Option<DateTimeUtc>,
    pub sitemap_priority: Option<f64>,
    pub sitemap_change_frequency: Option<ChangeFrequency>,
    pub pdf_url: Option<String>,
    pub json_url: Option<String>,
    pub sponsor_url: Option<String>,
    pub sponsor_title: Option<String>,
    pub sponsor_image_url: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub sponsor_description: Option<String>,
    pub sponsor_expires_at: Option<DateTimeUtc>,
    pub related_questions: Json,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Soft delete: a deleted roadmap is hidden from every read but its rows (and learners'
    /// archived progress) are kept.
    pub deleted_at: Option<DateTimeUtc>,
    /// The learner who owns the roadmap; null for official roadmaps (curated by admins).
    pub owner_id: Option<UserId>,
    pub visibility: Visibility,
    /// The secret in an UNLISTED roadmap's share link; regenerating it invalidates old links.
    pub share_token: Option<String>,
    /// The roadmap this one was forked from (null when not a fork, or the source is gone).
    pub forked_from_id: Option<RoadmapId>,
    /// The source's last revision id when the fork was made (`upstreamChanges` starts after it).
    pub forked_at_revision: Option<RevisionId>,
    /// The team that owns the roadmap, if any (null when none, or the team is gone).
    pub team_id: Option<TeamId>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::topics::Entity")]
    Topics,
    #[sea_orm(has_many = "super::roadmap_tags::Entity")]
    Tags,
}

impl Related<super::topics::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Topics.def()
    }
}

impl Related<super::roadmap_tags::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tags.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// Official roadmaps are curated by admins: owned by neither a user nor a team.
    pub fn is_official(&self) -> bool {
        self.owner_id.is_none() && self.team_id.is_none()
    }
}
