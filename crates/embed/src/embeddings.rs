//! [`Embeddings`]: a vocabulary and one vector per word, the crate's product.

use crate::error::{Error, Result};
use crate::io::mapped::MappedMatrix;
use crate::subwords::Subwords;
use embedpos_tokenize::Vocab;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

/// Word vectors: a [`Vocab`] and a row-major `len() × dim()` matrix of `f32`,
/// row `i` being the vector of the word with id `i`.
///
/// Every value is finite (checked on construction and on load). The
/// unit-length copy that similarity queries use is computed once, on first
/// use, and dropped whenever the matrix is changed through
/// [`matrix_mut`](Self::matrix_mut).
///
/// Embeddings may carry fastText [`Subwords`] (from a fastText `.bin`, an
/// `.epv` saved with them, or the fastText trainer): the matrix then holds
/// the composed vectors of the in-vocabulary words, and
/// [`word_vector`](Self::word_vector) and the queries answer for unseen
/// words too. Only the native format saves the subword rows.
///
/// Fields are private so that later additions (training state) do not break
/// users.
///
/// ```
/// use embedpos_embed::Embeddings;
/// use embedpos_tokenize::Vocab;
/// let vocab = Vocab::from_ordered(vec!["a".into(), "b".into()], vec![2, 1]).unwrap();
/// let emb = Embeddings::new(vocab, 2, vec![1.0, 0.0, 0.0, 1.0]).unwrap();
/// assert_eq!(emb.vector("b"), Some(&[0.0, 1.0][..]));
/// assert_eq!(emb.vector("c"), None);
/// ```
#[derive(Debug, Clone)]
pub struct Embeddings {
    vocab: Vocab,
    dim: usize,
    storage: Storage,
    normalized: OnceLock<Vec<f32>>,
    /// fastText n-gram rows for words outside the vocabulary.
    subwords: Option<Arc<Subwords>>,
}

/// Where the matrix lives: owned memory, or a read-only memory map of a
/// native file.
#[derive(Debug, Clone)]
enum Storage {
    Owned(Vec<f32>),
    Mapped(Arc<MappedMatrix>),
}

impl Embeddings {
    /// Builds embeddings from a vocabulary and a row-major matrix of
    /// `vocab.len() * dim` values.
    ///
    /// Errors when `dim` is 0, when the matrix length is not
    /// `vocab.len() * dim`, or when a value is NaN or infinite.
    pub fn new(vocab: Vocab, dim: usize, matrix: Vec<f32>) -> Result<Self> {
        check_shape(&vocab, dim, matrix.len())?;
        check_finite(&vocab, dim, &matrix)?;
        Ok(Self::from_checked(vocab, dim, matrix))
    }

    /// Builds embeddings whose shape and values the caller has checked.
    pub(crate) fn from_checked(vocab: Vocab, dim: usize, matrix: Vec<f32>) -> Self {
        Embeddings {
            vocab,
            dim,
            storage: Storage::Owned(matrix),
            normalized: OnceLock::new(),
            subwords: None,
        }
    }

    /// Builds embeddings over a mapped matrix whose shape and values the
    /// caller has checked.
    pub(crate) fn from_mapped(vocab: Vocab, dim: usize, map: MappedMatrix) -> Self {
        Embeddings {
            vocab,
            dim,
            storage: Storage::Mapped(Arc::new(map)),
            normalized: OnceLock::new(),
            subwords: None,
        }
    }

    /// Attaches fastText subword rows, so that [`word_vector`](Self::word_vector)
    /// answers for any string. The matrix keeps the composed vectors of the
    /// in-vocabulary words. Errors when the dimensions differ.
    pub fn with_subwords(mut self, subwords: Subwords) -> Result<Self> {
        if subwords.dim() != self.dim {
            return Err(Error::InvalidArgument(format!(
                "subword rows have dimension {} but the word vectors {}",
                subwords.dim(),
                self.dim
            )));
        }
        self.subwords = Some(Arc::new(subwords));
        Ok(self)
    }

    /// The subword rows, when the vectors come from a fastText-style model.
    pub fn subwords(&self) -> Option<&Subwords> {
        self.subwords.as_deref()
    }

    /// Drops the subword rows (keeping the in-vocabulary vectors).
    pub fn without_subwords(mut self) -> Self {
        self.subwords = None;
        self
    }

