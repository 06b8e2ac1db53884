//! roadmap-api: a self-hostable GraphQL backend for learning roadmaps and learner progress.
//!
//! Layers, each depending only on the ones below it:
//! `cli` → `http` → `graphql` → domains → foundation (`auth` → `db`, `mail`, `text` → `config`,
//! `error`; `src/layers.rs` ranks them and a unit test refuses an upward import).
//! Among the domains: `teams` → `accounts`, `catalog`; `progress` → `catalog`; `search` → `catalog`; `accounts` and
//! `catalog` import no other domain.
// Input must never panic a request, and logs go through `tracing`: outside tests, no `unwrap`
// and no printing to standard output (the CLI, whose output is its answer, allows the latter).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::print_stdout))]

pub mod accounts;
pub mod auth;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod graphql;
pub mod http;
pub mod mail;
pub mod progress;
pub mod search;
pub mod teams;
pub mod text;

#[cfg(test)]
mod layers;
