//! Byte offsets <-> lines in the source text.

/// Start offsets of every line, for 1-based line numbers by binary search.
pub struct Lines<'a> {
    pub src: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(src: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Lines { src, starts }
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> u32 {
        (self.starts.partition_point(|&s| s <= offset).max(1)) as u32
    }

    /// 1-based (line, column) of a byte offset; column counts characters.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let offset = self.floor(offset);
        let line = self.line_of(offset);
        let start = self.starts[(line - 1) as usize];
        let col = self.src[start..offset].chars().count() as u32 + 1;
        (line, col)
    }

    /// Round down to a char boundary, clamped to the text.
    pub fn floor(&self, mut offset: usize) -> usize {
        offset = offset.min(self.src.len());
        while !self.src.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// Offset of the start of the line holding `offset`.
    pub fn line_start(&self, offset: usize) -> usize {
        let offset = self.floor(offset);
        self.src[..offset].rfind('\n').map_or(0, |i| i + 1)
    }

    /// Offset just past the newline ending the line holding `offset` (or the
    /// end of the text).
    pub fn next_line(&self, offset: usize) -> usize {
        let offset = self.floor(offset);
        self.src[offset..]
            .find('\n')
            .map_or(self.src.len(), |i| offset + i + 1)
    }

    /// From `end` (a line start, or the end of a statement), take in the
    /// lines that continue the block — indented or blank — and return the
    /// end of the last non-blank one (without its newline). This catches
    /// comments a block ends with, which the parser leaves outside the
    /// statement's range.
    pub fn extend_block(&self, stmt_end: usize) -> usize {
        let stmt_end = self.floor(stmt_end);
        let mut last = self.line_content_end(stmt_end);
        let mut pos = self.next_line(stmt_end);
        while pos < self.src.len() {
            let end = self.line_content_end(pos);
            let line = &self.src[pos..end];
            if crate::indent::is_blank(line) {
                pos = self.next_line(pos);
                continue;
            }
            if line.starts_with([' ', '\t']) {
                last = end;
                pos = self.next_line(pos);
                continue;
            }
            break;
        }
        last
    }

    /// End of the line holding `offset`, before its newline.
    pub fn line_content_end(&self, offset: usize) -> usize {
        let offset = self.floor(offset);
        self.src[offset..]
            .find('\n')
            .map_or(self.src.len(), |i| offset + i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let l = Lines::new("ab\ncd\n\nx");
        assert_eq!(l.position(0), (1, 1));
        assert_eq!(l.position(3), (2, 1));
        assert_eq!(l.position(4), (2, 2));
        assert_eq!(l.position(7), (4, 1));
        assert_eq!(l.line_start(4), 3);
        assert_eq!(l.next_line(4), 6);
    }

    #[test]
    fn extend_block_takes_indented_comments() {
        let src = "def f():\n    pass\n    # end\n\n@x\n";
        let l = Lines::new(src);
        let end = l.extend_block(17);
        assert_eq!(&src[..end], "def f():\n    pass\n    # end");
    }
}
