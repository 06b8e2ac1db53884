//! Starting and stopping the server: bind first (so port 0 works and the caller can read the port),
//! then prepare the state and router; serve until SIGINT or SIGTERM, letting requests finish.
use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;

use super::router::{metrics_router, router};
use super::state::{prepare, StartError};
use crate::config::Settings;

/// A bound, ready server.
pub struct Application {
    listener: TcpListener,
    address: SocketAddr,
    router: Router,
    /// The `METRICS_ADDR` listener, its bound address and its router, when configured.
    metrics: Option<(TcpListener, SocketAddr, Router)>,
}

impl Application {
    /// Binds `config.listen_addr` (and `metrics_addr` when set), then connects,
    /// migrates, seeds and builds the routers.
    pub async fn build(config: Settings) -> Result<Self, StartError> {
        let (listener, address) = bind(config.listen_addr).await?;
        let metrics_listener = match config.metrics_addr {
            Some(addr) => Some(bind(addr).await?),
            None => None,
        };
        let state = prepare(config).await?;
        let metrics = metrics_listener
            .map(|(listener, address)| (listener, address, metrics_router(state.clone())));
        Ok(Self {
            listener,
            address,
            router: router(state),
            metrics,
        })
    }

    /// The address `/metrics` is served on when `METRICS_ADDR` is set.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(_, address, _)| *address)
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish (tests stop their
    /// server this way rather than through the process's signals).
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!("roadmap-api listening on http://{}/graphql", self.address);
        // The metrics listener stops when the API server has drained.
        let metrics = self.metrics.map(|(listener, address, router)| {
            tracing::info!("metrics on http://{address}/metrics");
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let task = tokio::spawn(async move {
                axum::serve(listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.await;
                    })
                    .await
            });
            (stop, task)
        });
        // The peer address feeds the per-client rate limits.
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        if let Some((stop, task)) = metrics {
            let _ = stop.send(());
            if let Ok(result) = task.await {
                result?;
            }
        }
        tracing::info!("roadmap-api stopped");
        Ok(())
    }
}

/// Binds `addr`, returning the listener and the address actually bound (port 0 picks one).
async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), StartError> {
    let listen_error = |source| StartError::Listen {
        addr: addr.to_string(),
        source,
    };
    let listener = TcpListener::bind(addr).await.map_err(listen_error)?;
    let address = listener.local_addr().map_err(listen_error)?;
    Ok((listener, address))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received; draining requests");
}
