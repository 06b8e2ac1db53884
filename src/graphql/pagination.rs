//! Relay connections over an ordered list, with opaque offset cursors and `first`/`last` in 1..=100.
use async_graphql::connection::{Connection, CursorType, Edge};
use async_graphql::{OutputType, SimpleObject};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::AppError;

pub const MAX_PAGE: i32 = 100;
pub const DEFAULT_PAGE: i32 = 20;

/// Extra fields every connection of ours carries.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct ConnectionFields {
    /// Number of items in the whole list, across all pages.
    pub total_count: u64,
}

pub type Conn<T> = Connection<OffsetCursor, T, ConnectionFields>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetCursor(pub u64);

impl CursorType for OffsetCursor {
    type Error = String;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bytes = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| "invalid cursor".to_owned())?;
        let raw = String::from_utf8(bytes).map_err(|_| "invalid cursor".to_owned())?;
        raw.strip_prefix("o:")
            .and_then(|n| n.parse().ok())
            .map(OffsetCursor)
            .ok_or_else(|| "invalid cursor".to_owned())
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("o:{}", self.0))
    }
}

/// A validated page request; `window` turns it into `offset, limit` once the total is known.
#[derive(Debug, Clone, Copy)]
pub struct PageArgs {
    after: Option<u64>,
    before: Option<u64>,
    first: Option<u64>,
    last: Option<u64>,
}

fn check_size(name: &str, v: Option<i32>) -> Result<Option<u64>, AppError> {
    match v {
        None => Ok(None),
        Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(Some(n as u64)),
        Some(_) => Err(AppError::bad_input(
            name,
            format!("`{name}` must be between 1 and {MAX_PAGE}"),
        )),
    }
}

fn cursor(name: &str, v: Option<String>) -> Result<Option<u64>, AppError> {
    v.map(|s| {
        OffsetCursor::decode_cursor(&s)
            .map(|c| c.0)
            .map_err(|_| AppError::bad_input(name, format!("`{name}` is not a valid cursor")))
    })
    .transpose()
}

impl PageArgs {
    pub fn parse(
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Self, AppError> {
        let first = check_size("first", first)?;
        let last = check_size("last", last)?;
        if first.is_some() && last.is_some() {
            return Err(AppError::bad_input(
                "last",
                "pass either `first` or `last`, not both",
            ));
        }
        let mut args = Self {
            after: cursor("after", after)?,
            before: cursor("before", before)?,
            first,
            last,
        };
        if args.first.is_none() && args.last.is_none() {
            args.first = Some(DEFAULT_PAGE as u64);
        }
        Ok(args)
    }

    /// Returns (offset, limit) into a list of `total` items.
    pub fn window(&self, total: u64) -> (u64, u64) {
        let mut start = self.after.map(|a| a + 1).unwrap_or(0).min(total);
        let mut end = self.before.unwrap_or(total).min(total);
        if start > end {
            start = end;
        }
        if let Some(f) = self.first {
            end = end.min(start + f);
        }
        if let Some(l) = self.last {
            start = start.max(end.saturating_sub(l));
        }
        (start, end - start)
    }

    /// Builds the connection from the items of the window `window(total)` returned.
    pub fn connection<T: OutputType>(&self, total: u64, items: Vec<T>) -> Conn<T> {
        let (offset, _) = self.window(total);
        let end = offset + items.len() as u64;
        let mut conn = Connection::with_additional_fields(
            offset > 0,
            end < total,
            ConnectionFields { total_count: total },
        );
        conn.edges.extend(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| Edge::new(OffsetCursor(offset + i as u64), item)),
        );
        conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        let p = PageArgs::parse(None, None, Some(10), None).unwrap();
        assert_eq!(p.window(25), (0, 10));
        let after = Some(OffsetCursor(9).encode_cursor());
        let p = PageArgs::parse(after, None, Some(10), None).unwrap();
        assert_eq!(p.window(25), (10, 10));
        let p = PageArgs::parse(None, None, None, Some(5)).unwrap();
        assert_eq!(p.window(25), (20, 5));
        let p = PageArgs::parse(None, None, None, None).unwrap();
        assert_eq!(p.window(3), (0, 3));
        assert!(PageArgs::parse(None, None, Some(101), None).is_err());
        assert!(PageArgs::parse(None, None, Some(0), None).is_err());
        assert!(PageArgs::parse(None, None, Some(-1), None).is_err());
        assert!(PageArgs::parse(Some("zz".into()), None, Some(1), None).is_err());
    }
}
