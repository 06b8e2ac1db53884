//! Integration tests. Each test starts the server in this process (`helpers::spawn_app`: the real
//! router on port 0 with its own database — a temp SQLite file, or a fresh PostgreSQL database when
//! TEST_DB=postgres) and speaks HTTP and WebSocket to it. The binary is run only where the process
//! itself is the subject: the CLI (import, export, create-admin, migrate, schema, generate),
//! start-up failures, and what the process writes to its log (`helpers::spawn_process`).
mod helpers;

mod accounts;
mod admin_roadmaps;
mod admin_topics;
mod authoring;
mod authorization_matrix;
mod budgets;
mod cache;
mod community;
mod forks;
mod graphiql;
mod http;
mod idempotency;
mod import_export;
mod leaderboard;
mod links;
mod links_migration;
mod live;
mod notes_favorites;
mod offline_merge;
mod outage;
mod profiles;
mod progress_export_import;
mod progress_reads;
mod progress_status;
mod ratings;
mod revocation;
mod roadmaps;
mod schema;
mod server;
mod team_invites;
mod team_roadmaps;
mod teams;
mod web_app;
mod web_edit;
mod web_http;
mod web_live;
mod web_screenshots;
