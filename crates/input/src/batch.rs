//! Padded batches: token ids, the attention mask and the position ids of a
//! batch of texts or id sequences, padded to the longest one.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use embedpos_tokenize::{Scratch, Tokenizer, Vocab};

use crate::error::{Error, Result};
use crate::special::{BOS, EOS, PAD, UNK};

/// Which end of a short sequence receives the padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PadSide {
    /// Tokens first, then `[PAD]`s (BERT, most encoders).
    #[default]
    Right,
    /// `[PAD]`s first, then tokens, so every sequence ends at the last column
    /// (what decoders want when generating a batch).
    Left,
}

/// What to do with a sequence longer than `max_len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Overflow {
    /// Refuse the batch with [`Error::TooLong`].
    #[default]
    Error,
    /// Keep the first tokens (and the `[BOS]`/`[EOS]` asked for); the number
    /// of tokens dropped is reported in [`Batch::truncated`].
    Truncate,
}

/// How sequences become a batch; `Default`: at most 512 tokens, an error past
/// that, right padding, no `[BOS]`/`[EOS]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BatchConfig {
    /// Longest sequence, special tokens included.
    pub max_len: usize,
    /// What to do with longer ones.
    pub overflow: Overflow,
    /// Where the padding goes.
    pub padding: PadSide,
    /// Prepend `[BOS]` to every sequence.
    pub add_bos: bool,
    /// Append `[EOS]` to every sequence.
    pub add_eos: bool,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            max_len: 512,
            overflow: Overflow::Error,
            padding: PadSide::Right,
            add_bos: false,
            add_eos: false,
        }
    }
}

impl BatchConfig {
    /// Number of special tokens added to each sequence.
    pub fn specials(&self) -> usize {
        self.add_bos as usize + self.add_eos as usize
    }

    /// Says what is wrong, if anything: `max_len` must leave room for one
    /// token besides the `[BOS]`/`[EOS]` asked for.
    pub fn validate(&self) -> Result<()> {
        if self.max_len <= self.specials() {
            return Err(Error::config(
                "max_len",
                self.max_len,
                format!(
                    "it must be more than the {} special token(s) added to each sequence",
                    self.specials()
                ),
            ));
        }
        Ok(())
    }
}

/// A padded batch: `[batch, seq]` ids, mask and positions, `seq` being the
/// longest sequence (special tokens included).
///
/// * `mask[b, s]` is true at real tokens and false at padding;
/// * `positions[b, s]` is `offset + k` for the `k`-th real token of sequence
///   `b` (so left padding does not shift positions, and a continuation of a
///   sequence can start where the previous chunk stopped), and 0 at padding.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    ids: Array2<u32>,
    mask: Array2<bool>,
    positions: Array2<usize>,
    lengths: Vec<usize>,
    truncated: Vec<usize>,
    unknown: usize,
}

impl Batch {
    /// Pads id sequences. Every id must be below `vocab_size` (the size of the
    /// layer's vocabulary, specials included); position ids start at `offset`.
    pub fn from_ids<S: AsRef<[u32]>>(
        seqs: &[S],
        vocab_size: usize,
        config: &BatchConfig,
        offset: usize,
    ) -> Result<Batch> {
        for (b, s) in seqs.iter().enumerate() {
            if let Some((p, &id)) = s
                .as_ref()
                .iter()
                .enumerate()
                .find(|(_, &id)| id as usize >= vocab_size)
            {
                return Err(Error::IdOutOfRange {
                    id,
                    sequence: b,
                    position: p,
                    vocab: vocab_size,
                });
            }
        }
        Self::build(
            seqs.iter().map(|s| s.as_ref()),
            seqs.len(),
            config,
            offset,
            0,
            |_| String::new(),
        )
    }

