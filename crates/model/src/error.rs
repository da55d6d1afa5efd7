//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong while building, running, training, saving or
/// loading a model. Each message says what was wrong, where, and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is out of range or two values do not fit together.
    #[error("{name} = {value} is invalid: {expected}")]
    InvalidConfig {
        /// The setting's name, as written in the serde config.
        name: &'static str,
        /// The value that was given.
        value: String,
        /// What would have been accepted, and what to do.
        expected: String,
    },
    /// The layers of the input crate refused their input (shapes, ids,
    /// positions past a learned table, ...).
    #[error(transparent)]
    Input(#[from] embedpos_input::Error),
    /// Reading or tokenizing a corpus failed.
    #[error(transparent)]
    Tokenize(#[from] embedpos_tokenize::Error),
    /// Training diverged: the loss or the gradient norm is NaN or infinite.
    #[error(
        "training diverged at step {step}: the {what} is {value}; lower the learning rate \
         (or raise warm-up), keep gradient clipping on, and resume from the last checkpoint"
    )]
    Diverged {
        /// The optimiser step (1-based) whose batch gave it.
        step: u64,
        /// `loss` or `gradient norm`.
        what: &'static str,
        /// The value.
        value: f64,
    },
    /// The training or evaluation data cannot make a batch.
    #[error("{0}")]
    Data(String),
    /// A checkpoint does not fit the model, or is damaged.
    #[error("checkpoint {path}: {reason}")]
    Checkpoint {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
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

impl From<embedpos_base::Error> for Error {
    fn from(e: embedpos_base::Error) -> Self {
        Error::Input(e.into())
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

    /// Shorthand for [`Error::Checkpoint`].
    pub(crate) fn checkpoint(path: &std::path::Path, reason: impl Into<String>) -> Self {
        Error::Checkpoint {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}
