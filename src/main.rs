#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = roadmap_api::config::Cli::parse_or_serve();
    roadmap_api::cli::run(cli).await
}
