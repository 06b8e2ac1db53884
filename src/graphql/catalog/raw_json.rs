//! JSON written ahead of serialisation ([`RawJson`]): a resolver that already has its value as JSON
//! bytes (a topic list, see [`super::topic_list`]) answers with a placeholder string, and the HTTP
//! handler swaps each placeholder in the serialised response for its bytes.
use std::sync::{Arc, Mutex, OnceLock};

use async_graphql::Value;
use axum::body::Bytes;

/// JSON written ahead of serialisation, for one request. The HTTP handler puts one in the request
/// data and calls [`RawJson::splice`] on the serialised response.
#[derive(Clone, Default)]
pub struct RawJson(Arc<Mutex<Vec<Bytes>>>);

/// Placeholders start with this, then a per-process random tag, then the part's index: no stored
/// text can forge one without knowing the tag.
fn marker() -> &'static str {
    static MARKER: OnceLock<String> = OnceLock::new();
    MARKER.get_or_init(|| {
        use rand::Rng;
        let tag: u128 = rand::thread_rng().gen();
        format!("raw-json-{tag:032x}-")
    })
}

impl RawJson {
    pub(super) fn placeholder(&self, bytes: Bytes) -> Value {
        let mut parts = match self.0.lock() {
            Ok(p) => p,
            Err(p) => p.into_inner(),
        };
        parts.push(bytes);
        Value::String(format!("{}{}", marker(), parts.len() - 1))
    }

    /// Replaces each placeholder string in `body` with its JSON.
    pub fn splice(&self, body: Vec<u8>) -> Vec<u8> {
        let parts = match self.0.lock() {
            Ok(mut p) => std::mem::take(&mut *p),
            Err(p) => std::mem::take(&mut *p.into_inner()),
        };
        if parts.is_empty() {
            return body;
        }
        let needle = format!("\"{}", marker()).into_bytes();
        let extra: usize = parts.iter().map(Bytes::len).sum();
        let mut out = Vec::with_capacity(body.len() + extra);
        let mut rest = &body[..];
        while let Some(at) = find(rest, &needle) {
            let after = &rest[at + needle.len()..];
            let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
            let index = std::str::from_utf8(&after[..digits])
                .ok()
                .and_then(|d| d.parse::<usize>().ok());
            match (index.and_then(|i| parts.get(i)), after.get(digits)) {
                (Some(part), Some(b'"')) => {
                    out.extend_from_slice(&rest[..at]);
                    out.extend_from_slice(part);
                    rest = &after[digits + 1..];
                }
                _ => {
                    out.extend_from_slice(&rest[..at + needle.len()]);
                    rest = after;
                }
            }
        }
        out.extend_from_slice(rest);
        out
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while let Some(p) = haystack[from..].iter().position(|b| *b == first) {
        let at = from + p;
        if haystack[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_parts_in_place() {
        let raw = RawJson::default();
        let a = raw.placeholder(Bytes::from_static(b"[1,2]"));
        let b = raw.placeholder(Bytes::from_static(b"[{\"x\":\"y\"}]"));
        let body = serde_json::to_vec(&serde_json::json!({
            "data": { "a": a.into_json().unwrap(), "s": "raw-json-not-a-marker", "b": b.into_json().unwrap() }
        }))
        .unwrap();
        let out = raw.splice(body);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({ "data": { "a": [1, 2], "s": "raw-json-not-a-marker", "b": [{ "x": "y" }] } })
        );
    }

    #[test]
    fn leaves_bodies_without_parts_alone() {
        let raw = RawJson::default();
        let body = br#"{"data":{"a":"b"}}"#.to_vec();
        assert_eq!(raw.splice(body.clone()), body);
    }
}
