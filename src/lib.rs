//! roadmap-api: a self-hostable GraphQL backend for learning roadmaps and learner progress.
pub mod accounts;
pub mod bench_static;
pub mod cache;
pub mod cli;
pub mod config;
pub mod db;
pub mod enums;
pub mod error;
pub mod generate;
pub mod graphql;
pub mod http;
pub mod progress;
pub mod roadmaps;
pub mod seed;
pub mod topics;
