//! The two sampling tables of word2vec: noise words drawn from the unigram
//! distribution raised to a power (3/4 in word2vec, 1/2 in fastText), and the
//! keep probabilities of frequent-word subsampling.

/// Noise words drawn with probability `count^0.75 / Σ count^0.75`
/// (Mikolov et al. 2013b, §2.2), by Walker's alias method (Vose 1991).
///
/// word2vec C fills a table of 10^8 word ids (400 MB) and indexes it with a
/// random number; the alias table draws from the exact distribution with
/// 8 bytes per word and one memory access per draw: a 48-bit random number
/// `u` picks the column `⌊u·n⌋` and its fractional part decides between the
/// column's word and its alias.
///
/// word2vec C counts every line end as the word `</s>` (id 0), which enters
/// the noise distribution with its count like any word; when the table
/// yields `</s>`, C draws a uniformly random word instead
/// (`target = next_random % (vocab_size − 1) + 1`). With `line_ends > 0`
/// this sampler reproduces that mixture exactly: a pseudo-word with count
/// `line_ends` whose draws become uniform over the vocabulary.
#[derive(Debug, Clone)]
pub(crate) struct NegativeSampler {
    /// Per column: (threshold on the fraction scaled to 2^32, alias word).
    columns: Vec<(u32, u32)>,
    /// Number of real words; column `words` (if any) is `</s>`.
    words: u32,
}

impl NegativeSampler {
    /// Builds the table for `counts` raised to `power` (0.75 in word2vec),
    /// plus `line_ends` occurrences of word2vec's `</s>` (0 for none).
    /// Words with count 0 are never drawn unless all counts are 0, in which
    /// case the distribution is uniform.
    pub(crate) fn new(counts: &[u64], power: f64, line_ends: u64) -> Self {
        let words = counts.len() as u32;
        if counts.is_empty() {
            return NegativeSampler {
                columns: Vec::new(),
                words,
            };
        }
        let mut w: Vec<f64> = counts.iter().map(|&c| (c as f64).powf(power)).collect();
        if line_ends > 0 {
            w.push((line_ends as f64).powf(power));
        }
        let n = w.len();
        let sum: f64 = w.iter().sum();
        if !(sum > 0.0 && sum.is_finite()) {
            w.iter_mut().for_each(|x| *x = 1.0);
        }
        let sum: f64 = w.iter().sum();
        // Scaled probabilities p_i · n: columns with < 1 are "small".
        let mut scaled: Vec<f64> = w.iter().map(|x| x * n as f64 / sum).collect();
        let mut columns = vec![(u32::MAX, 0u32); n];
        let mut small = Vec::new();
        let mut large = Vec::new();
        for (i, &p) in scaled.iter().enumerate() {
            if p < 1.0 {
                small.push(i);
            } else {
                large.push(i);
            }
        }
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            let p = scaled[s];
            columns[s] = (threshold(p), l as u32);
            scaled[l] -= 1.0 - p;
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // What is left is 1 up to rounding: those columns keep their word.
        for i in small.into_iter().chain(large) {
            columns[i] = (u32::MAX, i as u32);
        }
        NegativeSampler { columns, words }
    }

    /// The word for the random number `r` (the high 48 bits are used).
    #[inline(always)]
    pub(crate) fn sample(&self, r: u64) -> u32 {
        let n = self.columns.len() as u128;
        let x = (r >> 16) as u128 * n;
        let col = (x >> 48) as usize;
        let frac = ((x >> 16) & 0xFFFF_FFFF) as u32;
        let w = match self.columns.get(col) {
            Some(&(t, alias)) => {
                if frac < t || t == u32::MAX {
                    col as u32
                } else {
                    alias
                }
            }
            None => 0,
        };
        if w >= self.words && self.words > 0 {
            // `</s>`: a uniformly random word, as word2vec C.
            (r % self.words as u64) as u32
        } else {
            w
        }
    }

    /// Number of words.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.columns.len()
    }
}

fn threshold(p: f64) -> u32 {
    (p.clamp(0.0, 1.0) * 4_294_967_296.0).min(4_294_967_295.0) as u32
}

/// Per-word keep probabilities of frequent-word subsampling.
///
/// word2vec C keeps a word with count `f` among `T` training words when
/// `ran ≥ u`, `u` uniform in `[0, 1)` with 16-bit resolution and
/// `ran = (sqrt(f / (t·T)) + 1) · t·T / f`. `ran ≥ 1` (rare words) always
/// keeps. C takes `u` from the generator's low 16 bits, whose period is only
/// 2^16 draws; here bits 16..32 are used.
#[derive(Debug, Clone)]
pub(crate) struct Subsampler {
    ran: Vec<f32>,
    enabled: bool,
}

