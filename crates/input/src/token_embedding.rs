//! [`TokenEmbedding`]: one row per token of the layer's vocabulary, taken
//! from static vectors where they have the token.

use embedpos_tokenize::Vocab;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::init::{fill_normal, rng};
use crate::real::Real;
use crate::special::{vocab_with_specials, EOS, NUM_SPECIAL, PAD, SPECIAL_TOKENS, UNK};

/// Standard deviation of rows drawn without vectors to calibrate against (the
/// BERT `initializer_range`).
pub const DEFAULT_INIT_STD: f64 = 0.02;

/// Salt of the generator that draws the rows the vectors lack.
const SALT_MISSING: u64 = 0x746f_6b65_6e73;

/// Where the vector of one token comes from, as a lookup closure reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum VectorLookup<'a> {
    /// The vectors have the token.
    Found(&'a [f32]),
    /// The vectors lack the token but built one from its subwords (fastText).
    Subword(Vec<f32>),
    /// No vector: the row is drawn (see [`TokenEmbedding::from_lookup`]).
    Missing,
}

/// How the rows of a [`TokenEmbedding`] were initialised.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InitReport {
    /// Vocabulary tokens besides the four specials.
    pub tokens: usize,
    /// Rows copied from the vectors.
    pub from_vectors: usize,
    /// Rows built from subwords.
    pub from_subwords: usize,
    /// Rows drawn at random because the vectors lack the token.
    pub missing: usize,
    /// Up to eight of those tokens, for the message.
    pub missing_examples: Vec<String>,
    /// The standard deviation they were drawn with.
    pub init_std: f64,
}

/// The token embedding table `[vocab, dim]` of an input layer.
///
/// Ids follow [`crate::special`]: `[PAD] [UNK] [BOS] [EOS]` at 0..4, then the
/// vocabulary. Rows:
///
/// * a token the vectors have: its vector;
/// * a token they lack but can build from subwords (fastText): that vector;
/// * a token they lack: drawn from N(0, σ²), σ the standard deviation of all
///   values of the vectors found (so new rows have the scale of the others;
///   0.02 when no vector was found), from a generator seeded by `seed`;
/// * `[PAD]`: zeros, and never trained (PyTorch's `padding_idx`);
/// * `[UNK]`: the mean of the vectors found (what an unknown word "averages
///   to"), or drawn as above when none was found — unless the vectors have
///   `[UNK]` itself;
/// * `[BOS]`, `[EOS]`: drawn as above unless the vectors have them (`[EOS]`
///   also takes word2vec's `</s>`, its end-of-line token).
///
/// A frozen table receives no gradient, so no optimiser can change it.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenEmbedding<T: Real = f32> {
    vocab: Vocab,
    dim: usize,
    table: Vec<T>,
    frozen: bool,
    report: InitReport,
}

