//! Reading and writing word vectors in the ecosystem's file formats.
//!
//! | [`Format`] | read | write | words | counts |
//! |---|---|---|---|---|
//! | word2vec text (`.txt`, `.vec`) | yes | yes | yes | synthetic |
//! | word2vec binary (`.bin`) | yes | yes | yes | synthetic |
//! | GloVe text (`.glove`) | yes | yes | yes | synthetic |
//! | native (`.epv`) | yes (also memory-mapped) | yes | yes | kept |
//! | fastText model (`.bin`, read as [`FastTextBin`]) | yes | — | yes | kept |
//! | `.npy` | — | yes | no (matrix only) | no |
//! | safetensors | — | yes | no (matrix only) | no |
//!
//! Only the native format and fastText models hold subword rows (fastText's
//! hashed char n-grams, see [`Subwords`](crate::Subwords)), so only they
//! give vectors to unseen words after loading; every other format exports
//! the in-vocabulary words' vectors alone (fastText's `.vec` does the same).
//!
//! The word2vec and GloVe formats store no counts. Loading them gives word
//! `i` of `n` the count `n - i`, as gensim does, so that the file order
//! (most frequent first, by convention) is kept and `restrict_vocab`-style
//! "top N words" queries mean what they mean for gensim.
//!
//! Every reader checks the sizes a header claims against the file's real
//! length before allocating anything from them, and reports malformed input
//! with the file and line (text) or byte offset (binary). Every writer goes
//! through a temporary file in the target's folder renamed into place, so an
//! interrupted write never leaves a half-written file where a good one was.

pub(crate) mod common;
mod fasttext_bin;
pub(crate) mod glove;
pub(crate) mod mapped;
pub(crate) mod native;
pub(crate) mod npy;
#[cfg(test)]
mod proptests;
pub(crate) mod safetensors;
pub(crate) mod sniff;
pub(crate) mod word2vec_binary;
pub(crate) mod word2vec_text;

use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

pub use fasttext_bin::{
    FastTextArgs, FastTextBin, FastTextBinError, FastTextModelKind, FASTTEXT_MAGIC,
};
pub use native::{NATIVE_MAGIC, NATIVE_VERSION};

/// A word-vector file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// word2vec text: a header line `N D`, then `word v1 ... vD` per line
    /// (what word2vec C writes with `-binary 0` and fastText writes as `.vec`).
    Word2VecText,
    /// word2vec binary: a header line `N D\n`, then per word `word ` followed
    /// by D little-endian `f32` and `\n` (word2vec C's `-binary 1`, gensim's
    /// `binary=True`).
    Word2VecBinary,
    /// GloVe text: `word v1 ... vD` per line, no header.
    GloveText,
    /// embedpos native: magic, version, a codec-encoded header (vocabulary
    /// with counts, shape, metadata), then the raw little-endian `f32`
    /// matrix at a page-aligned offset so it can be memory-mapped.
    Native,
    /// numpy `.npy` (`<f4`, shape `[N, D]`): the matrix only, rows in
    /// vocabulary order. Write-only.
    Npy,
    /// safetensors with one `F32` tensor `embeddings` of shape `[N, D]`: the
    /// matrix only. Write-only.
    Safetensors,
    /// A fastText model (`.bin` written by fastText 0.9.x): dictionary,
    /// training arguments and input matrix, subword rows included (see
    /// [`FastTextBin`]). Read-only; told
    /// from a word2vec `.bin` by its magic number. Quantized `.ftz` models
    /// are refused.
    FastText,
}

impl Format {
    /// Every format, in the order of the table above.
    pub const ALL: [Format; 7] = [
        Format::Word2VecText,
        Format::Word2VecBinary,
        Format::GloveText,
        Format::Native,
        Format::Npy,
        Format::Safetensors,
        Format::FastText,
    ];

