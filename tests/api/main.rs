//! Integration tests: each test starts the real `roadmap-api` binary on a free port with its own
//! database (a temp SQLite file, or a fresh PostgreSQL database when TEST_DB=postgres) and speaks
//! HTTP to it.
mod helpers;

mod accounts;
mod admin;
mod cache;
mod http;
mod progress;
mod roadmaps;
mod schema;
mod server;
