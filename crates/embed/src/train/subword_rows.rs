//! The input side of fastText training: which rows make up each word's
//! input vector, and the compact storage of the n-gram buckets.
//!
//! fastText's input matrix has `nwords + bucket` rows (2,000,000 buckets by
//! default: 800 MB at dimension 100), but training only ever touches the
//! buckets of the vocabulary words' n-grams — a few hundred thousand on a
//! corpus of millions of words. Here the input matrix holds the word rows
//! followed by only those buckets ("hit" buckets, numbered in the order
//! the vocabulary first reaches them, so frequent words' buckets sit
//! together). Every other bucket keeps its initial value for ever, and that
//! value is a pure function of `(seed, bucket id)` ([`init_row`]), so it can
//! be regenerated when a dense `bucket × dim` matrix is wanted instead of
//! being stored.

use super::rng::{splitmix64, Lcg};
use embedpos_tokenize::ngrams::NgramConfig;
use embedpos_tokenize::Vocab;

/// Which rows of the input matrix make up each word's input vector, as a
/// compressed list: word `w`'s rows are `rows[offsets[w]..offsets[w + 1]]`,
/// its own row `w` first, then one row per n-gram in fastText's order
/// (repeats kept, as fastText keeps them).
#[derive(Debug, Clone)]
pub(crate) struct InputRows {
    offsets: Vec<usize>,
    rows: Vec<u32>,
}

impl InputRows {
    /// The rows of word `w`'s input.
    #[inline(always)]
    pub(crate) fn of(&self, w: u32) -> &[u32] {
        let w = w as usize;
        &self.rows[self.offsets[w]..self.offsets[w + 1]]
    }

    /// Number of words.
    pub(crate) fn words(&self) -> usize {
        self.offsets.len() - 1
    }
}

/// The input rows of every vocabulary word, and the bucket ids of the rows
/// after the word rows.
#[derive(Debug, Clone)]
pub(crate) struct SubwordLayout {
    /// Each word's rows.
    pub inputs: InputRows,
    /// `hit[i]` is the bucket stored in row `vocab.len() + i`.
    pub hit: Vec<u32>,
}

impl SubwordLayout {
    /// Lays out the rows of `vocab` with n-grams `ngrams` (which must be
    /// valid; with n-grams disabled every word is its own row only). With
    /// `eos`, row `vocab.len()` is fastText's `</s>` word, which has no
    /// n-grams (fastText's `initNgrams` skips it); the buckets follow it.
    pub(crate) fn new(vocab: &Vocab, ngrams: &NgramConfig, eos: bool) -> Self {
        let v = vocab.len();
        let base = v + usize::from(eos);
        // bucket -> compact row (u32::MAX: not hit); 4 bytes per bucket.
        let mut slot = vec![
            u32::MAX;
            if ngrams.enabled() {
                ngrams.bucket as usize
            } else {
                0
            }
        ];
        let mut hit = Vec::new();
        let mut offsets = Vec::with_capacity(v + 1);
        let mut rows = Vec::new();
        let mut ids = Vec::new();
        offsets.push(0);
        for w in 0..v {
            rows.push(w as u32);
            ids.clear();
            ngrams.bucket_ids(vocab.token(w as u32), &mut ids);
            for &b in &ids {
                let s = &mut slot[b as usize];
                if *s == u32::MAX {
                    *s = hit.len() as u32;
                    hit.push(b);
                }
                rows.push((base + *s as usize) as u32);
            }
            offsets.push(rows.len());
        }
        if eos {
            rows.push(v as u32);
            offsets.push(rows.len());
        }
        SubwordLayout {
            inputs: InputRows { offsets, rows },
            hit,
        }
    }

    /// Rows of the compact input matrix.
    pub(crate) fn rows(&self) -> usize {
        self.inputs.words() + self.hit.len()
    }

    /// The initial compact input matrix: word `w`'s row is
    /// `init_row(seed, RowKey::Word(w))`, bucket `b`'s `init_row(seed, RowKey::Bucket(b))`.
    pub(crate) fn init_matrix(&self, seed: u64, dim: usize) -> Vec<f32> {
        let mut m = vec![0f32; self.rows() * dim];
        let mut chunks = m.chunks_exact_mut(dim);
        for (w, row) in (0..self.inputs.words()).zip(&mut chunks) {
            init_row(seed, RowKey::Word(w as u32), row);
        }
        for (&b, row) in self.hit.iter().zip(chunks) {
            init_row(seed, RowKey::Bucket(b), row);
        }
        m
    }
}