impl<T: Real> TokenEmbedding<T> {
    /// Builds the table for `vocab` (the model's tokens; specials are added in
    /// front, and tokens spelled like a special use its id) with `dim`-wide
    /// rows, asking `lookup` for each token's vector. A vector of the wrong
    /// width or with a non-finite value is an error naming the token.
    pub fn from_lookup<'a>(
        vocab: &Vocab,
        dim: usize,
        mut lookup: impl FnMut(&str) -> VectorLookup<'a>,
        seed: u64,
    ) -> Result<Self> {
        check_dim(dim)?;
        let vocab = vocab_with_specials(vocab.iter().map(|(_, t, c)| (t, c)))?;
        let n = vocab.len();
        let mut table = vec![T::zero(); n * dim];
        let mut have = vec![false; n];
        let mut report = InitReport {
            tokens: n - NUM_SPECIAL,
            ..Default::default()
        };
        // moments of the vectors found, in f64
        let (mut count, mut sum, mut sum_sq) = (0usize, vec![0.0f64; dim], 0.0f64);
        for (id, token) in vocab.tokens().iter().enumerate() {
            if id as u32 == PAD {
                continue;
            }
            let mut found = lookup(token);
            if id as u32 == EOS && found == VectorLookup::Missing {
                found = lookup("</s>");
            }
            let v: &[f32] = match &found {
                VectorLookup::Found(v) => v,
                VectorLookup::Subword(v) => v,
                VectorLookup::Missing => continue,
            };
            check_vector(token, v, dim)?;
            for ((o, &x), s) in table[id * dim..(id + 1) * dim]
                .iter_mut()
                .zip(v)
                .zip(&mut sum)
            {
                *o = T::from_f32(x);
                *s += x as f64;
                sum_sq += (x as f64) * (x as f64);
            }
            count += 1;
            have[id] = true;
            if id >= NUM_SPECIAL {
                match found {
                    VectorLookup::Found(_) => report.from_vectors += 1,
                    _ => report.from_subwords += 1,
                }
            }
        }
        let std = if count > 0 {
            let values = (count * dim) as f64;
            let mean = sum.iter().sum::<f64>() / values;
            (sum_sq / values - mean * mean).max(0.0).sqrt()
        } else {
            DEFAULT_INIT_STD
        };
        report.init_std = std;
        if count > 0 && !have[UNK as usize] {
            let row = &mut table[UNK as usize * dim..(UNK as usize + 1) * dim];
            for (o, s) in row.iter_mut().zip(&sum) {
                *o = T::from_f64(s / count as f64);
            }
            have[UNK as usize] = true;
        }
        let mut g = rng(seed, SALT_MISSING);
        for id in 0..n {
            if have[id] || id as u32 == PAD {
                continue;
            }
            fill_normal(&mut table[id * dim..(id + 1) * dim], std, &mut g);
            if id >= NUM_SPECIAL {
                report.missing += 1;
                if report.missing_examples.len() < 8 {
                    report.missing_examples.push(vocab.tokens()[id].clone());
                }
            }
        }
        Ok(TokenEmbedding {
            vocab,
            dim,
            table,
            frozen: false,
            report,
        })
    }

    /// A table for users without vectors: every row but `[PAD]`'s drawn from
    /// N(0, std²) (BERT draws its embeddings with std 0.02) with `seed`.
    pub fn random(vocab: &Vocab, dim: usize, std: f64, seed: u64) -> Result<Self> {
        if !(std.is_finite() && std >= 0.0) {
            return Err(Error::config(
                "std",
                std,
                "it must be a finite number >= 0 (BERT uses 0.02)",
            ));
        }
        let mut e = Self::from_lookup(vocab, dim, |_| VectorLookup::Missing, seed)?;
        let mut g = rng(seed, SALT_MISSING);
        fill_normal(&mut e.table[dim..], std, &mut g);
        e.report.init_std = std;
        Ok(e)
    }

    /// Wraps a trained table: `vocab` must already hold the specials at ids
    /// 0..4 and `table` be `[vocab.len(), dim]`.
    pub fn from_table(vocab: Vocab, dim: usize, table: Vec<T>) -> Result<Self> {
        check_dim(dim)?;
        for (id, s) in SPECIAL_TOKENS.iter().enumerate() {
            if vocab.get_token(id as u32) != Some(*s) {
                return Err(Error::config(
                    "vocab",
                    format!("{:?} at id {id}", vocab.get_token(id as u32).unwrap_or("nothing")),
                    format!("ids 0..4 must hold {SPECIAL_TOKENS:?}; build the vocabulary with vocab_with_specials"),
                ));
            }
        }
        if table.len() != vocab.len() * dim {
            return Err(Error::shape(
                "token embedding table",
                &[vocab.len(), dim],
                &[table.len() / dim, table.len() % dim],
                "pass one row of dim values per vocabulary token",
            ));
        }
        let tokens = vocab.len() - NUM_SPECIAL;
        Ok(TokenEmbedding {
            vocab,
            dim,
            table,
            frozen: false,
            report: InitReport {
                tokens,
                from_vectors: tokens,
                ..Default::default()
            },
        })
    }

    /// The layer's vocabulary, specials first.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// Number of rows (vocabulary size, specials included).
    pub fn len(&self) -> usize {
        self.vocab.len()
    }

    /// Never true: the specials are always there.
    pub fn is_empty(&self) -> bool {
        self.vocab.is_empty()
    }

    /// Width of each row.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The table, `[len(), dim()]`.
    pub fn table(&self) -> &[T] {
        &self.table
    }

    /// The table, for an optimiser or a loader.
    pub fn table_mut(&mut self) -> &mut [T] {
        &mut self.table
    }

    /// The row of `id`, or `None` outside the vocabulary.
    pub fn row(&self, id: u32) -> Option<&[T]> {
        let i = id as usize;
        self.table.get(i * self.dim..(i + 1) * self.dim)
    }

    /// The row of a token (`[UNK]`'s when the vocabulary lacks it).
    pub fn token_row(&self, token: &str) -> &[T] {
        let id = self.vocab.id(token).unwrap_or(UNK) as usize;
        &self.table[id * self.dim..(id + 1) * self.dim]
    }

    /// Whether training leaves the table alone.
    pub fn frozen(&self) -> bool {
        self.frozen
    }

    /// Freezes (no gradient, no update) or unfreezes the table.
    pub fn set_frozen(&mut self, frozen: bool) {
        self.frozen = frozen;
    }

    /// How the rows were initialised.
    pub fn report(&self) -> &InitReport {
        &self.report
    }

    /// Checks that every id is in the vocabulary; `ids` is `[batch, seq]`
    /// flattened with rows of `seq`.
    pub(crate) fn check_ids(&self, ids: &[u32], seq: usize) -> Result<()> {
        if let Some(i) = ids.iter().position(|&id| id as usize >= self.len()) {
            return Err(Error::IdOutOfRange {
                id: ids[i],
                sequence: i / seq.max(1),
                position: i % seq.max(1),
                vocab: self.len(),
            });
        }
        Ok(())
    }
}

fn check_dim(dim: usize) -> Result<()> {
    if dim == 0 {
        return Err(Error::config(
            "dim",
            dim,
            "token vectors need at least one dimension",
        ));
    }
    Ok(())
}

