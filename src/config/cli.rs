//! The command line as clap reads it (flags and their environment variables). Clap checks every
//! value it can (types, ranges, origins); `config::settings` turns a parsed `serve` into `Settings`.
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use lettre::message::Mailbox;
use secrecy::SecretString;
use url::Url;

use super::parse::{at_least_one, parse_base_url, parse_mailbox, parse_origin, parse_rate};

#[derive(Debug, Parser)]
#[command(
    name = "roadmap-api",
    version,
    about = "GraphQL backend for learning roadmaps and learner progress"
)]
pub struct Cli {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Parses the command line; with no subcommand, `serve` is meant.
    pub fn parse_or_serve() -> Self {
        let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        let cli = Self::parse_or_exit(args.clone());
        if cli.command.is_some() {
            return cli;
        }
        args.insert(1.min(args.len()), "serve".into());
        Self::parse_or_exit(args)
    }

    /// clap's `parse_from`, except that a refused value exits with 1 like every other failure to
    /// start; usage errors (an unknown flag, a missing argument) keep clap's 2, help and version 0.
    fn parse_or_exit(args: Vec<std::ffi::OsString>) -> Self {
        match Self::try_parse_from(args) {
            Ok(cli) => cli,
            Err(e) if e.kind() == clap::error::ErrorKind::ValueValidation => {
                let _ = e.print();
                std::process::exit(1)
            }
            Err(e) => e.exit(),
        }
    }

    /// Parses `argv` without reading any environment variable: only the given flags and the
    /// defaults count (`Settings::for_tests`, so a developer's `DATABASE_URL` reaches no test).
    pub fn parse_without_env<I, T>(argv: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::{CommandFactory, FromArgMatches};
        let cmd = Self::command()
            .mut_args(|a| a.env(None::<&'static str>))
            .mut_subcommand("serve", |s| s.mut_args(|a| a.env(None::<&'static str>)));
        Self::from_arg_matches(&cmd.try_get_matches_from(argv)?)
    }
}

// Parsed once at start: the size of the `Serve` variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default when no command is given).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL) to standard output.
    Schema,
    /// Import roadmaps: JSON documents, markdown folders, or folders holding several of either.
    Import(ImportArgs),
    /// Export one roadmap as a JSON document or a markdown folder.
    Export(ExportArgs),
    /// Create an admin account, or promote an existing user (matched by email) to admin.
    CreateAdmin(CreateAdminArgs),
}

#[derive(Debug, Clone, Args)]
pub struct CreateAdminArgs {
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub username: String,
    /// Display name (defaults to the username).
    #[arg(long)]
    pub display_name: Option<String>,
    /// Read the password from standard input (first line), so it never shows in `ps` or history.
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// JSON files, markdown folders (holding roadmap.md), or folders of them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// `create` adds new roadmaps (refusing taken slugs); `replace` updates existing ones in place,
    /// keeping the topic ids that remain so learners' progress survives.
    #[arg(long, value_enum, default_value_t = ImportModeArg::Create)]
    pub mode: ImportModeArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportModeArg {
    Create,
    Replace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Json,
    Markdown,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The roadmap's slug.
    #[arg(long)]
    pub slug: String,
    #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
    pub format: ExportFormat,
    /// Where to write: a file for JSON (`-` or none: standard output), a folder for markdown.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Database URL: `sqlite://…` or `postgres://…`. Defaults to an embedded SQLite file in the data
    /// directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<SecretString>,
    /// Directory for the embedded database and generated secrets.
    #[arg(long, env = "DATA_DIR", default_value = "./var", global = true)]
    pub data_dir: PathBuf,
    /// Maximum connections in the database pool.
    #[arg(
        long,
        env = "DATABASE_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
    )]
    pub database_max_connections: u32,
    /// Longest a request waits for a database connection, in seconds (opening one included); past
    /// it the request answers 503 `SERVICE_UNAVAILABLE` instead of hanging while the database is away.
    #[arg(
        long,
        env = "DATABASE_ACQUIRE_TIMEOUT_SECS",
        default_value_t = 3,
        value_parser = clap::value_parser!(u64).range(1..),
        global = true
    )]
    pub database_acquire_timeout_secs: u64,
    /// Read replicas (hot standbys of the PostgreSQL primary), comma-separated
    /// `postgres://…` URLs: queries and subscriptions read there, writes stay on the primary.
    #[arg(
        long,
        env = "DATABASE_READ_URLS",
        global = true,
        hide_env_values = true
    )]
    pub database_read_urls: Option<SecretString>,
    /// A replica whose replay is further behind the primary than this (milliseconds) gets no reads
    /// until it has caught up.
    #[arg(
        long,
        env = "DATABASE_REPLICA_MAX_LAG_MS",
        default_value_t = 5000,
        global = true
    )]
    pub database_replica_max_lag_ms: u64,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:8000")]
    pub listen_addr: SocketAddr,
    /// Address of a listener of its own for `/metrics` (e.g. `127.0.0.1:9100`, reachable by the
    /// scraper only); then the API port answers 404 there. Unset: `/metrics` is on the API port.
    #[arg(long, env = "METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    #[command(flatten)]
    pub hardening: HardeningArgs,
    /// Skip loading the default roadmaps on an empty database (`--no-seed`, or `--no-seed=true`).
    #[arg(long, env = "NO_SEED", default_value_t = false, action = clap::ArgAction::Set,
          num_args = 0..=1, default_missing_value = "true", require_equals = true,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub no_seed: bool,
    #[command(flatten)]
    pub auth: AuthArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    /// Live roadmaps one learner may own (official roadmaps do not count).
    #[arg(long, env = "MAX_ROADMAPS_PER_USER", default_value_t = 50)]
    pub max_roadmaps_per_user: u64,
    #[command(flatten)]
    pub mail: MailArgs,
    #[command(flatten)]
    pub sockets: SocketArgs,
}

