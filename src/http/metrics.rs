//! Prometheus metrics for `/metrics`: GraphQL requests by operation and outcome, request latency,
//! database statements and pool usage, active subscriptions, response cache, APQ, rate limit and
//! timeouts. Recorded with the `metrics` crate into this app's own `PrometheusRecorder`.
//!
//! No global recorder: tests run several apps in one process and each must count only its own
//! requests and SQL statements, so every `AppState` owns a recorder and records through handles.
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Label, Metadata, Recorder, SharedString};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use super::state::AppState;

/// Distinct operation names tracked; later ones are counted under `other` so a client cannot grow
/// the label set without bound.
pub const MAX_OPERATION_LABELS: usize = 100;
const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

const REQUESTS: &str = "roadmap_graphql_requests_total";
const DURATION: &str = "roadmap_graphql_request_duration_seconds";

/// How a GraphQL request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Executed without errors.
    Ok,
    /// Executed, with field errors.
    Error,
    /// Refused before execution (HTTP, parse, validation, limits, rate limit).
    RequestError,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::RequestError => "request_error",
        }
    }
}

/// Attached to a `/graphql` response by the handler so the metrics middleware can label it.
#[derive(Debug, Clone)]
pub struct OperationLabel {
    /// The operation's name from the document (`None`: anonymous or unknown).
    pub name: Option<String>,
    pub outcome: Outcome,
}

impl OperationLabel {
    /// Refused before the operation could be told.
    pub fn refused() -> Self {
        Self {
            name: None,
            outcome: Outcome::RequestError,
        }
    }
}

/// The metrics of one app.
pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    /// Operation names with a label of their own (at most `MAX_OPERATION_LABELS`).
    names: Mutex<HashSet<String>>,
    latency: Histogram,
    rate_limited: Counter,
    timeouts: Counter,
    active_subscriptions: Gauge,
    shared_sources: Gauge,
    db_statements: Counter,
    db_failed: Counter,
    pool_idle: Gauge,
    pool_in_use: Gauge,
    pool_max: Gauge,
    cache_hits: Counter,
    cache_misses: Counter,
    cache_bytes: Gauge,
    apq_hits: Counter,
    apq_misses: Counter,
    apq_registered: Counter,
    apq_entries: Gauge,
    catalogue_listener: Gauge,
    kept_sessions: Gauge,
    kept_session_bytes: Gauge,
    session_hits: Counter,
    session_misses: Counter,
}

static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), metrics::Level::INFO, Some(module_path!()));

fn key(name: &'static str, labels: &[(&'static str, &'static str)]) -> Key {
    Key::from_parts(
        name,
        labels
            .iter()
            .map(|(k, v)| Label::new(*k, *v))
            .collect::<Vec<_>>(),
    )
}

