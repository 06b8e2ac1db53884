//! One configuration, from CLI flags and environment variables, validated once at start.
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
        let cli = Self::parse_from(args.clone());
        if cli.command.is_some() {
            return cli;
        }
        args.insert(1.min(args.len()), "serve".into());
        Self::parse_from(args)
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
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
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
}

impl DbArgs {
    /// The URL to connect to: the configured one, or the embedded SQLite file.
    pub fn url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.trim().to_owned(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("roadmap.db").display()
            ),
        }
    }

    pub fn is_embedded(&self) -> bool {
        self.database_url
            .as_deref()
            .map(|u| u.trim().is_empty())
            .unwrap_or(true)
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:8000")]
    pub listen_addr: SocketAddr,
    #[command(flatten)]
    pub hardening: HardeningArgs,
    /// Skip loading the default roadmaps on an empty database.
    #[arg(long, env = "NO_SEED", default_value_t = false)]
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
}

/// Outgoing mail (team invitations).
#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// Mail server for team invitations: `smtp://host:port` (plain), `smtp://host?tls=required`
    /// (STARTTLS) or `smtps://host` (TLS), with `user:password@` if needed. Unset: no mail.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of the invitation mail, e.g. `Roadmaps <no-reply@roadmap.example>`.
    #[arg(
        long,
        env = "SMTP_FROM",
        default_value = "roadmap-api <no-reply@localhost>"
    )]
    pub smtp_from: String,
    /// Where people reach this service, for the links in mail.
    #[arg(long, env = "PUBLIC_BASE_URL", default_value = "http://127.0.0.1:8000")]
    pub public_base_url: String,
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
}

#[derive(Debug, Clone, Args)]
pub struct AuthArgs {
    /// HS256 secret for access tokens, at least 32 bytes. When unset, one is generated and kept in
    /// the data directory (set it explicitly when several processes serve one database).
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
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

/// Everything the server needs, assembled from the CLI.
#[derive(Debug, Clone)]
pub struct Config {
    pub db: DbArgs,
    pub serve: ServeArgs,
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
    #[arg(long, env = "MAX_QUERY_DEPTH", default_value_t = 12)]
    pub max_query_depth: usize,
    /// Highest cost a query may have: 1 per field, connections multiply their selection by `first`.
    #[arg(long, env = "MAX_QUERY_COMPLEXITY", default_value_t = 5000)]
    pub max_query_complexity: usize,
    /// Most aliases a document may use (fragments counted where they are spread).
    #[arg(long, env = "MAX_QUERY_ALIASES", default_value_t = 30)]
    pub max_query_aliases: usize,
    /// Most fields an operation may select at its root.
    #[arg(long, env = "MAX_ROOT_FIELDS", default_value_t = 20)]
    pub max_root_fields: usize,
    /// Most directives a document may use.
    #[arg(long, env = "MAX_QUERY_DIRECTIVES", default_value_t = 50)]
    pub max_query_directives: usize,
    /// Most lexical tokens a document may have (checked before parsing).
    #[arg(long, env = "MAX_QUERY_TOKENS", default_value_t = 2000)]
    pub max_query_tokens: usize,
    /// Deepest nesting of braces, brackets and parentheses the parser accepts.
    #[arg(long, env = "MAX_QUERY_RECURSION", default_value_t = 32)]
    pub max_query_recursion: usize,
    /// Longest GraphQL document, in characters.
    #[arg(long, env = "MAX_DOCUMENT_CHARS", default_value_t = 15_000)]
    pub max_document_chars: usize,
    /// Largest request body, in bytes (larger ones get 413).
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Most operations one POST may carry as a JSON array; 0 (the default) refuses batches.
    #[arg(long, env = "MAX_BATCH_SIZE", default_value_t = 0)]
    pub max_batch_size: usize,
    /// Requests per second each client (IP address) may send on average; 0 turns rate limiting off.
    #[arg(long, env = "RATE_LIMIT_PER_SECOND", default_value_t = 50.0)]
    pub rate_limit_per_second: f64,
    /// Requests a client may send at once before the per-second rate applies.
    #[arg(long, env = "RATE_LIMIT_BURST", default_value_t = 200)]
    pub rate_limit_burst: u32,
    /// Points each signed-in user may spend per window (a query costs its complexity / 100, at
    /// least 1); 0 turns per-user budgets off.
    #[arg(long, env = "RATE_LIMIT_USER_POINTS", default_value_t = 5000)]
    pub rate_limit_user_points: u32,
    /// Length of a user's budget window in seconds.
    #[arg(long, env = "RATE_LIMIT_USER_WINDOW_SECS", default_value_t = 3600)]
    pub rate_limit_user_window_secs: u32,
    /// Take the client address for rate limiting from the last `X-Forwarded-For` entry (set this
    /// only behind a reverse proxy that appends it).
    #[arg(long, env = "TRUST_FORWARDED_FOR", default_value_t = false, action = clap::ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub trust_forwarded_for: bool,
    /// Origins allowed to call the API from a browser (comma separated, e.g.
    /// `https://roadmap.example,https://admin.example`; `*` for any). Empty: CORS off.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub cors_allowed_origins: Vec<String>,
    /// Automatic persisted queries kept in memory (least recently used go first); 0 turns APQ off.
    #[arg(long, env = "APQ_CACHE_SIZE", default_value_t = 1000)]
    pub apq_cache_size: usize,
    /// `max-age` of `Cache-Control: public` on anonymous GET query responses, in seconds.
    #[arg(long, env = "CACHE_MAX_AGE_SECS", default_value_t = 60)]
    pub cache_max_age_secs: u32,
    /// Longest time a request may take, body upload included, in seconds.
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
}

impl HardeningArgs {
    pub fn is_dev(&self) -> bool {
        self.dev || self.app_env.trim().eq_ignore_ascii_case("development")
    }

