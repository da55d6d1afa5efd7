//! The `Tokenizer`: a normaliser and a pre-tokeniser composed from a serde
//! config, and optionally a learned [`TokenModel`] (byte-level BPE) loaded
//! from a file.

use crate::bpe::{Bpe, BpeScratch, Pattern};
use crate::error::{Error, Result};
use crate::normalize::Normalizer;
use crate::phrases::{Phrases, TokenBuf};
use crate::pretokenize::PreTokenizer;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// Normaliser + pre-tokeniser. The default splits on whitespace and changes
/// nothing, as word2vec and fastText do.
///
/// ```
/// use embedpos_tokenize::{Normalizer, PreTokenizer, Tokenizer};
/// let t = Tokenizer {
///     normalizer: Normalizer { lowercase: true, ..Default::default() },
///     pre_tokenizer: PreTokenizer::Words { keep_punctuation: false },
///     model: None,
/// };
/// assert_eq!(t.tokenize("Hello, World!"), ["hello", "world"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tokenizer {
    /// Applied to each line first.
    pub normalizer: Normalizer,
    /// Splits the normalised line (unless `model` is BPE, which splits by
    /// its own pattern).
    pub pre_tokenizer: PreTokenizer,
    /// A learned model applied to the normalised line. It is loaded from a
    /// file and not part of the serde config (which records the normaliser
    /// and pre-tokeniser only).
    #[serde(skip)]
    pub model: Option<TokenModel>,
}

/// A learned tokenizer model, shared cheaply between threads and configs.
#[derive(Clone)]
pub enum TokenModel {
    /// Byte-level BPE: its pattern splits the text and its merges make the
    /// tokens, given in GPT-2's byte-mapped spelling (`Ġthe` for " the"),
    /// which is how a vector file names them.
    Bpe(Arc<Bpe>),
    /// A phrase table: the pre-tokeniser's words, with the learnt phrases
    /// joined (`new_york`), as `embedpos phrases apply` writes them.
    Phrases(Arc<Phrases>),
}

impl PartialEq for TokenModel {
    /// The same loaded model (not merely equal contents).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (TokenModel::Bpe(a), TokenModel::Bpe(b)) => Arc::ptr_eq(a, b),
            (TokenModel::Phrases(a), TokenModel::Phrases(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl std::fmt::Debug for TokenModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenModel::Bpe(b) => write!(
                f,
                "Bpe {{ vocab: {}, pattern: {} }}",
                b.vocab_size(),
                b.pattern().name()
            ),
            TokenModel::Phrases(p) => write!(
                f,
                "Phrases {{ phrases: {}, scorer: {}, threshold: {} }}",
                p.len(),
                p.scorer().name(),
                p.threshold()
            ),
        }
    }
}

impl TokenModel {
    /// Loads a tokenizer model, telling its kind from the file:
    ///
    /// * a phrase table written by `embedpos phrases learn`;
    /// * a Hugging Face `tokenizer.json` (a JSON object): its BPE model;
    /// * GPT-2's `vocab.json` (a JSON object of tokens to ids) with
    ///   `merges.txt` in the same folder;
    /// * a tiktoken rank file (`*.tiktoken`, optionally `.gz`): the pattern
    ///   and special tokens come from its name (`r50k_base`, `p50k_base`,
    ///   `gpt2`: GPT-2's; `cl100k_base`: cl100k's; `o200k_base`: o200k's);
    ///   another name is an error that says how to rename it.
    pub fn load(path: &Path) -> Result<TokenModel> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if Phrases::is_phrase_file(path) {
            return Ok(TokenModel::Phrases(Arc::new(Phrases::load(path)?)));
        }
        let stem = name.trim_end_matches(".gz").trim_end_matches(".tiktoken");
        if name.ends_with(".tiktoken") || name.ends_with(".tiktoken.gz") {
            let bpe = if stem.contains("cl100k") {
                Bpe::cl100k_base(path)?
            } else if stem.contains("r50k") || stem.contains("gpt2") {
                Bpe::r50k_base(path)?
            } else if stem.contains("p50k") {
                Bpe::from_tiktoken(path, Pattern::Gpt2, &[("<|endoftext|>", 50256)])?
            } else if stem.contains("o200k") {
                Bpe::from_tiktoken(
                    path,
                    Pattern::O200k,
                    &[("<|endoftext|>", 199999), ("<|endofprompt|>", 200018)],
                )?
            } else {
                return Err(Error::BpeFile {
                    path: path.to_path_buf(),
                    line: None,
                    message: "a tiktoken rank file does not say which pattern splits its \
                              text: name it after its encoding (r50k_base, p50k_base, \
                              cl100k_base or o200k_base, e.g. cl100k_base.tiktoken)"
                        .into(),
                });
            };
            return Ok(TokenModel::Bpe(Arc::new(bpe)));
        }
        if name == "vocab.json" {
            let merges = path.with_file_name("merges.txt");
            if merges.is_file() {
                return Ok(TokenModel::Bpe(Arc::new(Bpe::from_gpt2_files(
                    path, &merges,
                )?)));
            }
        }
        Ok(TokenModel::Bpe(Arc::new(Bpe::from_tokenizer_json(path)?)))
    }
}

