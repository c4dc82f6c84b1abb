//! Reading inputs: bytes from a path or standard input, checked to be UTF-8 text.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::json::{ParseError, Tree, MAX_LEN};
use crate::lines::{LineCol, LineIndex};

/// Files at least this large are memory-mapped instead of copied into memory: on a 340 MB
/// export, mapping saves about 0.18 s of copying and page zeroing (measured against
/// `std::fs::read`). Smaller files are read, which is as fast and needs no mapping.
pub const MAP_THRESHOLD: u64 = 16 << 20;

/// Where a file's text lives.
enum Text {
    Owned(String),
    /// A read-only private mapping whose bytes were checked to be UTF-8 when it was made.
    Mapped(memmap2::Mmap),
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Text::Owned(s) => write!(f, "Owned({} bytes)", s.len()),
            Text::Mapped(m) => write!(f, "Mapped({} bytes)", m.len()),
        }
    }
}

/// One input's text, under the name the user knows it by.
#[derive(Debug)]
pub struct SourceFile {
    /// Display name: the path as given or found, or the `--stdin-filename`.
    pub name: String,
    /// The file on disk, when there is one.
    pub path: Option<PathBuf>,
    text: Text,
    /// Bytes of the UTF-8 byte-order mark at the start (0 or 3).
    pub bom: usize,
    lines: OnceLock<LineIndex>,
    /// [`SourceFile::display_text`], made when first asked.
    display: OnceLock<Option<Box<str>>>,
}

impl SourceFile {
    /// Wraps text that is already in memory (tests, generated inputs).
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        SourceFile {
            name: name.into(),
            path: None,
            text: Text::Owned(text),
            bom,
            lines: OnceLock::new(),
            display: OnceLock::new(),
        }
    }

    /// The file's text.
    pub fn text(&self) -> &str {
        match &self.text {
            Text::Owned(s) => s,
            // SAFETY: `map_file` checked these bytes for UTF-8 (`is_utf8_parallel`, else
            // `std::str::from_utf8`) before making a `Text::Mapped`, and the mapping is
            // read-only and private to azlint.
            Text::Mapped(m) => unsafe { std::str::from_utf8_unchecked(m) },
        }
    }

    /// Checks bytes for UTF-8 and wraps them.
    pub fn from_bytes(name: impl Into<String>, bytes: Vec<u8>) -> Result<Self, InputError> {
        let name = name.into();
        if bytes.len() > MAX_LEN {
            return Err(InputError::at_start(
                &name,
                format!("the file is larger than azlint's limit of {MAX_LEN} bytes"),
            ));
        }
        check_encoding(&name, &bytes)?;
        match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(name, text)),
            Err(e) => Err(not_utf8(name, e.as_bytes(), e.utf8_error())),
        }
    }

    /// Maps a large file instead of reading it.
    ///
    /// (See [`is_utf8_parallel`] for the check of its bytes.)
    fn map_file(name: String, file: &std::fs::File) -> Result<Self, InputError> {
        // SAFETY: the mapping is read-only and private. memmap2 asks that the file not change
        // while mapped: exports are not rewritten while azlint reads them, and a concurrent
        // truncation would stop the process with SIGBUS (the trade-off ripgrep makes for the
        // same speed). The bytes are checked to be UTF-8 right here, before any use as text.
        // Not populated: the pages are faulted in by the parallel UTF-8 check below, on every
        // core, where populating the mapping did it on one.
        let map = unsafe { memmap2::MmapOptions::new().map(file) }.map_err(|e| {
            InputError::at_start(&name, format!("cannot read the file: {}", io_reason(&e)))
        })?;
        check_encoding(&name, &map)?;
        if !is_utf8_parallel(&map) {
            if let Err(e) = std::str::from_utf8(&map) {
                return Err(not_utf8(name, &map, e));
            }
        }
        let bom = if map.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        Ok(SourceFile {
            name,
            path: None,
            text: Text::Mapped(map),
            bom,
            lines: OnceLock::new(),
            display: OnceLock::new(),
        })
    }
    /// Parses the text as JSON with comments.
    pub fn parse(&self) -> Result<Tree, ParseError> {
        Tree::parse(self.text(), self.bom)
    }

    /// The text as a terminal may show it: each control character but tab, line feed and
    /// carriage return (which a JSON string may hold raw, and which a terminal obeys: escape
    /// sequences clear the screen or retitle the window) replaced by `?`, one per byte, so
    /// that every offset stays where it was. The text itself when it has none.
    pub fn display_text(&self) -> &str {
        let text = self.text();
        self.display
            .get_or_init(|| {
                let bytes = text.as_bytes();
                if !has_control(bytes) {
                    return None;
                }
                let control = |i: usize| control_len(bytes, i);
                let mut out = String::with_capacity(text.len());
                let mut i = 0;
                let mut plain = 0;
                while i < bytes.len() {
                    match control(i) {
                        0 => i += 1,
                        n => {
                            out.push_str(&text[plain..i]);
                            out.extend(std::iter::repeat_n('?', n));
                            i += n;
                            plain = i;
                        }
                    }
                }
                out.push_str(&text[plain..]);
                Some(out.into_boxed_str())
            })
            .as_deref()
            .unwrap_or(text)
    }

    pub fn line_index(&self) -> &LineIndex {
        self.lines
            .get_or_init(|| LineIndex::new(self.text(), self.bom))
    }

    /// Line and column of a byte offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        self.line_index().line_col(self.text(), offset)
    }
}

