//! The `Tokenizer`: a normaliser and a pre-tokeniser composed from a serde config.

use crate::normalize::Normalizer;
use crate::pretokenize::PreTokenizer;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Normaliser + pre-tokeniser. The default splits on whitespace and changes
/// nothing, as word2vec and fastText do.
///
/// ```
/// use embedpos_tokenize::{Normalizer, PreTokenizer, Tokenizer};
/// let t = Tokenizer {
///     normalizer: Normalizer { lowercase: true, ..Default::default() },
///     pre_tokenizer: PreTokenizer::Words { keep_punctuation: false },
/// };
/// assert_eq!(t.tokenize("Hello, World!"), ["hello", "world"]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tokenizer {
    /// Applied to each line first.
    pub normalizer: Normalizer,
    /// Splits the normalised line.
    pub pre_tokenizer: PreTokenizer,
}

/// Reusable buffers for [`Tokenizer::for_each_token`]: one per thread.
#[derive(Debug, Default)]
pub struct Scratch {
    norm: String,
    spans: Vec<Range<usize>>,
}

impl Tokenizer {
    /// Calls `f` with each token of `line`, allocating nothing once `scratch`
    /// has grown to the longest line.
    #[inline]
    pub fn for_each_token(&self, line: &str, scratch: &mut Scratch, mut f: impl FnMut(&str)) {
        let Scratch { norm, spans } = scratch;
        let text = self.normalizer.normalize(line, norm);
        spans.clear();
        self.pre_tokenizer.pre_tokenize(text, spans);
        for r in spans.iter() {
            f(&text[r.clone()]);
        }
    }

    /// The tokens of `line` as owned strings (convenient, allocates).
    pub fn tokenize(&self, line: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_token(line, &mut Scratch::default(), |t| out.push(t.to_owned()));
        out
    }
}
