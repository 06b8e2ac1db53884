//! Enums of the roadmap domain.
use crate::enums::string_enum;

string_enum!(
    /// What a roadmap is about.
    RoadmapKind {
        /// A path to a job role (e.g. Backend Developer).
        Role = "ROLE",
        /// A single skill or technology (e.g. Docker).
        Skill = "SKILL",
        /// A checklist of good practices.
        BestPractice = "BEST_PRACTICE",
    }
);

string_enum!(
    /// Drafts are visible to admins only.
    RoadmapStatus {
        Draft = "DRAFT",
        Published = "PUBLISHED",
    }
);

string_enum!(
    /// How often a page changes, as sitemaps say it.
    ChangeFrequency {
        Always = "ALWAYS",
        Hourly = "HOURLY",
        Daily = "DAILY",
        Weekly = "WEEKLY",
        Monthly = "MONTHLY",
        Yearly = "YEARLY",
        Never = "NEVER",
    }
);

string_enum!(
    /// How `importRoadmap` treats a document whose slug already exists.
    ImportMode {
        /// Create a new roadmap; refused when the slug is taken.
        Create = "CREATE",
        /// Make an existing roadmap equal to the document, keeping the topic ids that remain (so
        /// learners' progress on them survives) and soft-deleting the topics it no longer has.
        Replace = "REPLACE",
    }
);