fn is_plain_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && name.len() <= 64
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// The recorder with every metric described and registered. Over 80 lines: one description and
    /// one registration per metric.
    pub fn new() -> Self {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(DURATION.to_owned()), &LATENCY_BUCKETS)
            .expect("the latency buckets are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        let describe = |name: &'static str, help: &'static str| {
            // Counters, gauges and histograms share one description table.
            recorder.describe_counter(
                KeyName::from_const_str(name),
                None,
                SharedString::const_str(help),
            );
        };
        describe(REQUESTS, "GraphQL requests by operation name and outcome.");
        describe(DURATION, "Time to answer a GraphQL request.");
        describe(
            "roadmap_rate_limited_total",
            "Requests refused by the per-client rate limit.",
        );
        describe(
            "roadmap_request_timeouts_total",
            "Requests ended by the request timeout.",
        );
        describe(
            "roadmap_active_subscriptions",
            "GraphQL subscriptions currently open.",
        );
        describe(
            "roadmap_shared_subscription_sources",
            "Running executions shared by identical subscriptions of one user (each open \
             subscription follows one).",
        );
        describe(
            "roadmap_db_statements_total",
            "SQL statements sent to the database.",
        );
        describe(
            "roadmap_db_statements_failed_total",
            "SQL statements that failed.",
        );
        describe(
            "roadmap_db_pool_connections",
            "Connections in the database pool, by state.",
        );
        describe(
            "roadmap_db_pool_max_connections",
            "Largest size the database pool may grow to.",
        );
        describe(
            "roadmap_response_cache_lookups_total",
            "Anonymous queries looked up in the response cache.",
        );
        describe(
            "roadmap_response_cache_bytes",
            "Bytes held by the response cache.",
        );
        describe(
            "roadmap_apq_requests_total",
            "Automatic persisted query look-ups and registrations.",
        );
        describe(
            "roadmap_apq_cache_entries",
            "Persisted queries held in memory.",
        );
        describe(
            "roadmap_kept_sessions",
            "Signed-in users whose row and team seats this process keeps (SESSION_CACHE_MB).",
        );
        describe(
            "roadmap_kept_session_bytes",
            "Bytes the kept sessions weigh (bounded by SESSION_CACHE_MB).",
        );
        describe(
            "roadmap_session_lookups_total",
            "Token checks that found the user's session kept (hit) or read it (miss).",
        );
        describe(
            "roadmap_catalogue_listener_connected",
            "1 while this process hears other processes' catalogue changes (PostgreSQL LISTEN); \
             0 while it reads the content version per request instead (SQLite, or reconnecting).",
        );
        let counter = |name, labels: &[(&'static str, &'static str)]| {
            recorder.register_counter(&key(name, labels), &METADATA)
        };
        let gauge = |name, labels: &[(&'static str, &'static str)]| {
            recorder.register_gauge(&key(name, labels), &METADATA)
        };
        Self {
            latency: recorder.register_histogram(&key(DURATION, &[]), &METADATA),
            rate_limited: counter("roadmap_rate_limited_total", &[]),
            timeouts: counter("roadmap_request_timeouts_total", &[]),
            active_subscriptions: gauge("roadmap_active_subscriptions", &[]),
            shared_sources: gauge("roadmap_shared_subscription_sources", &[]),
            db_statements: counter("roadmap_db_statements_total", &[]),
            db_failed: counter("roadmap_db_statements_failed_total", &[]),
            pool_idle: gauge("roadmap_db_pool_connections", &[("state", "idle")]),
            pool_in_use: gauge("roadmap_db_pool_connections", &[("state", "in_use")]),
            pool_max: gauge("roadmap_db_pool_max_connections", &[]),
            cache_hits: counter("roadmap_response_cache_lookups_total", &[("result", "hit")]),
            cache_misses: counter(
                "roadmap_response_cache_lookups_total",
                &[("result", "miss")],
            ),
            cache_bytes: gauge("roadmap_response_cache_bytes", &[]),
            apq_hits: counter("roadmap_apq_requests_total", &[("result", "hit")]),
            apq_misses: counter("roadmap_apq_requests_total", &[("result", "miss")]),
            apq_registered: counter("roadmap_apq_requests_total", &[("result", "registered")]),
            apq_entries: gauge("roadmap_apq_cache_entries", &[]),
            catalogue_listener: gauge("roadmap_catalogue_listener_connected", &[]),
            kept_sessions: gauge("roadmap_kept_sessions", &[]),
            kept_session_bytes: gauge("roadmap_kept_session_bytes", &[]),
            session_hits: counter("roadmap_session_lookups_total", &[("result", "hit")]),
            session_misses: counter("roadmap_session_lookups_total", &[("result", "miss")]),
            names: Mutex::default(),
            handle,
            recorder,
        }
    }

    /// Counts one GraphQL request under its operation name (bounded) and outcome, and times it.
    pub fn record(&self, label: &OperationLabel, elapsed: Duration) {
        let name = match label.name.as_deref() {
            Some(n) if is_plain_name(n) => n,
            _ => "anonymous",
        };
        let name = {
            let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
            if names.contains(name) {
                name.to_owned()
            } else if names.len() < MAX_OPERATION_LABELS {
                names.insert(name.to_owned());
                name.to_owned()
            } else {
                "other".to_owned()
            }
        };
        let key = Key::from_parts(
            REQUESTS,
            vec![
                Label::new("operation", name),
                Label::new("outcome", label.outcome.as_str()),
            ],
        );
        self.recorder.register_counter(&key, &METADATA).increment(1);
        self.latency.record(elapsed.as_secs_f64());
    }

    pub fn rate_limited(&self) {
        self.rate_limited.increment(1);
    }

    pub fn timed_out(&self) {
        self.timeouts.increment(1);
    }

    /// Folds recorded histogram samples in (so memory does not grow between scrapes).
    pub fn run_upkeep(&self) {
        self.handle.run_upkeep();
    }

    /// Sets the values that live elsewhere, then renders the Prometheus text format.
    fn render(&self, state: &AppState) -> String {
        self.db_statements.absolute(state.stats.statements());
        self.db_failed
            .absolute(state.stats.failed.load(Ordering::Relaxed));
        let (size, idle) = crate::db::pool_usage(&state.db);
        self.pool_idle.set(f64::from(idle));
        self.pool_in_use.set(f64::from(size.saturating_sub(idle)));
        self.pool_max
            .set(f64::from(state.config.db.max_connections));
        self.active_subscriptions
            .set(state.active_subscriptions.load(Ordering::Relaxed) as f64);
        self.shared_sources.set(state.shared_live.running() as f64);
        let responses = &state.responses;
        self.cache_hits
            .absolute(responses.hits.load(Ordering::Relaxed));
        self.cache_misses
            .absolute(responses.misses.load(Ordering::Relaxed));
        self.cache_bytes.set(responses.bytes() as f64);
        let apq = &state.apq;
        self.apq_hits.absolute(apq.hits.load(Ordering::Relaxed));
        self.apq_misses.absolute(apq.misses.load(Ordering::Relaxed));
        self.apq_registered
            .absolute(apq.registrations.load(Ordering::Relaxed));
        self.apq_entries.set(apq.len() as f64);
        let sessions = &state.auth.revocations.sessions;
        self.kept_sessions.set(sessions.entries() as f64);
        self.kept_session_bytes.set(sessions.bytes() as f64);
        let (hits, misses) = sessions.lookups();
        self.session_hits.absolute(hits);
        self.session_misses.absolute(misses);
        self.catalogue_listener
            .set(if state.caches.version.is_listening() {
                1.0
            } else {
                0.0
            });
        let mut text = self.handle.render();
        replica_metrics(state, &mut text);
        text
    }
}

