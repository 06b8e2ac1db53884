//! `roadmap-bench static`: the ceiling of the load benchmark. A separate minimal process (tokio +
//! hyper through axum, one plain route, no middleware) answering the exact bytes of the tree
//! answer, so the load tool is measured on the same machine in the same run with nothing of the
//! server in the way. Anything the server does beyond this costs throughput against it.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use axum::body::Bytes;
use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct StaticArgs {
    /// File whose bytes every request gets (the tree answer, as JSON).
    #[arg(long)]
    pub body: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
}

pub async fn run(args: StaticArgs) -> ExitCode {
    match serve(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: StaticArgs) -> anyhow::Result<()> {
    let bytes = Bytes::from(
        std::fs::read(&args.body).with_context(|| format!("read {}", args.body.display()))?,
    );
    let answer = move || {
        let bytes = bytes.clone();
        async move {
            (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                bytes,
            )
                .into_response()
        }
    };
    // POST reads the request body, as /graphql does; GET for a quick look with curl.
    let app = Router::new().route(
        "/static",
        get(answer.clone()).post(move |_body: Bytes| answer()),
    );
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("bind {}", args.listen))?;
    eprintln!(
        "static ceiling listening on http://{}/static",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
