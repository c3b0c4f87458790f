//! The front end's built files (`frontend/dist/`), embedded in the binary
//! so `weir` serves everything the page loads: no CDN, works offline.
//! Whatever the folder holds is served by its path; a missing folder
//! (a checkout whose front end was never built) still compiles and serves
//! a page that says so.

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../../frontend/dist/"]
#[allow_missing = true]
struct Assets;

const NOT_BUILT: &str = "<!doctype html><meta charset=\"utf-8\"><title>weir</title>\
<p>The editor's front end is not in this build (frontend/dist/ was empty when weir was compiled).";

pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    match Assets::get(path) {
        Some(file) => {
            let cache = if path == "index.html" {
                "no-cache"
            } else {
                // Vite names built assets by content hash.
                "public, max-age=31536000, immutable"
            };
            (
                [
                    (header::CONTENT_TYPE, file.metadata.mimetype().to_string()),
                    (header::CACHE_CONTROL, cache.to_string()),
                ],
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
