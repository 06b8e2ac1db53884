//! Subcommands. Each returns an exit code; errors are one line on stderr, never a backtrace.
#![allow(
    clippy::print_stdout,
    reason = "the commands answer on standard output"
)]
mod create_admin;
mod roadmaps;
use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

use crate::config::{Cli, Command, DbSettings, Settings};

fn init_logging() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if json {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}

/// Prints the error with its causes (see `error::chain`) and fails.
fn fail(err: impl Into<Box<dyn std::error::Error>>) -> ExitCode {
    let err: Box<dyn std::error::Error> = err.into();
    eprintln!("error: {}", crate::error::chain(err.as_ref()));
    ExitCode::FAILURE
}

pub async fn run(cli: Cli) -> ExitCode {
    let Some(command) = cli.command else {
        return fail("no command given");
    };
    match command {
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            ExitCode::SUCCESS
        }
        Command::Migrate => {
            init_logging();
            let result = async {
                let (db, _) = crate::db::connect(&DbSettings::from(&cli.db)).await?;
                crate::db::migrate(&db).await
            }
            .await;
            match result {
                Ok(()) => {
                    println!("migrations applied");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Import(args) => {
            init_logging();
            roadmaps::import(&cli.db, &args).await
        }
        Command::Export(args) => {
            init_logging();
            roadmaps::export(&cli.db, &args).await
        }
        Command::CreateAdmin(args) => {
            init_logging();
            create_admin::create_admin(&cli.db, &args).await
        }
        Command::Serve(serve) => {
            init_logging();
            let settings = match Settings::from_cli(cli.db, serve) {
                Ok(settings) => settings,
                Err(e) => return fail(e),
            };
            let app = match crate::http::Application::build(settings).await {
                Ok(app) => app,
                Err(e) => return fail(e),
            };
            match app.run_until_stopped().await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(e),
            }
        }
    }
}
