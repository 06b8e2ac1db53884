//! The checks every account field passes before it is stored: each trims, checks and returns the
//! value to keep, or a `BAD_USER_INPUT` naming `field`.
use crate::error::AppError;

/// Trims and lower-cases an email, and checks it has a plausible shape.
pub fn normalize_email(field: &str, email: &str) -> Result<String, AppError> {
    let e = email.trim().to_lowercase();
    let bad = || AppError::bad_input(field, "Enter a valid email address, like name@example.com");
    let (local, domain) = e.split_once('@').ok_or_else(bad)?;
    let ok = !local.is_empty()
        && e.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(e)
    } else {
        Err(bad())
    }
}

pub fn check_username(field: &str, username: &str) -> Result<String, AppError> {
    let u = username.trim();
    let ok = (3..=32).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(u.to_owned())
    } else {
        Err(AppError::bad_input(
            field,
            "The username must be 3-32 letters, digits, `-` or `_`",
        ))
    }
}

pub fn check_display_name(field: &str, name: &str) -> Result<String, AppError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 || n.chars().any(char::is_control) {
        return Err(AppError::bad_input(
            field,
            "The display name must be 1-100 characters",
        ));
    }
    Ok(n.to_owned())
}

pub fn check_time_zone(field: &str, tz: &str) -> Result<String, AppError> {
    tz.trim()
        .parse::<chrono_tz::Tz>()
        .map(|z| z.name().to_owned())
        .map_err(|_| {
            AppError::bad_input(
                field,
                format!("`{tz}` is not an IANA time zone name (like Europe/Paris)"),
            )
        })
}

/// A headline: trimmed, at most 200 characters, no control characters; empty clears it.
pub fn check_headline(field: &str, headline: &str) -> Result<Option<String>, AppError> {
    let h = headline.trim();
    if h.chars().count() > 200 || h.chars().any(char::is_control) {
        return Err(AppError::bad_input(
            field,
            "The headline must be at most 200 characters on one line",
        ));
    }
    Ok((!h.is_empty()).then(|| h.to_owned()))
}

/// At most this many profile links.
pub const MAX_LINKS: usize = 10;

/// Profile links: at most 10 absolute http(s) URLs of up to 2,000 characters; each is trimmed
/// and stored as parsed (normalised). `field` names the list; a bad entry is `field[i]`.
pub fn check_links(field: &str, links: &[String]) -> Result<Vec<String>, AppError> {
    if links.len() > MAX_LINKS {
        return Err(AppError::bad_input(
            field,
            format!("At most {MAX_LINKS} links"),
        ));
    }
    links
        .iter()
        .enumerate()
        .map(|(i, link)| {
            let l = link.trim();
            let parsed = url::Url::parse(l).ok().filter(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some_and(|h| !h.is_empty())
                    && u.username().is_empty()
                    && u.password().is_none()
            });
            match parsed {
                Some(u) if l.len() <= 2000 => Ok(u.to_string()),
                _ => Err(AppError::bad_input(
                    format!("{field}[{i}]"),
                    "A link must be an http:// or https:// URL of at most 2,000 characters",
                )),
            }
        })
        .collect()
}
