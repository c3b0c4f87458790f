//! Who may talk to the server. A local web server is reachable by every
//! page the person's browser opens, so:
//! - every request needs the random token, from the printed URL once, then
//!   from an HttpOnly, SameSite=Strict cookie (missing → 401, wrong → 403);
//! - the WebSocket upgrade also needs an Origin that is this server's own
//!   (a page elsewhere cannot drive the kernel even if the browser sent
//!   the cookie);
//! - every response carries a Content-Security-Policy, so an output that
//!   slips into the page cannot load or send anything off the server;
//! - and the headers that make the page cross-origin isolated (COOP
//!   `same-origin`, COEP `credentialless`, CORP `same-origin`), so it may
//!   use `SharedArrayBuffer`: its WebSocket lives in a worker that hands
//!   messages over in shared memory (docs/editor-protocol.md, "The page's
//!   socket").
//!
//! The cookie's name carries the port: cookies ignore ports, and two
//! `weir edit` servers on one host must not overwrite each other's.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// The policy on every response (docs/editor-protocol.md, *Security*).
/// `script-src` lists, beside `'self'`, the hashes of the few inline
/// scripts the front end itself writes (the output frames' sizer): an
/// `<iframe srcdoc>` inherits this policy, so the sizer runs by its hash
/// while an output's own inline scripts stay blocked. The hashes come from
/// the build (`frontend/dist/csp.json`), so they can never drift from the
/// bundle the binary serves.
pub fn csp() -> &'static str {
    static CSP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let hashes = script_hashes(include_str!("../../../frontend/dist/csp.json"));
        format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; frame-src 'self' blob: data:; \
connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'"
        )
    });
    &CSP
}

/// ` 'sha256-…'` for each well-formed hash in the build's `csp.json`; a
/// malformed entry is left out (the sizer then does not run: frames keep
/// their default height, nothing else is allowed).
fn script_hashes(json: &str) -> String {
    let parsed: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let mut out = String::new();
    for hash in parsed["script_src_hashes"].as_array().into_iter().flatten() {
        if let Some(h) = hash.as_str()
            && h.starts_with("'sha256-")
            && h.ends_with('\'')
            && h[8..h.len() - 1]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
        {
            out.push(' ');
            out.push_str(h);
        }
    }
    out
}

/// 32 random bytes, hex.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn cookie_name(port: u16) -> String {
    format!("weir_token_{port}")
}

/// Compares in time independent of where the strings differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn query_token(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| v)
}

fn cookie_token<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The query without its `token` pair.
fn without_token(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| !pair.starts_with("token=") && *pair != "token")
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn require_token(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let name = cookie_name(state.port);
    let uri = request.uri().clone();
    if let Some(token) = query_token(uri.query()) {
        if !same(token, &state.token) {
            return (StatusCode::FORBIDDEN, "wrong token").into_response();
        }
        if uri.path() == "/ws" {
            // A WebSocket cannot follow a redirect: the query token is
            // enough (non-browser clients use it).
            return next.run(request).await;
        }
        // Trade the token in the address for a cookie, and take it out
        // of the address bar (and history, and Referer headers).
        let rest = without_token(uri.query().unwrap_or(""));
        let location = if rest.is_empty() {
            uri.path().to_string()
        } else {
            format!("{}?{rest}", uri.path())
        };
        let cookie = format!("{name}={}; HttpOnly; SameSite=Strict; Path=/", state.token);
        return Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, location)
            .header(header::SET_COOKIE, cookie)
            .body(Body::empty())
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    match cookie_token(request.headers(), &name) {
        None => (
            StatusCode::UNAUTHORIZED,
            "a token is required: open the address `weir edit` printed",
        )
            .into_response(),
        Some(token) if !same(token, &state.token) => {
            (StatusCode::FORBIDDEN, "wrong token").into_response()
        }
        Some(_) => next.run(request).await,
    }
}

/// Whether a WebSocket upgrade's Origin is this server's own. A missing
/// Origin is a client that is not a browser (browsers always send it);
/// such a client already had to present the token.
pub fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    match headers.get(header::ORIGIN) {
        None => true,
        Some(origin) => origin
            .to_str()
            .is_ok_and(|o| allowed.iter().any(|a| a.eq_ignore_ascii_case(o))),
    }
}

pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp()),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // Cross-origin isolation (`crossOriginIsolated` in the page, which
    // `SharedArrayBuffer` needs): the page shares its browsing context group
    // with no other origin's window, and loads nothing cross-origin with
    // credentials. The page loads nothing cross-origin at all (the CSP
    // above), so `credentialless` costs nothing; the output frames are
    // `srcdoc` documents, which inherit the page's policies. Each response
    // may be embedded by this origin only.
    headers.insert(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::HeaderName::from_static("cross-origin-embedder-policy"),
        HeaderValue::from_static("credentialless"),
    );
    headers.insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_of_256_bits() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn the_token_leaves_the_query() {
        assert_eq!(query_token(Some("a=1&token=xyz")), Some("xyz"));
        assert_eq!(without_token("a=1&token=xyz&b=2"), "a=1&b=2");
        assert_eq!(without_token("token=xyz"), "");
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("x=1; weir_token_80=abc"),
        );
        assert_eq!(cookie_token(&headers, "weir_token_80"), Some("abc"));
        assert_eq!(cookie_token(&headers, "weir_token_81"), None);
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
