//! roadmap-api: a self-hostable GraphQL backend for learning roadmaps and learner progress.
//!
//! Layers, each depending only on the ones below it:
//! `cli` → `http` → `graphql` → domains (`teams` → `accounts`, `catalog`, `progress`) → foundation
//! (`config`, `error`, `db`, `auth`).
pub mod accounts;
pub mod auth;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod graphql;
pub mod http;
pub mod progress;
pub mod teams;
