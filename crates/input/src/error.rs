//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong while building an input layer, batching text
/// or ids, running the layers forward and backward, or writing their output.
///
/// Each message says what was wrong, where (which sequence, which position,
/// which parameter) and what to do about it, so the CLI can print it as is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is out of range or two values do not fit together.
    #[error("{name} = {value} is invalid: {expected}")]
    InvalidConfig {
        /// The setting's name, as written in the serde config or on the command line.
        name: &'static str,
        /// The value that was given.
        value: String,
        /// What would have been accepted, and what to do.
        expected: String,
    },
    /// The batch holds no sequence.
    #[error("the batch is empty: pass at least one text or id sequence")]
    EmptyBatch,
    /// One text or id sequence has no token.
    #[error(
        "sequence {index} of the batch has no token{detail}; remove it or give it some text \
         (a sequence with nothing to attend to has no defined output)"
    )]
    EmptySequence {
        /// Its index in the batch.
        index: usize,
        /// What it held before tokenisation, when it was a text.
        detail: String,
    },
    /// A sequence is longer than `max_len` and the overflow policy is `error`.
    #[error(
        "sequence {index} has {len} tokens (special tokens included), more than max_len = {max_len}; \
         raise max_len, or set the overflow policy to truncate to keep the first {max_len}"
    )]
    TooLong {
        /// Its index in the batch.
        index: usize,
        /// Its length.
        len: usize,
        /// The limit.
        max_len: usize,
    },
    /// A token id is not below the vocabulary size.
    #[error(
        "id {id} at sequence {sequence}, position {position} is outside the vocabulary of {vocab} ids \
         (0..{vocab}); build the ids with the same vocabulary as the embedding"
    )]
    IdOutOfRange {
        /// The offending id.
        id: u32,
        /// Which sequence.
        sequence: usize,
        /// Which position in it.
        position: usize,
        /// The vocabulary size.
        vocab: usize,
    },
    /// An array does not have the shape the layer needs.
    #[error("{what}: expected shape {expected:?}, got {got:?}; {hint}")]
    Shape {
        /// Which array.
        what: String,
        /// The shape it must have.
        expected: Vec<usize>,
        /// The shape it has.
        got: Vec<usize>,
        /// What to do.
        hint: String,
    },
    /// The static vectors cannot feed a layer of this width.
    #[error("vectors of dimension {vector_dim} cannot feed d_model = {d_model}: {reason}")]
    Projection {
        /// The vectors' width.
        vector_dim: usize,
        /// The layer's width.
        d_model: usize,
        /// Why, and what to do.
        reason: String,
    },
    /// A backward pass was asked of a forward pass that kept nothing.
    #[error("{0}")]
    NoCache(String),
    /// A value that must be finite is not (a diverging optimiser, bad vectors).
    #[error("{what} is not finite ({value}); {hint}")]
    NotFinite {
        /// Which value.
        what: String,
        /// The value.
        value: f64,
        /// What to do.
        hint: String,
    },
    /// A positional encoding refused its input.
    #[error(transparent)]
    Posenc(#[from] embedpos_posenc::Error),
    /// The tokenizer or vocabulary refused its input.
    #[error(transparent)]
    Tokenize(#[from] embedpos_tokenize::Error),
    /// Loading or reading the static vectors failed.
    #[error(transparent)]
    Embed(#[from] embedpos_embed::Error),
    /// Reading or writing a file failed.
    #[error("cannot write {path}: {source}; check that the folder exists and is writable")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Writing files and sizing arrays report as the positional encodings do
/// (which is where this crate's tensors come from).
impl From<embedpos_base::Error> for Error {
    fn from(e: embedpos_base::Error) -> Self {
        Error::Posenc(e.into())
    }
}

impl Error {
    /// Shorthand for [`Error::InvalidConfig`].
    pub(crate) fn config(
        name: &'static str,
        value: impl std::fmt::Display,
        expected: impl Into<String>,
    ) -> Self {
        Error::InvalidConfig {
            name,
            value: value.to_string(),
            expected: expected.into(),
        }
    }

    /// Shorthand for [`Error::Shape`].
    pub(crate) fn shape(
        what: impl Into<String>,
        expected: &[usize],
        got: &[usize],
        hint: impl Into<String>,
    ) -> Self {
        Error::Shape {
            what: what.into(),
            expected: expected.to_vec(),
            got: got.to_vec(),
            hint: hint.into(),
        }
    }
}

/// Checks that `array`'s shape is `expected`.
pub(crate) fn check_shape(what: &str, expected: &[usize], got: &[usize], hint: &str) -> Result<()> {
    if expected != got {
        return Err(Error::shape(what, expected, got, hint));
    }
    Ok(())
}
