//! The command-line option that settles a library error. The library's
//! messages name its settings (`min_count`, `memory_gb`, `temp_dir`,
//! `GloVe::save_cooccurrences`); the training commands add the option that
//! sets them.

use embedpos_embed::Error;
use std::path::Path;

/// The options of a training command that the hints may point to.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrainFlags<'a> {
    /// The command has `--temp-dir`.
    pub temp_dir: bool,
    /// The co-occurrence file read with `--cooccur` (written by
    /// `--save-cooccur`).
    pub cooccur: Option<&'a Path>,
}

/// `e` as a training command reports it: the library's message, followed
/// by the option to change when one settles it.
pub fn explain(e: Error, flags: TrainFlags<'_>) -> Box<dyn std::error::Error + Send + Sync> {
    let hint = match &e {
        Error::NoVocabulary { .. } => Some("lower --min-count".to_string()),
        Error::MemoryBudget { min_gb, .. } => Some(format!("give at least --memory {min_gb}")),
        Error::TempFiles { .. } if flags.temp_dir => {
            Some("choose the folder with --temp-dir".to_string())
        }
        Error::Corrupt { path, .. } | Error::Format { path, .. }
            if flags.cooccur == Some(path.as_path()) =>
        {
            Some("write the file again with --save-cooccur".to_string())
        }
        _ => None,
    };
    match hint {
        Some(hint) => format!("{e} ({hint})").into(),
        None => e.into(),
    }
}
