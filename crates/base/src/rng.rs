//! The seeded generator: splitmix64 (Steele, Lea and Flood 2014), tiny,
//! fast, and fixed forever, unlike library generators whose streams may
//! change between versions. Used wherever a result must be reproducible
//! from a seed: the synthetic corpus, the trainers' per-thread streams and
//! shuffles, the input layer's initialisation.

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The first output of the stream seeded with `x`: a bijective 64-bit mixer,
/// so that nearby seeds (`seed`, `seed + 1`, a seed xor a salt) give
/// unrelated values. Used to derive per-thread, per-epoch and per-part seeds.
#[inline(always)]
pub fn splitmix64(x: u64) -> u64 {
    mix(x.wrapping_add(GOLDEN))
}

#[inline(always)]
fn mix(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A splitmix64 stream.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A stream from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// A uniform integer in `0..n` (`n > 0`), by the multiply-shift of the
    /// top 53 bits.
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 11) as u128 * n as u128) >> 53) as usize
    }

    /// A uniform pick from `items` (not empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_is_the_reference_splitmix64() {
        // The first outputs of splitmix64 seeded with 0 (Vigna's reference
        // implementation).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(r.next_u64(), 0x06C4_5D18_8009_454F);
        assert_eq!(splitmix64(5), SplitMix64::new(5).next_u64());
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = SplitMix64::new(7);
        let mut seen = [false; 5];
        for _ in 0..200 {
            let x = r.below(5);
            seen[x] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(*SplitMix64::new(1).pick(&[42]), 42);
    }
}
