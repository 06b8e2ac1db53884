//! Configuration, in two steps: `cli` is the command line as clap parses it (flags, environment
//! variables, defaults, and every check on a single value); `settings` turns a parsed `serve` into
//! the typed `Settings` the server runs on (durations, URLs, secrets that never print), checking the
//! rules that join two values. The rest of the code reads `Settings`, never the clap structs
//! (the one-shot commands read `DbArgs` through `DbSettings`).
pub mod cli;
mod parse;
pub mod settings;

pub use cli::{
    AuthArgs, CacheArgs, Cli, Command, CreateAdminArgs, DbArgs, ExportArgs, ExportFormat,
    HardeningArgs, ImportArgs, ImportModeArg, MailArgs, ServeArgs, SocketArgs,
};
pub use settings::{
    AppMode, AuthSettings, CacheSettings, DbSettings, Hardening, MailSettings, Settings,
    SettingsError, SocketSettings,
};
