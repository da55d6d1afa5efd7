//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while reading, writing or querying word
/// vectors.
///
/// Each message says what was wrong, where (file and line, or byte offset)
/// and, where it helps, what to do about it, so the CLI can print it as is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input path does not exist.
    #[error("{path}: no such file or directory (check the path)")]
    NotFound {
        /// The missing path.
        path: PathBuf,
    },
    /// An I/O error while opening, reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The file being read or written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A line of a text file (vectors, analogies, word pairs) is malformed.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What was wrong and what to do.
        message: String,
    },
    /// A binary file is malformed or truncated.
    #[error("{path}: at byte offset {offset}: {message}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Byte offset from the start of the file where the problem was found.
        offset: u64,
        /// What was wrong and what to do.
        message: String,
    },
    /// The file's format could not be recognised, or cannot be read.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What was expected and what to do.
        message: String,
    },
    /// Data that cannot be stored in the requested format (a word with
    /// whitespace in a text format, ...).
    #[error("{path}: cannot write {what}")]
    Unwritable {
        /// The output file.
        path: PathBuf,
        /// What cannot be written, and which format can hold it.
        what: String,
    },
    /// A matrix whose length does not match `words × dim`.
    #[error("matrix has {got} values but {rows} words x {dim} dimensions need {expected}")]
    Shape {
        /// Number of words.
        rows: usize,
        /// Vector dimension.
        dim: usize,
        /// `rows * dim`.
        expected: usize,
        /// The matrix length given.
        got: usize,
    },
    /// A non-finite value (NaN or infinity) in a matrix handed to
    /// [`Embeddings::new`](crate::Embeddings::new).
    #[error("row {row} ({word:?}) has a non-finite value {value} at dimension {col}; vectors must be finite")]
    NonFinite {
        /// Row (word id).
        row: usize,
        /// The row's word.
        word: String,
        /// Column.
        col: usize,
        /// The value.
        value: f32,
    },
    /// A query word is not in the vocabulary.
    #[error("{word:?} is not in the vocabulary ({vocab_len} words){hint}")]
    NotInVocab {
        /// The word asked for.
        word: String,
        /// Vocabulary size.
        vocab_len: usize,
        /// A suggestion (another casing that exists, ...), empty or starting with "; ".
        hint: String,
    },
    /// A query or configuration argument is out of range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// An error from the vocabulary or the native codec.
    #[error(transparent)]
    Tokenize(#[from] embedpos_tokenize::Error),
    /// A training configuration value is out of range (the message names
    /// the setting and what would work).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The training corpus holds no token at all.
    #[error("{inputs}: the corpus holds no words (is it empty, or only whitespace?); give a text file with words separated by spaces")]
    EmptyCorpus {
        /// The corpus inputs, as given.
        inputs: String,
    },
    /// No word of the training corpus occurs `min_count` times.
    #[error("{inputs}: no word occurs at least {min_count} times ({distinct} distinct words in {tokens} tokens); lower the minimum count (min_count) or give a larger corpus")]
    NoVocabulary {
        /// The corpus inputs, as given.
        inputs: String,
        /// The threshold that removed every word.
        min_count: u64,
        /// Distinct tokens seen.
        distinct: u64,
        /// Tokens read.
        tokens: u64,
    },
    /// A memory budget (GloVe's `memory_gb`) too small for what must be held.
    #[error("a memory budget of {given_gb} GB is too small: {what}; give a budget (memory_gb) of at least {min_gb} GB")]
    MemoryBudget {
        /// The budget given, in GB (2^30 bytes).
        given_gb: f64,
        /// The smallest budget that works, in GB (rounded up).
        min_gb: f64,
        /// What needs the room.
        what: String,
    },
    /// A temporary file or folder could not be created or written (a full
    /// disk, a read-only or missing folder).
    #[error("{path}: {source}; {hint}")]
    TempFiles {
        /// The folder or file.
        path: PathBuf,
        /// What to do about it.
        hint: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl From<embedpos_base::Error> for Error {
    fn from(e: embedpos_base::Error) -> Self {
        match e {
            embedpos_base::Error::Io { path, source } => Error::io(path, source),
            other => Error::Tokenize(other.into()),
        }
    }
}

impl Error {
    /// An I/O error on `path`, turned into [`Error::NotFound`] when the file is missing.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound { path }
        } else {
            Error::Io { path, source }
        }
    }

    pub(crate) fn parse(path: impl Into<PathBuf>, line: u64, message: impl Into<String>) -> Self {
        Error::Parse {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    pub(crate) fn corrupt(
        path: impl Into<PathBuf>,
        offset: u64,
        message: impl Into<String>,
    ) -> Self {
        Error::Corrupt {
            path: path.into(),
            offset,
            message: message.into(),
        }
    }

    pub(crate) fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Format {
            path: path.into(),
            message: message.into(),
        }
    }
}
