//! Per-client request rate limit (governor's keyed GCRA, equivalent to a token bucket of `burst`
//! refilled at the configured rate), keyed by client address; over the limit, a GraphQL-shaped 429
//! with `Retry-After` and code RATE_LIMITED.
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::Quota;

use super::graphql::media::{media_or_json, MediaType};
use super::graphql::respond::error_response;
use super::state::AppState;
use crate::error::code;

/// Clients tracked before idle ones are dropped at once (besides the periodic sweep), so a flood
/// of addresses cannot grow memory without bound.
const MAX_TRACKED_CLIENTS: usize = 100_000;

type Keyed<C> = governor::RateLimiter<
    IpAddr,
    DashMapStateStore<IpAddr>,
    C,
    NoOpMiddleware<<C as Clock>::Instant>,
>;

/// The key a client is limited by: its IPv4 address, or the /64 network of an IPv6 address (one
/// host usually holds a whole /64, so single addresses would be free to rotate).
pub fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

pub struct RateLimiter<C: Clock = DefaultClock> {
    /// `None`: no limit (`RATE_LIMIT_PER_SECOND=0`).
    limiter: Option<Keyed<C>>,
    /// Seconds per request, for the wait of a cost larger than the burst.
    period: f64,
    started: Instant,
    /// When the last over-capacity sweep ran (ms since `started`).
    swept_at: AtomicU64,
}

impl RateLimiter {
    /// `per_second` may be fractional (0.5: one request every two seconds); 0 turns the limit off.
    pub fn new(per_second: f64, burst: u32) -> Self {
        Self::with_clock(per_second, burst, DefaultClock::default())
    }
}

impl<C: Clock> RateLimiter<C> {
    pub fn with_clock(per_second: f64, burst: u32, clock: C) -> Self {
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = (per_second > 0.0)
            .then(|| Duration::try_from_secs_f64(1.0 / per_second).ok())
            .flatten()
            .and_then(Quota::with_period)
            .map(|q| q.allow_burst(burst));
        Self {
            limiter: quota.map(|q| governor::RateLimiter::dashmap_with_clock(q, clock)),
            period: if per_second > 0.0 {
                1.0 / per_second
            } else {
                0.0
            },
            started: Instant::now(),
            swept_at: AtomicU64::new(0),
        }
    }

    pub fn enabled(&self) -> bool {
        self.limiter.is_some()
    }

