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

/// Where lines are, sparsely: the number of line breaks before each 4 KiB block. Building it
/// is one SIMD count over the file and 4 bytes per 4 KiB of text (0.1%); a lookup counts
/// line breaks within one block.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Offset where the first line starts (after a byte-order mark).
    first: u32,
    /// `breaks_before[b]`: line breaks in `text[..b * BLOCK]`.
    breaks_before: Vec<u32>,
    /// Line breaks in the whole text.
    total_breaks: u32,
    /// `(characters, UTF-16 units)` in `text[..b * BLOCK]`, for columns far into a long line
    /// (a minified export is one line): counted when first needed.
    units_before: std::sync::OnceLock<Vec<(u32, u32)>>,
}

/// Beyond this many bytes between a line's start and an offset, its column is counted from
/// [`LineIndex::units_before`] rather than character by character.
const FAR: usize = 4 * BLOCK;

/// Characters and UTF-16 units in UTF-8 `bytes` (which may start or end inside a character:
/// each character counts at its first byte).
fn units(bytes: &[u8]) -> (u32, u32) {
    let chars = bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u32;
    // A four-byte character is two UTF-16 units.
    let astral = bytes.iter().filter(|&&b| b >= 0xF0).count() as u32;
    (chars, chars + astral)
}

const BLOCK: usize = 4 * 1024;

impl LineIndex {
    /// Indexes `text`, whose first line starts at `first` (after a byte-order mark, say).
    pub fn new(text: &str, first: usize) -> Self {
        use rayon::prelude::*;
        // Blocks are counted on every core (a large export is hundreds of MB), then summed.
        let mut breaks_before: Vec<u32> = text
            .as_bytes()
            .par_chunks(BLOCK)
            .with_min_len(256)
            .map(|chunk| bytecount::count(chunk, b'\n') as u32)
            .collect();
        let mut total = 0u32;
        for count in &mut breaks_before {
            let here = *count;
            *count = total;
            total += here;
        }
        if breaks_before.is_empty() {
            breaks_before.push(0);
        }
        LineIndex {
            first: first as u32,
            breaks_before,
            total_breaks: total,
            units_before: std::sync::OnceLock::new(),
        }
    }

    /// Number of lines.
    pub fn len(&self) -> usize {
        self.total_breaks as usize + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, text: &str, offset: u32) -> usize {
        let offset = (offset as usize).min(text.len());
        let block = (offset / BLOCK).min(self.breaks_before.len() - 1);
        let from = block * BLOCK;
        self.breaks_before[block] as usize + bytecount::count(&text.as_bytes()[from..offset], b'\n')
    }

    /// Byte offset where 0-based line `line` starts (lines past the end: the last line).
    pub fn line_start(&self, text: &str, line: usize) -> u32 {
        let line = line.min(self.total_breaks as usize);
        if line == 0 {
            return self.first;
        }
        // The block holding the line break that ends line `line - 1`.
        let wanted = line as u32; // the `line`-th break, counted from 1
        let block = self
            .breaks_before
            .partition_point(|&b| b < wanted)
            .saturating_sub(1);
        let from = block * BLOCK;
        let skip = (wanted - self.breaks_before[block]) as usize - 1;
        memchr::memchr_iter(b'\n', &text.as_bytes()[from..])
            .nth(skip)
            .map(|i| (from + i + 1) as u32)
            .unwrap_or(text.len() as u32)
    }

    /// Whether 0-based line `line`, without its line break, is longer than `n` bytes: found
    /// by reading no further than that (a minified export is one line of hundreds of MB).
    pub fn line_longer_than(&self, text: &str, line: usize, n: usize) -> bool {
        let start = self.line_start(text, line) as usize;
        let window = &text.as_bytes()[start..text.len().min(start + n + 2)];
        let len = match memchr::memchr(b'\n', window) {
            Some(i) if i > 0 && window[i - 1] == b'\r' => i - 1,
            Some(i) => i,
            None => window.len(),
        };
        len > n
    }

