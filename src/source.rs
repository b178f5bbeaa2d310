//! Source files and byte spans: every diagnostic points into one of these.

use std::path::{Path, PathBuf};

/// Index of a file in a [`SourceMap`].
pub type FileId = usize;

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span { file, start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// One loaded policy file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in diagnostics (the path as the user gave it).
    pub name: String,
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
    /// The text as diagnostics show it, when it differs (see [`SourceFile::shown_text`]).
    shown: Option<String>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, path: impl Into<PathBuf>, text: String) -> Self {
        let line_starts = line_starts(&text);
        let shown = shown_text(&text);
        SourceFile {
            name: name.into(),
            path: path.into(),
            text,
            line_starts,
            shown,
        }
    }

    /// 1-based line and 1-based column counted in characters (Unicode scalar values).
    pub fn line_col(&self, byte: usize) -> (usize, usize) {
        let byte = byte.min(self.text.len());
        let line = match self.line_starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let mut end = byte;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = self.text[start..end].chars().count() + 1;
        (line + 1, column)
    }

    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }

    /// The text that diagnostics excerpt: the text itself, except that every control
    /// character (other than tab and line ends) and bidirectional control is replaced by a
    /// visible character of the same UTF-8 length (`?`, `¿`, `�`), so an excerpt never
    /// drives the terminal or reorders what it shows, and every byte offset still holds.
    pub fn shown_text(&self) -> &str {
        self.shown.as_deref().unwrap_or(&self.text)
    }
}

/// Where each line starts: after every `\n`, `\r\n` (one line end) and lone `\r`, the line
/// ends the grammar knows, so a file saved with old Mac line ends is numbered as its editor
/// shows it.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for (i, &b) in bytes.iter().enumerate() {
        let ends_line = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        if ends_line {
            starts.push(i + 1);
        }
    }
    starts
}

fn shown_text(text: &str) -> Option<String> {
    use crate::syntax::chars::{bidi_control, refused_control};
    let hidden = |c: char| refused_control(c) || bidi_control(c).is_some();
    if !text.chars().any(hidden) {
        return None;
    }
    Some(
        text.chars()
            .map(|c| match (hidden(c), c.len_utf8()) {
                (false, _) => c,
                (true, 1) => '?',
                (true, 2) => '¿',
                (true, _) => '\u{FFFD}',
            })
            .collect(),
    )
}

/// All files of one compilation, in load order.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        self.files.len() - 1
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    pub fn find_path(&self, path: &Path) -> Option<FileId> {
        self.files.iter().position(|f| f.path == path)
    }
}

/// What a file that is not a regular file is, as messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Directory,
    /// A named pipe: reading it may block forever.
    Fifo,
    /// A character or block device (`/dev/zero` never ends).
    Device,
    Socket,
    Other,
}

impl FileKind {
    fn of(t: std::fs::FileType) -> FileKind {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if t.is_fifo() {
                return FileKind::Fifo;
            }
            if t.is_char_device() || t.is_block_device() {
                return FileKind::Device;
            }
            if t.is_socket() {
                return FileKind::Socket;
            }
        }
        if t.is_dir() {
            FileKind::Directory
        } else {
            FileKind::Other
        }
    }

    /// English, for diagnostics.
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Directory => "a directory",
            FileKind::Fifo => "a named pipe (FIFO)",
            FileKind::Device => "a device",
            FileKind::Socket => "a socket",
            FileKind::Other => "a special file",
        }
    }
}

/// Why [`read_regular`] refused a file. It travels inside an `std::io::Error` of kind
/// `InvalidInput`; [`refusal`] gets it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a regular file; refused before it was opened.
    NotRegular(FileKind),
    /// Larger than `limit` bytes, by its size or while it was read.
    TooLarge { limit: u64 },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotRegular(kind) => write!(f, "not a regular file but {}", kind.describe()),
            Refusal::TooLarge { limit } => write!(f, "larger than {limit} bytes"),
        }
    }
}

impl std::error::Error for Refusal {}

impl From<Refusal> for std::io::Error {
    fn from(r: Refusal) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, r)
    }
}

/// The refusal an error of [`read_regular`] carries, if it is one.
pub fn refusal(e: &std::io::Error) -> Option<Refusal> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<Refusal>())
        .copied()
}

