//! Tokenizer options shared by the subcommands that read text.

use super::defaults::{show_defaults, value_name};
use embedpos_tokenize::{Normalizer, PreTokenizer, TokenModel, Tokenizer};
use std::path::PathBuf;

/// Which pre-tokenizer splits the text.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PreTok {
    /// Split on whitespace (word2vec, fastText).
    Whitespace,
    /// Unicode words (UAX #29).
    Words,
    /// Unicode words with Chinese word segmentation (jieba).
    Cjk,
}

impl From<PreTokenizer> for PreTok {
    fn from(p: PreTokenizer) -> Self {
        match p {
            PreTokenizer::Whitespace => PreTok::Whitespace,
            PreTokenizer::Words { .. } => PreTok::Words,
            PreTokenizer::Cjk { .. } => PreTok::Cjk,
        }
    }
}

/// Normalisation and pre-tokenisation flags; what is not given comes from
/// `Tokenizer::default()`.
#[derive(Debug, Clone, clap::Args)]
#[command(mut_args(show_defaults(vec![(
    "pretokenizer",
    value_name(PreTok::from(Tokenizer::default().pre_tokenizer)),
)])))]
pub struct TextOpts {
    /// Lowercase the text.
    #[arg(long)]
    pub lowercase: bool,
    /// Apply Unicode NFKC normalisation.
    #[arg(long)]
    pub nfkc: bool,
    /// Remove accents (diacritics).
    #[arg(long)]
    pub strip_accents: bool,
    /// How to split text into tokens.
    #[arg(long, value_enum)]
    pub pretokenizer: Option<PreTok>,
    /// With `words` or `cjk`: keep punctuation as tokens.
    #[arg(long)]
    pub keep_punctuation: bool,
    /// Split the text into the subword tokens of a byte-level BPE model
    /// instead: a `tokenizer.json` (from `embedpos bpe train` or Hugging
    /// Face), GPT-2's `vocab.json` (with `merges.txt` beside it) or a
    /// tiktoken rank file named after its encoding (`cl100k_base.tiktoken`).
    /// Tokens are spelled as in those files (`Ġthe` for " the").
    #[arg(long, value_name = "FILE", value_parser = load_model, conflicts_with = "pretokenizer")]
    pub tokenizer: Option<TokenModel>,
}

/// Loads `--tokenizer`'s file while the arguments are parsed, so a bad file
/// stops the command before any work.
fn load_model(path: &str) -> Result<TokenModel, String> {
    TokenModel::load(&PathBuf::from(path)).map_err(|e| e.to_string())
}

impl TextOpts {
    /// The tokenizer these flags describe.
    pub fn tokenizer(&self) -> Tokenizer {
        let base = Tokenizer::default();
        let keep_punctuation = self.keep_punctuation;
        Tokenizer {
            normalizer: Normalizer {
                nfkc: base.normalizer.nfkc || self.nfkc,
                lowercase: base.normalizer.lowercase || self.lowercase,
                strip_accents: base.normalizer.strip_accents || self.strip_accents,
            },
            pre_tokenizer: match self.pretokenizer {
                None => base.pre_tokenizer,
                Some(PreTok::Whitespace) => PreTokenizer::Whitespace,
                Some(PreTok::Words) => PreTokenizer::Words { keep_punctuation },
                Some(PreTok::Cjk) => PreTokenizer::Cjk { keep_punctuation },
            },
            model: self.tokenizer.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::cmd::defaults::tests::help;

    #[test]
    fn help_shows_the_library_default() {
        for path in [
            &["tokenize"][..],
            &["vocab"],
            &["phrases", "learn"],
            &["phrases", "apply"],
            &["encode"],
            &["train", "glove"],
        ] {
            let h = help(path, "pretokenizer");
            assert!(h.ends_with("[default: whitespace]"), "{path:?}: {h}");
        }
    }
}