    /// The vector of any string: the stored row of an in-vocabulary word;
    /// for other words, the mean of their n-gram rows when the embeddings
    /// carry [`Subwords`] (as fastText's `print-word-vectors`). Errors with
    /// [`Error::NotInVocab`] for an unknown word when there are no subwords,
    /// or when the word has no n-gram at all.
    pub fn word_vector(&self, word: &str) -> Result<Cow<'_, [f32]>> {
        if let Some(v) = self.vector(word) {
            return Ok(Cow::Borrowed(v));
        }
        if let Some(sub) = &self.subwords {
            let mut out = vec![0.0; self.dim];
            if sub.compose(word, None, &mut out) {
                return Ok(Cow::Owned(out));
            }
        }
        Err(self.not_in_vocab(word))
    }

    /// The vocabulary: ids, words and counts (synthetic for formats that
    /// store no counts, see [`Format`](crate::Format)).
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// The vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.vocab.len()
    }

    /// True when there are no words.
    pub fn is_empty(&self) -> bool {
        self.vocab.is_empty()
    }

    /// The whole matrix, row-major: `len() * dim()` values.
    pub fn matrix(&self) -> &[f32] {
        match &self.storage {
            Storage::Owned(m) => m,
            Storage::Mapped(m) => m.as_slice(),
        }
    }

    /// The matrix for writing (training, fine-tuning). A memory-mapped matrix
    /// is copied into memory first. The cached unit-length copy is dropped.
    ///
    /// The caller must keep every value finite.
    pub fn matrix_mut(&mut self) -> &mut [f32] {
        self.normalized = OnceLock::new();
        if let Storage::Mapped(m) = &self.storage {
            self.storage = Storage::Owned(m.as_slice().to_vec());
        }
        match &mut self.storage {
            Storage::Owned(m) => m,
            // Replaced just above.
            Storage::Mapped(_) => &mut [],
        }
    }

    /// True when the matrix is a memory map of a native file rather than
    /// owned memory (see [`Embeddings::load_mmap`]).
    pub fn is_mapped(&self) -> bool {
        matches!(self.storage, Storage::Mapped(_))
    }

    /// Splits into the vocabulary, dimension and matrix (copied out of a
    /// memory map if need be). The subword rows, if any, are dropped: take
    /// them first with [`subwords`](Self::subwords).
    pub fn into_parts(self) -> (Vocab, usize, Vec<f32>) {
        let matrix = match self.storage {
            Storage::Owned(m) => m,
            Storage::Mapped(m) => m.as_slice().to_vec(),
        };
        (self.vocab, self.dim, matrix)
    }

    /// The vector of the word with id `id`, or `None` when out of range.
    pub fn row(&self, id: u32) -> Option<&[f32]> {
        let start = (id as usize).checked_mul(self.dim)?;
        self.matrix().get(start..start + self.dim)
    }

    /// The vector of `word`, or `None` when it is not in the vocabulary.
    pub fn vector(&self, word: &str) -> Option<&[f32]> {
        self.vocab.id(word).and_then(|id| self.row(id))
    }

    /// The id of `word`, or [`Error::NotInVocab`] naming it (and a casing of
    /// it that is in the vocabulary, if any).
    pub fn id(&self, word: &str) -> Result<u32> {
        self.vocab.id(word).ok_or_else(|| self.not_in_vocab(word))
    }

    /// The vector of `word`, or [`Error::NotInVocab`].
    pub fn lookup(&self, word: &str) -> Result<&[f32]> {
        let id = self.id(word)?;
        Ok(self.row(id).unwrap_or(&[]))
    }

    pub(crate) fn not_in_vocab(&self, word: &str) -> Error {
        let lower = word.to_lowercase();
        let hint = if lower != word && self.vocab.id(&lower).is_some() {
            format!("; did you mean {lower:?}?")
        } else {
            String::new()
        };
        Error::NotInVocab {
            word: word.to_string(),
            vocab_len: self.len(),
            hint,
        }
    }

    /// The matrix with every row scaled to unit L2 length (all-zero rows stay
    /// zero), computed on first use and kept: cosine similarity is then a dot
    /// product. The norm is accumulated in `f64`.
    pub fn normalized(&self) -> &[f32] {
        self.normalized.get_or_init(|| {
            let m = self.matrix();
            let mut out = m.to_vec();
            if self.dim > 0 {
                crate::query::normalize_rows(&mut out, self.dim);
            }
            out
        })
    }

    /// The unit-length vector of the word with id `id` (see
    /// [`normalized`](Self::normalized)), or `None` when out of range.
    pub fn normalized_row(&self, id: u32) -> Option<&[f32]> {
        let start = (id as usize).checked_mul(self.dim)?;
        self.normalized().get(start..start + self.dim)
    }
}

