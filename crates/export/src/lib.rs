//! `weir-export`: a notebook run as one static, self-contained HTML page.
//!
//! Pure: the caller (the CLI's `weir export html`) runs the notebook and
//! builds an [`ExportDocument`]; [`render_html`] turns it into a string.
//! No I/O, no clock, no processes, so the same document always renders to
//! the same bytes. The page fetches nothing: CSS is inline, images are
//! `data:` URIs, and the only scripts are the chart and math libraries a
//! page uses, inlined (`rich`). See docs/export.md.
//!
//! ```
//! use weir_export::{ExportCell, ExportDocument, HtmlOptions, render_html, verify};
//! let doc = ExportDocument {
//!     title: "demo".into(),
//!     cells: vec![ExportCell { name: "_".into(), code: "1 + 1".into(), status: "ok".into(),
//!         outputs: vec![[("text/plain".to_string(), "2".into())].into()], ..Default::default() }],
//!     ..Default::default()
//! };
//! let html = render_html(&doc, &HtmlOptions::default());
//! assert!(html.contains("<pre class=\"weir-plain\">\n2</pre>"));
//! assert!(verify(&html).is_ok());
//! ```

mod document;
mod element;
mod escape;
mod integrity;
mod layout;
mod markdown;
mod mime;
mod page;
mod rich;

pub use document::{ExportCell, ExportDocument, ExportError, HtmlOptions, MimeBundle};
pub use element::{UI_MIME, render_element};
pub use escape::escape_html;
pub use integrity::{BODY_END, BODY_START, IntegrityError, content_hash, hashed_region, verify};
pub use layout::LAYOUT_MIME;
pub use markdown::{render_markdown, render_markdown_math};
pub use mime::{MIME_ORDER, choose_mime};
pub use page::{WEIR_VERSION, render_html, summary};
