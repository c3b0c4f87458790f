//! Limits of CPython's tokenizer that ruff's parser does not have, or
//! reports under another name. They are compile-time constants of every
//! CPython from 3.9 to 3.13 (`MAXLEVEL`, `MAXINDENT` and the tab rules of
//! `Parser/tokenizer.c`), so they do not depend on the target version.

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_text_size::{Ranged, TextRange, TextSize};

/// Brackets (`(`, `[`, `{`) open at once: the 201st is an error,
/// "too many nested parentheses".
pub const MAX_BRACKET_NESTING: usize = 200;

/// Indentation levels: the 100th indent is an error, "too many levels of
/// indentation" (an `IndentationError`).
pub const MAX_INDENT_LEVELS: usize = 99;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    Brackets,
    Indentation,
    /// CPython's `TabError`.
    InconsistentTabs,
}

/// The first place the code breaks a CPython limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Violation {
    pub kind: LimitKind,
    pub range: TextRange,
}

impl Violation {
    /// CPython's own message.
    pub fn message(&self) -> &'static str {
        match self.kind {
            LimitKind::Brackets => "too many nested parentheses",
            LimitKind::Indentation => "too many levels of indentation",
            LimitKind::InconsistentTabs => "inconsistent use of tabs and spaces in indentation",
        }
    }
}

impl Ranged for Violation {
    fn range(&self) -> TextRange {
        self.range
    }
}

/// The first violation in `source`, whose tokens are `tokens`.
pub fn first_violation(source: &str, tokens: &Tokens) -> Option<Violation> {
    let mut brackets = 0usize;
    let mut indents = Indents::default();
    let mut at_line_start = true;
    for token in tokens.iter() {
        let kind = match token.kind() {
            TokenKind::Newline => {
                at_line_start = true;
                continue;
            }
            // Blank and comment-only lines do not take part in indentation.
            TokenKind::NonLogicalNewline
            | TokenKind::Comment
            | TokenKind::Indent
            | TokenKind::Dedent => continue,
            kind => kind,
        };
        if std::mem::take(&mut at_line_start)
            && let Some(kind) = indents.line(source, token.start())
        {
            return Some(Violation {
                kind,
                range: TextRange::new(line_start(source, token.start()), token.start()),
            });
        }
        match kind {
            TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => {
                brackets += 1;
                if brackets > MAX_BRACKET_NESTING {
                    return Some(Violation {
                        kind: LimitKind::Brackets,
                        range: token.range(),
                    });
                }
            }
            TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace => {
                brackets = brackets.saturating_sub(1);
            }
            _ => {}
        }
    }
    None
}

fn line_start(source: &str, at: TextSize) -> TextSize {
    let at = usize::from(at).min(source.len());
    let start = source[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    TextSize::try_from(start).unwrap_or_default()
}

/// CPython's indentation stack: each level's column with tabs to the next
/// multiple of 8 (`col`) and with tabs as one column (`altcol`). A line is
/// consistent only if both measures order it the same way against the
/// stack.
struct Indents {
    cols: Vec<(usize, usize)>,
}

impl Default for Indents {
    fn default() -> Self {
        Indents { cols: vec![(0, 0)] }
    }
}

impl Indents {
    /// Check the logical line whose first token starts at `first`.
    fn line(&mut self, source: &str, first: TextSize) -> Option<LimitKind> {
        // The line's own leading whitespace, not the span before the
        // token: after a lexer error the first token may be the whitespace.
        let start = usize::from(line_start(source, first));
        let (mut col, mut alt) = (0usize, 0usize);
        for c in source[start..].chars() {
            match c {
                ' ' => {
                    col += 1;
                    alt += 1;
                }
                '\t' => {
                    col = (col / 8 + 1) * 8;
                    alt += 1;
                }
                '\x0c' => {
                    col = 0;
                    alt = 0;
                }
                _ => break,
            }
        }
        let &(top, top_alt) = self.cols.last().expect("level 0 is never popped");
        if col == top {
            (alt != top_alt).then_some(LimitKind::InconsistentTabs)
        } else if col > top {
            if self.cols.len() > MAX_INDENT_LEVELS {
                return Some(LimitKind::Indentation);
            }
            if alt <= top_alt {
                return Some(LimitKind::InconsistentTabs);
            }
            self.cols.push((col, alt));
            None
        } else {
            while self.cols.len() > 1 && col < self.cols.last().expect("non-empty").0 {
                self.cols.pop();
            }
            let &(top, top_alt) = self.cols.last().expect("level 0 is never popped");
            // A column matching no outer level is ruff's own error
            // ("unindent does not match any outer indentation level").
            (col == top && alt != top_alt).then_some(LimitKind::InconsistentTabs)
        }
    }
}
