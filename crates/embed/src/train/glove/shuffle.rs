//! Shuffling the non-zero entries before training (GloVe C's `shuffle`).
//!
//! SGD over entries in `(row, col)` order would train one word's row for
//! thousands of steps in a row; a random order makes consecutive steps touch
//! unrelated parameters, which is also what lets Hogwild threads collide
//! rarely (Niu et al. 2011). As in GloVe C the entries are shuffled once and
//! every epoch walks the same order.
//!
//! * When the entries fit the memory the budget gives the shuffle
//!   ([`shuffle_capacity`](super::budget::shuffle_capacity)), they are read
//!   into one buffer of exactly their number and permuted in place by
//!   Fisher–Yates: one copy, never two. The permuted entries are written to
//!   a temporary file that training streams (GloVe C's `glove` reads its
//!   shuffled file the same way), so the buffer is freed before the
//!   parameters are allocated; only `--reshuffle`, which permutes them again
//!   every epoch, keeps them in memory, when they fit beside the parameters.
//! * Otherwise GloVe C's two-pass external shuffle: chunks that fill the
//!   buffer are permuted in place and written to temporary files; then the
//!   buffer is filled with an equal share of every chunk, permuted and
//!   appended to the final file, until the chunks are exhausted. Training
//!   then streams that file. This is not a uniform permutation (an entry
//!   stays within its chunk's share of the output), but it mixes every part
//!   of the matrix into every part of the epoch, which is what SGD needs.
//!
//! Either way the order depends only on the seed and on whether the entries
//! fit, never on where training reads them from.

use super::cooccur_file::CooccurFile;
use super::record::{Entry, RecordWriter};
use super::spill::{Run, SpillDir};
use crate::error::Result;
use crate::train::corpus::temp_error;
use crate::train::rng::SplitMix64;

/// The training entries, in the order every epoch visits them.
#[derive(Debug)]
pub(crate) enum Shuffled {
    /// All entries in memory.
    Memory(Vec<Entry>),
    /// In a temporary file, read by each thread in turn.
    Disk(Run),
}

impl Shuffled {
    /// True when the entries are held in memory.
    pub(crate) fn in_memory(&self) -> bool {
        matches!(self, Shuffled::Memory(_))
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> u64 {
        match self {
            Shuffled::Memory(v) => v.len() as u64,
            Shuffled::Disk(r) => r.len(),
        }
    }
}

/// Fisher–Yates (Durstenfeld) in place: every permutation equally likely.
pub(crate) fn fisher_yates(v: &mut [Entry], rng: &mut SplitMix64) {
    for i in (1..v.len()).rev() {
        let j = rng.below(i + 1);
        v.swap(i, j);
    }
}

/// Shuffles the entries of `file`, holding at most `capacity` in memory.
/// With `keep` and when they fit, the entries stay in memory; otherwise
/// they are written to a temporary file for training to stream.
pub(crate) fn shuffle(
    file: &CooccurFile,
    capacity: usize,
    seed: u64,
    dir: &SpillDir,
    keep: bool,
) -> Result<Shuffled> {
    let mut rng = SplitMix64::new(seed ^ 0x5EED_0F5A_0FF1_E5E5);
    let n = file.len();
    let mut entries = file.entries()?;
    if n <= capacity as u64 {
        let mut v = Vec::with_capacity(n as usize);
        while let Some(e) = entries.next_entry()? {
            v.push(e);
        }
        fisher_yates(&mut v, &mut rng);
        if keep {
            return Ok(Shuffled::Memory(v));
        }
        return Ok(Shuffled::Disk(Run::write(dir, &v)?));
    }
    // Pass 1: shuffled chunks.
    let mut buf: Vec<Entry> = Vec::with_capacity(capacity);
    let mut chunks = Vec::new();
    loop {
        buf.clear();
        while buf.len() < capacity {
            match entries.next_entry()? {
                Some(e) => buf.push(e),
                None => break,
            }
        }
        if buf.is_empty() {
            break;
        }
        fisher_yates(&mut buf, &mut rng);
        chunks.push(Run::write(dir, &buf)?);
    }
    // Pass 2: equal shares of every chunk, shuffled together.
    let share = (capacity / chunks.len()).max(1);
    let mut readers = chunks.iter().map(Run::reader).collect::<Result<Vec<_>>>()?;
    let (path, out) = dir.create_file("shuffled")?;
    let mut w = RecordWriter::new(out);
    loop {
        buf.clear();
        for (r, c) in readers.iter_mut().zip(&chunks) {
            r.read_into(&mut buf, share)
                .map_err(|e| temp_error(c.path(), e))?;
        }
        if buf.is_empty() {
            break;
        }
        fisher_yates(&mut buf, &mut rng);
        w.push_all(&buf).map_err(|e| temp_error(&path, e))?;
    }
    let written = w.written();
    w.finish().map_err(|e| temp_error(&path, e))?;
    drop(readers);
    drop(chunks);
    Ok(Shuffled::Disk(Run::adopt(path, written)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fisher_yates_is_a_permutation_and_not_the_identity() {
        let mut v: Vec<Entry> = (0..1000)
            .map(|i| Entry {
                row: i,
                col: 0,
                value: 1.0,
            })
            .collect();
        fisher_yates(&mut v, &mut SplitMix64::new(3));
        let moved = v
            .iter()
            .enumerate()
            .filter(|(i, e)| e.row != *i as u32)
            .count();
        assert!(moved > 900, "{moved}");
        let mut rows: Vec<u32> = v.iter().map(|e| e.row).collect();
        rows.sort_unstable();
        assert!(rows.iter().enumerate().all(|(i, &r)| r == i as u32));
    }
}
