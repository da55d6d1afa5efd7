//! The front end every trainer shares: the corpus inputs, read twice
//! (standard input is copied once to a temporary file for that), the
//! vocabulary count with its two errors — a corpus without words
//! ([`Error::EmptyCorpus`]) and no word reaching `min_count`
//! ([`Error::NoVocabulary`]) — and the error for temporary files that cannot
//! be written.

use crate::error::{Error, Result};
use embedpos_tokenize::{count_corpus, CorpusReader, Tokenizer, Vocab, VocabConfig, VocabStats};
use std::io;
use std::path::{Path, PathBuf};

/// The training inputs, ready to be read as many times as a trainer needs.
#[derive(Debug)]
pub(crate) struct Corpus {
    /// The inputs, with `-` replaced by the copy of standard input.
    paths: Vec<PathBuf>,
    /// The inputs as given, for messages.
    names: String,
    /// The copy of standard input, removed when the corpus is dropped.
    _stdin: Option<tempfile::TempPath>,
}

/// How the vocabulary is counted: the settings every trainer has.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VocabSettings<'a> {
    /// How lines are split into words.
    pub tokenizer: &'a Tokenizer,
    /// Words seen fewer times are dropped.
    pub min_count: u64,
    /// Keep at most this many words, the most frequent.
    pub max_vocab: Option<usize>,
    /// Counting threads.
    pub threads: usize,
}

impl Corpus {
    /// Takes the inputs (files, directories, `-` for standard input); a `-`
    /// is copied, once, to a temporary file in `temp_dir`, since standard
    /// input can be read only once.
    pub(crate) fn open<P: AsRef<Path>>(inputs: &[P], temp_dir: &Path) -> Result<Corpus> {
        let names = inputs
            .iter()
            .map(|p| p.as_ref().display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let mut stdin: Option<tempfile::TempPath> = None;
        let mut paths = Vec::with_capacity(inputs.len());
        for p in inputs {
            let p = p.as_ref();
            if p.as_os_str() != "-" {
                paths.push(p.to_path_buf());
                continue;
            }
            if stdin.is_none() {
                stdin = Some(copy_stdin(temp_dir)?);
            }
            if let Some(copy) = &stdin {
                paths.push(copy.to_path_buf());
            }
        }
        Ok(Corpus {
            paths,
            names,
            _stdin: stdin,
        })
    }

    /// A new pass over the inputs.
    pub(crate) fn reader(&self) -> Result<CorpusReader> {
        Ok(CorpusReader::open(&self.paths)?)
    }

    /// Counts the vocabulary (one pass).
    ///
    /// Errors: an input that cannot be read; a corpus without words
    /// ([`Error::EmptyCorpus`]); no word reaching `min_count`
    /// ([`Error::NoVocabulary`]).
    pub(crate) fn count(&self, settings: VocabSettings<'_>) -> Result<(Vocab, VocabStats)> {
        let cfg = VocabConfig {
            min_count: settings.min_count,
            max_size: settings.max_vocab,
            ..Default::default()
        };
        let mut reader = self.reader()?;
        let (vocab, stats) = count_corpus(&mut reader, settings.tokenizer, &cfg, settings.threads)?;
        if stats.tokens == 0 {
            return Err(Error::EmptyCorpus {
                inputs: self.names.clone(),
            });
        }
        if vocab.is_empty() {
            return Err(Error::NoVocabulary {
                inputs: self.names.clone(),
                min_count: settings.min_count,
                distinct: stats.distinct,
                tokens: stats.tokens,
            });
        }
        Ok((vocab, stats))
    }
}

/// Copies standard input to a new temporary file in `dir`.
fn copy_stdin(dir: &Path) -> Result<tempfile::TempPath> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".embedpos-stdin-")
        .tempfile_in(dir)
        .map_err(|e| temp_error(dir, e))?;
    io::copy(&mut io::stdin().lock(), &mut tmp).map_err(|e| temp_error(tmp.path(), e))?;
    Ok(tmp.into_temp_path())
}

/// The folder for temporary files: `temp_dir`, or the system's.
pub(crate) fn temp_folder(temp_dir: Option<&Path>) -> PathBuf {
    temp_dir.map_or_else(std::env::temp_dir, Path::to_path_buf)
}

/// The error for a temporary file or folder that cannot be created or
/// written, with advice that fits the cause.
pub(crate) fn temp_error(path: &Path, source: io::Error) -> Error {
    use io::ErrorKind as K;
    let hint = match source.kind() {
        K::StorageFull | K::FileTooLarge | K::QuotaExceeded => {
            "there is no room for the temporary files: free space there, \
             or give a folder with more room (the `temp_dir` setting)"
        }
        K::PermissionDenied | K::ReadOnlyFilesystem => {
            "the folder is not writable: give a writable folder (the `temp_dir` setting)"
        }
        K::NotFound | K::NotADirectory => {
            "it is not an existing folder: give one (the `temp_dir` setting)"
        }
        _ => "give another folder for temporary files (the `temp_dir` setting)",
    };
    Error::TempFiles {
        path: path.to_path_buf(),
        hint: hint.into(),
        source,
    }
}
