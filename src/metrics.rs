//! Prometheus metrics for `/metrics`: GraphQL requests by operation and outcome, request latency,
//! database pool usage, active subscriptions, APQ and rate-limit counters.
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Distinct operation names tracked; later ones are counted under `other` so a client cannot grow
/// the label set without bound.
pub const MAX_OPERATION_LABELS: usize = 100;
const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

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

#[derive(Default)]
struct Requests {
    /// Operation names with a label of their own (at most `MAX_OPERATION_LABELS`).
    names: HashSet<String>,
    counts: HashMap<(String, Outcome), u64>,
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<Requests>,
    latency_buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_count: AtomicU64,
    /// Sum of latencies in microseconds.
    latency_sum_micros: AtomicU64,
    pub rate_limited: AtomicU64,
    /// Requests ended by `REQUEST_TIMEOUT_SECS`.
    pub timeouts: AtomicU64,
    /// Open subscriptions (WebSocket operations); the subscription transport moves it.
    pub active_subscriptions: Arc<AtomicI64>,
}

fn is_plain_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && name.len() <= 64
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl Metrics {
    pub fn record(&self, label: &OperationLabel, elapsed: Duration) {
        {
            let mut requests = match self.requests.lock() {
                Ok(r) => r,
                Err(poisoned) => poisoned.into_inner(),
            };
            let name = match label.name.as_deref() {
                Some(n) if is_plain_name(n) => n,
                _ => "anonymous",
            };
            let name = if requests.names.contains(name) {
                name.to_owned()
            } else if requests.names.len() < MAX_OPERATION_LABELS {
                requests.names.insert(name.to_owned());
                name.to_owned()
            } else {
                "other".to_owned()
            };
            *requests.counts.entry((name, label.outcome)).or_insert(0) += 1;
        }
        let secs = elapsed.as_secs_f64();
        for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.latency_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros.fetch_add(
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The GraphQL request metrics in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP roadmap_graphql_requests_total GraphQL requests by operation name and outcome.\n\
             # TYPE roadmap_graphql_requests_total counter"
        );
        let mut rows: Vec<((String, Outcome), u64)> = match self.requests.lock() {
            Ok(r) => r.counts.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            Err(p) => p
                .into_inner()
                .counts
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
        };
        rows.sort_by(|a, b| (&a.0 .0, a.0 .1.as_str()).cmp(&(&b.0 .0, b.0 .1.as_str())));
        for ((name, outcome), n) in rows {
            let _ = writeln!(
                out,
                "roadmap_graphql_requests_total{{operation=\"{name}\",outcome=\"{}\"}} {n}",
                outcome.as_str()
            );
        }
        let _ = writeln!(
            out,
            "# HELP roadmap_graphql_request_duration_seconds Time to answer a GraphQL request.\n\
             # TYPE roadmap_graphql_request_duration_seconds histogram"
        );
        for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "roadmap_graphql_request_duration_seconds_bucket{{le=\"{le}\"}} {}",
                self.latency_buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "roadmap_graphql_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n\
             roadmap_graphql_request_duration_seconds_sum {}\n\
             roadmap_graphql_request_duration_seconds_count {count}",
            self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "# HELP roadmap_rate_limited_total Requests refused by the per-client rate limit.\n\
             # TYPE roadmap_rate_limited_total counter\n\
             roadmap_rate_limited_total {}\n\
             # HELP roadmap_request_timeouts_total Requests ended by the request timeout.\n\
             # TYPE roadmap_request_timeouts_total counter\n\
             roadmap_request_timeouts_total {}\n\
             # HELP roadmap_active_subscriptions GraphQL subscriptions currently open.\n\
             # TYPE roadmap_active_subscriptions gauge\n\
             roadmap_active_subscriptions {}",
            self.rate_limited.load(Ordering::Relaxed),
            self.timeouts.load(Ordering::Relaxed),
            self.active_subscriptions.load(Ordering::Relaxed)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_operation_labels() {
        let m = Metrics::default();
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
        let mut out = String::new();
        m.render(&mut out);
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
        assert!(out.contains("roadmap_graphql_request_duration_seconds_count 204"));
        assert!(out.contains("roadmap_graphql_request_duration_seconds_bucket{le=\"0.005\"} 204"));
    }
}