/// Reads a regular file whole, at most `limit` bytes. Anything else (a pipe, a device, a
/// directory) is refused from its metadata before it is opened, so a FIFO cannot block the
/// read; the file is read with a bound, so one that grows, or lies about its size like the
/// files of `/proc`, cannot exhaust memory.
pub fn read_regular(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?; // stat, following links: nothing is opened
    if !meta.is_file() {
        return Err(Refusal::NotRegular(FileKind::of(meta.file_type())).into());
    }
    if meta.len() > limit {
        return Err(Refusal::TooLarge { limit }.into());
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Opening without blocking: a file swapped for a FIFO after the check above cannot hang
    // the open; the check below then refuses it. (No effect on reading a regular file.)
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path)?;
    // The file opened is the one checked (not swapped for a device in between).
    let opened = file.metadata()?;
    if !opened.is_file() {
        return Err(Refusal::NotRegular(FileKind::of(opened.file_type())).into());
    }
    read_bounded(file, limit, meta.len())
}

/// Reads `reader` to its end, refusing it once it gives more than `limit` bytes; at most
/// `limit + 1` bytes are ever held. `expected` sizes the buffer (clamped to the limit).
pub fn read_bounded(
    reader: impl std::io::Read,
    limit: u64,
    expected: u64,
) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(expected.min(limit) as usize);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(Refusal::TooLarge { limit }.into());
    }
    Ok(bytes)
}

#[cfg(test)]
mod reading_tests {
    use super::*;

    #[test]
    fn bounded_reads_refuse_what_grows_past_the_limit() {
        let endless = std::io::repeat(b'a');
        let e = read_bounded(endless, 1000, 0).unwrap_err();
        assert_eq!(refusal(&e), Some(Refusal::TooLarge { limit: 1000 }));
        let exact = read_bounded(&[b'x'; 1000][..], 1000, 5000).unwrap();
        assert_eq!(exact.len(), 1000);
    }

    #[test]
    fn directories_and_devices_are_refused_before_reading() {
        let dir = std::env::temp_dir();
        let e = read_regular(&dir, 10).unwrap_err();
        assert_eq!(refusal(&e), Some(Refusal::NotRegular(FileKind::Directory)));
        #[cfg(unix)]
        {
            let e = read_regular(Path::new("/dev/zero"), 10).unwrap_err();
            assert_eq!(refusal(&e), Some(Refusal::NotRegular(FileKind::Device)));
        }
        let missing = read_regular(Path::new("/no/such/policyc/file"), 10).unwrap_err();
        assert_eq!(refusal(&missing), None);
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let f = SourceFile::new("a", "a", "预案 \"x\"\n  甲当 乙".to_string());
        let byte = f.text.find("乙").unwrap();
        assert_eq!(f.line_col(byte), (2, 6));
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(f.text.len()), (2, 7));
    }

    #[test]
    fn excerpts_never_hold_controls_and_keep_every_offset() {
        let text = "甲\u{202E}乙 \u{1B}[2J \u{85}\t\r\n丙".to_string();
        let f = SourceFile::new("a", "a", text.clone());
        assert_eq!(f.shown_text(), "甲\u{FFFD}乙 ?[2J ¿\t\r\n丙");
        assert_eq!(f.shown_text().len(), text.len());
        for (i, _) in text.char_indices() {
            assert!(f.shown_text().is_char_boundary(i));
        }
        let clean = SourceFile::new("b", "b", "甲\n乙".to_string());
        assert_eq!(clean.shown_text(), "甲\n乙");
    }

    #[test]
    fn lone_cr_and_crlf_end_lines_like_lf() {
        for nl in ["\n", "\r\n", "\r"] {
            let text = ["甲", "乙乙", "", "丙"].join(nl);
            let f = SourceFile::new("a", "a", text.clone());
            assert_eq!(f.line_starts().len(), 4, "{nl:?}");
            assert_eq!(f.line_col(text.find('丙').unwrap()), (4, 1), "{nl:?}");
            assert_eq!(f.line_col(text.find('乙').unwrap() + 3), (2, 2), "{nl:?}");
            // The end of a line is on that line, whatever its line end.
            let end_of_second = text.find('乙').unwrap() + 6;
            assert_eq!(f.line_col(end_of_second), (2, 3), "{nl:?}");
            assert_eq!(
                f.line_col(end_of_second + 1).0,
                2 + usize::from(nl != "\r\n")
            );
        }
    }
}
