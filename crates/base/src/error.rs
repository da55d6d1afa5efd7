//! The crate's error type.

use std::path::PathBuf;

/// What can go wrong in the shared primitives. Each crate turns these into
/// its own error type, keeping the message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing a file failed (its folder is missing, not writable, the disk
    /// is full, ...).
    #[error("{path}: {source}")]
    Io {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An array that would not fit in memory (or in the address space).
    #[error("{what} of shape {shape:?} needs {bytes} bytes, more than the {limit} bytes {reason}")]
    TooLarge {
        /// What was being built.
        what: String,
        /// Its shape.
        shape: Vec<usize>,
        /// The bytes it would need (saturating).
        bytes: u128,
        /// The limit it exceeded.
        limit: u128,
        /// Where the limit comes from.
        reason: &'static str,
    },
    /// Encoding or decoding the native binary format failed.
    #[error("{0}")]
    Codec(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