/// Reusable buffers for [`Tokenizer::for_each_token`]: one per thread.
#[derive(Debug, Default)]
pub struct Scratch {
    norm: String,
    spans: Vec<Range<usize>>,
    bpe: BpeScratch,
    phrases: TokenBuf,
}

impl Tokenizer {
    /// Calls `f` with each token of `line`, allocating nothing once `scratch`
    /// has grown to the longest line.
    #[inline]
    pub fn for_each_token(&self, line: &str, scratch: &mut Scratch, mut f: impl FnMut(&str)) {
        let Scratch {
            norm,
            spans,
            bpe,
            phrases,
        } = scratch;
        let text = self.normalizer.normalize(line, norm);
        if let Some(TokenModel::Bpe(model)) = &self.model {
            model.for_each_token_str(text, bpe, f);
            return;
        }
        spans.clear();
        self.pre_tokenizer.pre_tokenize(text, spans);
        match &self.model {
            Some(TokenModel::Phrases(p)) => {
                p.apply(spans.iter().map(|r| &text[r.clone()]), phrases);
                for t in phrases.iter() {
                    f(t);
                }
            }
            _ => {
                for r in spans.iter() {
                    f(&text[r.clone()]);
                }
            }
        }
    }

    /// The tokens of `line` as owned strings (convenient, allocates).
    pub fn tokenize(&self, line: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_token(line, &mut Scratch::default(), |t| out.push(t.to_owned()));
        out
    }

    /// This tokenizer with `model` applied after the normaliser.
    pub fn with_model(mut self, model: TokenModel) -> Tokenizer {
        self.model = Some(model);
        self
    }

    /// A short description for reports and file headers: the normaliser,
    /// the pre-tokeniser and the model's kind and size.
    pub fn describe(&self) -> String {
        match &self.model {
            Some(m) => format!("{:?} {:?}", self.normalizer, m),
            None => format!("{:?} {:?}", self.normalizer, self.pre_tokenizer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bpe_model_gives_byte_mapped_tokens() {
        let text = "the cat sat on the mat\nthe dog sat on the log\n".repeat(20);
        let mut reader = crate::CorpusReader::from_reader("mem", std::io::Cursor::new(text));
        let cfg = crate::bpe::BpeTrainConfig {
            vocab_size: 300,
            ..Default::default()
        };
        let (bpe, _) = crate::bpe::BpeTrainer::new(cfg)
            .train(&mut reader, &mut ())
            .unwrap();
        let t = Tokenizer {
            normalizer: Normalizer {
                lowercase: true,
                ..Default::default()
            },
            ..Default::default()
        }
        .with_model(TokenModel::Bpe(Arc::new(bpe)));
        assert_eq!(t.tokenize("The cat sat"), ["the", "Ġcat", "Ġsat"]);
        assert!(t.describe().contains("Bpe { vocab: "), "{}", t.describe());
        assert_eq!(t.clone(), t);
    }

    #[test]
    fn a_phrase_table_joins_words() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("phrases.txt");
        std::fs::write(
            &p,
            "embedpos-phrases v1 scorer=word2phrase threshold=100 min_count=5 delimiter=_ passes=1\n--- pass 1 of 1: 1 phrases ---\nnew york 200\n",
        )
        .unwrap();
        let t = Tokenizer::default().with_model(TokenModel::load(&p).unwrap());
        assert_eq!(t.tokenize("in new york now"), ["in", "new_york", "now"]);
        assert!(
            t.describe().contains("Phrases { phrases: 1"),
            "{}",
            t.describe()
        );
    }

    #[test]
    fn a_rank_file_needs_a_telling_name() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("mine.tiktoken");
        std::fs::write(&p, "YQ== 0\n").unwrap();
        let e = TokenModel::load(&p).unwrap_err().to_string();
        assert!(e.contains("cl100k_base.tiktoken"), "{e}");
    }
}
