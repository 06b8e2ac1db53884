//! Integration tests. Each test starts the server in this process (`helpers::spawn_app`: the real
//! router on port 0 with its own database — a temp SQLite file, or a fresh PostgreSQL database when
//! TEST_DB=postgres — and typed `Settings` a test changes with `spawn_app_with(|s| …)`) and speaks
//! HTTP and WebSocket to it. The binary is run only where the process itself is the subject: the
//! CLI (import, export, create-admin, migrate, schema, generate), start-up failures (told by
//! environment variables, as an operator tells it), and what the process writes to its log
//! (`helpers::spawn_process`).
mod helpers;

mod accounts;
mod admin_roadmaps;
mod admin_topics;
mod authoring;
mod authorization_matrix;
mod budgets;
mod cache;
mod canary;
mod community;
mod email_ownership;
mod forks;
mod graphiql;
mod history_privacy;
mod http;
mod idempotency;
mod import_export;
mod input_limits;
mod leaderboard;
mod learner_cache;
mod links;
mod links_migration;
mod live;
mod notes_favorites;
mod offline_merge;
mod outage;
mod password_reset;
mod prerequisites;
mod prerequisites_travel;
mod profiles;
mod progress_export_import;
mod progress_reads;
mod progress_status;
mod public_stats;
mod ratings;
mod read_rule;
mod replicas;
mod response_headers;
mod review;
mod revocation;
mod roadmaps;
mod schema;
mod search;
mod seed_trees;
mod server;
mod sessions;
mod stored_sizes;
mod team_invites;
mod team_roadmaps;
mod teams;
mod transport_parity;
mod web_app;
mod web_chart;
mod web_edit;
mod web_guidance;
mod web_http;
mod web_live;
mod web_offline_reload;
mod web_screens;
mod web_screens_shots;
mod web_screenshots;