    /// Tokenizes `texts` and pads them. Tokens missing from `vocab` (the
    /// layer's vocabulary, specials included) become `[UNK]`; their number is
    /// in [`Batch::unknown`].
    pub fn from_texts<S: AsRef<str>>(
        texts: &[S],
        tokenizer: &Tokenizer,
        vocab: &Vocab,
        config: &BatchConfig,
        offset: usize,
    ) -> Result<Batch> {
        let mut scratch = Scratch::default();
        let mut unknown = 0;
        let seqs: Vec<Vec<u32>> = texts
            .iter()
            .map(|t| {
                let mut ids = Vec::new();
                tokenizer.for_each_token(t.as_ref(), &mut scratch, |tok| {
                    let id = vocab.id(tok).unwrap_or(UNK);
                    unknown += (id == UNK) as usize;
                    ids.push(id);
                });
                ids
            })
            .collect();
        Self::build(
            seqs.iter().map(Vec::as_slice),
            seqs.len(),
            config,
            offset,
            unknown,
            |i| {
                let t: &str = texts[i].as_ref();
                let shown: String = t.chars().take(40).collect();
                format!(" after tokenization (the text was {shown:?})")
            },
        )
    }

    fn build<'a>(
        seqs: impl Iterator<Item = &'a [u32]> + Clone,
        n: usize,
        config: &BatchConfig,
        offset: usize,
        unknown: usize,
        describe: impl Fn(usize) -> String,
    ) -> Result<Batch> {
        config.validate()?;
        if n == 0 {
            return Err(Error::EmptyBatch);
        }
        let content_max = config.max_len - config.specials();
        let mut lengths = Vec::with_capacity(n);
        let mut truncated = Vec::with_capacity(n);
        for (b, s) in seqs.clone().enumerate() {
            if s.is_empty() {
                return Err(Error::EmptySequence {
                    index: b,
                    detail: describe(b),
                });
            }
            let kept = s.len().min(content_max);
            if kept < s.len() && config.overflow == Overflow::Error {
                return Err(Error::TooLong {
                    index: b,
                    len: s.len() + config.specials(),
                    max_len: config.max_len,
                });
            }
            lengths.push(kept + config.specials());
            truncated.push(s.len() - kept);
        }
        let seq = lengths.iter().copied().max().unwrap_or(0);
        offset.checked_add(seq).ok_or_else(|| {
            Error::config(
                "offset",
                offset,
                "offset + sequence length overflows; use a smaller offset",
            )
        })?;
        let mut ids = Array2::from_elem((n, seq), PAD);
        let mut mask = Array2::from_elem((n, seq), false);
        let mut positions = Array2::zeros((n, seq));
        for (b, s) in seqs.enumerate() {
            let len = lengths[b];
            let start = match config.padding {
                PadSide::Right => 0,
                PadSide::Left => seq - len,
            };
            let kept = &s[..len - config.specials()];
            let tokens = config
                .add_bos
                .then_some(BOS)
                .into_iter()
                .chain(kept.iter().copied())
                .chain(config.add_eos.then_some(EOS));
            for (k, id) in tokens.enumerate() {
                ids[[b, start + k]] = id;
                mask[[b, start + k]] = true;
                positions[[b, start + k]] = offset + k;
            }
        }
        Ok(Batch {
            ids,
            mask,
            positions,
            lengths,
            truncated,
            unknown,
        })
    }

    /// Number of sequences.
    pub fn batch_size(&self) -> usize {
        self.ids.nrows()
    }

    /// Padded length.
    pub fn seq_len(&self) -> usize {
        self.ids.ncols()
    }

    /// `[batch, seq]` token ids (`[PAD]` at padding).
    pub fn ids(&self) -> &Array2<u32> {
        &self.ids
    }

    /// `[batch, seq]`: true at real tokens.
    pub fn mask(&self) -> &Array2<bool> {
        &self.mask
    }

    /// `[batch, seq]` position ids (0 at padding).
    pub fn positions(&self) -> &Array2<usize> {
        &self.positions
    }

    /// Real length of each sequence, special tokens included.
    pub fn lengths(&self) -> &[usize] {
        &self.lengths
    }

    /// Tokens dropped from each sequence by truncation.
    pub fn truncated(&self) -> &[usize] {
        &self.truncated
    }

    /// Tokens of the texts that became `[UNK]` (0 for id batches).
    pub fn unknown(&self) -> usize {
        self.unknown
    }

    /// Number of real (unpadded) tokens.
    pub fn real_tokens(&self) -> usize {
        self.lengths.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::special::vocab_with_specials;

    #[test]
    fn right_and_left_padding_with_specials_and_offset() {
        let seqs = [vec![7u32, 8, 9], vec![5]];
        let cfg = BatchConfig {
            add_bos: true,
            add_eos: true,
            ..Default::default()
        };
        let b = Batch::from_ids(&seqs, 10, &cfg, 0).unwrap();
        assert_eq!(b.ids().row(0).to_vec(), [BOS, 7, 8, 9, EOS]);
        assert_eq!(b.ids().row(1).to_vec(), [BOS, 5, EOS, PAD, PAD]);
        assert_eq!(b.mask().row(1).to_vec(), [true, true, true, false, false]);
        assert_eq!(b.positions().row(1).to_vec(), [0, 1, 2, 0, 0]);
        let left = BatchConfig {
            padding: PadSide::Left,
            ..cfg
        };
        let b = Batch::from_ids(&seqs, 10, &left, 4).unwrap();
        assert_eq!(b.ids().row(1).to_vec(), [PAD, PAD, BOS, 5, EOS]);
        assert_eq!(b.positions().row(1).to_vec(), [0, 0, 4, 5, 6]);
        assert_eq!(b.positions().row(0).to_vec(), [4, 5, 6, 7, 8]);
        assert_eq!(b.lengths(), [5, 3]);
    }

    #[test]
    fn overflow_errors_or_truncates_keeping_the_specials() {
        let seqs = [vec![4u32, 5, 6, 7]];
        let cfg = BatchConfig {
            max_len: 3,
            add_eos: true,
            ..Default::default()
        };
        let e = Batch::from_ids(&seqs, 10, &cfg, 0).unwrap_err();
        assert!(
            matches!(
                e,
                Error::TooLong {
                    len: 5,
                    max_len: 3,
                    ..
                }
            ),
            "{e}"
        );
        let cut = BatchConfig {
            overflow: Overflow::Truncate,
            ..cfg
        };
        let b = Batch::from_ids(&seqs, 10, &cut, 0).unwrap();
        assert_eq!(b.ids().row(0).to_vec(), [4, 5, EOS]);
        assert_eq!(b.truncated(), [2]);
    }

    #[test]
    fn texts_map_unknown_tokens_to_unk() {
        let vocab = vocab_with_specials([("the", 1), ("cat", 1)]).unwrap();
        let b = Batch::from_texts(
            &["the cat sat", "cat"],
            &Tokenizer::default(),
            &vocab,
            &BatchConfig::default(),
            0,
        )
        .unwrap();
        assert_eq!(b.ids().row(0).to_vec(), [4, 5, UNK]);
        assert_eq!(b.unknown(), 1);
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        let cfg = BatchConfig::default();
        let none: [Vec<u32>; 0] = [];
        assert!(matches!(
            Batch::from_ids(&none, 10, &cfg, 0),
            Err(Error::EmptyBatch)
        ));
        let e = Batch::from_ids(&[vec![1u32], vec![]], 10, &cfg, 0).unwrap_err();
        assert!(matches!(e, Error::EmptySequence { index: 1, .. }));
        let e = Batch::from_ids(&[vec![1u32, 10]], 10, &cfg, 0).unwrap_err();
        assert!(
            matches!(
                e,
                Error::IdOutOfRange {
                    id: 10,
                    sequence: 0,
                    position: 1,
                    ..
                }
            ),
            "{e}"
        );
        let vocab = vocab_with_specials([("a", 1)]).unwrap();
        let e =
            Batch::from_texts(&["a", "  "], &Tokenizer::default(), &vocab, &cfg, 0).unwrap_err();
        assert!(e.to_string().contains("sequence 1"), "{e}");
        let tiny = BatchConfig {
            max_len: 2,
            add_bos: true,
            add_eos: true,
            ..cfg
        };
        assert!(Batch::from_ids(&[vec![4u32]], 10, &tiny, 0).is_err());
        assert!(Batch::from_ids(&[vec![4u32]], 10, &cfg, usize::MAX).is_err());
    }
}