/// Limits of the GraphQL WebSocket transport of its own (every operation on it also passes the
/// limits a POST passes). Refusals close the socket with 4429, except too many operations, which
/// fails that one operation with `RATE_LIMITED`.
#[derive(Debug, Clone, Args)]
pub struct SocketArgs {
    /// Open sockets one user may hold (a new one past it is closed with 4429 at `connection_init`).
    #[arg(long, env = "WS_MAX_SOCKETS_PER_USER", default_value_t = 10,
          value_parser = at_least_one::<usize>)]
    pub ws_max_sockets_per_user: usize,
    /// Open sockets one client address (an IPv6 /64) may hold (past it: closed with 4429).
    #[arg(long, env = "WS_MAX_SOCKETS_PER_ADDRESS", default_value_t = 50,
          value_parser = at_least_one::<usize>)]
    pub ws_max_sockets_per_address: usize,
    /// Operations (subscriptions, queries, mutations) one socket may run at once.
    #[arg(long, env = "WS_MAX_OPERATIONS_PER_SOCKET", default_value_t = 20,
          value_parser = at_least_one::<usize>)]
    pub ws_max_operations_per_socket: usize,
    /// Messages per second one socket may send on average, in bursts of as many (past it: closed
    /// with 4429).
    #[arg(long, env = "WS_MAX_MESSAGES_PER_SECOND", default_value_t = 20,
          value_parser = at_least_one::<u32>)]
    pub ws_max_messages_per_second: u32,
}

/// Outgoing mail (address verification, address changes, password resets, team invitations).
#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// Mail server for every mail: `smtp://host:port` (plain), `smtp://host?tls=required`
    /// (STARTTLS) or `smtps://host` (TLS), with `user:password@` if needed. Unset (development
    /// only): mail, links included, is written to the log.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<SecretString>,
    /// Sender of every mail, e.g. `Roadmaps <no-reply@roadmap.example>`.
    #[arg(
        long,
        env = "SMTP_FROM",
        default_value = "roadmap-api <no-reply@localhost>",
        value_parser = parse_mailbox
    )]
    pub smtp_from: Mailbox,
    /// Where people reach this service, for the links in mail.
    #[arg(long, env = "PUBLIC_BASE_URL", default_value = "http://127.0.0.1:8000",
          value_parser = parse_base_url)]
    pub public_base_url: Url,
}

