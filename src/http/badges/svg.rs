//! Drawing a badge: a flat two-part SVG (a grey label, a coloured value), like the shields.io
//! badges READMEs show, with an accessible name (`role="img"`, `aria-label`, `<title>`). Pure:
//! text in, bytes out; every text is escaped.

/// Escapes text for SVG content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Approximate width in pixels of `text` at 11 px Verdana (wide glyphs count more).
fn text_width(text: &str) -> u32 {
    text.chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | ' ' => 4,
            'f' | 't' | 'r' | 'I' | '(' | ')' | '-' => 5,
            'm' | 'w' | 'M' | 'W' | '%' | '@' => 10,
            c if c.is_ascii_uppercase() => 8,
            c if c.is_ascii() => 7,
            _ => 11,
        })
        .sum()
}

/// Cuts `text` to at most `max` characters, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

/// The value part's colour for a percentage (red → green), or blue when there is none.
pub fn color(percent: Option<f64>) -> &'static str {
    match percent {
        None => "#007ec6",
        Some(p) if p >= 100.0 => "#4c1",
        Some(p) if p >= 75.0 => "#97ca00",
        Some(p) if p >= 50.0 => "#a4a61d",
        Some(p) if p >= 25.0 => "#dfb317",
        Some(_) => "#fe7d37",
    }
}

/// A badge: `label` on grey, `value` on `color` (a `#rgb`/`#rrggbb` constant of this module).
pub fn render(label: &str, value: &str, color: &str) -> String {
    let label = clip(label, 60);
    let value = clip(value, 60);
    let lw = text_width(&label) + 12;
    let vw = text_width(&value) + 12;
    let w = lw + vw;
    let (l, v) = (escape(&label), escape(&value));
    let title = format!("{l}: {v}");
    let (lx, vx) = (lw * 5, lw * 10 + vw * 5);
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="20" role="img" aria-label="{title}"><title>{title}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="{w}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#555"/><rect x="{lw}" width="{vw}" height="20" fill="{color}"/><rect width="{w}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="110" text-rendering="geometricPrecision"><text aria-hidden="true" x="{lx}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)">{l}</text><text x="{lx}" y="140" transform="scale(.1)">{l}</text><text aria-hidden="true" x="{vx}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)">{v}</text><text x="{vx}" y="140" transform="scale(.1)">{v}</text></g></svg>"##
    )
}

/// The value text of a progress badge: percent done on a roadmap, or topics done overall, and
/// the current streak.
pub fn progress_value(percent: Option<f64>, done: i64, streak: i32) -> String {
    let progress = match percent {
        Some(p) => format!("{}% done", p.floor() as i64),
        None if done == 1 => "1 topic done".to_owned(),
        None => format!("{done} topics done"),
    };
    let days = if streak == 1 { "day" } else { "days" };
    format!("{progress} | {streak} {days} streak")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("tab\there"), "tabhere");
    }

    #[test]
    fn renders_an_accessible_badge() {
        let svg = render("Rust <3", "50% done | 2 days streak", color(Some(50.0)));
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title>Rust &lt;3: 50% done | 2 days streak</title>"));
        assert!(svg.contains("aria-label=\"Rust &lt;3: 50% done | 2 days streak\""));
        assert!(!svg.contains("<3"));
        assert!(svg.contains("#a4a61d"));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn width_grows_with_text_and_long_text_is_clipped() {
        let short = render("a", "b", color(None));
        let long = render(&"x".repeat(100), "b", color(None));
        let width = |s: &str| -> u32 {
            s.split("width=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        assert!(width(&long) > width(&short));
        assert!(long.contains('…'));
        assert_eq!(clip("abc", 3), "abc");
    }

    #[test]
    fn values() {
        assert_eq!(progress_value(Some(37.5), 3, 1), "37% done | 1 day streak");
        assert_eq!(progress_value(None, 1, 0), "1 topic done | 0 days streak");
        assert_eq!(
            progress_value(None, 42, 5),
            "42 topics done | 5 days streak"
        );
        assert_eq!(color(Some(100.0)), "#4c1");
        assert_eq!(color(Some(10.0)), "#fe7d37");
    }
}
