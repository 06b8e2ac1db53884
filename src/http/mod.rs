//! The HTTP layer: router and state, the GraphQL-over-HTTP pipeline, the WebSocket transport,
//! the self-contained GraphiQL page and its files, middleware, health checks, metrics, the
//! per-client rate limit and the response cache. Nothing below this layer (GraphQL, domains,
//! foundation) imports from it.
pub mod app;
pub mod badges;
pub mod graphiql;
pub mod graphql;
pub mod health;
pub mod metrics;
pub mod middleware;
pub mod rate_limit;
pub mod response_cache;
pub mod router;
pub mod security_headers;
pub mod session_cookie;
pub mod startup;
pub mod state;
pub mod viewer;
pub mod ws;
pub mod ws_executor;
pub mod ws_limits;
pub mod ws_shared;

pub use router::{metrics_router, router};
pub use startup::Application;
pub use state::{prepare, AppState, StartError};