impl Subsampler {
    /// Keep probabilities for `counts` with threshold `sample` (0: keep
    /// all). `T` is the sum of `counts` plus `other` tokens: word2vec C's
    /// `train_words` includes one `</s>` per line (`other` = lines);
    /// fastText's `ntokens` counts every token read, in the vocabulary or
    /// not (`counts` hold its `</s>`, `other` = out-of-vocabulary tokens).
    pub(crate) fn new(counts: &[u64], sample: f64, other: u64) -> Self {
        let total: u64 = counts.iter().sum::<u64>() + other;
        let st = sample * total as f64;
        let ran = counts
            .iter()
            .map(|&f| {
                if sample <= 0.0 || f == 0 {
                    f32::INFINITY
                } else {
                    let f = f as f64;
                    (((f / st).sqrt() + 1.0) * st / f) as f32
                }
            })
            .collect();
        Subsampler {
            ran,
            enabled: sample > 0.0,
        }
    }

    /// Whether to keep one occurrence of `word`, given a fresh random number.
    #[inline(always)]
    pub(crate) fn keep(&self, word: u32, r: u64) -> bool {
        let u = ((r >> 16) & 0xFFFF) as f32 / 65536.0;
        match self.ran.get(word as usize) {
            Some(&ran) => ran >= u,
            None => true,
        }
    }

    /// Whether subsampling is on (word2vec draws a random number for every
    /// word when it is, rare words included).
    #[inline(always)]
    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::rng::Lcg;

    #[test]
    fn alias_table_reproduces_the_unigram_power_distribution() {
        let counts = [1000u64, 300, 50, 7, 1, 0, 120];
        let s = NegativeSampler::new(&counts, 0.75, 0);
        assert_eq!(s.len(), counts.len());
        let z: f64 = counts.iter().map(|&c| (c as f64).powf(0.75)).sum();
        let mut hits = [0u64; 7];
        let mut rng = Lcg(12345);
        let draws = 2_000_000;
        for _ in 0..draws {
            hits[s.sample(rng.next()) as usize] += 1;
        }
        for (i, &c) in counts.iter().enumerate() {
            let want = (c as f64).powf(0.75) / z;
            let got = hits[i] as f64 / draws as f64;
            // 5 standard deviations of a binomial proportion, plus table rounding.
            let tol = 5.0 * (want * (1.0 - want) / draws as f64).sqrt() + 1e-6;
            assert!((got - want).abs() <= tol, "word {i}: {got} vs {want}");
        }
        assert_eq!(hits[5], 0, "a word with count 0 is never drawn");
    }

    #[test]
    fn line_ends_become_uniform_draws_as_in_word2vec() {
        // Words 1000, 10 and </s> 1000: p(</s>) = 1000^.75 / (2·1000^.75 + 10^.75),
        // spread uniformly over the two words.
        let s = NegativeSampler::new(&[1000, 10], 0.75, 1000);
        let (a, b) = (1000f64.powf(0.75), 10f64.powf(0.75));
        let z = 2.0 * a + b;
        let want1 = (b + a / 2.0) / z;
        let mut rng = Lcg(3);
        let draws = 1_000_000;
        let ones = (0..draws).filter(|_| s.sample(rng.next()) == 1).count();
        let got = ones as f64 / draws as f64;
        assert!((got - want1).abs() < 0.003, "{got} vs {want1}");
        assert!((0..1000).all(|_| s.sample(rng.next()) < 2));
    }

    #[test]
    fn degenerate_tables() {
        assert_eq!(NegativeSampler::new(&[], 0.75, 0).sample(123), 0);
        let one = NegativeSampler::new(&[5], 0.75, 0);
        assert!((0..100u64).all(|i| one.sample(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)) == 0));
        let zeros = NegativeSampler::new(&[0, 0], 0.75, 0);
        let mut rng = Lcg(7);
        let ones = (0..10_000)
            .filter(|_| zeros.sample(rng.next()) == 1)
            .count();
        assert!((4_000..6_000).contains(&ones));
    }

    #[test]
    fn subsampling_follows_word2vec_formula() {
        // T = 1_000_000, sample 1e-3 -> t·T = 1000.
        let counts = [500_000u64, 100_000, 400_000];
        let s = Subsampler::new(&counts, 1e-3, 0);
        for (i, &f) in counts.iter().enumerate() {
            let f = f as f64;
            let want = ((f / 1000.0).sqrt() + 1.0) * 1000.0 / f;
            let mut rng = Lcg(99 + i as u64);
            let n = 400_000;
            let kept = (0..n).filter(|_| s.keep(i as u32, rng.next())).count();
            let got = kept as f64 / n as f64;
            assert!(
                (got - want).abs() < 0.005,
                "word {i}: kept {got}, formula {want}"
            );
        }
        let rare = Subsampler::new(&[1_000_000, 3], 1e-3, 0);
        assert!(rare.enabled());
        let mut rng = Lcg(5);
        assert!((0..1000).all(|_| rare.keep(1, rng.next())));
        assert!(!Subsampler::new(&[1_000_000, 3], 0.0, 0).enabled());
    }
}