    /// Takes `cost` requests from the client's allowance. `Err(wait)` when there is not enough:
    /// the client may retry after `wait`.
    pub fn check(&self, client: IpAddr, cost: u32) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if limiter.len() >= MAX_TRACKED_CLIENTS {
            self.sweep_now();
        }
        let cost = NonZeroU32::new(cost.max(1)).unwrap_or(NonZeroU32::MIN);
        match limiter.check_key_n(&key(client), cost) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(not_until.wait_time_from(limiter.clock().now())),
            // More than the burst at once: never allowed; say how long that many would take.
            Err(_) => Err(Duration::from_secs_f64(
                (f64::from(cost.get()) * self.period).min(86_400.0),
            )),
        }
    }

    /// A sweep outside the periodic one, when too many clients are tracked; at most once a second.
    fn sweep_now(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.swept_at.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= 1000
            && self
                .swept_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.retain_recent();
        }
    }

    /// Drops clients whose allowance is full again, and gives the memory back.
    pub fn retain_recent(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Clients tracked.
    pub fn len(&self) -> usize {
        self.limiter.as_ref().map_or(0, |l| l.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The address a client is rate limited by: the peer, or the last `X-Forwarded-For` entry (the
/// one our own proxy appended) when that is trusted.
pub fn client_ip(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    trust_forwarded_for: bool,
) -> Option<IpAddr> {
    if trust_forwarded_for {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse::<IpAddr>().ok())
            .next_back();
        if forwarded.is_some() {
            return forwarded;
        }
    }
    peer.map(|p| p.ip())
}

/// The 429 answer: a GraphQL error with code RATE_LIMITED and `Retry-After` in whole seconds.
pub fn too_many_requests(media: MediaType, wait: Duration) -> Response {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut resp = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        media,
        code::RATE_LIMITED,
        &format!("Too many requests: retry in {secs} s"),
        Some(("retryAfterSeconds", secs.into())),
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    resp
}

/// Whether the per-address bucket leaves this request to its user's budget: it carries a bearer
/// token and budgets are on. (If the token turns out not to sign anyone in, the GraphQL handler
/// applies the bucket after all.)
pub fn left_to_budget(state: &AppState, headers: &HeaderMap) -> bool {
    state.budget.enabled()
        && headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case("bearer "))
}

/// Middleware: one request of the client's allowance per anonymous HTTP request (a batch takes
/// the rest); signed-in requests spend their user's budget instead.
pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let hardening = &state.config.hardening;
    if req.method() == Method::OPTIONS
        || !state.rate_limiter.enabled()
        || left_to_budget(&state, req.headers())
    {
        return next.run(req).await;
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let Some(ip) = client_ip(req.headers(), peer, hardening.trust_forwarded_for) else {
        return next.run(req).await;
    };
    match state.rate_limiter.check(ip, 1) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            state.metrics.rate_limited();
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            tracing::warn!(client = %ip, retry_after = secs, "rate limited");
            let mut resp = too_many_requests(media_or_json(req.headers()), wait);
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    fn limiter(per_second: f64, burst: u32) -> (RateLimiter<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (
            RateLimiter::with_clock(per_second, burst, clock.clone()),
            clock,
        )
    }

    #[test]
    fn refills_at_the_configured_rate() {
        let (rl, clock) = limiter(2.0, 3);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert!(rl.check(ip, 1).is_ok());
        }
        let wait = rl.check(ip, 1).unwrap_err();
        assert!(wait > Duration::from_millis(400) && wait <= Duration::from_millis(500));
        assert!(
            rl.check(other, 1).is_ok(),
            "clients have their own allowance"
        );
        clock.advance(Duration::from_millis(500));
        assert!(rl.check(ip, 1).is_ok());
        assert!(rl.check(ip, 1).is_err());
        // Never more than the burst, however long the pause.
        clock.advance(Duration::from_secs(3600));
        for _ in 0..3 {
            assert!(rl.check(ip, 1).is_ok());
        }
        assert!(rl.check(ip, 1).is_err());
        assert!(RateLimiter::new(0.0, 1).check(ip, 1000).is_ok());
        assert!(!RateLimiter::new(0.0, 1).enabled());
    }

    #[test]
    fn fractional_rates_and_costs() {
        let (rl, clock) = limiter(0.5, 2);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(rl.check(ip, 2).is_ok());
        let wait = rl.check(ip, 1).unwrap_err();
        assert!(wait > Duration::from_millis(1900) && wait <= Duration::from_secs(2));
        clock.advance(Duration::from_secs(2));
        assert!(rl.check(ip, 1).is_ok());
        // More than the burst at once is refused with a wait.
        assert!(rl.check("10.0.0.2".parse().unwrap(), 5).is_err());
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let (rl, _clock) = limiter(1.0, 1);
        assert!(rl.check("2001:db8::1".parse().unwrap(), 1).is_ok());
        assert!(rl.check("2001:db8::ffff:2".parse().unwrap(), 1).is_err());
        assert!(rl.check("2001:db8:0:1::1".parse().unwrap(), 1).is_ok());
        assert!(rl.check("::ffff:10.0.0.1".parse().unwrap(), 1).is_ok());
        assert!(rl.check("10.0.0.1".parse().unwrap(), 1).is_err());
    }

    #[test]
    fn forgets_idle_clients() {
        let (rl, clock) = limiter(10.0, 2);
        for i in 0..50u8 {
            assert!(rl.check(IpAddr::from([10, 0, 0, i]), 1).is_ok());
        }
        assert_eq!(rl.len(), 50);
        clock.advance(Duration::from_secs(1));
        rl.retain_recent();
        assert!(rl.is_empty());
    }

    #[test]
    fn trusts_forwarded_for_only_when_told() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.1.1.1, 2.2.2.2"),
        );
        let peer: SocketAddr = "127.0.0.1:9".parse().unwrap();
        assert_eq!(client_ip(&h, Some(peer), false), Some(peer.ip()));
        assert_eq!(client_ip(&h, Some(peer), true), "2.2.2.2".parse().ok());
    }
}
