//! `Settings`: what the server runs on, typed. Built once from clap's parse (`Settings::from_cli`),
//! or from the binary's defaults in tests (`Settings::for_tests`), then read everywhere else.
//! Durations are `Duration`, URLs are `Url`, sizes carry their unit in their name, and every
//! secret (the JWT secret, the database and SMTP URLs, which may hold passwords) is a
//! `SecretString`, whose `Debug` prints `[REDACTED]` and which has no `Display`.
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::Mailbox;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::cli::{
    AuthArgs, CacheArgs, Cli, Command, DbArgs, HardeningArgs, MailArgs, ServeArgs, SocketArgs,
};

/// Everything `roadmap-api serve` needs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub db: DbSettings,
    /// Address to listen on (port 0 picks a free one).
    pub listen_addr: SocketAddr,
    /// A listener of its own for `/metrics`; `None`: `/metrics` is on the API port.
    pub metrics_addr: Option<SocketAddr>,
    /// Load the default roadmaps into an empty database.
    pub seed_defaults: bool,
    pub mode: AppMode,
    pub hardening: Hardening,
    pub auth: AuthSettings,
    pub cache: CacheSettings,
    /// Live roadmaps one learner may own (official roadmaps do not count).
    pub max_roadmaps_per_user: u64,
    pub mail: MailSettings,
    pub sockets: SocketSettings,
}

/// `APP_ENV=development` or `--dev`; anything else is production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppMode {
    /// Errors suggest field names ("did you mean …").
    Development,
    Production,
}

/// The database to connect to and the pool's size and patience.
#[derive(Debug, Clone)]
pub struct DbSettings {
    /// The URL sea-orm connects to, kept as text: an embedded SQLite URL holds a relative path,
    /// which `Url` cannot hold, and a PostgreSQL one may hold a password.
    pub url: SecretString,
    /// No `DATABASE_URL` was given: the SQLite file lives in `data_dir`.
    pub embedded: bool,
    /// Directory for the embedded database and the generated JWT secret.
    pub data_dir: PathBuf,
    pub max_connections: u32,
    /// Longest a request waits for a connection, opening one included.
    pub acquire_timeout: Duration,
    /// `DATABASE_READ_URLS`: the read replicas (empty: every statement goes to `url`).
    pub read_urls: Vec<SecretString>,
    /// `DATABASE_REPLICA_MAX_LAG_MS`: a replica further behind gets no reads.
    pub replica_max_lag: Duration,
}

/// Document limits, request limits, CORS, caching headers (see `HardeningArgs` for each).
#[derive(Debug, Clone)]
pub struct Hardening {
    pub introspection: bool,
    pub max_query_depth: usize,
    pub max_query_complexity: usize,
    pub max_query_aliases: usize,
    pub max_root_fields: usize,
    pub max_query_directives: usize,
    pub max_query_tokens: usize,
    pub max_query_recursion: usize,
    pub max_document_chars: usize,
    pub max_body_bytes: usize,
    /// Operations one POST may batch; 0 refuses batches.
    pub max_batch_size: usize,
    /// Per-address requests per second; 0 turns the limit off.
    pub rate_limit_per_second: f64,
    pub rate_limit_burst: u32,
    /// Per-user points per window; 0 turns budgets off.
    pub rate_limit_user_points: u32,
    pub rate_limit_user_window: Duration,
    pub trust_forwarded_for: bool,
    /// Trimmed origins, no empty entries; empty: CORS off.
    pub cors_allowed_origins: Vec<String>,
    /// Persisted queries kept; 0 turns APQ off.
    pub apq_cache_size: usize,
    pub cache_max_age: Duration,
    pub request_timeout: Duration,
}

/// Access and refresh tokens, and the sign-in failure limit.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// `None`: generated once and kept in the data directory.
    pub jwt_secret: Option<SecretString>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    /// Kept within 30 s..1 day.
    pub access_token_ttl: Duration,
    /// Kept within 1..365 days.
    pub refresh_token_ttl: Duration,
    pub signin_max_failures: u32,
    pub signin_window: Duration,
}