/// How many bytes the control character at `bytes[i]` takes (0 for none, and for tab, line
/// feed and carriage return): C0 controls and DEL are one byte; C1 controls (U+0080-U+009F)
/// are 0xC2 then 0x80-0x9F.
fn control_len(bytes: &[u8], i: usize) -> usize {
    match bytes[i] {
        b'\t' | b'\n' | b'\r' => 0,
        0x00..=0x1F | 0x7F => 1,
        0xC2 if matches!(bytes.get(i + 1), Some(0x80..=0x9F)) => 2,
        _ => 0,
    }
}

/// Whether UTF-8 `bytes` hold a control character a terminal would obey (see
/// [`SourceFile::display_text`]).
pub fn has_control(bytes: &[u8]) -> bool {
    (0..bytes.len()).any(|i| control_len(bytes, i) > 0)
}

/// Refuses UTF-16, with the way to write UTF-8 from PowerShell, where UTF-16 comes from.
fn check_encoding(name: &str, bytes: &[u8]) -> Result<(), InputError> {
    match utf16_bom(bytes) {
        Some(encoding) => Err(InputError {
            file: name.to_string(),
            position: Some(LineCol {
                line: 1,
                column: 1,
                column_utf16: 1,
            }),
            offset: Some(0),
            // Its start, decoded, so that the report shows what the file is.
            lossy_text: Some(utf16_start(bytes)),
            label: "UTF-16",
            message: format!(
                "the file is {encoding} encoded; azlint reads UTF-8. In PowerShell, write the export with `| Out-File -Encoding utf8 FILE` (or `Set-Content -Encoding utf8`) instead of `>`"
            ),
        }),
        None => Ok(()),
    }
}

/// Locates the first byte that is not UTF-8.
fn not_utf8(name: String, bytes: &[u8], e: std::str::Utf8Error) -> InputError {
    let at = e.valid_up_to();
    // The prefix is valid UTF-8, so the position can be computed on it.
    let prefix = std::str::from_utf8(&bytes[..at]).unwrap_or("");
    let pos = LineIndex::new(prefix, 0).line_col(prefix, at as u32);
    InputError {
        file: name,
        position: Some(pos),
        offset: Some(at as u32),
        lossy_text: Some(String::from_utf8_lossy(bytes).into_owned()),
        label: "not UTF-8",
        message: format!(
            "the file is not valid UTF-8 (byte 0x{:02X} at offset {at}); azlint reads UTF-8 JSON",
            bytes[at]
        ),
    }
}

/// The first lines of a UTF-16 file after its byte-order mark, as text (at most 4 KiB of it).
fn utf16_start(bytes: &[u8]) -> String {
    let little = bytes.starts_with(&[0xFF, 0xFE]);
    let units = bytes
        .get(2..)
        .unwrap_or_default()
        .chunks_exact(2)
        .take(4096)
        .map(|u| {
            if little {
                u16::from_le_bytes([u[0], u[1]])
            } else {
                u16::from_be_bytes([u[0], u[1]])
            }
        });
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

fn utf16_bom(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, ..] => Some("UTF-16 (little-endian)"),
        [0xFE, 0xFF, ..] => Some("UTF-16 (big-endian)"),
        _ => None,
    }
}

/// An input that could not be read as text.
#[derive(Clone, Debug)]
pub struct InputError {
    pub file: String,
    /// Where in the file, when the problem has a place.
    pub position: Option<LineCol>,
    /// The byte offset of that place in [`InputError::lossy_text`].
    pub offset: Option<u32>,
    /// The file as text with invalid bytes replaced, so the place can be shown.
    pub lossy_text: Option<String>,
    /// What the place is ("not UTF-8").
    pub label: &'static str,
    pub message: String,
}