    /// Byte range of 0-based line `line`, without its line break.
    pub fn line_span(&self, text: &str, line: usize) -> Span {
        let start = self.line_start(text, line);
        let mut end = match memchr::memchr(b'\n', &text.as_bytes()[start as usize..]) {
            Some(i) => start + i as u32,
            None => text.len() as u32,
        };
        if end > start && text.as_bytes()[end as usize - 1] == b'\r' {
            end -= 1;
        }
        Span::new(start, end)
    }

    /// Characters and UTF-16 units in `text[..offset]`.
    fn units_to(&self, text: &str, offset: usize) -> (u32, u32) {
        use rayon::prelude::*;
        let table = self.units_before.get_or_init(|| {
            let per_block: Vec<(u32, u32)> = text
                .as_bytes()
                .par_chunks(BLOCK)
                .with_min_len(256)
                .map(units)
                .collect();
            let mut sum = (0u32, 0u32);
            let mut table = Vec::with_capacity(per_block.len() + 1);
            for (c, u) in per_block {
                table.push(sum);
                sum = (sum.0 + c, sum.1 + u);
            }
            table.push(sum);
            table
        });
        let block = (offset / BLOCK).min(table.len() - 1);
        let (c, u) = table[block];
        let (dc, du) = units(&text.as_bytes()[block * BLOCK..offset]);
        (c + dc, u + du)
    }

    /// The position of `offset` in `text`. Offsets inside a multi-byte character count as
    /// that character; offsets past the end are clamped.
    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = offset.min(text.len() as u32);
        let line = self.line_of(text, offset);
        let start = self.line_start(text, line).min(offset) as usize;
        let mut end = offset as usize;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let (chars, utf16) = if end - start <= FAR {
            text[start..end].chars().fold((0u32, 0u32), |(c, u), ch| {
                (c + 1, u + ch.len_utf16() as u32)
            })
        } else {
            // Far into a long line: each finding counting from the line's start would make
            // reporting on a minified export quadratic.
            let (c1, u1) = self.units_to(text, end);
            let (c0, u0) = self.units_to(text, start);
            (c1 - c0, u1 - u0)
        };
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
    fn columns_far_into_a_long_line_count_as_near_ones() {
        // One line of 100 KB with two-, three- and four-byte characters: the columns counted
        // from the block table equal those counted character by character.
        let unit = "ab\u{e9}\u{20ac}\u{1f600}x";
        let text = format!("{{\n{}\n}}", unit.repeat(10_000));
        let idx = LineIndex::new(&text, 0);
        for offset in [2usize, 1_000, 17_000, 33_333, 60_001, text.len() - 3] {
            let got = idx.line_col(&text, offset as u32);
            let mut end = offset;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let before = &text[2..end];
            assert_eq!(got.line, 2);
            assert_eq!(got.column, before.chars().count() as u32 + 1, "at {offset}");
            assert_eq!(
                got.column_utf16,
                before.encode_utf16().count() as u32 + 1,
                "at {offset}"
            );
        }
        assert!(idx.line_longer_than(&text, 1, 400));
        assert!(!idx.line_longer_than(&text, 0, 400));
        let crlf = "abc\r\nd";
        let idx = LineIndex::new(crlf, 0);
        assert!(!idx.line_longer_than(crlf, 0, 3));
        assert!(idx.line_longer_than(crlf, 0, 2));
    }

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
        assert_eq!(&text[idx.line_span(text, 3).range()], "last");
    }

    #[test]
    fn agrees_with_a_dense_index_across_blocks() {
        let text: String = (0..40_000)
            .map(|i| format!("{}\n", "x".repeat(i % 37)))
            .collect();
        let idx = LineIndex::new(&text, 0);
        let dense: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        assert_eq!(idx.len(), dense.len());
        for (line, &start) in dense.iter().enumerate().step_by(997) {
            assert_eq!(idx.line_start(&text, line) as usize, start, "line {line}");
            assert_eq!(idx.line_of(&text, start as u32), line);
            let p = idx.line_col(&text, start as u32);
            assert_eq!((p.line as usize, p.column), (line + 1, 1));
        }
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let text = "\u{feff}{}";
        let idx = LineIndex::new(text, 3);
        assert_eq!(idx.line_col(text, 3).column, 1);
    }
}
