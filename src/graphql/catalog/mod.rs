//! GraphQL objects of the catalogue: roadmaps, topics, resources and revisions, their read
//! queries (the official catalogue and community roadmaps), the editing mutations, forks and
//! ratings.
pub mod community;
pub mod forks;
pub mod import_report;
pub mod inputs;
pub mod links;
pub mod prerequisites;
pub mod rating;
pub mod raw_json;
pub mod revision;
pub mod roadmap;
pub mod roadmap_admin;
pub mod roadmap_inputs;
pub mod topic;
pub mod topic_admin;
pub mod topic_list;
