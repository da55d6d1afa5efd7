//! Temporary files: a private folder that disappears with everything in it,
//! and the sorted runs that counting spills into it when its memory budget
//! is full (GloVe C's `overflow_NNNN.bin` files).
//!
//! The folder is a [`tempfile::TempDir`]: it is removed when the counting
//! result is dropped, on success, on any error returned through `?`, and
//! while unwinding from a panic, so no run is ever left behind.

use super::record::{Entry, RecordReader, RecordWriter, RECORD_BYTES};
use crate::error::Result;
use crate::train::corpus::{temp_error, temp_folder};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A private folder for temporary files, removed (with its content) on drop.
#[derive(Debug)]
pub(crate) struct SpillDir {
    dir: tempfile::TempDir,
    next: AtomicU64,
}

impl SpillDir {
    /// Creates `.embedpos-glove-XXXX` in `parent` (the system temporary
    /// folder when `None`).
    pub(crate) fn create(parent: Option<&Path>) -> Result<SpillDir> {
        let parent = temp_folder(parent);
        let dir = tempfile::Builder::new()
            .prefix(".embedpos-glove-")
            .tempdir_in(&parent)
            .map_err(|e| temp_error(&parent, e))?;
        Ok(SpillDir {
            dir,
            next: AtomicU64::new(0),
        })
    }

    /// The folder.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Creates a new, uniquely named file `stem-N.bin` in the folder.
    pub(crate) fn create_file(&self, stem: &str) -> Result<(PathBuf, File)> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.path().join(format!("{stem}-{n:05}.bin"));
        let file = File::create(&path).map_err(|e| temp_error(&path, e))?;
        Ok((path, file))
    }
}

/// A temporary file of entries (a sorted run with distinct keys, or a
/// shuffled chunk), removed when dropped.
#[derive(Debug)]
pub(crate) struct Run {
    path: PathBuf,
    len: u64,
}

/// Read buffer of one run during a merge.
pub(crate) const RUN_READ_BUFFER: usize = 1 << 14;

impl Run {
    /// Writes `entries` (sorted, distinct keys) to a new file in `dir`.
    pub(crate) fn write(dir: &SpillDir, entries: &[Entry]) -> Result<Run> {
        let (path, file) = dir.create_file("run")?;
        let run = Run {
            path,
            len: entries.len() as u64,
        };
        let mut w = RecordWriter::new(file);
        w.push_all(entries)
            .and_then(|()| w.finish().map(drop))
            .map_err(|e| temp_error(&run.path, e))?;
        Ok(run)
    }

    /// Writes a run from a sorted stream of distinct-key entries.
    pub(crate) fn write_stream(
        dir: &SpillDir,
        mut next: impl FnMut() -> Result<Option<Entry>>,
    ) -> Result<Run> {
        let (path, file) = dir.create_file("run")?;
        let mut run = Run { path, len: 0 };
        let mut w = RecordWriter::new(file);
        while let Some(e) = next()? {
            w.push(e).map_err(|e| temp_error(&run.path, e))?;
        }
        run.len = w.written();
        w.finish().map_err(|e| temp_error(&run.path, e))?;
        Ok(run)
    }

    /// Takes charge of a file of `len` entries written by other means.
    pub(crate) fn adopt(path: PathBuf, len: u64) -> Run {
        Run { path, len }
    }

    /// Entries in the run.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Bytes on disk.
    pub(crate) fn bytes(&self) -> u64 {
        self.len * RECORD_BYTES as u64
    }

    /// The file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Opens the run for reading.
    pub(crate) fn reader(&self) -> Result<RecordReader<File>> {
        let f = File::open(&self.path).map_err(|e| temp_error(&self.path, e))?;
        Ok(RecordReader::new(f, self.len, RUN_READ_BUFFER))
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        // Frees the disk space as soon as a run is merged; the folder's own
        // removal covers every other case.
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_removed_and_the_folder_too() {
        let parent = tempfile::tempdir().unwrap();
        let dir = SpillDir::create(Some(parent.path())).unwrap();
        let e = [Entry {
            row: 1,
            col: 2,
            value: 3.0,
        }];
        let a = Run::write(&dir, &e).unwrap();
        let b = Run::write(&dir, &e).unwrap();
        assert_ne!(a.path(), b.path());
        let mut r = a.reader().unwrap();
        assert_eq!(r.next_entry().unwrap(), Some(e[0]));
        assert_eq!(r.next_entry().unwrap(), None);
        drop(a);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        drop(dir);
        assert_eq!(std::fs::read_dir(parent.path()).unwrap().count(), 0);
        drop(b);
    }

    #[test]
    fn a_folder_that_is_a_file_is_a_clear_error() {
        let parent = tempfile::tempdir().unwrap();
        let file = parent.path().join("plain");
        std::fs::write(&file, "x").unwrap();
        let err = SpillDir::create(Some(&file)).unwrap_err().to_string();
        assert!(err.contains("plain") && err.contains("temp"), "{err}");
    }
}
