//! `DeviceTime`: the `at` of a progress change, when the learner made it by their device's clock.
//!
//! Its own scalar rather than `DateTime`: async-graphql checks a `DateTime` before any resolver
//! runs, so a malformed one fails the whole request with no `extensions.field`. This scalar
//! accepts any value and is parsed by the resolver ([`DeviceTime::parse`]), so a malformed value
//! fails with `BAD_USER_INPUT` naming its input field (e.g. `changes[3].at`).
use async_graphql::{InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, Utc};

use crate::error::AppError;

/// The value as the client sent it; checked by [`DeviceTime::parse`].
#[derive(Debug, Clone)]
pub struct DeviceTime(Value);

/// When a change was made, by the clock of the learner's device: an RFC 3339 date and time with
/// an offset, e.g. `2026-11-30T09:15:00Z` or `2026-11-30T10:15:00.250+01:00` (kept to the
/// microsecond). A value that is not one fails the mutation with `BAD_USER_INPUT`, naming the
/// input field in `extensions.field`.
#[Scalar(
    name = "DeviceTime",
    specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6"
)]
impl ScalarType for DeviceTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        Ok(Self(value))
    }

    fn is_valid(_: &Value) -> bool {
        true
    }

    fn to_value(&self) -> Value {
        self.0.clone()
    }
}

impl DeviceTime {
    /// The time in UTC, or `BAD_USER_INPUT` naming `field`.
    pub fn parse(&self, field: &str) -> Result<DateTime<Utc>, AppError> {
        let bad = |what: String| {
            AppError::bad_input(
                field,
                format!(
                    "{field}: {what} is not an RFC 3339 date and time with an offset \
                     (e.g. 2026-11-30T09:15:00Z)"
                ),
            )
        };
        match &self.0 {
            Value::String(s) => DateTime::parse_from_rfc3339(s.trim())
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| bad(format!("`{}`", shorten(s)))),
            other => Err(bad(format!("`{}`", shorten(&other.to_string())))),
        }
    }
}

/// At most 40 characters of what the client sent, for the message.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_and_names_the_field_otherwise() {
        let t = DeviceTime(Value::String("2026-11-30T10:15:00+01:00".into()));
        assert_eq!(
            t.parse("at").unwrap().to_rfc3339(),
            "2026-11-30T09:15:00+00:00"
        );
        for bad in [
            Value::String("yesterday".into()),
            Value::String("2026-11-30 09:15".into()),
            Value::String("2026-11-30T09:15:00".into()),
            Value::Number(5.into()),
        ] {
            match DeviceTime(bad).parse("changes[2].at") {
                Err(AppError::BadInput { field, message }) => {
                    assert_eq!(field, Some("changes[2].at".into()));
                    assert!(
                        message.to_string().starts_with("changes[2].at: "),
                        "{message}"
                    );
                }
                other => panic!("{other:?}"),
            }
        }
        let long = "x".repeat(100);
        let Err(err) = DeviceTime(Value::String(long)).parse("at") else {
            panic!("accepted");
        };
        assert!(err.to_string().len() < 150);
    }
}