impl PartialEq for Embeddings {
    /// Same words in the same order, same counts, same dimension, same values
    /// (bit for bit, so `-0.0 != 0.0`).
    fn eq(&self, other: &Self) -> bool {
        self.dim == other.dim
            && self.vocab == other.vocab
            && self.matrix().len() == other.matrix().len()
            && self
                .matrix()
                .iter()
                .zip(other.matrix())
                .all(|(a, b)| a.to_bits() == b.to_bits())
            && match (self.subwords(), other.subwords()) {
                (None, None) => true,
                (Some(a), Some(b)) => {
                    a.config() == b.config()
                        && a.matrix().len() == b.matrix().len()
                        && a.matrix()
                            .iter()
                            .zip(b.matrix())
                            .all(|(x, y)| x.to_bits() == y.to_bits())
                }
                _ => false,
            }
    }
}

pub(crate) fn check_shape(vocab: &Vocab, dim: usize, len: usize) -> Result<()> {
    if dim == 0 {
        return Err(Error::InvalidArgument(
            "dimension 0: vectors need at least one dimension".into(),
        ));
    }
    let expected = vocab.len().checked_mul(dim).ok_or_else(|| {
        Error::InvalidArgument(format!(
            "{} words x {dim} dimensions overflow the address space",
            vocab.len()
        ))
    })?;
    if expected != len {
        return Err(Error::Shape {
            rows: vocab.len(),
            dim,
            expected,
            got: len,
        });
    }
    Ok(())
}

fn check_finite(vocab: &Vocab, dim: usize, matrix: &[f32]) -> Result<()> {
    match matrix.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(Error::NonFinite {
            row: i / dim,
            word: vocab.get_token((i / dim) as u32).unwrap_or("").to_string(),
            col: i % dim,
            value: matrix[i],
        }),
    }
}

#[cfg(test)]
impl Embeddings {
    /// Small embeddings for tests: the rows in order, word `i` of `n` with
    /// count `n − i` (the frequency order).
    pub(crate) fn from_rows<const D: usize>(rows: &[(&str, [f32; D])]) -> Embeddings {
        let words: Vec<&str> = rows.iter().map(|r| r.0).collect();
        let matrix = rows.iter().flat_map(|r| r.1).collect();
        Embeddings::new(tests::vocab(&words), D, matrix).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn vocab(words: &[&str]) -> Vocab {
        let n = words.len() as u64;
        Vocab::from_ordered(
            words.iter().map(|w| w.to_string()).collect(),
            (0..n).map(|i| n - i).collect(),
        )
        .unwrap()
    }

    #[test]
    fn new_checks_shape_dim_and_values() {
        assert!(matches!(
            Embeddings::new(vocab(&["a"]), 2, vec![1.0]),
            Err(Error::Shape {
                expected: 2,
                got: 1,
                ..
            })
        ));
        assert!(Embeddings::new(vocab(&["a"]), 0, vec![]).is_err());
        let e = Embeddings::new(vocab(&["a", "b"]), 1, vec![1.0, f32::NAN]).unwrap_err();
        assert!(e.to_string().contains("\"b\""), "{e}");
        assert!(Embeddings::new(vocab(&[]), 3, vec![]).unwrap().is_empty());
    }

    #[test]
    fn lookups_and_normalized_rows() {
        let mut e = Embeddings::new(vocab(&["a", "b"]), 2, vec![3.0, 4.0, 0.0, 0.0]).unwrap();
        assert_eq!(e.row(1), Some(&[0.0, 0.0][..]));
        assert_eq!(e.row(2), None);
        assert_eq!(e.normalized_row(0), Some(&[0.6, 0.8][..]));
        assert_eq!(e.normalized_row(1), Some(&[0.0, 0.0][..]));
        let err = e.lookup("A").unwrap_err().to_string();
        assert!(err.contains("did you mean \"a\""), "{err}");
        e.matrix_mut()[0] = 0.0;
        assert_eq!(e.normalized_row(0), Some(&[0.0, 1.0][..]));
    }
}
