//! The front end's built files (`frontend/dist/`), embedded in the binary
//! so `weir` serves everything the page loads: no CDN, works offline.
//! Whatever the folder holds is served by its path; a missing folder
//! (a checkout whose front end was never built) still compiles and serves
//! a page that says so.

use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../frontend/dist/"]
#[allow_missing = true]
struct Assets;

const NOT_BUILT: &str = "<!doctype html><meta charset=\"utf-8\"><title>weir</title>\
<p>The editor's front end is not in this build (frontend/dist/ was empty when weir was compiled).";

pub async fn serve(uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    match Assets::get(path) {
        Some(file) => {
            // The built files keep their names from build to build, so a
            // browser must ask again each time (`no-cache`); the content
            // hash as the ETag makes asking cheap (304, no body) and an
            // upgraded `weir` is never served from a stale copy.
            let etag = etag(&file.metadata.sha256_hash());
            let fresh = headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag));
            let common = [
                (header::CACHE_CONTROL, "no-cache".to_string()),
                (header::ETAG, etag),
            ];
            if fresh {
                return (StatusCode::NOT_MODIFIED, common).into_response();
            }
            (
                common,
                [(header::CONTENT_TYPE, file.metadata.mimetype().to_string())],
                file.data.into_owned(),
            )
                .into_response()
        }
        None if path == "index.html" => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            NOT_BUILT,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// A strong validator: the file's SHA-256, quoted.
fn etag(sha256: &[u8; 32]) -> String {
    let mut tag = String::with_capacity(66);
    tag.push('"');
    for b in sha256 {
        tag.push_str(&format!("{b:02x}"));
    }
    tag.push('"');
    tag
}
