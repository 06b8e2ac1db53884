//! Relay connections over an ordered list, with opaque offset cursors and `first`/`last` in 1..=100.
//!
//! The connection and edge types are ours rather than async-graphql's `Connection`/`Edge`, whose
//! connection type carries no description; they keep its SDL shape (`<Node>Connection` with
//! `pageInfo`, `edges`, `nodes`, `totalCount`; `<Node>Edge` with `node`, `cursor`). `PageInfo` is
//! async-graphql's, which is described.
use std::borrow::Cow;

use async_graphql::connection::{CursorType, PageInfo};
use async_graphql::{Object, OutputType, TypeName};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::AppError;

pub const MAX_PAGE: i32 = 100;
pub const DEFAULT_PAGE: i32 = 20;

/// A page of `T`s with its cursors (see the `Object` impl for what clients are told).
pub struct Conn<T: OutputType> {
    edges: Vec<ConnEdge<T>>,
    total_count: u64,
    has_previous_page: bool,
    has_next_page: bool,
}

/// One page of a list, in the list's order. Ask for pages with `first` (1 to 100, default 20)
/// and `after` going forwards, or `last` (1 to 100) and `before` going backwards; `pageInfo` says
/// whether there are more and gives the cursors to continue from. An out-of-range page size or a
/// malformed cursor fails with `BAD_USER_INPUT` naming the argument.
#[Object(name_type)]
impl<T: OutputType> Conn<T> {
    /// Whether there are items before and after this page, and the cursors of its first and last
    /// items.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges.first().map(|e| e.cursor.encode_cursor()),
            end_cursor: self.edges.last().map(|e| e.cursor.encode_cursor()),
        }
    }

    /// The items of this page with their cursors, in order; empty past the end of the list.
    async fn edges(&self) -> &[ConnEdge<T>] {
        &self.edges
    }

    /// The items of this page without their cursors, in order (the `node` of each edge).
    async fn nodes(&self) -> Vec<&T> {
        self.edges.iter().map(|e| &e.node).collect()
    }

    /// Number of items in the whole list, across all pages.
    async fn total_count(&self) -> u64 {
        self.total_count
    }
}

impl<T: OutputType> TypeName for Conn<T> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", T::type_name()).into()
    }
}

/// One `T` of a page and its cursor.
pub struct ConnEdge<T: OutputType> {
    cursor: OffsetCursor,
    node: T,
}

/// One item of a connection's page and its cursor.
#[Object(name_type)]
impl<T: OutputType> ConnEdge<T> {
    /// The item.
    async fn node(&self) -> &T {
        &self.node
    }

    /// Opaque cursor of this item: pass it as `after` for the items that follow it, or as
    /// `before` for the items that precede it.
    async fn cursor(&self) -> String {
        self.cursor.encode_cursor()
    }
}

impl<T: OutputType> TypeName for ConnEdge<T> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", T::type_name()).into()
    }
}

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

/// A page size argument (`name`: `first` or `last`) checked against 1..=[`MAX_PAGE`]; also for
/// plain lists that take a `first` without cursors.
pub fn check_size(name: &str, v: Option<i32>) -> Result<Option<u64>, AppError> {
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
        Conn {
            edges: items
                .into_iter()
                .enumerate()
                .map(|(i, node)| ConnEdge {
                    cursor: OffsetCursor(offset + i as u64),
                    node,
                })
                .collect(),
            total_count: total,
            has_previous_page: offset > 0,
            has_next_page: end < total,
        }
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