/// Which row [`init_row`] initialises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowKey {
    /// The own row of the word with this training id.
    Word(u32),
    /// The row of this n-gram bucket.
    Bucket(u32),
}

/// fastText's initialisation of an input row, uniform in `[−1/dim, 1/dim)`
/// (`input_->uniform(1.0 / dim)`), drawn from a generator seeded by
/// `(seed, key)` alone, so that any row can be regenerated without the
/// others (fastText draws the whole matrix from one sequence; the
/// distribution is the same).
pub(crate) fn init_row(seed: u64, key: RowKey, out: &mut [f32]) {
    let k = match key {
        RowKey::Word(w) => (1u64 << 32) | w as u64,
        RowKey::Bucket(b) => (2u64 << 32) | b as u64,
    };
    let mut rng = Lcg(splitmix64(splitmix64(seed) ^ k));
    let scale = 1.0 / out.len() as f32;
    for x in out.iter_mut() {
        // 24 high bits: a uniform float in [0, 1) with full f32 precision.
        let u = (rng.next() >> 40) as f32 / 16_777_216.0;
        *x = (2.0 * u - 1.0) * scale;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::test_vocab;

    /// N-grams of 3 and 4 characters in 1000 buckets.
    const NGRAMS: NgramConfig = NgramConfig {
        minn: 3,
        maxn: 4,
        bucket: 1000,
    };

    #[test]
    fn layout_lists_own_row_then_ngram_rows_in_fasttext_order() {
        let vocab = test_vocab(&[("cat", 3), ("cats", 2), ("at", 1)]);
        let ng = NGRAMS;
        let lay = SubwordLayout::new(&vocab, &ng, false);
        for w in 0..3u32 {
            let rows = lay.inputs.of(w);
            assert_eq!(rows[0], w);
            let mut want = Vec::new();
            ng.bucket_ids(vocab.token(w), &mut want);
            let got: Vec<u32> = rows[1..].iter().map(|&r| lay.hit[r as usize - 3]).collect();
            assert_eq!(got, want, "word {w}");
        }
        // "cat" and "cats" share <ca, cat, <cat: the compact rows are shared too.
        let distinct: std::collections::HashSet<u32> = lay.hit.iter().copied().collect();
        assert_eq!(distinct.len(), lay.hit.len());
        assert_eq!(lay.rows(), 3 + lay.hit.len());
    }

    /// With fastText's `</s>`, row `V` is that word alone and the buckets
    /// follow it.
    #[test]
    fn eos_row_sits_between_words_and_buckets() {
        let vocab = test_vocab(&[("cat", 3), ("dog", 2)]);
        let ng = NGRAMS;
        let plain = SubwordLayout::new(&vocab, &ng, false);
        let lay = SubwordLayout::new(&vocab, &ng, true);
        assert_eq!(lay.inputs.words(), 3);
        assert_eq!(lay.inputs.of(2), &[2]);
        assert_eq!(lay.hit, plain.hit);
        assert_eq!(lay.rows(), plain.rows() + 1);
        for w in 0..2u32 {
            let shifted: Vec<u32> = plain.inputs.of(w)[1..].iter().map(|r| r + 1).collect();
            assert_eq!(&lay.inputs.of(w)[1..], &shifted[..]);
            assert!(lay.inputs.of(w)[1..].iter().all(|&r| r >= 3));
        }
    }

    #[test]
    fn rows_are_regenerated_from_seed_and_key() {
        let mut a = [0f32; 100];
        let mut b = [0f32; 100];
        init_row(7, RowKey::Bucket(42), &mut a);
        init_row(7, RowKey::Bucket(42), &mut b);
        assert_eq!(a, b);
        assert!(a.iter().all(|&x| (-0.01..0.01).contains(&x)));
        init_row(7, RowKey::Word(42), &mut b);
        assert_ne!(a, b);
        init_row(8, RowKey::Bucket(42), &mut b);
        assert_ne!(a, b);
        // Roughly uniform: mean near 0, variance near (1/dim)^2 / 3.
        let mut all = vec![0f32; 100 * 200];
        for (i, row) in all.chunks_exact_mut(100).enumerate() {
            init_row(1, RowKey::Bucket(i as u32), row);
        }
        let n = all.len() as f64;
        let mean = all.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = all.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        assert!(mean.abs() < 2e-4, "{mean}");
        assert!((var / (1e-4 / 3.0) - 1.0).abs() < 0.05, "{var}");
    }
}
