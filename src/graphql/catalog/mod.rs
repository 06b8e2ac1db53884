//! GraphQL objects of the catalogue: roadmaps, topics, resources and revisions, their read
//! queries, and the admins' editing mutations.
pub mod import_report;
pub mod inputs;
pub mod links;
pub mod revision;
pub mod roadmap;
pub mod roadmap_admin;
pub mod roadmap_inputs;
pub mod topic;
pub mod topic_admin;
pub mod topic_list;
