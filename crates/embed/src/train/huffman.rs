//! The Huffman tree of hierarchical softmax (Mikolov et al. 2013b, §2.1;
//! Morin & Bengio 2005), built as word2vec C's `CreateBinaryTree` does.
//!
//! Each word is a leaf; its path from the root visits inner nodes
//! `points[0..len]` (inner node ids `0..n-1`, the root being `n - 2`) and
//! takes the branches `codes[0..len]`. Frequent words get short paths, so
//! the expected cost of an update is the entropy of the unigram
//! distribution instead of `log2 n`. Training maximises
//! `Σ_d log σ((1 − 2·code_d) · v'_{point_d} · h)`, i.e. the label of inner
//! node `point_d` is `1 − code_d`.

use std::ops::Range;

/// Codes and inner-node paths of every word, stored flat.
#[derive(Debug, Clone, Default)]
pub(crate) struct Huffman {
    offsets: Vec<u32>,
    codes: Vec<u8>,
    points: Vec<u32>,
}

impl Huffman {
    /// Builds the tree from the counts (any order; ties are broken as
    /// word2vec C does for a vocabulary sorted by count descending).
    ///
    /// The two-queue construction is O(n) after sorting: leaves are taken
    /// from the rarest up, and merged nodes are created in non-decreasing
    /// count order, so the two smallest nodes are always at one of the two
    /// queue fronts.
    pub(crate) fn new(counts: &[u64]) -> Self {
        let n = counts.len();
        if n < 2 {
            return Huffman {
                offsets: vec![0; n + 1],
                codes: Vec::new(),
                points: Vec::new(),
            };
        }
        // Leaves in count-descending order (stable: ties keep id order),
        // as word2vec's vocabulary is sorted.
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by(|&a, &b| counts[b as usize].cmp(&counts[a as usize]));
        // Nodes 0..n are leaves by rank, n..2n-1 inner nodes.
        let mut count: Vec<u64> = order.iter().map(|&w| counts[w as usize]).collect();
        count.resize(2 * n - 1, u64::MAX);
        let mut parent = vec![0usize; 2 * n - 1];
        let mut binary = vec![0u8; 2 * n - 1];
        let mut pos1 = n as isize - 1; // next leaf, walking from the rarest
        let mut pos2 = n; // next inner node
        for a in 0..n - 1 {
            let mut pick = || {
                if pos1 >= 0 && count[pos1 as usize] < count[pos2] {
                    pos1 -= 1;
                    (pos1 + 1) as usize
                } else {
                    pos2 += 1;
                    pos2 - 1
                }
            };
            let min1 = pick();
            let min2 = pick();
            count[n + a] = count[min1].saturating_add(count[min2]);
            parent[min1] = n + a;
            parent[min2] = n + a;
            binary[min2] = 1;
        }
        let root = 2 * n - 2;
        let mut per_rank: Vec<(Vec<u8>, Vec<u32>)> = Vec::with_capacity(n);
        for rank in 0..n {
            let mut code = Vec::new();
            let mut point = Vec::new();
            let mut b = rank;
            while b != root {
                code.push(binary[b]);
                b = parent[b];
                point.push((b - n) as u32);
            }
            code.reverse();
            point.reverse();
            per_rank.push((code, point));
        }
        let mut by_word: Vec<usize> = vec![0; n];
        for (rank, &w) in order.iter().enumerate() {
            by_word[w as usize] = rank;
        }
        let mut h = Huffman {
            offsets: Vec::with_capacity(n + 1),
            codes: Vec::new(),
            points: Vec::new(),
        };
        h.offsets.push(0);
        for &rank in &by_word {
            let (c, p) = &per_rank[rank];
            h.codes.extend_from_slice(c);
            h.points.extend_from_slice(p);
            h.offsets.push(h.codes.len() as u32);
        }
        h
    }

    /// The branches (0 or 1) from the root to `word`.
    #[inline(always)]
    pub(crate) fn codes(&self, word: u32) -> &[u8] {
        &self.codes[self.path(word)]
    }

    /// The inner nodes from the root to `word` (rows of the output matrix).
    #[inline(always)]
    pub(crate) fn points(&self, word: u32) -> &[u32] {
        &self.points[self.path(word)]
    }

    /// Where `word`'s path is stored in `codes` and `points` (empty for a
    /// word outside the tree).
    #[inline(always)]
    fn path(&self, word: u32) -> Range<usize> {
        let w = word as usize;
        match (self.offsets.get(w), self.offsets.get(w + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    /// The longest path.
    pub(crate) fn max_len(&self) -> usize {
        self.offsets
            .windows(2)
            .map(|w| (w[1] - w[0]) as usize)
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn textbook_example() {
        // Counts 5, 3, 2, 1, 1 (sorted). Huffman: (1,1)->2, (2,2)->4,
        // (3,4)->7, (5,7)->12. Code lengths 1, 2, 3, 4, 4.
        let h = Huffman::new(&[5, 3, 2, 1, 1]);
        let lens: Vec<usize> = (0..5).map(|w| h.codes(w).len()).collect();
        assert_eq!(lens, [1, 2, 3, 4, 4]);
        for w in 0..5 {
            assert_eq!(h.points(w)[0], 3, "every path starts at the root (n - 2)");
            assert_eq!(h.points(w).len(), h.codes(w).len());
        }
        // Codes are prefix-free and distinct.
        let all: HashSet<Vec<u8>> = (0..5).map(|w| h.codes(w).to_vec()).collect();
        assert_eq!(all.len(), 5);
        assert_eq!(h.max_len(), 4);
    }

    #[test]
    fn kraft_equality_and_optimal_cost() {
        let counts: Vec<u64> = (1..=200u64).map(|i| 10_000 / i).collect();
        let h = Huffman::new(&counts);
        let kraft: f64 = (0..200).map(|w| 0.5f64.powi(h.codes(w).len() as i32)).sum();
        assert!((kraft - 1.0).abs() < 1e-12);
        // Expected length within 1 bit of the entropy.
        let total: f64 = counts.iter().sum::<u64>() as f64;
        let (mut len, mut ent) = (0.0, 0.0);
        for (w, &c) in counts.iter().enumerate() {
            let p = c as f64 / total;
            len += p * h.codes(w as u32).len() as f64;
            ent -= p * p.log2();
        }
        assert!(len >= ent && len < ent + 1.0, "{len} vs {ent}");
        // Inner node ids are in range.
        assert!((0..200).all(|w| h.points(w).iter().all(|&p| p < 199)));
    }

    #[test]
    fn unsorted_counts_and_tiny_vocabularies() {
        let h = Huffman::new(&[1, 5, 1, 3]);
        assert_eq!(h.codes(1).len(), 1);
        assert_eq!(Huffman::new(&[7]).codes(0).len(), 0);
        let two = Huffman::new(&[7, 2]);
        assert_eq!((two.codes(0), two.codes(1)), (&[1u8][..], &[0u8][..]));
        assert_eq!(two.points(0), [0]);
        assert!(Huffman::new(&[]).codes(0).is_empty());
    }
}