#[derive(Debug, Clone, Args)]
pub struct CacheArgs {
    /// Memory for cached anonymous query responses, in MiB (0 turns the response cache off).
    #[arg(long, env = "RESPONSE_CACHE_MB", default_value_t = 32)]
    pub response_cache_mb: usize,
    /// Keep each roadmap's loaded topic tree and resources in memory between requests.
    #[arg(long, env = "TREE_CACHE", default_value_t = true, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub tree_cache: bool,
    /// Memory for learners' statuses and counts kept between requests, in MiB (0 turns it off;
    /// it is off with `TREE_CACHE=false` too). Each learner's own writes refresh theirs.
    #[arg(long, env = "LEARNER_CACHE_MB", default_value_t = 16)]
    pub learner_cache_mb: usize,
    /// Memory for signed-in users' rows and team seats kept between requests, in MiB (~1 KiB a
    /// user; 0 turns it off: every token is then checked with one SQL statement).
    #[arg(long, env = "SESSION_CACHE_MB", default_value_t = 8)]
    pub session_cache_mb: usize,
}

#[derive(Debug, Clone, Args)]
pub struct AuthArgs {
    /// HS256 secret for access tokens, at least 32 bytes. When unset, one is generated and kept in
    /// the data directory (set it explicitly when several processes serve one database).
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,
    /// `iss` claim written into and required from access tokens.
    #[arg(long, env = "JWT_ISSUER", default_value = "roadmap-api")]
    pub jwt_issuer: String,
    /// `aud` claim written into and required from access tokens.
    #[arg(long, env = "JWT_AUDIENCE", default_value = "roadmap-api")]
    pub jwt_audience: String,
    /// Access token lifetime in seconds.
    #[arg(long, env = "ACCESS_TOKEN_TTL_SECONDS", default_value_t = 900)]
    pub access_token_ttl_seconds: u64,
    /// Refresh token lifetime in days.
    #[arg(long, env = "REFRESH_TOKEN_TTL_DAYS", default_value_t = 30)]
    pub refresh_token_ttl_days: u64,
    /// Failed sign-ins allowed per account and per client address within the window.
    #[arg(long, env = "SIGNIN_MAX_FAILURES", default_value_t = 10)]
    pub signin_max_failures: u32,
    /// Length of the sign-in rate-limit window in seconds.
    #[arg(long, env = "SIGNIN_WINDOW_SECONDS", default_value_t = 900)]
    pub signin_window_seconds: u64,
}

