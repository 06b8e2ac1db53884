//! Sign-in brute-force protection: failed attempts per key (account, client address) in a sliding
//! window. In memory, per process: with several processes each enforces the limit on its own share.
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct FailureLimiter {
    max: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl FailureLimiter {
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max: max.max(1) as usize,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(seconds until a retry may succeed)` when any key is over the limit.
    pub fn blocked(&self, keys: &[&str]) -> Option<u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait: Option<Duration> = None;
        for key in keys {
            if let Some(q) = map.get_mut(*key) {
                while q
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    q.pop_front();
                }
                if q.len() >= self.max {
                    if let Some(oldest) = q.front() {
                        let w = self.window.saturating_sub(now.duration_since(*oldest));
                        wait = Some(wait.map_or(w, |x| x.max(w)));
                    }
                }
            }
        }
        wait.map(|w| w.as_secs().max(1))
    }

    pub fn record_failure(&self, keys: &[&str]) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        // Keep memory bounded under a spray of distinct keys: forget idle entries now and then.
        if map.len() > 100_000 {
            map.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        for key in keys {
            let q = map.entry((*key).to_owned()).or_default();
            q.push_back(now);
            while q.len() > self.max {
                q.pop_front();
            }
        }
    }

    pub fn clear(&self, key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_failures_per_key() {
        let l = FailureLimiter::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(l.blocked(&["a", "ip"]).is_none());
            l.record_failure(&["a", "ip"]);
        }
        assert!(l.blocked(&["a"]).is_some());
        assert!(l.blocked(&["b", "ip"]).is_some());
        assert!(l.blocked(&["b", "other-ip"]).is_none());
        l.clear("a");
        assert!(l.blocked(&["a"]).is_none());
    }
}
