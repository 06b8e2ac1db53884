//! Per-client request rate limit: a token bucket per client IP address.
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept before idle (full) ones are dropped, so a flood of addresses cannot grow memory
/// without bound.
const MAX_TRACKED_CLIENTS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The bucket a client draws from: its IPv4 address, or the /64 network of an IPv6 address (one
/// host usually holds a whole /64, so single addresses would be free to rotate).
fn key(ip: IpAddr) -> IpAddr {
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

pub struct RateLimiter {
    /// Tokens added per second; 0 means no limit.
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    pub fn new(per_second: f64, burst: u32) -> Self {
        Self {
            rate: per_second,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.rate > 0.0
    }

    /// Takes `cost` tokens from the client's bucket. `Err(wait)` when there are not enough:
    /// the client may retry after `wait`.
    pub fn check(&self, client: IpAddr, cost: u32, now: Instant) -> Result<(), Duration> {
        if !self.enabled() {
            return Ok(());
        }
        let cost = f64::from(cost.max(1));
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        if buckets.len() >= MAX_TRACKED_CLIENTS && !buckets.contains_key(&key(client)) {
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.updated).as_secs_f64() * rate < burst
            });
        }
        let bucket = buckets.entry(key(client)).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= cost {
            bucket.tokens -= cost;
            Ok(())
        } else {
            let missing = cost - bucket.tokens;
            Err(Duration::from_secs_f64((missing / self.rate).min(86_400.0)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refills_at_the_configured_rate() {
        let rl = RateLimiter::new(2.0, 3);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(rl.check(ip, 1, t0).is_ok());
        }
        let wait = rl.check(ip, 1, t0).unwrap_err();
        assert!(wait > Duration::from_millis(400) && wait <= Duration::from_millis(500));
        assert!(
            rl.check(other, 1, t0).is_ok(),
            "clients have their own buckets"
        );
        assert!(rl.check(ip, 1, t0 + Duration::from_millis(500)).is_ok());
        assert!(rl.check(ip, 1, t0 + Duration::from_millis(500)).is_err());
        // Never more than the burst, however long the pause.
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert!(rl.check(ip, 1, later).is_ok());
        }
        assert!(rl.check(ip, 1, later).is_err());
        assert!(RateLimiter::new(0.0, 1).check(ip, 1000, t0).is_ok());
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let rl = RateLimiter::new(1.0, 1);
        let t0 = Instant::now();
        assert!(rl.check("2001:db8::1".parse().unwrap(), 1, t0).is_ok());
        assert!(rl
            .check("2001:db8::ffff:2".parse().unwrap(), 1, t0)
            .is_err());
        assert!(rl.check("2001:db8:0:1::1".parse().unwrap(), 1, t0).is_ok());
        assert!(rl.check("::ffff:10.0.0.1".parse().unwrap(), 1, t0).is_ok());
        assert!(rl.check("10.0.0.1".parse().unwrap(), 1, t0).is_err());
    }
}
