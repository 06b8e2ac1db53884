//! The rules every stored string passes, whatever the domain: lengths are counted in characters
//! (Unicode scalar values) of the trimmed text, never in bytes; single-line text refuses line
//! breaks, and every text refuses NUL and other control characters (multi-line text keeps `\n`,
//! `\r` and `\t`), the bidi override, embedding and isolate characters (U+202A–U+202E,
//! U+2066–U+2069), and text made only of invisible characters (zero-width spaces and joiners,
//! U+FEFF, …). URLs are absolute `http`/`https` URLs or, where a link may point into the site,
//! paths starting with a single `/`.
//!
//! A check returns a [`TextRefusal`]; [`TextRefusal::at`] names the input in the `BAD_USER_INPUT`
//! error, so the domains keep their limits and the GraphQL layer its field names.
use crate::error::{AppError, Field, Words};

/// Longest URL accepted anywhere, in characters.
pub const MAX_URL_CHARS: usize = 2_000;

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextRefusal {
    Empty,
    TooLong { max: usize },
    TooMany { max: usize, what: &'static str },
    LineBreak,
    Control,
    Bidi,
    Invisible,
    NotHttpUrl,
    NotLink,
}

impl TextRefusal {
    /// The refusal as a `BAD_USER_INPUT` error naming `field`.
    pub fn at(self, field: impl Into<Field>) -> AppError {
        let field = field.into();
        let rest = match self {
            Self::Empty => " must not be empty".to_owned(),
            Self::TooLong { max } => format!(" is longer than {max} characters"),
            Self::TooMany { max, what } => format!(" may hold at most {max} {what}"),
            Self::LineBreak => " must be a single line".to_owned(),
            Self::Control => " must not contain control characters".to_owned(),
            Self::Bidi => " must not contain bidirectional override, embedding or isolate \
                 characters"
                .to_owned(),
            Self::Invisible => " must contain a visible character".to_owned(),
            Self::NotHttpUrl => format!(
                " must be an absolute http:// or https:// URL of at most \
                 {MAX_URL_CHARS} characters, without spaces, quotes or bidi characters"
            ),
            Self::NotLink => format!(
                " must be an absolute http(s) URL or a site path starting with one `/`, \
                 of at most {MAX_URL_CHARS} characters, without spaces, quotes or bidi characters"
            ),
        };
        AppError::bad_input(&field, Words::quoted(&field).then(rest))
    }
}

/// A shorthand for domain checks that name their field at once.
pub trait AtField<T> {
    fn at(self, field: impl Into<Field>) -> Result<T, AppError>;
}

impl<T> AtField<T> for Result<T, TextRefusal> {
    fn at(self, field: impl Into<Field>) -> Result<T, AppError> {
        self.map_err(|r| r.at(field))
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that draw nothing: zero-width spaces, joiners and marks, the word joiner and the
/// invisible operators, the BOM, soft hyphen, Hangul fillers, and white space.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2060}'..='\u{2064}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
        )
}

/// Characters allowed nowhere, and line breaks unless `multiline`.
fn check_chars(value: &str, multiline: bool) -> Result<(), TextRefusal> {
    for c in value.chars() {
        if c == '\n' || c == '\r' {
            if !multiline {
                return Err(TextRefusal::LineBreak);
            }
        } else if c == '\t' {
            if !multiline {
                return Err(TextRefusal::Control);
            }
        } else if c.is_control() {
            return Err(TextRefusal::Control);
        } else if is_bidi_control(c) {
            return Err(TextRefusal::Bidi);
        }
    }
    Ok(())
}

/// The length rule alone: at most `max` characters of the trimmed value.
pub fn max_chars(value: &str, max: usize) -> Result<(), TextRefusal> {
    if value.trim().chars().count() > max {
        return Err(TextRefusal::TooLong { max });
    }
    Ok(())
}

/// A list of at most `max` entries.
pub fn max_items<T>(items: &[T], max: usize) -> Result<(), TextRefusal> {
    if items.len() > max {
        return Err(TextRefusal::TooMany { max, what: "items" });
    }
    Ok(())
}

/// A one-line text of 1..=`max` characters with something visible in it (a title, a name).
pub fn line(value: &str, max: usize) -> Result<(), TextRefusal> {
    optional_line(value, max)?;
    if value.trim().is_empty() {
        return Err(TextRefusal::Empty);
    }
    Ok(())
}

/// A one-line text of at most `max` characters that may be empty (empty clears it); when not
/// empty, something in it must be visible.
pub fn optional_line(value: &str, max: usize) -> Result<(), TextRefusal> {
    max_chars(value, max)?;
    check_chars(value, false)?;
    visible_or_empty(value)
}

/// A multi-line text (markdown, a note) of at most `max` characters; may be empty.
pub fn text(value: &str, max: usize) -> Result<(), TextRefusal> {
    max_chars(value, max)?;
    check_chars(value, true)?;
    visible_or_empty(value)
}

/// A multi-line text that must not be empty.
pub fn required_text(value: &str, max: usize) -> Result<(), TextRefusal> {
    text(value, max)?;
    if value.trim().is_empty() {
        return Err(TextRefusal::Empty);
    }
    Ok(())
}

fn visible_or_empty(value: &str) -> Result<(), TextRefusal> {
    if !value.is_empty() && value.chars().all(is_invisible) && !value.trim().is_empty() {
        return Err(TextRefusal::Invisible);
    }
    Ok(())
}

/// Characters a URL may not carry even where the URL parser would escape them: a client may show
/// the text as written.
fn url_chars_ok(url: &str) -> bool {
    url.chars().count() <= MAX_URL_CHARS
        && !url.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || is_bidi_control(c)
                || is_invisible(c)
                || matches!(c, '"' | '<' | '>' | '\\' | '`')
        })
}

