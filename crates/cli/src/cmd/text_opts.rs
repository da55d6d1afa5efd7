//! Tokenizer options shared by the subcommands that read text.

use embedpos_tokenize::{Normalizer, PreTokenizer, Tokenizer};

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

/// Normalisation and pre-tokenisation flags.
#[derive(Debug, Clone, clap::Args)]
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
    #[arg(long, value_enum, default_value = "whitespace")]
    pub pretokenizer: PreTok,
    /// With `words` or `cjk`: keep punctuation as tokens.
    #[arg(long)]
    pub keep_punctuation: bool,
}

impl TextOpts {
    /// The tokenizer these flags describe.
    pub fn tokenizer(&self) -> Tokenizer {
        let keep_punctuation = self.keep_punctuation;
        Tokenizer {
            normalizer: Normalizer {
                nfkc: self.nfkc,
                lowercase: self.lowercase,
                strip_accents: self.strip_accents,
            },
            pre_tokenizer: match self.pretokenizer {
                PreTok::Whitespace => PreTokenizer::Whitespace,
                PreTok::Words => PreTokenizer::Words { keep_punctuation },
                PreTok::Cjk => PreTokenizer::Cjk { keep_punctuation },
            },
        }
    }
}