impl InputError {
    fn at_start(file: &str, message: String) -> Self {
        InputError {
            file: file.to_string(),
            position: None,
            offset: None,
            lossy_text: None,
            label: "",
            message,
        }
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.position {
            Some(p) => write!(f, "{}:{}:{}: {}", self.file, p.line, p.column, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for InputError {}

/// Reads a file. `name` is how the user will see it named.
pub fn read_path(path: &Path, name: impl Into<String>) -> Result<SourceFile, InputError> {
    let name = name.into();
    let cannot = |e: std::io::Error| {
        InputError::at_start(&name, format!("cannot read the file: {}", io_reason(&e)))
    };
    let mut handle = std::fs::File::open(path).map_err(cannot)?;
    let meta = handle.metadata().map_err(cannot)?;
    if meta.is_dir() {
        return Err(InputError::at_start(
            &name,
            "cannot read the file: it is a directory".into(),
        ));
    }
    if meta.len() > MAX_LEN as u64 {
        return Err(InputError::at_start(
            &name,
            format!("the file is larger than azlint's limit of {MAX_LEN} bytes"),
        ));
    }
    let mut file = if meta.is_file() && meta.len() >= MAP_THRESHOLD {
        SourceFile::map_file(name, &handle)?
    } else {
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        handle
            .by_ref()
            .take(MAX_LEN as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot)?;
        SourceFile::from_bytes(name, bytes)?
    };
    file.path = Some(path.to_path_buf());
    Ok(file)
}

/// Reads all of standard input.
pub fn read_stdin(name: impl Into<String>) -> Result<SourceFile, InputError> {
    let name = name.into();
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_LEN as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            InputError::at_start(
                &name,
                format!("cannot read standard input: {}", io_reason(&e)),
            )
        })?;
    SourceFile::from_bytes(name, bytes)
}

/// The OS's reason, without the "(os error N)" suffix users do not need.
fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "no such file or directory".into(),
        PermissionDenied => "permission denied".into(),
        IsADirectory => "it is a directory".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn display_text_makes_control_characters_harmless_in_place() {
        let f = SourceFile::new("x.json", "[\"a\u{1b}]0;t\u{7}\u{9b}b\"]\r\n\t");
        assert_eq!(f.display_text(), "[\"a?]0;t???b\"]\r\n\t");
        assert_eq!(f.display_text().len(), f.text().len());
        let plain = SourceFile::new("y.json", "[\"caf\u{e9}\"]\n");
        assert_eq!(plain.display_text(), plain.text());
    }

    use super::*;

    #[test]
    fn invalid_utf8_is_located() {
        let e = SourceFile::from_bytes("x.json", b"{\n  \"a\": \"\xff\"}".to_vec()).unwrap_err();
        let p = e.position.unwrap();
        assert_eq!((p.line, p.column), (2, 9));
        assert!(e.message.contains("not valid UTF-8"));
    }

    #[test]
    fn utf16_is_named() {
        let e = SourceFile::from_bytes("x.json", vec![0xFF, 0xFE, b'[', 0, b']', 0]).unwrap_err();
        assert!(e.message.contains("UTF-16 (little-endian)"), "{e}");
    }

    #[test]
    fn bom_is_skipped() {
        let f = SourceFile::from_bytes("x.json", b"\xEF\xBB\xBF[1]".to_vec()).unwrap();
        assert_eq!(f.bom, 3);
        let t = f.parse().unwrap();
        assert_eq!(t.root(f.text()).len(), 1);
    }

    #[test]
    fn missing_file_says_so() {
        let e = read_path(Path::new("/nonexistent/azlint.json"), "azlint.json").unwrap_err();
        assert_eq!(
            e.to_string(),
            "azlint.json: cannot read the file: no such file or directory"
        );
    }
}

/// Whether `bytes` are UTF-8, checked in chunks on every core (a sequential check of a large
/// export, with the page faults of its first read, took about 45 ms before parsing could
/// start). Chunks end before a character's first byte, so no character is split.
fn is_utf8_parallel(bytes: &[u8]) -> bool {
    use rayon::prelude::*;
    const CHUNK: usize = 4 << 20;
    let mut bounds = vec![0];
    let mut at = CHUNK;
    while at < bytes.len() {
        // Back off continuation bytes (10xxxxxx) to the start of a character.
        let mut cut = at;
        while cut > *bounds.last().unwrap_or(&0) + 1 && bytes[cut] & 0xC0 == 0x80 {
            cut -= 1;
        }
        bounds.push(cut);
        at = cut + CHUNK;
    }
    bounds.push(bytes.len());
    bounds
        .par_windows(2)
        .all(|w| std::str::from_utf8(&bytes[w[0]..w[1]]).is_ok())
}

#[cfg(test)]
mod utf8_tests {
    use super::is_utf8_parallel;

    #[test]
    fn chunks_never_split_a_character() {
        // 2-, 3- and 4-byte characters in a 9-byte cycle: chunk boundaries (multiples of
        // 4 MiB) fall inside characters, which the chunking must back off from.
        let text = "é€😀".repeat(9 << 20 >> 3);
        assert!(!text.is_char_boundary(4 << 20), "the test cuts a character");
        assert!(is_utf8_parallel(text.as_bytes()));
        assert!(is_utf8_parallel(b""));
        let mut bytes = text.into_bytes();
        for at in [0, (4 << 20) - 1, 4 << 20, (4 << 20) + 1, bytes.len() - 1] {
            let saved = bytes[at];
            bytes[at] = 0xFF;
            assert!(!is_utf8_parallel(&bytes), "{at}");
            bytes[at] = saved;
        }
        // A run of continuation bytes longer than any character, across a boundary.
        bytes[(4 << 20) - 8..(4 << 20) + 8].fill(0x80);
        assert!(!is_utf8_parallel(&bytes));
    }
}