/// An absolute `http`/`https` URL with a host and no user name or password (parsed with `url`).
pub fn http_url(value: &str) -> Result<(), TextRefusal> {
    let url = value.trim();
    let ok = url_chars_ok(url)
        && url::Url::parse(url).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty())
                && u.username().is_empty()
                && u.password().is_none()
        })
        // `http:example.org` and `https:///x` parse (to `http://example.org/`, `https://x/`);
        // a link people can read has the `//` and a host right after it.
        && url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    if ok {
        Ok(())
    } else {
        Err(TextRefusal::NotHttpUrl)
    }
}

/// A site path (`/pdfs/x.pdf`: one leading `/`, not `//` or `/\`) or an absolute http(s) URL.
pub fn link(value: &str) -> Result<(), TextRefusal> {
    let url = value.trim();
    if url.starts_with('/') {
        if url_chars_ok(url) && !url.starts_with("//") {
            return Ok(());
        }
        return Err(TextRefusal::NotLink);
    }
    http_url(url).map_err(|_| TextRefusal::NotLink)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multilingual_text_is_accepted() {
        for ok in [
            "Café au lait",
            "日本語のロードマップ",
            "Rust 🦀 & Go",
            "مرحبا بالعالم",
            "שלום עולם",
            "Ελληνικά",
            "👩‍💻 developer",
            "क्षत्रिय",
        ] {
            assert_eq!(line(ok, 100), Ok(()), "{ok}");
            assert_eq!(text(ok, 100), Ok(()), "{ok}");
        }
        assert_eq!(text("line one\n\tline two\r\n", 100), Ok(()));
    }

    #[test]
    fn control_bidi_and_invisible_text_is_refused() {
        assert_eq!(line("a\0b", 10), Err(TextRefusal::Control));
        assert_eq!(text("a\0b", 10), Err(TextRefusal::Control));
        assert_eq!(line("a\u{7}b", 10), Err(TextRefusal::Control));
        assert_eq!(line("a\tb", 10), Err(TextRefusal::Control));
        assert_eq!(line("a\nb", 10), Err(TextRefusal::LineBreak));
        for bidi in ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}'] {
            assert_eq!(line(&format!("abc{bidi}def"), 10), Err(TextRefusal::Bidi));
            assert_eq!(text(&format!("abc{bidi}def"), 10), Err(TextRefusal::Bidi));
        }
        for iso in ['\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}'] {
            assert_eq!(line(&format!("a{iso}"), 10), Err(TextRefusal::Bidi));
        }
        for invisible in [
            "\u{200B}",
            "\u{200B}\u{200D}",
            "\u{FEFF}",
            "\u{2060} \u{200C}",
        ] {
            assert_eq!(
                line(invisible, 10),
                Err(TextRefusal::Invisible),
                "{invisible:?}"
            );
            assert_eq!(optional_line(invisible, 10), Err(TextRefusal::Invisible));
        }
        assert_eq!(line("   ", 10), Err(TextRefusal::Empty));
        assert_eq!(optional_line("", 10), Ok(()));
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        assert_eq!(line(&"é".repeat(10), 10), Ok(()));
        assert_eq!(
            line(&"é".repeat(11), 10),
            Err(TextRefusal::TooLong { max: 10 })
        );
        assert_eq!(line(&"x".repeat(10), 10), Ok(()));
        assert!(max_items(&[1, 2, 3], 2).is_err());
        assert!(max_items(&[1, 2], 2).is_ok());
    }

    #[test]
    fn urls_are_http_or_site_paths() {
        for ok in [
            "https://example.org",
            "http://example.org/a?b=c#d",
            "https://developer.mozilla.org/en-US/docs",
            "https://例え.jp/パス",
        ] {
            assert_eq!(http_url(ok), Ok(()), "{ok}");
            assert_eq!(link(ok), Ok(()), "{ok}");
        }
        assert_eq!(link("/pdfs/backend.pdf"), Ok(()));
        for bad in [
            "javascript:alert(1)",
            "ftp://example.org",
            "https://",
            "https:///x",
            "http:example.org",
            "https://exa mple.org",
            "https://example.org/\"onmouseover=x",
            "https://example.org/\u{202E}fdp.exe",
            "https://user:pw@example.org",
            "/pdfs/x.pdf",
            "",
        ] {
            assert_eq!(http_url(bad), Err(TextRefusal::NotHttpUrl), "{bad}");
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/a b",
            "/\"x",
            "relative/path",
        ] {
            assert_eq!(link(bad), Err(TextRefusal::NotLink), "{bad}");
        }
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL_CHARS));
        assert!(http_url(&long).is_err());
    }
}
