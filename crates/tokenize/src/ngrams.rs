//! fastText character n-grams and their bucket ids.
//!
//! fastText (Bojanowski et al. 2017) represents a word by the character
//! n-grams of `<word>` (with boundary markers) for `minn <= n <= maxn`, where
//! n counts Unicode characters (UTF-8 continuation bytes never start an
//! n-gram), hashed into `bucket` rows. The hash is 32-bit FNV-1a with one
//! quirk kept here for compatibility: each byte is sign-extended
//! (`uint32_t(int8_t(c))`) before the xor, which changes the hash of every
//! n-gram containing a non-ASCII byte.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// fastText's string hash: FNV-1a over sign-extended bytes.
///
/// ```
/// use embedpos_tokenize::ngrams::fasttext_hash;
/// assert_eq!(fasttext_hash(b""), 2166136261);
/// assert_eq!(fasttext_hash(b"a"), 0xe40c292c); // FNV-1a of "a"
/// ```
#[inline]
pub fn fasttext_hash(bytes: &[u8]) -> u32 {
    let mut h: u32 = 2_166_136_261;
    for &b in bytes {
        h ^= b as i8 as i32 as u32;
        h = h.wrapping_mul(16_777_619);
    }
    h
}

/// Which n-grams a word gets: fastText's `-minn`, `-maxn`, `-bucket`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NgramConfig {
    /// Shortest n-gram, in characters (fastText default 3).
    pub minn: usize,
    /// Longest n-gram, in characters (fastText default 6); 0 disables n-grams.
    pub maxn: usize,
    /// Number of hash buckets (fastText default 2,000,000).
    pub bucket: u32,
}

impl Default for NgramConfig {
    fn default() -> Self {
        NgramConfig {
            minn: 3,
            maxn: 6,
            bucket: 2_000_000,
        }
    }
}

impl NgramConfig {
    /// Rejects `minn > maxn` (with n-grams on), and n-grams without buckets.
    pub fn validate(&self) -> Result<()> {
        if self.maxn == 0 {
            return Ok(());
        }
        if self.minn == 0 {
            return Err(Error::Config(
                "minn must be at least 1 (set maxn 0 to disable n-grams)".into(),
            ));
        }
        if self.minn > self.maxn {
            return Err(Error::Config(format!(
                "minn {} is larger than maxn {}; use minn <= maxn, or maxn 0 to disable n-grams",
                self.minn, self.maxn
            )));
        }
        if self.bucket == 0 {
            return Err(Error::Config(
                "bucket 0 leaves n-grams nowhere to go; use bucket >= 1 or maxn 0 to disable n-grams".into(),
            ));
        }
        Ok(())
    }

    /// True when words get n-grams at all.
    pub fn enabled(&self) -> bool {
        self.maxn > 0 && self.bucket > 0
    }

    /// Calls `f(ngram, bucket_id)` for each n-gram of `word` in fastText's
    /// order (by start character, then by length). The boundary markers are
    /// added here; `word` is the bare word. A word of one character yields
    /// no n-gram of length 1 at the markers, as in fastText.
    pub fn for_each_ngram(&self, word: &str, mut f: impl FnMut(&str, u32)) {
        if !self.enabled() {
            return;
        }
        let mut buf = String::with_capacity(word.len() + 2);
        buf.push('<');
        buf.push_str(word);
        buf.push('>');
        let w = buf.as_bytes();
        let len = w.len();
        for i in 0..len {
            if (w[i] & 0xC0) == 0x80 {
                continue;
            }
            let mut j = i;
            let mut n = 1;
            while j < len && n <= self.maxn {
                j += 1;
                while j < len && (w[j] & 0xC0) == 0x80 {
                    j += 1;
                }
                if n >= self.minn && !(n == 1 && (i == 0 || j == len)) {
                    let g = &buf[i..j];
                    f(g, fasttext_hash(g.as_bytes()) % self.bucket);
                }
                n += 1;
            }
        }
    }

    /// The bucket ids of `word`'s n-grams, appended to `out`.
    pub fn bucket_ids(&self, word: &str, out: &mut Vec<u32>) {
        self.for_each_ngram(word, |_, id| out.push(id));
    }

    /// The n-grams of `word` as strings (for display and tests).
    pub fn ngrams(&self, word: &str) -> Vec<String> {
        let mut v = Vec::new();
        self.for_each_ngram(word, |g, _| v.push(g.to_string()));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ngrams_of_words() {
        let none: &[&str] = &[];
        for ((minn, maxn, bucket), word, want) in [
            ((3, 4, 100), "ab", &["<ab", "<ab>", "ab>"][..]),
            // No single-character n-gram at the markers.
            ((1, 2, 10), "a", &["<a", "a", "a>"]),
            // Characters, not bytes.
            ((3, 3, 1000), "été", &["<ét", "été", "té>"]),
            // maxn 0: no n-grams.
            ((3, 0, 0), "word", none),
        ] {
            let c = NgramConfig { minn, maxn, bucket };
            assert_eq!(c.ngrams(word), want, "{c:?}");
        }
    }

    #[test]
    fn sign_extension_matters_for_non_ascii() {
        // Plain FNV-1a of 0xC3 would differ from fastText's.
        let plain = (2_166_136_261u32 ^ 0xC3).wrapping_mul(16_777_619);
        assert_ne!(fasttext_hash(&[0xC3]), plain);
    }

    #[test]
    fn validation() {
        for ((minn, maxn, bucket), valid) in
            [((5, 3, 10), false), ((3, 6, 0), false), ((0, 0, 0), true)]
        {
            let c = NgramConfig { minn, maxn, bucket };
            assert_eq!(c.validate().is_ok(), valid, "{c:?}");
        }
    }
}
