//! Special tokens and their reserved ids, and the layer's vocabulary: the
//! specials first, then the tokens of the static vectors (or of a given
//! vocabulary) in their order.

use embedpos_tokenize::Vocab;

use crate::error::Result;

/// Id of `[PAD]`: fills the tail (or head) of shorter sequences. Its row is
/// all zeros and never trained, like `padding_idx` in PyTorch's `Embedding`.
pub const PAD: u32 = 0;
/// Id of `[UNK]`: every token the vocabulary does not hold.
pub const UNK: u32 = 1;
/// Id of `[BOS]`: prepended to each sequence when the batch config says so.
pub const BOS: u32 = 2;
/// Id of `[EOS]`: appended to each sequence when the batch config says so.
pub const EOS: u32 = 3;

/// The special tokens, in id order (`SPECIAL_TOKENS[PAD as usize] == "[PAD]"`).
pub const SPECIAL_TOKENS: [&str; 4] = ["[PAD]", "[UNK]", "[BOS]", "[EOS]"];

/// Number of reserved ids.
pub const NUM_SPECIAL: usize = SPECIAL_TOKENS.len();

/// True for the four reserved ids.
pub fn is_special(id: u32) -> bool {
    (id as usize) < NUM_SPECIAL
}

/// The layer's vocabulary: `[PAD] [UNK] [BOS] [EOS]` at ids 0..4, then
/// `tokens` in their order with ids from 4. A token spelled like a special
/// token (a vector file that already has `[UNK]`) is not repeated: it keeps
/// the special's id. The counts are 0 for the specials.
pub fn vocab_with_specials<'a>(tokens: impl IntoIterator<Item = (&'a str, u64)>) -> Result<Vocab> {
    let mut names: Vec<String> = SPECIAL_TOKENS.iter().map(|s| s.to_string()).collect();
    let mut counts = vec![0u64; NUM_SPECIAL];
    for (t, c) in tokens {
        if let Some(i) = SPECIAL_TOKENS.iter().position(|s| *s == t) {
            counts[i] = c;
            continue;
        }
        names.push(t.to_string());
        counts.push(c);
    }
    Ok(Vocab::from_ordered(names, counts)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specials_come_first_and_are_not_repeated() {
        let v = vocab_with_specials([("the", 5), ("[UNK]", 2), ("cat", 1)]).unwrap();
        assert_eq!(
            v.tokens(),
            ["[PAD]", "[UNK]", "[BOS]", "[EOS]", "the", "cat"]
        );
        assert_eq!(v.id("[UNK]"), Some(UNK));
        assert_eq!(v.count(UNK), 2);
        assert_eq!(v.id("cat"), Some(5));
        assert!(is_special(EOS) && !is_special(4));
    }

    #[test]
    fn duplicate_tokens_are_an_error() {
        assert!(vocab_with_specials([("a", 1), ("a", 1)]).is_err());
    }
}
