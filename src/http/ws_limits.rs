//! Limits of the WebSocket transport of its own: open sockets per user and per client address,
//! messages per second per socket, and the size of a message. Every operation on a socket also
//! passes what a POST passes (`ws_executor`).
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use entity::ids::UserId;
use governor::{DefaultDirectRateLimiter, Quota};

use super::rate_limit;

/// Close code for a socket over one of its limits (too many sockets, too many messages).
pub const CLOSE_TOO_MANY: u16 = 4429;
/// RFC 6455 "Message Too Big": a message that is not an operation is over `MAX_BODY_BYTES`.
pub const CLOSE_TOO_BIG: u16 = 1009;

/// Largest socket message read, as a multiple of `MAX_BODY_BYTES`: a `subscribe` up to it is
/// refused with the same error as an oversized POST body (the id must be read to answer it), and
/// past it the socket is closed (tungstenite refuses to buffer more). Matches the HTTP side, which
/// drains an oversized body before answering 413.
pub const MESSAGE_FACTOR: usize = 8;
/// Tungstenite's read and write buffers (its defaults are 128 KiB each, ~151 KiB per idle socket
/// measured): our messages are a few KiB; larger ones grow the buffer while they pass. The read
/// buffer is allocated whole for every socket (4 KiB instead of 8 saved 4 KiB per idle socket in
/// `roadmap-bench sockets`, 1 KiB instead of 4 about half a KiB more: a `connection_init` with
/// its token grows it anyway); a larger message is read in several chunks. The write buffer is
/// only a threshold: it grows to the largest message sent.
pub const READ_BUFFER_BYTES: usize = 1024;
pub const WRITE_BUFFER_BYTES: usize = 8 * 1024;

/// Counts of open sockets, by user and by client address.
#[derive(Default)]
pub struct SocketCounts {
    users: Mutex<HashMap<UserId, usize>>,
    addresses: Mutex<HashMap<IpAddr, usize>>,
}

/// One counted socket; dropping it (the socket ended) gives its place back.
pub struct SocketSlot {
    counts: Arc<SocketCounts>,
    key: SlotKey,
}

enum SlotKey {
    User(UserId),
    Address(IpAddr),
}

fn take<K: Hash + Eq>(map: &Mutex<HashMap<K, usize>>, key: K, max: usize) -> bool {
    let Ok(mut map) = map.lock() else {
        return false;
    };
    let open = map.entry(key).or_insert(0);
    if *open >= max {
        return false;
    }
    *open += 1;
    true
}

fn give_back<K: Hash + Eq>(map: &Mutex<HashMap<K, usize>>, key: &K) {
    if let Ok(mut map) = map.lock() {
        if let Some(open) = map.get_mut(key) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                map.remove(key);
            }
        }
    }
}

impl SocketCounts {
    /// A place for one more socket of `user_id`, unless `max` are open.
    pub fn for_user(self: &Arc<Self>, user_id: UserId, max: usize) -> Option<SocketSlot> {
        take(&self.users, user_id, max).then(|| SocketSlot {
            counts: self.clone(),
            key: SlotKey::User(user_id),
        })
    }

    /// A place for one more socket from `ip` (an IPv6 address counts as its /64), unless `max`
    /// are open.
    pub fn for_address(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<SocketSlot> {
        let ip = rate_limit::key(ip);
        take(&self.addresses, ip, max).then(|| SocketSlot {
            counts: self.clone(),
            key: SlotKey::Address(ip),
        })
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        match &self.key {
            SlotKey::User(id) => give_back(&self.counts.users, id),
            SlotKey::Address(ip) => give_back(&self.counts.addresses, ip),
        }
    }
}

/// Messages per second of one socket (governor's GCRA, bursts of `per_second`).
pub fn message_limiter(per_second: u32) -> DefaultDirectRateLimiter {
    let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
    governor::RateLimiter::direct(Quota::per_second(rate))
}

/// The `extensions` key of the stand-in for an oversized `subscribe`: the operation is answered
/// with the body limit's refusal (see [`screen`]).
pub const OVERSIZED: &str = "oversizedMessage";

/// What becomes of one incoming message: passed on as it is, replaced by a stand-in that will be
/// refused (an oversized `subscribe`), or the close code that ends the socket.
pub fn screen(
    message: Vec<u8>,
    limiter: &DefaultDirectRateLimiter,
    max_body_bytes: usize,
) -> Result<Vec<u8>, u16> {
    if limiter.check().is_err() {
        return Err(CLOSE_TOO_MANY);
    }
    if message.len() <= max_body_bytes {
        return Ok(message);
    }
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "type")]
        kind: String,
        id: Option<String>,
    }
    match serde_json::from_slice::<Head>(&message) {
        Ok(Head { kind, id: Some(id) }) if kind == "subscribe" || kind == "start" => {
            Ok(serde_json::json!({
                "type": kind,
                "id": id,
                "payload": { "query": "", "extensions": { OVERSIZED: true } },
            })
            .to_string()
            .into_bytes())
        }
        _ => Err(CLOSE_TOO_BIG),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_and_given_back() {
        let counts = Arc::new(SocketCounts::default());
        let a = counts.for_user(UserId(1), 2).unwrap();
        let _b = counts.for_user(UserId(1), 2).unwrap();
        assert!(counts.for_user(UserId(1), 2).is_none());
        assert!(counts.for_user(UserId(2), 2).is_some());
        drop(a);
        assert!(counts.for_user(UserId(1), 2).is_some());
        let ip: IpAddr = "2001:db8::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8::2".parse().unwrap();
        let _c = counts.for_address(ip, 1).unwrap();
        assert!(counts.for_address(same_64, 1).is_none());
    }

    #[test]
    fn oversized_operations_are_replaced_and_other_messages_close() {
        let limiter = message_limiter(100);
        let small = br#"{"type":"ping"}"#.to_vec();
        assert_eq!(screen(small.clone(), &limiter, 100), Ok(small));
        let big = format!(
            r#"{{"type":"subscribe","id":"7","payload":{{"query":"{}"}}}}"#,
            "x".repeat(200)
        );
        let stand_in = screen(big.into_bytes(), &limiter, 100).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&stand_in).unwrap();
        assert_eq!(v["id"], "7");
        assert_eq!(v["payload"]["extensions"][OVERSIZED], true);
        let init = format!(
            r#"{{"type":"connection_init","payload":{{"x":"{}"}}}}"#,
            "x".repeat(200)
        );
        assert_eq!(screen(init.into_bytes(), &limiter, 100), Err(CLOSE_TOO_BIG));
    }

    #[test]
    fn messages_are_limited_per_second() {
        let limiter = message_limiter(3);
        assert!((0..3).all(|_| limiter.check().is_ok()));
        assert!(limiter.check().is_err());
    }
}
