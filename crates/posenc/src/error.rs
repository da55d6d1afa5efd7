//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong in this crate.
///
/// Each message says what was wrong and what to do about it, so the CLI can
/// print it as is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is outside the range where the encoding is defined.
    #[error("{name} = {value} is invalid: {expected}")]
    InvalidParameter {
        /// The parameter's name, as a user would write it (`dim`, `base`, ...).
        name: &'static str,
        /// The value that was given.
        value: String,
        /// What would have been accepted, and what to do.
        expected: String,
    },
    /// A position past the end of a learned table.
    #[error(
        "position {position} is past the end of the learned table, which holds positions 0..{max_len}; \
         build the table with a larger max_len or truncate the sequence"
    )]
    PositionOutOfRange {
        /// The position that was asked for.
        position: usize,
        /// The table's number of rows.
        max_len: usize,
    },
    /// A buffer does not have the length its declared shape needs.
    #[error("{what}: expected {expected} values, got {got}; check the shape you passed")]
    ShapeMismatch {
        /// Which buffer, with the shape it should have.
        what: String,
        /// The length the shape implies.
        expected: usize,
        /// The length that was given.
        got: usize,
    },
    /// An output that would not fit in memory (or in the address space):
    /// what it was, its shape, the bytes it needs and the limit it exceeds.
    #[error("{0}; ask for fewer positions, dimensions or heads")]
    TooLarge(embedpos_base::Error),
    /// Reading or writing a file failed.
    #[error("cannot write {path}: {source}; check that the folder exists and is writable")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The output file name has an extension this crate does not write.
    #[error("cannot tell the format of {path}: use a name ending in .npy or .csv")]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// Drawing a plot failed.
    #[error("cannot draw {path}: {message}")]
    Plot {
        /// The PNG being drawn.
        path: PathBuf,
        /// What the plotting library said.
        message: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl From<embedpos_base::Error> for Error {
    fn from(e: embedpos_base::Error) -> Self {
        match e {
            embedpos_base::Error::Io { path, source } => Error::Io { path, source },
            other => Error::TooLarge(other),
        }
    }
}

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub(crate) fn invalid(
        name: &'static str,
        value: impl std::fmt::Display,
        expected: impl Into<String>,
    ) -> Self {
        Error::InvalidParameter {
            name,
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}

/// Checks that `d` is a usable dimension (at least 1).
pub(crate) fn check_dim(name: &'static str, d: usize) -> Result<()> {
    if d == 0 {
        return Err(Error::invalid(name, d, "it must be at least 1"));
    }
    Ok(())
}

/// Checks that `base` is a finite number greater than 1.
///
/// A base of 1 makes every frequency equal and a base below 1 reverses their
/// order; neither is an encoding anyone trains with.
pub(crate) fn check_base(base: f64) -> Result<()> {
    if !(base.is_finite() && base > 1.0) {
        return Err(Error::invalid(
            "base",
            base,
            "it must be a finite number greater than 1 (10000 in the Transformer paper and in RoPE)",
        ));
    }
    Ok(())
}

/// Checks that a context-extension factor is finite and at least 1.
pub(crate) fn check_factor(scaling: &str, factor: f64) -> Result<()> {
    if !(factor.is_finite() && factor >= 1.0) {
        return Err(Error::invalid(
            "factor",
            factor,
            format!(
                "{scaling} scaling extends the context by this factor, so it must be a finite number >= 1 \
                 (1 means no extension)"
            ),
        ));
    }
    Ok(())
}