/// In-memory caches.
#[derive(Debug, Clone)]
pub struct CacheSettings {
    /// Memory for cached anonymous answers; 0 turns the response cache off.
    pub response_cache_bytes: usize,
    pub tree_cache: bool,
    /// Memory for learners' hot statuses and counts; 0 turns it off, and so does no tree cache
    /// (`learner_cache_in_use` applies both).
    pub learner_cache_bytes: usize,
    /// Memory for signed-in users' kept sessions (`accounts::sessions`); 0 turns it off.
    pub session_cache_bytes: usize,
}

impl CacheSettings {
    /// The memory the learner cache gets: `learner_cache_bytes`, or none without the tree cache.
    pub fn learner_cache_in_use(&self) -> usize {
        if self.tree_cache {
            self.learner_cache_bytes
        } else {
            0
        }
    }
}

/// Outgoing mail.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `None`: mail is written to the log (development only).
    pub smtp_url: Option<SecretString>,
    pub from: Mailbox,
    /// Where people reach the service, for the links in mail.
    pub public_base_url: Url,
}

/// Limits of the GraphQL WebSocket transport (each at least 1).
#[derive(Debug, Clone)]
pub struct SocketSettings {
    pub max_sockets_per_user: usize,
    pub max_sockets_per_address: usize,
    pub max_operations_per_socket: usize,
    pub max_messages_per_second: u32,
}

/// A rule that joins two values was broken; the message names the variables.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("RATE_LIMIT_BURST must be at least 1 when RATE_LIMIT_PER_SECOND is above 0")]
    ZeroBurst,
    #[error(
        "DATABASE_READ_URLS must list postgres:// URLs, and only with a PostgreSQL DATABASE_URL \
         (SQLite has no replicas)"
    )]
    ReplicasNeedPostgres,
}

const SECONDS_PER_DAY: u64 = 86_400;

impl Settings {
    /// The settings of a parsed `serve` command line (clap has checked each value already).
    pub fn from_cli(db: DbArgs, serve: ServeArgs) -> Result<Self, SettingsError> {
        let ServeArgs {
            listen_addr,
            metrics_addr,
            hardening,
            no_seed,
            auth,
            cache,
            max_roadmaps_per_user,
            mail,
            sockets,
        } = serve;
        if hardening.rate_limit_per_second > 0.0 && hardening.rate_limit_burst == 0 {
            return Err(SettingsError::ZeroBurst);
        }
        let db = DbSettings::from(&db);
        let postgres = |url: &SecretString| url.expose_secret().starts_with("postgres");
        let all_postgres = postgres(&db.url) && db.read_urls.iter().all(postgres);
        if !db.read_urls.is_empty() && !all_postgres {
            return Err(SettingsError::ReplicasNeedPostgres);
        }
        Ok(Self {
            db,
            listen_addr,
            metrics_addr,
            seed_defaults: !no_seed,
            mode: AppMode::of(&hardening),
            hardening: hardening.into(),
            auth: auth.into(),
            cache: cache.into(),
            max_roadmaps_per_user,
            mail: mail.into(),
            sockets: sockets.into(),
        })
    }

    /// What `roadmap-api serve` runs with when given only these flags (`--max-body-bytes=10`),
    /// reading no environment variable, so a developer's `DATABASE_URL` or `JWT_SECRET` does not
    /// get in. `for_tests` starts from it, and the unit tests below check the parse with it; test
    /// servers then change the typed fields.
    pub fn from_serve_flags<T: AsRef<str>>(flags: &[T]) -> Result<Self, String> {
        let argv = ["roadmap-api", "serve"]
            .into_iter()
            .chain(flags.iter().map(AsRef::as_ref));
        let cli = Cli::parse_without_env(argv).map_err(|e| e.to_string())?;
        match cli.command {
            Some(Command::Serve(serve)) => Self::from_cli(cli.db, serve).map_err(|e| e.to_string()),
            _ => Err("not parsed as `serve`".to_owned()),
        }
    }

    /// The binary's defaults on `data_dir` (tests change what they test). Panics only if the
    /// defaults themselves do not parse, which the unit tests below would show first.
    pub fn for_tests(data_dir: &Path) -> Self {
        match Self::from_serve_flags(&[format!("--data-dir={}", data_dir.display())]) {
            Ok(settings) => settings,
            Err(e) => panic!("the default settings do not parse: {e}"),
        }
    }

    /// Whether errors suggest field names.
    pub fn is_dev(&self) -> bool {
        self.mode == AppMode::Development
    }
}

