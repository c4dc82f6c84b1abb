//! Naming input files the way CI systems look them up.
//!
//! Users name files relative to wherever they ran azlint; GitHub code scanning, annotations
//! and test reporters look files up relative to the repository root. [`ArtifactUris`] turns one
//! into the other, so that the same file gets the same name whichever directory azlint was
//! started in (SARIF fingerprints and alert tracking depend on that).

use std::path::{Component, Path, PathBuf, Prefix};

#[cfg(doc)]
use azlint_source::FileId;
use azlint_source::Files;

/// Turns the file names findings carry into repository-relative paths and URIs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactUris {
    /// The directory names are made relative to: the repository root.
    root: PathBuf,
    /// The directory relative file names were given in.
    cwd: PathBuf,
}

/// Where a file name points, relative to the root.
enum Resolved {
    /// Inside the root: the relative path with `/` separators, not encoded.
    Inside(String),
    /// Outside the root: an absolute path.
    Outside(PathBuf),
    /// Not a path at all: standard input's `<stdin>`.
    Name,
}

impl ArtifactUris {
    /// Uses `root` when given; otherwise the nearest ancestor of the current directory that
    /// holds a `.git` directory or file (a worktree or submodule has a file), and failing that
    /// the current directory. Paths are canonicalized where they exist, so that a symbolic
    /// link resolves to where the file really is (GitHub cannot show results on a link).
    pub fn new(root: Option<&Path>) -> ArtifactUris {
        let cwd = std::env::current_dir()
            .map(|d| canonical(&d))
            .unwrap_or_default();
        Self::discover(root, cwd)
    }

    /// Like [`ArtifactUris::new`], with the directory relative names are taken from given.
    fn discover(root: Option<&Path>, cwd: PathBuf) -> ArtifactUris {
        let root = match root {
            Some(r) => canonical(&cwd.join(r)),
            None => cwd
                .ancestors()
                .find(|dir| dir.join(".git").exists())
                .map(Path::to_path_buf)
                .unwrap_or_else(|| cwd.clone()),
        };
        ArtifactUris { root, cwd }
    }

    /// Both directories given as they are (tests, callers that already know them). Relative
    /// file names are taken from `cwd`; both should be absolute.
    pub fn with_dirs(root: impl Into<PathBuf>, cwd: impl Into<PathBuf>) -> ArtifactUris {
        ArtifactUris {
            root: canonical(&root.into()),
            cwd: canonical(&cwd.into()),
        }
    }

    /// The repository root names are made relative to.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A file name as a URI reference: the path relative to the root with `/` separators,
    /// percent-encoded (RFC 3986: unreserved characters and `/` are kept), without a leading
    /// `./`. A file outside the root gets an absolute `file:///` URI; a name that is no path
    /// (`<stdin>`) is only encoded.
    pub fn uri(&self, file_name: &str) -> String {
        match self.resolve(file_name) {
            Resolved::Inside(rel) => encode(&rel),
            Resolved::Outside(abs) => file_uri(&abs),
            Resolved::Name => encode(file_name),
        }
    }

    /// A file name as a plain path, for formats that want paths rather than URIs (GitHub
    /// workflow commands, test reports): relative to the root with `/` separators, absolute
    /// for a file outside the root, and a name that is no path as it is.
    pub fn path(&self, file_name: &str) -> String {
        match self.resolve(file_name) {
            Resolved::Inside(rel) => rel,
            Resolved::Outside(abs) => abs.to_string_lossy().into_owned(),
            Resolved::Name => file_name.to_string(),
        }
    }

    /// [`ArtifactUris::path`] of every file, indexed by file id: one lookup per file rather
    /// than per finding, as paths are canonicalized on disk.
    pub(crate) fn paths(&self, files: &Files) -> Vec<String> {
        files.iter().map(|(_, f)| self.path(&f.name)).collect()
    }

    /// The root as a `file:///` URI with a trailing slash, for SARIF's `originalUriBaseIds`.
    pub fn root_uri(&self) -> String {
        let mut uri = file_uri(&self.root);
        if !uri.ends_with('/') {
            uri.push('/');
        }
        uri
    }

    fn resolve(&self, file_name: &str) -> Resolved {
        // azlint names standard input `<stdin>`; no file is called that.
        if file_name.is_empty() || (file_name.starts_with('<') && file_name.ends_with('>')) {
            return Resolved::Name;
        }
        let abs = canonical(&self.cwd.join(file_name));
        match abs.strip_prefix(&self.root) {
            Ok(rel) if rel.as_os_str().is_empty() => Resolved::Outside(abs),
            Ok(rel) => Resolved::Inside(slashed(rel)),
            Err(_) => Resolved::Outside(abs),
        }
    }
}

