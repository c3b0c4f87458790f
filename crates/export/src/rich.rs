//! Charts and math in the export: Vega-Lite (Altair), Plotly and KaTeX,
//! from the same files the editor serves (`frontend/dist/assets/rich/`,
//! built by `frontend/scripts/build-rich.mjs`). Each is inlined only into
//! a page that uses it, so a page with no chart carries no chart library.
//!
//! The outputs themselves are data: a chart is a `<div class="weir-chart">`
//! whose `data-spec` attribute holds the escaped JSON, math a
//! `<span class="weir-math">` holding the escaped TeX; `rich.js` draws them
//! once the libraries have run. Nothing is fetched: Vega is given a loader
//! that refuses every URL (and the page's CSP refuses them too).

use std::fmt::Write;

use crate::escape::push_escaped;

pub const VEGA_JS: &str = include_str!("../../../frontend/dist/assets/rich/vega.js");
pub const PLOTLY_JS: &str = include_str!("../../../frontend/dist/assets/rich/plotly.js");
pub const KATEX_JS: &str = include_str!("../../../frontend/dist/assets/rich/katex.js");
pub const KATEX_CSS: &str = include_str!("../../../frontend/dist/assets/rich/katex.css");
/// Draws the page's charts and math with whichever libraries it carries.
pub const GLUE_JS: &str = include_str!("rich.js");

/// Which libraries a page needs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    pub vega: bool,
    pub plotly: bool,
    pub math: bool,
}

impl Needs {
    pub fn any(self) -> bool {
        self.vega || self.plotly || self.math
    }
}

/// `vega-lite` or `plotly` for a chart MIME type.
pub fn chart_kind(mime: &str) -> Option<&'static str> {
    if mime == "application/vnd.plotly.v1+json" {
        return Some("plotly");
    }
    let version = mime
        .strip_prefix("application/vnd.vegalite.v")?
        .strip_suffix("+json")?;
    (!version.is_empty() && version.bytes().all(|b| b.is_ascii_digit())).then_some("vega-lite")
}

/// Appends the placeholder `rich.js` draws the chart into.
pub fn push_chart(out: &mut String, kind: &str, spec: &serde_json::Value) {
    let _ = write!(
        out,
        "<div class=\"weir-chart\" data-chart=\"{kind}\" data-spec=\""
    );
    push_escaped(out, &spec.to_string());
    out.push_str("\"></div>");
}

/// The `<style>` for the head (KaTeX's CSS, its fonts inlined) when needed.
pub fn push_styles(out: &mut String, needs: Needs) {
    if needs.math {
        out.push_str("<style>\n");
        out.push_str(KATEX_CSS);
        out.push_str("\n</style>\n");
    }
}

/// The libraries the page uses, then the glue, for the end of `<body>`.
pub fn push_scripts(out: &mut String, needs: Needs) {
    if !needs.any() {
        return;
    }
    for (needed, lib) in [
        (needs.vega, VEGA_JS),
        (needs.plotly, PLOTLY_JS),
        (needs.math, KATEX_JS),
    ] {
        if needed {
            out.push_str("<script>");
            out.push_str(lib);
            out.push_str("</script>\n");
        }
    }
    out.push_str("<script>");
    out.push_str(GLUE_JS);
    out.push_str("</script>\n");
}

/// The page's Content-Security-Policy: nothing from the network, ever.
/// Inline scripts and styles run (Weir's libraries and the notebook's own
/// HTML outputs are inline); no eval (Vega runs its expressions in an
/// interpreter), no fetch, no remote image, font or frame.
pub const CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
img-src data: blob:; font-src data:; media-src data: blob:; frame-src data: blob:; \
connect-src 'none'; base-uri 'none'; form-action 'none'";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_kinds() {
        assert_eq!(
            chart_kind("application/vnd.vegalite.v5+json"),
            Some("vega-lite")
        );
        assert_eq!(
            chart_kind("application/vnd.vegalite.v6+json"),
            Some("vega-lite")
        );
        assert_eq!(chart_kind("application/vnd.plotly.v1+json"), Some("plotly"));
        assert_eq!(chart_kind("application/vnd.vegalite.v+json"), None);
        assert_eq!(chart_kind("application/vnd.vegalite.vx+json"), None);
        assert_eq!(chart_kind("application/vnd.vega.v5+json"), None);
    }

    /// The libraries go into `<script>`/`<style>` as they are: they must
    /// not be able to end that element early.
    #[test]
    fn libraries_cannot_close_their_element() {
        for (name, text) in [
            ("vega.js", VEGA_JS),
            ("plotly.js", PLOTLY_JS),
            ("katex.js", KATEX_JS),
            ("rich.js", GLUE_JS),
        ] {
            let lower = text.to_ascii_lowercase();
            assert!(!lower.contains("</script"), "{name} contains </script");
            assert!(!lower.contains("<!--"), "{name} contains <!--");
        }
        assert!(!KATEX_CSS.to_ascii_lowercase().contains("</style"));
        // Fonts are inlined: the CSS names no file.
        assert!(!KATEX_CSS.contains("url(fonts/"));
    }
}
