//! The checks every account field passes before it is stored: each trims, checks and returns the
//! value to keep, or a `BAD_USER_INPUT` naming `field`.
use crate::error::{AppError, Field, Input};
use crate::text::{self, AtField};

/// Longest email address, in characters (RFC 5321's limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;
/// Longest IANA time zone name accepted, in characters.
pub const MAX_TIME_ZONE_CHARS: usize = 64;
/// Longest profile headline, in characters.
pub const MAX_HEADLINE_CHARS: usize = 200;
/// Longest token a client may hand back (refresh tokens are 43 characters; room for others).
pub const MAX_TOKEN_CHARS: usize = 512;

/// A secret given to be compared (a password at sign-in, a token): only its length is checked,
/// so that an oversized one is refused before it is hashed.
pub fn check_given(field: Input, value: &str, max: usize) -> Result<(), AppError> {
    text::max_chars(value, max).at(field)
}

/// Trims and lower-cases an email, and checks it has a plausible shape.
pub fn normalize_email(field: Input, email: &str) -> Result<String, AppError> {
    let e = email.trim().to_lowercase();
    let bad = || AppError::bad_input(field, "Enter a valid email address, like name@example.com");
    let (local, domain) = e.split_once('@').ok_or_else(bad)?;
    let ok = !local.is_empty()
        && e.chars().count() <= MAX_EMAIL_CHARS
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

pub fn check_username(field: Input, username: &str) -> Result<String, AppError> {
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

pub fn check_display_name(field: Input, name: &str) -> Result<String, AppError> {
    text::line(name, MAX_DISPLAY_NAME_CHARS).at(field)?;
    Ok(name.trim().to_owned())
}

pub fn check_time_zone(field: Input, tz: &str) -> Result<String, AppError> {
    text::max_chars(tz, MAX_TIME_ZONE_CHARS).at(field)?;
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
pub fn check_headline(field: Input, headline: &str) -> Result<Option<String>, AppError> {
    text::optional_line(headline, MAX_HEADLINE_CHARS).at(field)?;
    let h = headline.trim();
    Ok((!h.is_empty()).then(|| h.to_owned()))
}

/// At most this many profile links.
pub const MAX_LINKS: usize = 10;

/// Profile links: at most 10 absolute http(s) URLs (see [`text::http_url`]); each is trimmed
/// and stored as parsed (normalised). `field` names the list; a bad entry is its item `i`.
pub fn check_links(field: Input, links: &[String]) -> Result<Vec<String>, AppError> {
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
            let here = Field::item(field, i);
            text::http_url(link).at(&here)?;
            url::Url::parse(link.trim())
                .map(|u| u.to_string())
                .map_err(|_| text::TextRefusal::NotHttpUrl.at(&here))
        })
        .collect()
}
