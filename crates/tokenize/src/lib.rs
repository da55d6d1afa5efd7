//! Text to tokens to ids, the first stage of embedpos.
//!
//! * [`CorpusReader`] streams lines from files, directories, stdin and gzip,
//!   in bounded memory, replacing (and counting) invalid UTF-8.
//! * [`Normalizer`] (NFKC, lowercase, accent stripping) and [`PreTokenizer`]
//!   (whitespace, Unicode words, Chinese segmentation) compose a
//!   [`Tokenizer`], a serde config.
//! * [`count_corpus`] builds a [`Vocab`] in one streaming, parallel pass.
//! * [`bpe`] is byte-level BPE: GPT-2's and tiktoken's encodings, HF
//!   `tokenizer.json` models, and a trainer.
//! * [`ngrams`] gives fastText-compatible character n-gram bucket ids.
//! * [`phrases`] learns phrases (`new_york`) as word2phrase and gensim do, and
//!   joins them before training.
//! * [`synthetic`] generates the planted-relation corpus the demo and tests
//!   train on.
//!
//! Where this crate sits among the others: `docs/ARCHITECTURE.md` in the
//! repository.
//!
//! ```
//! use embedpos_tokenize::{count_corpus, CorpusReader, Normalizer, PreTokenizer, Tokenizer, VocabConfig};
//!
//! let text = "The cat sat.\nThe dog sat!\n";
//! let mut reader = CorpusReader::from_reader("example", std::io::Cursor::new(text));
//! let tokenizer = Tokenizer {
//!     normalizer: Normalizer { lowercase: true, ..Default::default() },
//!     pre_tokenizer: PreTokenizer::Words { keep_punctuation: false },
//!     model: None,
//! };
//! let cfg = VocabConfig { min_count: 1, ..Default::default() };
//! let (vocab, stats) = count_corpus(&mut reader, &tokenizer, &cfg, 1)?;
//! assert_eq!(stats.tokens, 6);
//! assert_eq!(&vocab.tokens()[..2], ["sat", "the"]);
//! assert_eq!(vocab.id("cat"), Some(2));
//! # Ok::<(), embedpos_tokenize::Error>(())
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod bpe;
mod corpus;
mod count;
mod error;
pub mod ngrams;
mod normalize;
pub mod phrases;
mod pretokenize;
pub mod synthetic;
mod tokenizer;
mod vocab;

pub use bpe::{Bpe, BpeTrainConfig, BpeTrainer, Pattern};
pub use corpus::{ByteCounter, CorpusReader, Input, ReadStats, DEFAULT_MAX_LINE_BYTES};
pub use count::{count_corpus, TokenCounter, VocabConfig, VocabStats};
pub use error::{Error, Result};
pub use ngrams::NgramConfig;
pub use normalize::Normalizer;
pub use phrases::{
    learn_phrases, ApplyStats, PassStats, PhraseTable, Phrases, PhrasesConfig, Scorer, TokenBuf,
};
pub use pretokenize::PreTokenizer;
pub use tokenizer::{Scratch, TokenModel, Tokenizer};
pub use vocab::Vocab;
