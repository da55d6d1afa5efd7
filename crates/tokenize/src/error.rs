//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while reading corpora, vocabularies and configs.
///
/// Each variant says what was wrong, where (file, line) and, where it helps,
/// what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input path does not exist.
    #[error("{path}: no such file or directory (check the path; use `-` for standard input)")]
    NotFound {
        /// The missing path.
        path: PathBuf,
    },
    /// An I/O error while opening or reading a file.
    #[error("{path}: {source}")]
    Io {
        /// The file being read or written (`-` for stdin/stdout).
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// No input was given, or a directory held no files.
    #[error("no input: {0}")]
    NoInput(String),
    /// A line of a vocabulary or phrase file could not be parsed.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What was wrong and what to do.
        message: String,
    },
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Encoding or decoding the native binary format failed.
    #[error("native codec: {0}")]
    Codec(String),
    /// A token or id is not in the vocabulary.
    #[error("{0}")]
    Lookup(String),
    /// A pre-tokenisation pattern is not a valid regular expression.
    #[error("the pre-tokenisation pattern is not a valid regular expression ({message}); pattern: {pattern} (write it in fancy-regex syntax, or use a named pattern: gpt2, cl100k, o200k)")]
    Pattern {
        /// The pattern as given.
        pattern: String,
        /// What the regex parser said.
        message: String,
    },
    /// A BPE model file (tiktoken ranks, `tokenizer.json`, `vocab.json`,
    /// `merges.txt`) is malformed or describes something unsupported.
    #[error("{path}{}: {message}", at_line(.line))]
    BpeFile {
        /// The file.
        path: PathBuf,
        /// 1-based line number, where the format has lines.
        line: Option<usize>,
        /// What was wrong and what to do.
        message: String,
    },
    /// A BPE model is inconsistent (a merge of unknown tokens, a special
    /// token whose id is taken...), whoever built it.
    #[error("inconsistent BPE model: {0}")]
    BpeModel(String),
    /// An id given to decode is not a token of the model.
    #[error("token id {id} is not in the vocabulary of {vocab_size} ids; were these ids made with another model?")]
    UnknownId {
        /// The id.
        id: u32,
        /// The model's vocabulary size (ids are below it).
        vocab_size: usize,
    },
    /// A trainer found no text in its corpus.
    #[error("no text to train on: {0}")]
    EmptyCorpus(String),
    /// Writing text to the caller's writer failed (the caller knows where
    /// it goes: a file, standard output).
    #[error("cannot write the output: {source} (check the disk space and the output's folder)")]
    Output {
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

fn at_line(line: &Option<usize>) -> String {
    line.map(|l| format!(":{l}")).unwrap_or_default()
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl From<embedpos_base::Error> for Error {
    fn from(e: embedpos_base::Error) -> Self {
        match e {
            embedpos_base::Error::Io { path, source } => Error::io(path, source),
            embedpos_base::Error::Codec(m) => Error::Codec(m),
            other => Error::Config(other.to_string()),
        }
    }
}

impl Error {
    pub(crate) fn output(source: std::io::Error) -> Self {
        Error::Output { source }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound { path }
        } else {
            Error::Io { path, source }
        }
    }
}
