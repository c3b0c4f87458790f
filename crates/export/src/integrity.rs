//! The page's content hash: `<meta name="weir-content-hash"
//! content="blake3:HEX">` in `<head>` is the BLAKE3 of the UTF-8 bytes
//! strictly between [`BODY_START`] and the last [`BODY_END`] in the page.
//!
//! Why those bounds are unambiguous although HTML outputs are embedded as
//! they are (and could contain the marker text): the start marker is the
//! first thing in `<body>`, and nothing before it comes from the notebook
//! except the escaped title, which cannot contain `<!--`; the end marker is
//! written after the last notebook content, so the last occurrence is ours.
//! The meta tag comes before anything from the notebook too, so its first
//! occurrence is ours. docs/export.md shows how to check a page by hand.

use thiserror::Error;

/// Opens the hashed region; written right after `<body>`.
pub const BODY_START: &str = "<!-- weir:body-start -->";
/// Closes the hashed region; written right before `</body>`.
pub const BODY_END: &str = "<!-- weir:body-end -->";
/// The start of the meta tag, up to the hash.
pub const META_PREFIX: &str = "<meta name=\"weir-content-hash\" content=\"blake3:";

/// `blake3:` and the 64 lowercase hex digits of the hash of `body`.
pub fn content_hash(body: &str) -> String {
    format!("blake3:{}", blake3::hash(body.as_bytes()).to_hex())
}

/// Why a page failed [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IntegrityError {
    #[error("no <meta name=\"weir-content-hash\"> tag with a blake3 hash")]
    MissingMeta,
    #[error("the body markers `{BODY_START}` / `{BODY_END}` are missing or out of order")]
    MissingMarkers,
    #[error(
        "content hash mismatch: the page says blake3:{expected}, its body hashes to blake3:{actual}"
    )]
    Mismatch { expected: String, actual: String },
}

/// The body region the hash covers, or `None` without both markers.
pub fn hashed_region(html: &str) -> Option<&str> {
    let start = html.find(BODY_START)? + BODY_START.len();
    let end = html.rfind(BODY_END)?;
    html.get(start..end)
}

/// Checks a page's content hash; returns the hash (`blake3:HEX`) when it
/// matches.
pub fn verify(html: &str) -> Result<String, IntegrityError> {
    let at = html.find(META_PREFIX).ok_or(IntegrityError::MissingMeta)? + META_PREFIX.len();
    let expected = html[at..]
        .split('"')
        .next()
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or(IntegrityError::MissingMeta)?;
    let body = hashed_region(html).ok_or(IntegrityError::MissingMarkers)?;
    let actual = blake3::hash(body.as_bytes()).to_hex().to_string();
    if actual.eq_ignore_ascii_case(expected) {
        Ok(format!("blake3:{actual}"))
    } else {
        Err(IntegrityError::Mismatch {
            expected: expected.to_string(),
            actual,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> String {
        let hash = content_hash(body);
        format!(
            "<head><meta name=\"weir-content-hash\" content=\"{hash}\"></head><body>{BODY_START}{body}{BODY_END}</body>"
        )
    }

    #[test]
    fn round_trip_and_tamper() {
        let html = page("<p>hello</p>");
        assert!(verify(&html).is_ok());
        let tampered = html.replace("hello", "hellO");
        assert!(matches!(
            verify(&tampered),
            Err(IntegrityError::Mismatch { .. })
        ));
    }

    #[test]
    fn markers_inside_content_do_not_confuse_it() {
        let body = format!("<p>{BODY_END} and {BODY_START} in user html</p>");
        assert!(verify(&page(&body)).is_ok());
    }

    #[test]
    fn missing_parts() {
        assert_eq!(verify("<html></html>"), Err(IntegrityError::MissingMeta));
        let no_markers = format!("{META_PREFIX}{}\">", "0".repeat(64));
        assert_eq!(verify(&no_markers), Err(IntegrityError::MissingMarkers));
    }
}
