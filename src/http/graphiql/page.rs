//! The GraphiQL page answered to a browser at `GET /graphql`: HTML that loads only same-origin
//! files (see `assets`), with no inline script or style, under a Content-Security-Policy that
//! allows nothing else.
use std::sync::OnceLock;

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;

use super::assets::{url, ASSETS};

/// Where each response's style nonce goes in the page.
const NONCE: &str = "{nonce}";

/// The page, with `{nonce}` where the response's nonce goes (built once: the rest only depends on
/// the asset version).
fn template() -> &'static str {
    static HTML: OnceLock<String> = OnceLock::new();
    HTML.get_or_init(|| {
        let mut head = String::new();
        let mut scripts = String::new();
        for asset in &ASSETS {
            let href = url(asset.name);
            if asset.name.ends_with(".css") {
                head.push_str(&format!("    <link rel=\"stylesheet\" href=\"{href}\">\n"));
            } else if asset.name == "init.js" {
                // init.js hands the nonce (document.currentScript.nonce) to GraphiQL's styles.
                scripts.push_str(&format!(
                    "    <script src=\"{href}\" nonce=\"{NONCE}\"></script>\n"
                ));
            } else if asset.name.ends_with(".js") {
                scripts.push_str(&format!("    <script src=\"{href}\"></script>\n"));
            } else if asset.name.ends_with(".svg") {
                head.push_str(&format!(
                    "    <link rel=\"icon\" type=\"image/svg+xml\" href=\"{href}\">\n"
                ));
            }
        }
        format!(
            "<!DOCTYPE html>\n\
             <html lang=\"en\">\n  <head>\n\
             \x20   <meta charset=\"utf-8\">\n\
             \x20   <meta name=\"robots\" content=\"noindex\">\n\
             \x20   <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             \x20   <title>roadmap-api · GraphiQL</title>\n\
             {head}  </head>\n  <body>\n\
             \x20   <div id=\"graphiql\">Loading...</div>\n\
             {scripts}  </body>\n</html>\n"
        )
    })
}

/// The page's Content-Security-Policy. Everything comes from the page's own origin, except:
/// - `style-src` also allows `<style>` elements carrying this response's nonce: GraphiQL's dialogs
///   (settings, keyboard shortcuts) lock scrolling by inserting one (react-remove-scroll-bar),
///   which `'self'` alone blocks. A nonce lets exactly those through, where `'unsafe-inline'`
///   would let any injected style in. Element styles set from script need neither.
/// - `font-src` and `img-src` also allow `data:` URLs: graphiql.min.css carries its fonts and
///   CodeMirror's lint markers inline as `data:` URLs, and nothing in them can run.
/// - `connect-src` names `ws://` and `wss://` on the page's own host for subscriptions: CSP Level 3
///   lets `'self'` cover them, but not every browser in use does. The host comes from the `Host`
///   header, and only when it is a plain host[:port].
pub fn content_security_policy(host: Option<&str>, nonce: &str) -> String {
    let mut connect = String::from("'self'");
    if let Some(host) = host.filter(|h| is_plain_host(h)) {
        connect.push_str(&format!(" ws://{host} wss://{host}"));
    }
    format!(
        "default-src 'self'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; \
         font-src 'self' data:; connect-src {connect}; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'"
    )
}

/// A host name, IPv4 or bracketed IPv6 address, with an optional port: nothing that could end
/// the directive or add a source to it.
pub(crate) fn is_plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// A fresh nonce: 16 random bytes, base64 (no character that needs escaping in HTML or in a
/// header).
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    STANDARD.encode(bytes)
}

/// The page with its headers. `no-store`, as every response has its own nonce; `Vary: Accept`
/// because `/graphql` answers JSON at the same URL.
pub fn page(request: &HeaderMap) -> Response {
    let host = request.get(header::HOST).and_then(|v| v.to_str().ok());
    let nonce = nonce();
    let csp = HeaderValue::from_str(&content_security_policy(host, &nonce))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::VARY, HeaderValue::from_static("Accept")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        template().replace(NONCE, &nonce),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_names_the_websocket_origin_of_a_plain_host_only() {
        let csp = content_security_policy(Some("127.0.0.1:8000"), "n0nce");
        assert!(csp.starts_with("default-src 'self'; style-src 'self' 'nonce-n0nce';"));
        assert!(csp.contains("connect-src 'self' ws://127.0.0.1:8000 wss://127.0.0.1:8000;"));
        for odd in ["evil.example; script-src *", "a b", "", "x'y", "h/path"] {
            let csp = content_security_policy(Some(odd), "n");
            assert!(csp.contains("connect-src 'self';"), "{odd}: {csp}");
        }
        assert!(content_security_policy(None, "n").contains("connect-src 'self';"));
        let v6 = content_security_policy(Some("[::1]:8000"), "n");
        assert!(v6.contains("ws://[::1]:8000 "), "{v6}");
    }

    #[test]
    fn page_loads_every_file_from_its_own_origin() {
        let html = template();
        for asset in &ASSETS {
            assert!(html.contains(&url(asset.name)), "{} missing", asset.name);
        }
        assert!(!html.contains("http:") && !html.contains("https:") && !html.contains("//"));
        assert!(!html.contains("<style") && !html.contains("<script>"));
        assert_eq!(html.matches(NONCE).count(), 1);
    }

    #[test]
    fn every_page_has_its_own_nonce() {
        let (a, b) = (nonce(), nonce());
        assert_ne!(a, b);
        assert_eq!(a.len(), 24);
    }
}