    /// The allowed CORS origins, trimmed, without empty entries.
    pub fn cors_origins(&self) -> Vec<String> {
        self.cors_allowed_origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect()
    }

    /// Checks the values once at start; the message names the variable at fault.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("MAX_QUERY_DEPTH", self.max_query_depth),
            ("MAX_QUERY_COMPLEXITY", self.max_query_complexity),
            ("MAX_QUERY_ALIASES", self.max_query_aliases),
            ("MAX_ROOT_FIELDS", self.max_root_fields),
            ("MAX_QUERY_DIRECTIVES", self.max_query_directives),
            ("MAX_QUERY_TOKENS", self.max_query_tokens),
            ("MAX_QUERY_RECURSION", self.max_query_recursion),
            ("MAX_DOCUMENT_CHARS", self.max_document_chars),
            ("MAX_BODY_BYTES", self.max_body_bytes),
        ];
        for (name, v) in positive {
            if v == 0 {
                return Err(format!("{name} must be at least 1"));
            }
        }
        if !self.rate_limit_per_second.is_finite() || self.rate_limit_per_second < 0.0 {
            return Err("RATE_LIMIT_PER_SECOND must be a number, 0 or more".into());
        }
        if self.rate_limit_per_second > 0.0 && self.rate_limit_burst == 0 {
            return Err("RATE_LIMIT_BURST must be at least 1".into());
        }
        if self.rate_limit_user_window_secs == 0 {
            return Err("RATE_LIMIT_USER_WINDOW_SECS must be at least 1".into());
        }
        if self.request_timeout_secs == 0 {
            return Err("REQUEST_TIMEOUT_SECS must be at least 1".into());
        }
        for origin in self.cors_origins() {
            let ok = origin == "*"
                || ((origin.starts_with("http://") || origin.starts_with("https://"))
                    && http::HeaderValue::from_str(&origin).is_ok()
                    && !origin[origin.find("://").unwrap_or(0) + 3..].contains('/'));
            if !ok {
                return Err(format!(
                    "CORS_ALLOWED_ORIGINS: `{origin}` is not an origin like https://example.com"
                ));
            }
        }
        Ok(())
    }
}

impl Config {
    /// The configuration `roadmap-api serve` builds from these environment variables alone
    /// (`[("DATA_DIR", "…"), ("NO_SEED", "true")]`; a later pair wins over an earlier one). The
    /// process environment is not read, so servers started side by side in one process (the
    /// tests) each get exactly their own settings.
    pub fn from_env_pairs(pairs: &[(&str, &str)]) -> Result<Config, clap::Error> {
        use clap::error::ErrorKind;
        use clap::{CommandFactory, FromArgMatches};
        let cmd = Cli::command();
        let serve = cmd.find_subcommand("serve").expect("serve").clone();
        // The flag a variable stands for, among `serve`'s arguments and the global ones.
        let flag = |name: &str| {
            serve
                .get_arguments()
                .chain(cmd.get_arguments())
                .find(|a| a.get_env().is_some_and(|e| e == name))
                .and_then(|a| Some((a.get_long()?.to_owned(), a.get_action().takes_values())))
        };
        let mut argv = vec!["roadmap-api".to_owned(), "serve".to_owned()];
        for (i, (name, value)) in pairs.iter().enumerate() {
            if pairs[i + 1..].iter().any(|(later, _)| later == name) {
                continue;
            }
            let Some((long, takes_value)) = flag(name) else {
                let msg = format!("no setting is read from {name}");
                return Err(cmd.clone().error(ErrorKind::UnknownArgument, msg));
            };
            let v = value.trim().to_ascii_lowercase();
            if takes_value {
                argv.push(format!("--{long}={value}"));
            } else if ["y", "yes", "t", "true", "on", "1"].contains(&v.as_str()) {
                argv.push(format!("--{long}"));
            } else if !["n", "no", "f", "false", "off", "0"].contains(&v.as_str()) {
                let msg = format!("{name}: `{value}` is neither true nor false");
                return Err(cmd.clone().error(ErrorKind::InvalidValue, msg));
            }
        }
        // Only the pairs count: no argument falls back to the process environment.
        let cmd = cmd
            .mut_args(|a| a.env(None::<&'static str>))
            .mut_subcommand("serve", |s| s.mut_args(|a| a.env(None::<&'static str>)));
        let cli = Cli::from_arg_matches(&cmd.try_get_matches_from(argv)?)?;
        match cli.command {
            Some(Command::Serve(serve)) => Ok(Config { db: cli.db, serve }),
            _ => unreachable!("parsed as `serve`"),
        }
    }
}