/// Each read replica (labelled by its position in `DATABASE_READ_URLS`, from 0): whether it gets
/// reads, its lag, the reads sent to it; and the reads that went to the primary instead.
fn replica_metrics(state: &AppState, text: &mut String) {
    use std::fmt::Write;
    let Some(reads) = &state.reads else {
        return;
    };
    let _ = writeln!(
        text,
        "# HELP roadmap_db_replica_up Whether the read replica answered its last check and has caught up.\n\
         # TYPE roadmap_db_replica_up gauge"
    );
    for (i, r) in reads.replicas().iter().enumerate() {
        let h = r.health();
        let _ = writeln!(
            text,
            "roadmap_db_replica_up{{replica=\"{i}\"}} {}",
            u8::from(h.up && h.caught_up)
        );
    }
    let _ = writeln!(
        text,
        "# HELP roadmap_db_replica_lag_seconds How far the read replica's replay is behind the primary.\n\
         # TYPE roadmap_db_replica_lag_seconds gauge"
    );
    for (i, r) in reads.replicas().iter().enumerate() {
        if let Some(lag) = r.health().lag {
            let _ = writeln!(
                text,
                "roadmap_db_replica_lag_seconds{{replica=\"{i}\"}} {}",
                lag.as_secs_f64()
            );
        }
    }
    let _ = writeln!(
        text,
        "# HELP roadmap_db_reads_total Queries routed, by database (primary, or replica number).\n\
         # TYPE roadmap_db_reads_total counter"
    );
    let primary = reads.primary_reads.load(Ordering::Relaxed);
    let _ = writeln!(
        text,
        "roadmap_db_reads_total{{database=\"primary\"}} {primary}"
    );
    for (i, r) in reads.replicas().iter().enumerate() {
        let n = r.reads.load(Ordering::Relaxed);
        let _ = writeln!(
            text,
            "roadmap_db_reads_total{{database=\"replica\",replica=\"{i}\"}} {n}"
        );
    }
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(&state),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_operation_labels() {
        let m = Metrics::new();
        let rec = |name: Option<&str>, outcome| {
            m.record(
                &OperationLabel {
                    name: name.map(str::to_owned),
                    outcome,
                },
                Duration::from_millis(3),
            )
        };
        rec(Some("Catalogue"), Outcome::Ok);
        rec(Some("Catalogue"), Outcome::Error);
        rec(None, Outcome::RequestError);
        rec(Some("bad\"name{}"), Outcome::Ok);
        for i in 0..200 {
            rec(Some(&format!("Op{i}")), Outcome::Ok);
        }
        m.rate_limited();
        let out = m.handle.render();
        assert!(out
            .contains("roadmap_graphql_requests_total{operation=\"Catalogue\",outcome=\"ok\"} 1"));
        assert!(out.contains(
            "roadmap_graphql_requests_total{operation=\"Catalogue\",outcome=\"error\"} 1"
        ));
        assert!(out.contains("{operation=\"anonymous\",outcome=\"request_error\"} 1"));
        assert!(out.contains("{operation=\"anonymous\",outcome=\"ok\"} 1"));
        assert!(out.contains("{operation=\"other\",outcome=\"ok\"}"));
        let names = out
            .lines()
            .filter(|l| l.starts_with("roadmap_graphql_requests_total{"))
            .count();
        assert!(names <= MAX_OPERATION_LABELS + 3, "{names}");
        assert!(out.contains("# TYPE roadmap_graphql_request_duration_seconds histogram"));
        assert!(out.contains("roadmap_graphql_request_duration_seconds_count 204"));
        assert!(out.contains("roadmap_graphql_request_duration_seconds_bucket{le=\"0.005\"} 204"));
        assert!(out.contains("roadmap_graphql_request_duration_seconds_bucket{le=\"+Inf\"} 204"));
        assert!(out.contains(
            "# HELP roadmap_rate_limited_total Requests refused by the per-client rate limit.\n\
             # TYPE roadmap_rate_limited_total counter\nroadmap_rate_limited_total 1\n"
        ));
    }

    #[test]
    fn apps_count_apart() {
        let (a, b) = (Metrics::new(), Metrics::new());
        a.timed_out();
        assert!(a
            .handle
            .render()
            .contains("roadmap_request_timeouts_total 1"));
        assert!(b
            .handle
            .render()
            .contains("roadmap_request_timeouts_total 0"));
    }
}