    /// The format a file name's extension implies: `.txt`/`.vec` word2vec
    /// text, `.bin` word2vec binary, `.glove` GloVe text, `.epv` native,
    /// `.npy`, `.safetensors`. A `.bin` may also be a fastText model:
    /// [`Embeddings::load`] tells them apart by content. Other extensions are an error that names the
    /// choices (GloVe files are often `.txt`: give the format explicitly).
    pub fn from_path(path: &Path) -> Result<Format> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "txt" | "vec" => Ok(Format::Word2VecText),
            "bin" => Ok(Format::Word2VecBinary),
            "glove" => Ok(Format::GloveText),
            "epv" => Ok(Format::Native),
            "npy" => Ok(Format::Npy),
            "safetensors" => Ok(Format::Safetensors),
            "fasttext" | "fasttext-bin" | "ft" => Ok(Format::FastText),
            _ => Err(Error::format(
                path,
                format!(
                    "cannot tell the vector format from the extension {:?}; use .txt/.vec (word2vec text), \
                     .bin (word2vec binary), .glove, .epv (native), .npy or .safetensors, or name the format \
                     ({})",
                    ext,
                    Format::names()
                ),
            )),
        }
    }

    /// The short name used on the command line and by [`FromStr`].
    pub fn name(self) -> &'static str {
        match self {
            Format::Word2VecText => "text",
            Format::Word2VecBinary => "bin",
            Format::GloveText => "glove",
            Format::Native => "epv",
            Format::Npy => "npy",
            Format::Safetensors => "safetensors",
            Format::FastText => "fasttext",
        }
    }

    /// The accepted names, for messages: `text, bin, glove, epv, npy, safetensors`.
    pub fn names() -> String {
        Format::ALL.map(Format::name).join(", ")
    }

    /// True for the formats [`Embeddings::load`] can read.
    pub fn is_readable(self) -> bool {
        !matches!(self, Format::Npy | Format::Safetensors)
    }

    /// True for the formats that keep the words (`.npy` and safetensors hold
    /// the matrix only).
    pub fn keeps_words(self) -> bool {
        self.is_readable()
    }

    /// True for the formats [`Embeddings::save`] can write (all but
    /// fastText models).
    pub fn is_writable(self) -> bool {
        !matches!(self, Format::FastText)
    }

    /// True for the formats that keep subword rows, so that unseen words
    /// still get vectors after a round trip (native `.epv`; fastText models
    /// are read-only).
    pub fn keeps_subwords(self) -> bool {
        matches!(self, Format::Native | Format::FastText)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = Error;

    /// Parses a format name: `text` (also `txt`, `vec`, `word2vec-text`),
    /// `bin` (also `binary`, `word2vec-bin`), `glove`, `epv` (also `native`),
    /// `npy`, `safetensors`, `fasttext` (also `fasttext-bin`).
    fn from_str(s: &str) -> Result<Format> {
        match s.to_ascii_lowercase().as_str() {
            "text" | "txt" | "vec" | "word2vec-text" | "w2v-text" => Ok(Format::Word2VecText),
            "bin" | "binary" | "word2vec-bin" | "word2vec-binary" | "w2v-bin" => {
                Ok(Format::Word2VecBinary)
            }
            "glove" | "glove-text" => Ok(Format::GloveText),
            "epv" | "native" => Ok(Format::Native),
            "npy" | "numpy" => Ok(Format::Npy),
            "safetensors" => Ok(Format::Safetensors),
            "fasttext" | "fasttext-bin" | "ft" => Ok(Format::FastText),
            _ => Err(Error::InvalidArgument(format!(
                "unknown vector format {s:?}; choose one of {}",
                Format::names()
            ))),
        }
    }
}

impl Embeddings {
    /// Reads word vectors from `path` in `format`, or in the format its
    /// contents show when `format` is `None` (a native or fastText magic
    /// number, a word2vec `N D` header followed by text or binary rows, or
    /// headerless GloVe rows). A file given as word2vec binary that starts
    /// with fastText's magic number is read as a fastText model, since both
    /// are called `.bin`.
    ///
    /// Native files written with subwords and fastText models come back with
    /// their [`Subwords`](crate::Subwords), so [`Embeddings::word_vector`]
    /// answers for unseen words.
    ///
    /// Errors name the file and line or byte offset: a missing or truncated
    /// file, a header claiming more than the file holds (or, for fastText,
    /// a wrong magic or version or a quantized model), a row with the wrong
    /// number of values, NaN or infinity, a word twice, bytes that are not
    /// UTF-8, or a file that is not word vectors at all.
    pub fn load(path: impl AsRef<Path>, format: Option<Format>) -> Result<Embeddings> {
        let path = path.as_ref();
        let format = match format {
            Some(f) => f,
            None => sniff::sniff(path)?,
        };
        match format {
            Format::Word2VecText => word2vec_text::read(path),
            Format::Word2VecBinary if sniff::is_fasttext(path)? => fasttext_bin::read(path),
            Format::Word2VecBinary => word2vec_binary::read(path),
            Format::FastText => fasttext_bin::read(path),
            Format::GloveText => glove::read(path),
            Format::Native => native::read(path),
            Format::Npy | Format::Safetensors => Err(Error::format(
                path,
                format!(
                    "{format} files hold a bare matrix without words and cannot be loaded as word vectors; \
                     keep a .epv, .bin or .txt copy"
                ),
            )),
        }
    }

    /// Writes the vectors to `path` in `format`, atomically: the data goes to
    /// a temporary file in the same folder that is renamed over `path` only
    /// once complete.
    ///
    /// The text and binary word2vec formats and GloVe cannot hold a word that
    /// is empty or contains whitespace; such a word is an error (before
    /// anything is written) that suggests the native format.
    ///
    /// Only the native format keeps the [`Subwords`](crate::Subwords);
    /// the others export the in-vocabulary words (as fastText's `.vec`).
    /// fastText models cannot be written (an error that suggests `.epv`).
    pub fn save(&self, path: impl AsRef<Path>, format: Format) -> Result<()> {
        let path = path.as_ref();
        match format {
            Format::Word2VecText => word2vec_text::write(self, path),
            Format::Word2VecBinary => word2vec_binary::write(self, path),
            Format::GloveText => glove::write(self, path),
            Format::Native => native::write(self, path),
            Format::Npy => npy::write(self, path),
            Format::Safetensors => safetensors::write(self, path),
            Format::FastText => Err(Error::format(
                path,
                "embedpos does not write fastText .bin models; save as .epv to keep the subword rows, \
                 or as .vec/.txt for the in-vocabulary vectors",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_and_extensions() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().unwrap(), f);
        }
        assert_eq!(
            Format::from_path(Path::new("a/b.VEC")).unwrap(),
            Format::Word2VecText
        );
        assert_eq!(
            Format::from_path(Path::new("x.bin")).unwrap(),
            Format::Word2VecBinary
        );
        assert_eq!(
            Format::from_path(Path::new("x.epv")).unwrap(),
            Format::Native
        );
        let e = Format::from_path(Path::new("x.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.csv") && e.contains(".epv"), "{e}");
        assert!("nope".parse::<Format>().is_err());
    }
}
