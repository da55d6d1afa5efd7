//! How a memory budget is divided between the steps of a run, which follow
//! one another, so that the resident memory of the whole process stays
//! below the budget:
//!
//! * counting: the dense table and the per-thread buffers of sparse pairs
//!   get [`COUNT_SHARE`] of the budget. GloVe C splits its `-memory` between
//!   its dense table and one overflow buffer with a closed-form estimate
//!   that comes to about 40 % of it; here the dense table's size is exact
//!   ([`dense::max_product_for`]), so the share is met by construction. A
//!   larger table only moves pairs of rarer words out of the sparse
//!   buffers, which sort and merge them nearly as fast;
//! * shuffling: the entries, [`RECORD_BYTES`] each, get
//!   [`SHUFFLE_SHARE`] of the budget ([`shuffle_capacity`]);
//! * training: the parameters ([`parameter_bytes`]) and a read buffer per
//!   thread, the entries streamed from the shuffled file. The parameters are
//!   the model itself: when they alone exceed the budget they are still
//!   allocated, and the run's peak is theirs.
//!
//! What is left of the budget in each step is the process's own memory
//! (the program, the vocabulary, read and write buffers).

use super::dense;
use super::record::RECORD_BYTES;
use super::spill::RUN_READ_BUFFER;
use crate::error::{Error, Result};

/// Ids per batch handed from the reader to the counting threads.
pub(crate) const BATCH_IDS: usize = 1 << 15;
/// Batches queued per counting thread.
pub(crate) const QUEUE_DEPTH: usize = 4;
/// The smallest buffer of sparse pairs a counting thread may have: one run.
pub(crate) const MIN_RUN_RECORDS: usize = 1024;
/// Runs of one level merged into one run of the next level, which bounds the
/// open files of the final merge.
pub(crate) const MERGE_FAN_IN: usize = 16;
/// Runs open at once during the final merge of one thread, for the memory
/// estimate: fewer than 16 per level, and 4 levels hold 65 535 runs.
const MAX_OPEN_RUNS: usize = MERGE_FAN_IN * 4;
/// Share of the budget (after fixed costs) for the sparse-pair buffers; the
/// rest is the dense table. GloVe C gives its overflow buffer about a
/// quarter of what it gives the dense table.
const RUN_SHARE: f64 = 0.3;
/// Share of the budget counting plans for (dense table, sparse buffers,
/// row index, read and merge buffers).
pub(crate) const COUNT_SHARE: f64 = 0.5;
/// Share of the budget for the entries the shuffle holds at once; the rest
/// is left to the process.
pub(crate) const SHUFFLE_SHARE: f64 = 0.9;

/// What counting may hold in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CountPlan {
    /// Pairs whose 1-based rank product is below this are dense.
    pub max_product: u64,
    /// Cells of the dense table over all threads.
    pub dense_cells: u64,
    /// Sparse pairs buffered per thread before a run is spilled.
    pub run_records: usize,
}

/// Bytes counting needs besides the dense table and the run buffers.
fn fixed_bytes(vocab_len: usize, threads: usize) -> u64 {
    let offsets = vocab_len as u64 * 8;
    let batches = ((QUEUE_DEPTH + 2) * threads.max(1) + 2) as u64 * BATCH_IDS as u64 * 4;
    let merge = (threads * MAX_OPEN_RUNS * RUN_READ_BUFFER) as u64;
    offsets + batches + merge
}

/// The smallest budget counting can work with.
pub(crate) fn min_count_bytes(vocab_len: usize, threads: usize) -> u64 {
    fixed_bytes(vocab_len, threads) + (threads * MIN_RUN_RECORDS * RECORD_BYTES) as u64
}

/// The smallest memory budget, in GB, that counting the co-occurrences of
/// `vocab_len` words with `threads` threads accepts: the row index, the read
/// and merge buffers, and one run of 1024 pairs per thread (no dense table)
/// must fit counting's share of the budget.
///
/// ```
/// use embedpos_embed::train::glove::min_counting_memory_gb;
/// let gb = min_counting_memory_gb(50_000, 2);
/// assert!(gb > 0.0 && gb < 0.02);
/// ```
pub fn min_counting_memory_gb(vocab_len: usize, threads: usize) -> f64 {
    // A little over the minimum: the budget in bytes is `gb · 2³⁰` rounded
    // down (a power-of-two scale is exact), and its share is rounded down
    // again.
    let min = min_count_bytes(vocab_len, threads.max(1));
    ((min as f64 / COUNT_SHARE).ceil() + 2.0) / (1u64 << 30) as f64
}

