//! Value parsers clap runs on single flags, so a bad value is refused with the flag named before
//! anything starts. Rules that join two flags live in `Settings::from_cli`.
use std::fmt::Display;
use std::str::FromStr;

use lettre::message::Mailbox;
use url::Url;

/// A count or a number of seconds that must be at least 1 (a limit whose 0 would refuse
/// everything, a window or timeout of no time).
pub fn at_least_one<T>(value: &str) -> Result<T, String>
where
    T: FromStr + PartialOrd + From<u8>,
    T::Err: Display,
{
    let n: T = value.parse().map_err(|e: T::Err| e.to_string())?;
    if n < T::from(1) {
        return Err("must be at least 1".into());
    }
    Ok(n)
}

/// Requests per second: a finite number, 0 or more (0 turns the limit off).
pub fn parse_rate(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate >= 0.0 => Ok(rate),
        _ => Err("must be a number, 0 or more".into()),
    }
}

/// One CORS origin, trimmed and without a trailing `/`: `*`, or `http(s)://host[:port]` with no
/// path. An empty entry (`a,,b`) is kept empty here and dropped by `Settings`.
pub fn parse_origin(value: &str) -> Result<String, String> {
    let origin = value.trim().trim_end_matches('/');
    let host_and_port = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    let ok = origin.is_empty()
        || origin == "*"
        || host_and_port.is_some_and(|rest| !rest.contains('/'))
            && http::HeaderValue::from_str(origin).is_ok();
    if ok {
        Ok(origin.to_owned())
    } else {
        Err(format!(
            "`{origin}` is not an origin like https://example.com"
        ))
    }
}

/// An absolute `http(s)` URL, under which the links in mail are written.
pub fn parse_base_url(value: &str) -> Result<Url, String> {
    let not_http = || format!("`{value}` is not an http(s) URL like https://roadmap.example");
    let url = Url::parse(value.trim()).map_err(|_| not_http())?;
    match url.scheme() {
        "http" | "https" if url.has_host() => Ok(url),
        _ => Err(not_http()),
    }
}

/// A sender like `Roadmaps <no-reply@roadmap.example>`.
pub fn parse_mailbox(value: &str) -> Result<Mailbox, String> {
    value
        .trim()
        .parse()
        .map_err(|e| format!("`{value}` is not a mail address ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_schemes_and_hosts_only() {
        assert_eq!(
            parse_origin(" https://a.example/ ").as_deref(),
            Ok("https://a.example")
        );
        assert_eq!(parse_origin("*").as_deref(), Ok("*"));
        assert_eq!(parse_origin("").as_deref(), Ok(""));
        for bad in [
            "a.example",
            "ftp://a.example",
            "https://a.example/path",
            "https://a\u{7f}",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rates_are_finite_and_not_negative() {
        assert_eq!(parse_rate("0.5"), Ok(0.5));
        for bad in ["-1", "NaN", "inf", "x"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base_urls_are_http() {
        assert!(parse_base_url("https://roadmap.example/app").is_ok());
        for bad in ["roadmap.test", "ftp://x", "mailto:a@b"] {
            assert!(parse_base_url(bad).is_err(), "{bad}");
        }
    }
}
