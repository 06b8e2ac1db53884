//! Start-up shared by the binary (`app::serve`) and the integration tests: bind the listener
//! (port 0 picks a free one), prepare the state, then serve until told to stop.
use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;

use crate::app::{self, StartError};
use crate::config::Config;

/// A prepared server: listening, migrated, seeded, not yet serving.
pub struct Application {
    listener: TcpListener,
    address: SocketAddr,
    router: Router,
}

impl Application {
    /// Binds `config.serve.listen_addr`, then connects, migrates and seeds (`app::prepare`).
    pub async fn build(config: Config) -> Result<Self, StartError> {
        let addr = config.serve.listen_addr;
        let listen_error = |source| StartError::Listen {
            addr: addr.to_string(),
            source,
        };
        let listener = TcpListener::bind(addr).await.map_err(listen_error)?;
        let address = listener.local_addr().map_err(listen_error)?;
        let state = app::prepare(config).await?;
        Ok(Self {
            listener,
            address,
            router: app::router(state),
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The address actually bound.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(app::shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish (tests stop their
    /// server this way rather than through the process's signals).
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // The peer address feeds the per-client rate limits.
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }
}
