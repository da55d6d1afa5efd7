//! k-way merge of sorted sources into one sorted stream, summing the entries
//! that share a key: GloVe C's `merge_files`, over the dense table, the
//! in-memory buffer and the spilled runs.
//!
//! A binary heap holds the head of every source; sums are accumulated in
//! `f64` and rounded to `f32` once per key.

use super::dense::DenseCursor;
use super::record::{Entry, RecordReader};
use super::spill::{Run, SpillDir};
use crate::error::Result;
use crate::train::corpus::temp_error;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::path::PathBuf;

/// One sorted input of a merge.
pub(crate) enum Source<'a> {
    /// The non-zero cells of a dense table.
    Dense(DenseCursor<'a>),
    /// Sorted entries in memory.
    Memory(std::slice::Iter<'a, Entry>),
    /// A sorted run on disk.
    File(RecordReader<File>, PathBuf),
}

impl Source<'_> {
    /// Opens a run as a source.
    pub(crate) fn run(run: &Run) -> Result<Source<'static>> {
        Ok(Source::File(run.reader()?, run.path().to_path_buf()))
    }

    #[inline]
    fn next_entry(&mut self) -> Result<Option<Entry>> {
        match self {
            Source::Dense(c) => Ok(c.next()),
            Source::Memory(it) => Ok(it.next().copied()),
            Source::File(r, path) => r.next_entry().map_err(|e| temp_error(path, e)),
        }
    }
}

/// Merges sorted sources, summing equal keys.
pub(crate) struct Merger<'a> {
    sources: Vec<Source<'a>>,
    heads: Vec<Entry>,
    heap: BinaryHeap<Reverse<(u64, usize)>>,
}

impl<'a> Merger<'a> {
    /// Reads the first entry of every source.
    pub(crate) fn new(mut sources: Vec<Source<'a>>) -> Result<Self> {
        let mut heads = vec![Entry::default(); sources.len()];
        let mut heap = BinaryHeap::with_capacity(sources.len());
        for (i, s) in sources.iter_mut().enumerate() {
            if let Some(e) = s.next_entry()? {
                heads[i] = e;
                heap.push(Reverse((e.key(), i)));
            }
        }
        Ok(Merger {
            sources,
            heads,
            heap,
        })
    }

    /// The row of the next entry, if any.
    #[inline]
    pub(crate) fn peek_row(&self) -> Option<u32> {
        self.heap.peek().map(|Reverse((k, _))| (k >> 32) as u32)
    }

    /// The next entry: the sum of every source's entry for the smallest key.
    pub(crate) fn next_entry(&mut self) -> Result<Option<Entry>> {
        let Some(&Reverse((key, i))) = self.heap.peek() else {
            return Ok(None);
        };
        let mut out = self.heads[i];
        let mut sum = 0f64;
        while let Some(mut top) = self.heap.peek_mut() {
            let Reverse((k, j)) = *top;
            if k != key {
                break;
            }
            sum += self.heads[j].value as f64;
            match self.sources[j].next_entry()? {
                Some(e) => {
                    self.heads[j] = e;
                    *top = Reverse((e.key(), j));
                }
                None => {
                    std::collections::binary_heap::PeekMut::pop(top);
                }
            }
        }
        out.value = sum as f32;
        Ok(Some(out))
    }
}

/// Merges `runs` into one run in `dir` (the inputs are removed).
pub(crate) fn merge_runs(dir: &SpillDir, runs: Vec<Run>) -> Result<Run> {
    let sources = runs.iter().map(Source::run).collect::<Result<Vec<_>>>()?;
    let mut m = Merger::new(sources)?;
    let out = Run::write_stream(dir, || m.next_entry())?;
    drop(m);
    drop(runs);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(row: u32, col: u32, value: f32) -> Entry {
        Entry { row, col, value }
    }

    #[test]
    fn merges_and_sums_equal_keys() {
        let dir = SpillDir::create(None).unwrap();
        let a = Run::write(&dir, &[e(0, 1, 1.0), e(2, 0, 1.0)]).unwrap();
        let b = Run::write(&dir, &[e(0, 1, 0.5), e(1, 1, 2.0), e(2, 0, 0.25)]).unwrap();
        let merged = merge_runs(&dir, vec![a, b]).unwrap();
        let mem = [e(1, 1, 1.0), e(3, 3, 3.0)];
        let mut m = Merger::new(vec![
            Source::run(&merged).unwrap(),
            Source::Memory(mem.iter()),
        ])
        .unwrap();
        let mut got = Vec::new();
        assert_eq!(m.peek_row(), Some(0));
        while let Some(x) = m.next_entry().unwrap() {
            got.push(x);
        }
        assert_eq!(
            got,
            [e(0, 1, 1.5), e(1, 1, 3.0), e(2, 0, 1.25), e(3, 3, 3.0)]
        );
        assert_eq!(m.peek_row(), None);
        // Only the merged run is left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