/// GraphQL-over-HTTP hardening: limits, CSRF/CORS, caching, rate limits, timeouts.
#[derive(Debug, Clone, Args)]
pub struct HardeningArgs {
    /// Development mode: field suggestions ("did you mean …") in errors. Same as APP_ENV=development.
    #[arg(long = "dev", default_value_t = false)]
    pub dev: bool,
    /// `development` turns on development mode; anything else is production.
    #[arg(long, env = "APP_ENV", default_value = "production")]
    pub app_env: String,
    /// Answer introspection queries (`__schema`, `__type`).
    #[arg(long, env = "INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub introspection: bool,
    /// Deepest field nesting a query may have (introspection fields excepted).
    #[arg(long, env = "MAX_QUERY_DEPTH", default_value_t = 12,
          value_parser = at_least_one::<usize>)]
    pub max_query_depth: usize,
    /// Highest cost a query may have: 1 per field, connections multiply their selection by `first`.
    #[arg(long, env = "MAX_QUERY_COMPLEXITY", default_value_t = 5000,
          value_parser = at_least_one::<usize>)]
    pub max_query_complexity: usize,
    /// Most aliases a document may use (fragments counted where they are spread).
    #[arg(long, env = "MAX_QUERY_ALIASES", default_value_t = 30,
          value_parser = at_least_one::<usize>)]
    pub max_query_aliases: usize,
    /// Most fields an operation may select at its root.
    #[arg(long, env = "MAX_ROOT_FIELDS", default_value_t = 20,
          value_parser = at_least_one::<usize>)]
    pub max_root_fields: usize,
    /// Most directives a document may use.
    #[arg(long, env = "MAX_QUERY_DIRECTIVES", default_value_t = 50,
          value_parser = at_least_one::<usize>)]
    pub max_query_directives: usize,
    /// Most lexical tokens a document may have (checked before parsing).
    #[arg(long, env = "MAX_QUERY_TOKENS", default_value_t = 2000,
          value_parser = at_least_one::<usize>)]
    pub max_query_tokens: usize,
    /// Deepest nesting of braces, brackets and parentheses the parser accepts.
    #[arg(long, env = "MAX_QUERY_RECURSION", default_value_t = 32,
          value_parser = at_least_one::<usize>)]
    pub max_query_recursion: usize,
    /// Longest GraphQL document, in characters.
    #[arg(long, env = "MAX_DOCUMENT_CHARS", default_value_t = 15_000,
          value_parser = at_least_one::<usize>)]
    pub max_document_chars: usize,
    /// Largest request body, in bytes (larger ones get 413).
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 1024 * 1024,
          value_parser = at_least_one::<usize>)]
    pub max_body_bytes: usize,
    /// Most operations one POST may carry as a JSON array; 0 (the default) refuses batches.
    #[arg(long, env = "MAX_BATCH_SIZE", default_value_t = 0)]
    pub max_batch_size: usize,
    /// Requests per second each client (IP address) may send on average; 0 turns rate limiting off.
    #[arg(long, env = "RATE_LIMIT_PER_SECOND", default_value_t = 50.0,
          value_parser = parse_rate)]
    pub rate_limit_per_second: f64,
    /// Requests a client may send at once before the per-second rate applies.
    #[arg(long, env = "RATE_LIMIT_BURST", default_value_t = 200)]
    pub rate_limit_burst: u32,
    /// Points each signed-in user may spend per window (a query costs its complexity / 100, at
    /// least 1); 0 turns per-user budgets off.
    #[arg(long, env = "RATE_LIMIT_USER_POINTS", default_value_t = 5000)]
    pub rate_limit_user_points: u32,
    /// Length of a user's budget window in seconds.
    #[arg(long, env = "RATE_LIMIT_USER_WINDOW_SECS", default_value_t = 3600,
          value_parser = at_least_one::<u32>)]
    pub rate_limit_user_window_secs: u32,
    /// Take the client address for rate limiting from the last `X-Forwarded-For` entry (set this
    /// only behind a reverse proxy that appends it).
    #[arg(long, env = "TRUST_FORWARDED_FOR", default_value_t = false, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub trust_forwarded_for: bool,
    /// Origins allowed to call the API from a browser (comma separated, e.g.
    /// `https://roadmap.example,https://admin.example`; `*` for any). Empty: CORS off.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    pub cors_allowed_origins: Vec<String>,
    /// Automatic persisted queries kept in memory (least recently used go first); 0 turns APQ off.
    #[arg(long, env = "APQ_CACHE_SIZE", default_value_t = 1000)]
    pub apq_cache_size: usize,
    /// `max-age` of `Cache-Control: public` on anonymous GET query responses, in seconds.
    #[arg(long, env = "CACHE_MAX_AGE_SECS", default_value_t = 60)]
    pub cache_max_age_secs: u32,
    /// Longest time a request may take, body upload included, in seconds.
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 30,
          value_parser = at_least_one::<u64>)]
    pub request_timeout_secs: u64,
}
