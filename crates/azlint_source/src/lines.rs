//! Byte offsets to the line and column numbers people read.
//!
//! Built once per file, and only for files that something is reported in: a 360 MB export
//! whose findings are all in a few resources pays for one scan of its newlines.

use crate::json::Span;

/// A 1-based position. `column` counts Unicode characters, as editors show them;
/// `column_utf16` counts UTF-16 code units, as SARIF's `utf16CodeUnits` column kind wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
    pub column_utf16: u32,
}

/// Where each line starts.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    /// Indexes `text`, whose first line starts at `first` (after a byte-order mark, say).
    pub fn new(text: &str, first: usize) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(first as u32);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
        LineIndex { starts }
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// Byte offset where 0-based line `line` starts (the last line, past the end).
    pub fn line_start(&self, line: usize) -> u32 {
        self.starts[line.min(self.starts.len() - 1)]
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// Byte range of 0-based line `line`, without its line break.
    pub fn line_span(&self, text: &str, line: usize) -> Span {
        let start = self.starts[line.min(self.starts.len() - 1)];
        let mut end = self
            .starts
            .get(line + 1)
            .map(|&s| s - 1)
            .unwrap_or(text.len() as u32);
        if end > start && text.as_bytes()[end as usize - 1] == b'\r' {
            end -= 1;
        }
        Span::new(start, end.max(start))
    }

    /// The position of `offset` in `text`. Offsets inside a multi-byte character count as
    /// that character; offsets past the end are clamped.
    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = offset.min(text.len() as u32);
        let line = self.line_of(offset);
        let start = self.starts[line].min(offset) as usize;
        let mut end = offset as usize;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let before = &text[start..end];
        let (chars, utf16) = before.chars().fold((0u32, 0u32), |(c, u), ch| {
            (c + 1, u + ch.len_utf16() as u32)
        });
        LineCol {
            line: line as u32 + 1,
            column: chars + 1,
            column_utf16: utf16 + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\r\nc\u{e9}d😀x\n\nlast";
        let idx = LineIndex::new(text, 0);
        assert_eq!(idx.len(), 4);
        let at = |o| idx.line_col(text, o);
        assert_eq!((at(0).line, at(0).column), (1, 1));
        assert_eq!((at(4).line, at(4).column), (2, 1));
        // 'd' comes after the two-byte é: column 3.
        let d = text.find('d').unwrap() as u32;
        assert_eq!((at(d).line, at(d).column, at(d).column_utf16), (2, 3, 3));
        // 'x' comes after an emoji: one character but two UTF-16 units.
        let x = text.find('x').unwrap() as u32;
        assert_eq!((at(x).column, at(x).column_utf16), (5, 6));
        assert_eq!(at(text.len() as u32).line, 4);
        assert_eq!(&text[idx.line_span(text, 0).range()], "ab");
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let text = "\u{feff}{}";
        let idx = LineIndex::new(text, 3);
        assert_eq!(idx.line_col(text, 3).column, 1);
    }
}