impl AppMode {
    fn of(args: &HardeningArgs) -> Self {
        if args.dev || args.app_env.trim().eq_ignore_ascii_case("development") {
            Self::Development
        } else {
            Self::Production
        }
    }
}

impl From<&DbArgs> for DbSettings {
    fn from(args: &DbArgs) -> Self {
        let given = args
            .database_url
            .as_ref()
            .map(|url| url.expose_secret().trim())
            .filter(|url| !url.is_empty());
        let url = match given {
            Some(url) => url.to_owned(),
            None => format!(
                "sqlite://{}?mode=rwc",
                args.data_dir.join("roadmap.db").display()
            ),
        };
        Self {
            url: url.into(),
            embedded: given.is_none(),
            data_dir: args.data_dir.clone(),
            max_connections: args.database_max_connections,
            acquire_timeout: Duration::from_secs(args.database_acquire_timeout_secs.max(1)),
            read_urls: args
                .database_read_urls
                .as_ref()
                .map(|urls| {
                    urls.expose_secret()
                        .split(',')
                        .map(str::trim)
                        .filter(|url| !url.is_empty())
                        .map(|url| SecretString::from(url.to_owned()))
                        .collect()
                })
                .unwrap_or_default(),
            replica_max_lag: Duration::from_millis(args.database_replica_max_lag_ms),
        }
    }
}

impl From<HardeningArgs> for Hardening {
    fn from(a: HardeningArgs) -> Self {
        Self {
            introspection: a.introspection,
            max_query_depth: a.max_query_depth,
            max_query_complexity: a.max_query_complexity,
            max_query_aliases: a.max_query_aliases,
            max_root_fields: a.max_root_fields,
            max_query_directives: a.max_query_directives,
            max_query_tokens: a.max_query_tokens,
            max_query_recursion: a.max_query_recursion,
            max_document_chars: a.max_document_chars,
            max_body_bytes: a.max_body_bytes,
            max_batch_size: a.max_batch_size,
            rate_limit_per_second: a.rate_limit_per_second,
            rate_limit_burst: a.rate_limit_burst,
            rate_limit_user_points: a.rate_limit_user_points,
            rate_limit_user_window: Duration::from_secs(a.rate_limit_user_window_secs.into()),
            trust_forwarded_for: a.trust_forwarded_for,
            cors_allowed_origins: a
                .cors_allowed_origins
                .into_iter()
                .filter(|o| !o.is_empty())
                .collect(),
            apq_cache_size: a.apq_cache_size,
            cache_max_age: Duration::from_secs(a.cache_max_age_secs.into()),
            request_timeout: Duration::from_secs(a.request_timeout_secs),
        }
    }
}

impl From<AuthArgs> for AuthSettings {
    fn from(a: AuthArgs) -> Self {
        Self {
            jwt_secret: a.jwt_secret.filter(|s| !s.expose_secret().is_empty()),
            jwt_issuer: a.jwt_issuer,
            jwt_audience: a.jwt_audience,
            access_token_ttl: Duration::from_secs(
                a.access_token_ttl_seconds.clamp(30, SECONDS_PER_DAY),
            ),
            refresh_token_ttl: Duration::from_secs(
                a.refresh_token_ttl_days.clamp(1, 365) * SECONDS_PER_DAY,
            ),
            signin_max_failures: a.signin_max_failures,
            signin_window: Duration::from_secs(a.signin_window_seconds),
        }
    }
}

impl From<CacheArgs> for CacheSettings {
    fn from(a: CacheArgs) -> Self {
        Self {
            response_cache_bytes: a.response_cache_mb.saturating_mul(1024 * 1024),
            tree_cache: a.tree_cache,
            learner_cache_bytes: a.learner_cache_mb.saturating_mul(1024 * 1024),
            session_cache_bytes: a.session_cache_mb.saturating_mul(1024 * 1024),
        }
    }
}

impl From<MailArgs> for MailSettings {
    fn from(a: MailArgs) -> Self {
        Self {
            smtp_url: a.smtp_url.filter(|u| !u.expose_secret().trim().is_empty()),
            from: a.smtp_from,
            public_base_url: a.public_base_url,
        }
    }
}