fn check_vector(token: &str, v: &[f32], dim: usize) -> Result<()> {
    if v.len() != dim {
        return Err(Error::shape(
            format!("vector of {token:?}"),
            &[dim],
            &[v.len()],
            "every vector must have the same width; check the vector file",
        ));
    }
    if let Some(x) = v.iter().find(|x| !x.is_finite()) {
        return Err(Error::NotFinite {
            what: format!("a value of the vector of {token:?}"),
            value: *x as f64,
            hint: "the vector file is damaged or was written by a diverged training run".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::special::BOS;

    fn vocab(tokens: &[&str]) -> Vocab {
        Vocab::from_ordered(
            tokens.iter().map(|s| s.to_string()).collect(),
            vec![1; tokens.len()],
        )
        .unwrap()
    }

    #[test]
    fn rows_come_from_vectors_subwords_or_documented_init() {
        let v = vocab(&["a", "b", "c", "</s>"]);
        let (va, vb, eos) = ([1.0f32, 2.0], [3.0f32, 4.0], [9.0f32, 9.0]);
        let e = TokenEmbedding::<f32>::from_lookup(
            &v,
            2,
            |t| match t {
                "a" => VectorLookup::Found(&va),
                "b" => VectorLookup::Found(&vb),
                "c" => VectorLookup::Subword(vec![5.0, 6.0]),
                "</s>" => VectorLookup::Found(&eos),
                _ => VectorLookup::Missing,
            },
            7,
        )
        .unwrap();
        assert_eq!(e.len(), 8);
        assert_eq!(e.row(PAD), Some(&[0.0, 0.0][..]));
        assert_eq!(e.token_row("a"), [1.0, 2.0]);
        assert_eq!(e.token_row("c"), [5.0, 6.0]);
        assert_eq!(e.row(EOS), Some(&[9.0, 9.0][..]));
        // [UNK] = mean of the five rows found ("</s>" serves [EOS] and itself)
        let unk = e.row(UNK).unwrap();
        assert!(
            (unk[0] - 5.4).abs() < 1e-6 && (unk[1] - 6.0).abs() < 1e-6,
            "{unk:?}"
        );
        assert_eq!(e.report().from_vectors, 3);
        assert_eq!(e.report().from_subwords, 1);
        assert_eq!(e.report().missing, 0);
        assert!(e.row(BOS).unwrap().iter().all(|x| *x != 0.0));
    }

    #[test]
    fn missing_tokens_are_counted_and_drawn_at_the_vectors_scale() {
        let tokens: Vec<String> = (0..400).map(|i| format!("w{i}")).collect();
        let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
        let v = vocab(&refs);
        let big: Vec<f32> = (0..64)
            .map(|i| if i % 2 == 0 { 3.0 } else { -3.0 })
            .collect();
        let e = TokenEmbedding::<f64>::from_lookup(
            &v,
            64,
            |t| {
                if t.len() == 2 {
                    VectorLookup::Found(&big)
                } else {
                    VectorLookup::Missing
                }
            },
            1,
        )
        .unwrap();
        assert_eq!(e.report().from_vectors, 10);
        assert_eq!(e.report().missing, 390);
        assert_eq!(e.report().missing_examples.len(), 8);
        assert!((e.report().init_std - 3.0).abs() < 1e-9);
        let drawn = e.token_row("w399");
        let sd = (drawn.iter().map(|x| x * x).sum::<f64>() / 64.0).sqrt();
        assert!(sd > 1.5 && sd < 4.5, "{sd}");
        let again =
            TokenEmbedding::<f64>::from_lookup(&v, 64, |_| VectorLookup::Missing, 1).unwrap();
        assert_eq!(
            again.token_row("w5"),
            TokenEmbedding::<f64>::random(&v, 64, 0.02, 1)
                .unwrap()
                .token_row("w5")
        );
    }

    #[test]
    fn bad_vectors_are_errors_naming_the_token() {
        let v = vocab(&["a"]);
        static SHORT: [f32; 1] = [1.0];
        static NAN: [f32; 2] = [1.0, f32::NAN];
        let only_a = |t: &str, v: &'static [f32]| {
            if t == "a" {
                VectorLookup::Found(v)
            } else {
                VectorLookup::Missing
            }
        };
        let e = TokenEmbedding::<f32>::from_lookup(&v, 2, |t| only_a(t, &SHORT), 0).unwrap_err();
        assert!(e.to_string().contains("\"a\""), "{e}");
        assert!(TokenEmbedding::<f32>::from_lookup(&v, 2, |t| only_a(t, &NAN), 0).is_err());
        assert!(TokenEmbedding::<f32>::from_lookup(&v, 0, |_| VectorLookup::Missing, 0).is_err());
        assert!(TokenEmbedding::<f32>::random(&v, 2, f64::NAN, 0).is_err());
        assert!(TokenEmbedding::<f32>::from_table(v.clone(), 2, vec![0.0; 2]).is_err());
    }
}
