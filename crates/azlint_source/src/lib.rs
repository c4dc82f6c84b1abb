//! Where azlint's inputs come from: files and standard input read into [`SourceFile`]s, parsed
//! into span-carrying [`json::Tree`]s, with a [`lines::LineIndex`] to turn byte offsets into the
//! line and column numbers users see.

pub mod file;
pub mod json;
pub mod lines;

pub use file::{has_control, read_path, read_stdin, InputError, SourceFile};
pub use json::{After, KeySet, Kind, ParseError, Span, Tree, Value};
pub use lines::{LineCol, LineIndex};

use std::sync::Arc;

/// Index of a file in [`Files`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// Every input of a run, readable or not, in the order given. Findings name files by
/// [`FileId`]; reporters come here for names and text.
#[derive(Debug, Default)]
pub struct Files {
    files: Vec<Arc<SourceFile>>,
    /// Files azlint made itself (an evaluated template): findings never stay in them, and
    /// reports that list every input leave them out.
    internal: Vec<FileId>,
}

impl Files {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, file: Arc<SourceFile>) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    /// Adds a file azlint made itself (see [`Files::is_internal`]).
    pub fn add_internal(&mut self, file: Arc<SourceFile>) -> FileId {
        let id = self.add(file);
        self.internal.push(id);
        id
    }

    /// Whether azlint made this file itself rather than read it.
    pub fn is_internal(&self, id: FileId) -> bool {
        self.internal.contains(&id)
    }

    pub fn get(&self, id: FileId) -> &Arc<SourceFile> {
        &self.files[id.0 as usize]
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &Arc<SourceFile>)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
}