impl From<SocketArgs> for SocketSettings {
    fn from(a: SocketArgs) -> Self {
        Self {
            max_sockets_per_user: a.ws_max_sockets_per_user,
            max_sockets_per_address: a.ws_max_sockets_per_address,
            max_operations_per_socket: a.ws_max_operations_per_socket,
            max_messages_per_second: a.ws_max_messages_per_second,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(flags: &[&str]) -> Result<Settings, String> {
        Settings::from_serve_flags(flags)
    }

    #[test]
    fn defaults_are_typed() {
        let s = Settings::for_tests(Path::new("/tmp/x"));
        assert_eq!(s.mode, AppMode::Production);
        assert!(s.seed_defaults && s.db.embedded);
        assert_eq!(
            s.db.url.expose_secret(),
            "sqlite:///tmp/x/roadmap.db?mode=rwc"
        );
        assert_eq!(s.auth.access_token_ttl, Duration::from_secs(900));
        assert_eq!(
            s.auth.refresh_token_ttl,
            Duration::from_secs(30 * SECONDS_PER_DAY)
        );
        assert_eq!(s.hardening.request_timeout, Duration::from_secs(30));
        assert_eq!(s.cache.response_cache_bytes, 32 * 1024 * 1024);
        assert_eq!(s.mail.public_base_url.as_str(), "http://127.0.0.1:8000/");
    }

    #[test]
    fn debug_shows_no_secret() {
        let s = parse(&[
            "--jwt-secret=jwt-secret-jwt-secret-jwt-secret-0123",
            "--smtp-url=smtp://mailer:smtp-password@mail.example:587",
            "--database-url=postgres://app:db-password@db.example/roadmaps",
        ])
        .unwrap();
        let shown = format!("{s:?} {s:#?}");
        for secret in ["jwt-secret-jwt", "smtp-password", "db-password"] {
            assert!(!shown.contains(secret), "{secret} shown in {shown}");
        }
        assert!(shown.contains("REDACTED"), "{shown}");
    }

    #[test]
    fn dev_flag_and_app_env_make_one_mode() {
        assert_eq!(parse(&["--dev"]).unwrap().mode, AppMode::Development);
        assert_eq!(
            parse(&["--app-env= Development"]).unwrap().mode,
            AppMode::Development
        );
        assert_eq!(
            parse(&["--app-env=staging"]).unwrap().mode,
            AppMode::Production
        );
    }

    #[test]
    fn single_values_are_refused_by_clap_naming_the_flag() {
        for (flag, name) in [
            ("--max-query-depth=0", "MAX_QUERY_DEPTH"),
            ("--max-body-bytes=0", "MAX_BODY_BYTES"),
            ("--ws-max-sockets-per-user=0", "WS_MAX_SOCKETS_PER_USER"),
            (
                "--ws-max-messages-per-second=0",
                "WS_MAX_MESSAGES_PER_SECOND",
            ),
            (
                "--rate-limit-user-window-secs=0",
                "RATE_LIMIT_USER_WINDOW_SECS",
            ),
            ("--request-timeout-secs=0", "REQUEST_TIMEOUT_SECS"),
            ("--rate-limit-per-second=-1", "RATE_LIMIT_PER_SECOND"),
            (
                "--cors-allowed-origins=https://a.example/x",
                "CORS_ALLOWED_ORIGINS",
            ),
            ("--smtp-from=not an address", "SMTP_FROM"),
            ("--public-base-url=roadmap.test", "PUBLIC_BASE_URL"),
        ] {
            let err = parse(&[flag])
                .err()
                .unwrap_or_else(|| panic!("{flag} accepted"));
            assert!(err.contains(name), "{flag}: {err}");
        }
    }

    #[test]
    fn a_zero_burst_is_refused_only_with_a_rate() {
        let err = parse(&["--rate-limit-burst=0"]).err().unwrap();
        assert!(err.contains("RATE_LIMIT_BURST"), "{err}");
        assert!(parse(&["--rate-limit-burst=0", "--rate-limit-per-second=0"]).is_ok());
    }

    #[test]
    fn lists_and_switches_parse_as_before() {
        let s = parse(&["--cors-allowed-origins= https://a.example/,,*", "--no-seed"]).unwrap();
        assert_eq!(s.hardening.cors_allowed_origins, ["https://a.example", "*"]);
        assert!(!s.seed_defaults);
        assert!(parse(&["--no-seed=false"]).unwrap().seed_defaults);
        let uncached = parse(&["--tree-cache=false"]).unwrap().cache;
        assert!(!uncached.tree_cache);
        assert_eq!(uncached.learner_cache_in_use(), 0);
    }
}
