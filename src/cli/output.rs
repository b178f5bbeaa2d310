//! Output files written whole or not at all: every `-o` is written to a temporary file in
//! the output's own directory and renamed over the output only when the run succeeded, so a
//! failed run leaves an existing output as it was and no temporary file behind. An output
//! that is not a regular file (`/dev/stdout`, a pipe) is written directly.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Where an output goes until it is committed.
enum Target {
    /// A temporary file beside the output, renamed over it by [`OutputFile::commit`]; removed
    /// if dropped before.
    Atomic(BufWriter<tempfile::NamedTempFile>),
    /// A device or a pipe, written as the run goes.
    Direct(BufWriter<std::fs::File>),
}

/// An output file being written.
pub(crate) struct OutputFile {
    target: Target,
    path: PathBuf,
}

/// The directory of `path` (`.` for a bare file name).
pub(crate) fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A temporary file in `dir` for an output named `path`, readable as a new file would be
/// (the process's umask applies).
pub(crate) fn temporary_beside(path: &Path) -> io::Result<tempfile::NamedTempFile> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut b = tempfile::Builder::new();
    b.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o666));
    }
    b.tempfile_in(dir_of(path))
}

/// The file an output path names: through a symbolic link to its target, so the link stays.
pub(crate) fn resolve(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).unwrap_or(path.into()),
        _ => path.to_path_buf(),
    }
}

impl OutputFile {
    /// Starts writing `path`.
    pub(crate) fn create(path: &Path) -> io::Result<OutputFile> {
        let path = resolve(path);
        let special = std::fs::metadata(&path).is_ok_and(|m| !m.is_file());
        let target = if special {
            Target::Direct(BufWriter::with_capacity(
                1 << 20,
                std::fs::OpenOptions::new().write(true).open(&path)?,
            ))
        } else {
            Target::Atomic(BufWriter::with_capacity(1 << 20, temporary_beside(&path)?))
        };
        Ok(OutputFile { target, path })
    }

    /// Ends the output: flushed and renamed over the output's path.
    pub(crate) fn commit(self) -> io::Result<()> {
        match self.target {
            Target::Direct(mut w) => w.flush(),
            Target::Atomic(w) => {
                let tmp = w.into_inner().map_err(|e| e.into_error())?;
                tmp.as_file().sync_all()?;
                tmp.persist(&self.path).map(drop).map_err(|e| e.error)
            }
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.target {
            Target::Atomic(w) => w.write(buf),
            Target::Direct(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.target {
            Target::Atomic(w) => w.write_all(buf),
            Target::Direct(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Target::Atomic(w) => w.flush(),
            Target::Direct(w) => w.flush(),
        }
    }
}

/// Writes `bytes` to `path` whole or not at all.
pub(crate) fn write_whole(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut out = OutputFile::create(path)?;
    out.write_all(bytes)?;
    out.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_is_replaced_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        std::fs::write(&path, "old").unwrap();
        let mut out = OutputFile::create(&path).unwrap();
        out.write_all(b"half of the new").unwrap();
        out.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        drop(out);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left: {left:?}");
        write_whole(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