/// Counting's share of a budget of `budget_gb` GB, in bytes.
fn counting_bytes(budget_gb: f64) -> u64 {
    ((budget_gb * (1u64 << 30) as f64) as u64 as f64 * COUNT_SHARE) as u64
}

/// Divides counting's share of a budget of `budget_gb` GB over a
/// vocabulary of `vocab_len` words with `threads` threads.
pub(crate) fn plan_counting(budget_gb: f64, vocab_len: usize, threads: usize) -> Result<CountPlan> {
    let budget = counting_bytes(budget_gb);
    let threads = threads.max(1);
    let min = min_count_bytes(vocab_len, threads);
    if budget < min {
        // Rounded up to 5 significant decimals, so the advice always works.
        let min_gb = min_counting_memory_gb(vocab_len, threads);
        return Err(Error::MemoryBudget {
            given_gb: budget_gb,
            min_gb: (min_gb * 1e5).ceil() / 1e5,
            what: format!(
                "counting with {threads} thread(s) over {vocab_len} words needs room for one run of \
                 {MIN_RUN_RECORDS} pairs per thread plus the row index and read buffers ({:.1} MB, \
                 within the {:.0} % of the budget counting uses)",
                min as f64 / 1e6,
                COUNT_SHARE * 100.0
            ),
        });
    }
    let rest = budget - fixed_bytes(vocab_len, threads);
    let min_runs = (threads * MIN_RUN_RECORDS * RECORD_BYTES) as u64;
    let run_bytes = ((rest as f64 * RUN_SHARE) as u64).max(min_runs);
    let dense_cells = (rest - run_bytes) / 8;
    let max_product = dense::max_product_for(dense_cells, vocab_len as u64);
    let dense_cells = dense::total_cells(max_product, vocab_len as u64);
    let run_records = (run_bytes / threads as u64 / RECORD_BYTES as u64) as usize;
    Ok(CountPlan {
        max_product,
        dense_cells,
        run_records: run_records.max(MIN_RUN_RECORDS),
    })
}

/// Bytes of the training parameters: word and context vectors with their
/// biases, and the AdaGrad sums of squared gradients, all `f32`.
pub(crate) fn parameter_bytes(vocab_len: usize, row_len: usize) -> u64 {
    2 * 2 * vocab_len as u64 * row_len as u64 * 4
}

/// Entries the shuffle may hold in memory at once: [`SHUFFLE_SHARE`] of
/// `budget` bytes, but at least one chunk large enough to mix well.
pub(crate) fn shuffle_capacity(budget: u64) -> usize {
    const MIN_CHUNK: u64 = 1 << 16;
    ((budget as f64 * SHUFFLE_SHARE) as u64 / RECORD_BYTES as u64).max(MIN_CHUNK) as usize
}

/// Whether `entries` fit in memory beside the parameters (`parameters`
/// bytes) within the shuffle's share of `budget` bytes: when training may
/// keep them to shuffle them again every epoch.
pub(crate) fn entries_fit_beside(entries: u64, parameters: u64, budget: u64) -> bool {
    let room = (budget as f64 * SHUFFLE_SHARE) as u64;
    entries.saturating_mul(RECORD_BYTES as u64) <= room.saturating_sub(parameters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_meets_the_budget_and_small_budgets_are_refused() {
        for budget in [50u64 << 20, 400 << 20, 4 << 30] {
            let p = plan_counting(budget as f64 / (1u64 << 30) as f64, 60_000, 2).unwrap();
            let used = fixed_bytes(60_000, 2) + p.dense_cells * 8 + 2 * p.run_records as u64 * 12;
            let share = (budget as f64 * COUNT_SHARE) as u64;
            assert!(used <= share, "{budget}: {used}");
            assert!(used as f64 > share as f64 * 0.95, "{budget}: {used}");
        }
        let full = plan_counting(1.0, 100, 1).unwrap();
        assert_eq!(full.max_product, 100 * 100);
        let e = plan_counting(1e-6, 100, 2).unwrap_err().to_string();
        assert!(e.contains("too small") && e.contains("at least"), "{e}");
        let min = min_counting_memory_gb(100, 2);
        assert!(plan_counting(min, 100, 2).is_ok());
        assert!(plan_counting(min * 0.999, 100, 2).is_err());
    }
}
