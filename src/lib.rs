//! roadmap-api: a self-hostable GraphQL backend for learning roadmaps and learner progress.
pub mod accounts;
pub mod app;
pub mod cache;
pub mod cli;
pub mod config;
pub mod db;
pub mod enums;
pub mod error;
pub mod graphql;
pub mod metrics;
pub mod middleware;
pub mod progress;
pub mod ratelimit;
pub mod roadmaps;
pub mod seed;
pub mod topics;