/// The real path when the file exists, else the path with `.` and `..` resolved by name.
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| normalize(path))
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                // `..` of the root is the root; a relative path keeps leading `..`s.
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A relative path with `/` separators, whatever the platform's.
fn slashed(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".to_string()),
            _ => None,
        })
        .collect();
    parts.join("/")
}

/// An absolute path as a `file:` URI: `file:///abs/path`, `file:///C:/dir` on Windows.
fn file_uri(abs: &Path) -> String {
    let mut out = String::from("file://");
    for c in abs.components() {
        match c {
            Component::Prefix(p) => match p.kind() {
                Prefix::Disk(d) | Prefix::VerbatimDisk(d) => {
                    out.push('/');
                    out.push(char::from(d));
                    out.push(':');
                }
                Prefix::UNC(server, share) | Prefix::VerbatimUNC(server, share) => {
                    out.push_str(&encode(&server.to_string_lossy()));
                    out.push('/');
                    out.push_str(&encode(&share.to_string_lossy()));
                }
                _ => {}
            },
            Component::RootDir | Component::CurDir => {}
            Component::ParentDir => out.push_str("/.."),
            Component::Normal(s) => {
                out.push('/');
                out.push_str(&encode(&s.to_string_lossy()));
            }
        }
    }
    if out == "file://" {
        out.push('/');
    }
    out
}

/// Percent-encodes everything but RFC 3986's unreserved characters and `/`.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn fake() -> ArtifactUris {
        // Neither directory exists, so names resolve by their text alone.
        ArtifactUris::with_dirs("/nonexistent-azlint/repo", "/nonexistent-azlint/repo/sub")
    }

    #[cfg(unix)]
    #[test]
    fn names_become_root_relative_uris() {
        let u = fake();
        assert_eq!(u.uri("a.json"), "sub/a.json");
        assert_eq!(u.uri("./a.json"), "sub/a.json");
        assert_eq!(u.uri("../x y.json"), "x%20y.json");
        assert_eq!(u.uri("/nonexistent-azlint/repo/b.json"), "b.json");
        assert_eq!(u.uri("d/\u{e9}#1.json"), "sub/d/%C3%A9%231.json");
        assert_eq!(
            u.uri("../../other/c.json"),
            "file:///nonexistent-azlint/other/c.json"
        );
        assert_eq!(u.uri("/tmp/a b.json"), "file:///tmp/a%20b.json");
        assert_eq!(u.uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(u.root_uri(), "file:///nonexistent-azlint/repo/");
    }

    #[cfg(unix)]
    #[test]
    fn paths_are_relative_and_unencoded() {
        let u = fake();
        assert_eq!(u.path("../x y.json"), "x y.json");
        assert_eq!(u.path("a/../b.json"), "sub/b.json");
        assert_eq!(u.path("/tmp/x.json"), "/tmp/x.json");
        assert_eq!(u.path("<stdin>"), "<stdin>");
    }

    #[test]
    fn the_root_is_found_by_its_git_entry() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = dir.path().join("repo");
        let sub = repo.join("exports").join("site");
        std::fs::create_dir_all(&sub).expect("dirs");
        // A worktree has a `.git` file, not a directory.
        std::fs::write(repo.join(".git"), "gitdir: elsewhere\n").expect(".git");
        std::fs::write(sub.join("r.json"), "[]").expect("file");
        let sub = canonical(&sub);
        let u = ArtifactUris::discover(None, sub.clone());
        assert_eq!(u.root(), canonical(&repo));
        assert_eq!(u.uri("r.json"), "exports/site/r.json");
        assert!(u.root_uri().starts_with("file:///") && u.root_uri().ends_with("/repo/"));

        // An explicit root wins, relative to the current directory.
        let u = ArtifactUris::discover(Some(Path::new("..")), sub.clone());
        assert_eq!(u.uri("r.json"), "site/r.json");

        // No `.git` anywhere: the current directory.
        let bare = dir.path().join("bare");
        std::fs::create_dir_all(&bare).expect("dir");
        let u = ArtifactUris::discover(None, canonical(&bare));
        assert_eq!(u.uri("x.json"), "x.json");
    }

    #[cfg(unix)]
    #[test]
    fn links_resolve_to_the_real_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("real")).expect("dirs");
        std::fs::write(repo.join("real/r.json"), "[]").expect("file");
        std::os::unix::fs::symlink(repo.join("real"), repo.join("link")).expect("link");
        let u = ArtifactUris::with_dirs(&repo, &repo);
        assert_eq!(u.uri("link/r.json"), "real/r.json");
    }
}
