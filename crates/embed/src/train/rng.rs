//! The random number generators of training.
//!
//! * [`Lcg`], word2vec C's linear congruential generator, drives what
//!   word2vec C draws with it — the initial input vectors, the window sizes,
//!   the subsampling and the noise words — so that one thread with a seed
//!   makes the same kind of draws in the same order.
//! * [`SplitMix64`] and [`splitmix64`] (from `embedpos_base`) derive seeds
//!   (one per thread, per epoch, per n-gram bucket) and drive the shuffles
//!   and GloVe's initialisation, where no original generator is to be
//!   followed.

pub(crate) use embedpos_base::{splitmix64, SplitMix64};

/// word2vec C's linear congruential generator,
/// `next_random = next_random · 25214903917 + 11 (mod 2^64)`.
///
/// Kept for faithfulness (the same generator drives the window sizes, the
/// subsampling and the noise words in word2vec C). Its low bits have short
/// periods (bit `k` repeats every `2^(k+1)` draws), so callers use the high
/// bits except where word2vec itself takes the whole number modulo a small
/// integer (the window size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lcg(pub(crate) u64);

impl Lcg {
    /// Advances and returns the new state.
    #[inline(always)]
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(25_214_903_917).wrapping_add(11);
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lcg_matches_word2vec_c() {
        // next_random starts at 1 in InitNet; the first two states.
        let mut r = Lcg(1);
        assert_eq!(r.next(), 25_214_903_928);
        assert_eq!(
            r.next(),
            25_214_903_928u64
                .wrapping_mul(25_214_903_917)
                .wrapping_add(11)
        );
    }
}
