//! roadmap-bench: the benchmark tooling of roadmap-api, kept out of the server binary.
//!
//! - `generate`: the deterministic data set (see bench/README.md)
//! - `static`: the ceiling, a minimal process serving the bytes of the tree answer
//! - `run`: the load benchmark, driven by oha against the release server and the ceiling
//! - `learner`: the learner's path (issue 22) with wrk, many learners in rotation
//! - `progress`: a small self-contained write/read benchmark on fresh databases
//! - `sockets`: server memory per subscribed WebSocket and the time a change takes to reach them,
//!   on one server or several on one PostgreSQL database; its sockets are held by
//!   `sockets-client` processes (hidden: `sockets` starts them)
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod generate;
mod learner;
mod progress_bench;
mod run;
mod scratch_pg;
mod server_api;
mod sockets;
mod static_server;

#[derive(Debug, Parser)]
#[command(name = "roadmap-bench", about = "Benchmark tooling for roadmap-api")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

// Parsed once at start: the size of a variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Cmd {
    /// Fill a database with a deterministic benchmark data set.
    Generate {
        #[command(flatten)]
        db: server_api::DbArgs,
        #[command(flatten)]
        args: generate::GenerateArgs,
    },
    /// Serve a file's bytes on `/static`: the ceiling of `run`.
    Static(static_server::StaticArgs),
    /// Run the load benchmark against a server binary and print the table.
    Run(run::RunArgs),
    /// The learner's path (issue 22) with wrk: ceiling, pages, dashboard, writes, raw writes.
    Learner(learner::LearnerArgs),
    /// setTopicStatus throughput and me.progress latency on fresh databases.
    Progress(progress_bench::ProgressArgs),
    /// Server memory per subscribed WebSocket, and delivery of changes to all of them.
    Sockets(sockets::SocketsArgs),
    /// One client process of `sockets`, started by it: holds its share of the sockets.
    #[command(hide = true)]
    SocketsClient(sockets::ClientArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command {
        Cmd::Generate { db, args } => generate::run(db, &args).await,
        Cmd::Static(args) => static_server::run(args).await,
        Cmd::Run(args) => report(run::run(args).await),
        Cmd::Learner(args) => report(learner::run(args).await),
        Cmd::Progress(args) => report(progress_bench::run(args).await),
        Cmd::Sockets(args) => report(sockets::run(args).await),
        Cmd::SocketsClient(args) => report(sockets::run_client(args).await),
    }
}

fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
