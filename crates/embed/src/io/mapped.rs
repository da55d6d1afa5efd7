//! Memory-mapped native files: [`Embeddings::load_mmap`] and the read-only
//! view of a mapped matrix as `&[f32]`.
//!
//! This module holds all of the crate's `unsafe` I/O code: making the map
//! (in `load_mmap`) and viewing the mapped bytes as `f32`. The story: the native format puts the matrix at a page-aligned offset as
//! little-endian `f32`, so on a little-endian machine the mapped bytes *are*
//! the matrix. A page-aligned map plus an offset that is a multiple of 4
//! gives `f32` alignment, every bit pattern is a valid `f32`, and the map is
//! read-only and lives as long as the slice borrowed from it. What Rust
//! cannot check is that no other process changes the file meanwhile;
//! `load_mmap` is `unsafe` for exactly that, and says so.

use super::native;
use crate::embeddings::Embeddings;
use crate::error::Result;
use std::path::Path;

impl Embeddings {
    /// Reads a native `.epv` file with its matrix memory-mapped instead of
    /// copied into memory: start-up costs one pass to check the values are
    /// finite, and the pages are shared with other processes mapping the same
    /// file. Falls back to reading into memory on big-endian machines.
    ///
    /// # Safety
    ///
    /// The file must not be modified or truncated while the returned value
    /// (or a clone of it) is alive: the operating system would change or
    /// remove the memory under a shared reference (see `memmap2::Mmap::map`).
    pub unsafe fn load_mmap(path: impl AsRef<Path>) -> Result<Embeddings> {
        native::read_mapped(path.as_ref(), |file| {
            // SAFETY: the caller promises that the file is neither modified
            // nor truncated while the result, which owns the map, lives.
            unsafe { memmap2::Mmap::map(file) }
        })
    }
}

/// [`Embeddings::load_mmap`] for the tests, which map files they have just
/// written to private temporary folders.
#[cfg(test)]
pub(crate) fn load_mmap(path: &Path) -> Result<Embeddings> {
    // SAFETY: nothing changes a test's private file while it is mapped.
    unsafe { Embeddings::load_mmap(path) }
}

/// A mapped file and the location of its `f32` matrix.
#[derive(Debug)]
pub(crate) struct MappedMatrix {
    map: memmap2::Mmap,
    offset: usize,
    len: usize,
}

impl MappedMatrix {
    /// Views `len` values at byte `offset` of `map` as `f32`. `None` when the
    /// range is outside the map, misaligned, or the machine is big-endian
    /// (the file is little-endian); the caller then reads into memory.
    pub(crate) fn new(map: memmap2::Mmap, offset: usize, len: usize) -> Option<Self> {
        if cfg!(target_endian = "big") {
            return None;
        }
        let end = len.checked_mul(4)?.checked_add(offset)?;
        if end > map.len()
            || !(map.as_ptr() as usize + offset).is_multiple_of(std::mem::align_of::<f32>())
        {
            return None;
        }
        Some(MappedMatrix { map, offset, len })
    }

    /// The matrix.
    pub(crate) fn as_slice(&self) -> &[f32] {
        let bytes = &self.map[self.offset..self.offset + self.len * 4];
        // SAFETY: `new` checked that the range is inside the map and aligned
        // for f32, and that the machine is little-endian like the file; any
        // 4 bytes are a valid f32; the slice borrows `self`, which owns the
        // read-only map, so it cannot outlive it.
        unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<f32>(), self.len) }
    }
}
