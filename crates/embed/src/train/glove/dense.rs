//! The dense part of the co-occurrence matrix: GloVe C's `bigram_table`.
//!
//! Word ids are frequency ranks, and by Zipf's law most co-occurrence events
//! involve two frequent words. GloVe C therefore keeps `X[i][j]` in a plain
//! array whenever the product of the two (1-based) ranks is below a bound
//! `P` (`max_product`), and only the rarer pairs go to a sparse buffer that
//! is sorted and spilled. Row `i` (0-based) holds the columns
//! `j < min(V, P / (i + 1))`, so the table has `Σ_i min(V, P / (i + 1))`
//! cells, about `P (ln P + γ)` for `P < V`; [`max_product_for`] picks the
//! largest `P` whose table fits a number of cells.
//!
//! Counting threads own disjoint rows (row `i` belongs to thread
//! `i mod threads`), so each thread keeps the table of its own rows and no
//! cell is ever shared. Cells are `f64`: a frequent pair collects millions of
//! `1/d` increments, which would lose whole units in `f32`.

use super::record::Entry;

/// Number of columns of row `row` in the dense table.
#[inline]
pub(crate) fn row_len(row: u64, max_product: u64, vocab_len: u64) -> u64 {
    (max_product / (row + 1)).min(vocab_len)
}

/// Cells of the whole dense table (all threads) for a bound `P`.
pub(crate) fn total_cells(max_product: u64, vocab_len: u64) -> u64 {
    let mut sum = 0u64;
    for row in 0..vocab_len {
        let len = row_len(row, max_product, vocab_len);
        if len == 0 {
            break;
        }
        sum = sum.saturating_add(len);
    }
    sum
}

/// The largest bound `P` whose table has at most `cells` cells (`V²` when
/// the whole matrix fits).
pub(crate) fn max_product_for(cells: u64, vocab_len: u64) -> u64 {
    let full = vocab_len.saturating_mul(vocab_len);
    if total_cells(full, vocab_len) <= cells {
        return full;
    }
    // total_cells is non-decreasing in P: binary search the last P that fits.
    let (mut lo, mut hi) = (0u64, full);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if total_cells(mid, vocab_len) <= cells {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// The dense rows owned by one counting thread.
#[derive(Debug)]
pub(crate) struct DenseTable {
    part: u64,
    parts: u64,
    /// Start of each owned row in `cells`, plus the end: local row `k` is
    /// global row `part + k * parts`.
    offsets: Vec<u64>,
    cells: Vec<f64>,
}

impl DenseTable {
    /// The table of rows `i ≡ part (mod parts)` for bound `max_product`.
    pub(crate) fn new(part: usize, parts: usize, max_product: u64, vocab_len: u64) -> Self {
        let (part, parts) = (part as u64, parts as u64);
        let mut offsets = vec![0u64];
        let mut row = part;
        let mut total = 0u64;
        while row < vocab_len {
            let len = row_len(row, max_product, vocab_len);
            if len == 0 {
                break;
            }
            total += len;
            offsets.push(total);
            row += parts;
        }
        DenseTable {
            part,
            parts,
            offsets,
            // Zeroed memory comes from the allocator as untouched pages, so
            // a table larger than the corpus needs costs little resident
            // memory.
            cells: vec![0.0; total as usize],
        }
    }

    /// Cells held.
    #[cfg(test)]
    pub(crate) fn cells(&self) -> usize {
        self.cells.len()
    }

    /// The dense cells of owned row `row`: column `j` is `[j]` for
    /// `j < len()`; empty past the rows that have dense cells.
    #[inline]
    pub(crate) fn row_mut(&mut self, row: u32) -> &mut [f64] {
        let k = ((row as u64).saturating_sub(self.part) / self.parts) as usize;
        match (self.offsets.get(k), self.offsets.get(k + 1)) {
            (Some(&a), Some(&b)) => &mut self.cells[a as usize..b as usize],
            _ => &mut [],
        }
    }

    /// The non-zero cells as entries, in key order.
    pub(crate) fn cursor(&self) -> DenseCursor<'_> {
        DenseCursor {
            table: self,
            local_row: 0,
            index: 0,
        }
    }
}

/// Iterates the non-zero cells of a [`DenseTable`] in `(row, col)` order.
#[derive(Debug)]
pub(crate) struct DenseCursor<'a> {
    table: &'a DenseTable,
    local_row: usize,
    index: usize,
}

impl Iterator for DenseCursor<'_> {
    type Item = Entry;

    #[inline]
    fn next(&mut self) -> Option<Entry> {
        let t = self.table;
        loop {
            let end = *t.offsets.get(self.local_row + 1)? as usize;
            while self.index < end {
                let i = self.index;
                self.index += 1;
                let v = t.cells[i];
                if v != 0.0 {
                    let start = t.offsets[self.local_row] as usize;
                    return Some(Entry {
                        row: (t.part + self.local_row as u64 * t.parts) as u32,
                        col: (i - start) as u32,
                        value: v as f32,
                    });
                }
            }
            self.local_row += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_fits_the_cells_and_is_the_largest() {
        for v in [1u64, 7, 100, 5000] {
            for cells in [0u64, 1, 10, 999, 50_000, v * v, v * v + 3] {
                let p = max_product_for(cells, v);
                assert!(total_cells(p, v) <= cells.max(total_cells(0, v)));
                if p < v * v {
                    assert!(total_cells(p + 1, v) > cells, "v {v} cells {cells} p {p}");
                }
            }
        }
        assert_eq!(
            total_cells(100, 100),
            (1..=100u64).map(|r| (100 / r).min(100)).sum::<u64>()
        );
    }

    #[test]
    fn parts_cover_every_dense_cell_once() {
        let (v, p) = (50u64, 300u64);
        let tables: Vec<_> = (0..3).map(|t| DenseTable::new(t, 3, p, v)).collect();
        assert_eq!(
            tables.iter().map(DenseTable::cells).sum::<usize>() as u64,
            total_cells(p, v)
        );
        let mut t = DenseTable::new(1, 3, p, v);
        assert_eq!(t.row_mut(4).len() as u64, row_len(4, p, v));
        t.row_mut(4)[2] = 0.5;
        t.row_mut(1)[0] = 2.0;
        let got: Vec<_> = t.cursor().collect();
        assert_eq!(
            got,
            [
                Entry {
                    row: 1,
                    col: 0,
                    value: 2.0
                },
                Entry {
                    row: 4,
                    col: 2,
                    value: 0.5
                },
            ]
        );
        assert!(DenseTable::new(1, 3, 30, v).row_mut(31).is_empty());
    }
}
