//! Phrase detection: word2vec's `word2phrase` and gensim's `Phrases` with
//! the `npmi` scorer.
//!
//! A phrase is a pair of adjacent tokens that occurs together much more
//! often than its parts alone would suggest ("new york", "prime minister").
//! Learning counts every token and every adjacent pair of a corpus in one
//! streaming, parallel pass, scores each pair and keeps those above a
//! threshold in a [`PhraseTable`]; applying joins such pairs into one token
//! (`new_york`) as a pre-tokenisation step, so a trainer then learns one
//! vector for the phrase. Repeated passes ([`PhrasesConfig::passes`]) learn
//! again on the joined text, which builds phrases of three and four words,
//! as people run word2phrase twice.
//!
//! The two scorers follow their reference in everything that changes the
//! output (see [`Scorer`]); with [`Scorer::Word2Phrase`] at its defaults the
//! text [`Phrases::apply_corpus`] writes is byte for byte what
//! `word2phrase -train IN -output OUT` writes (checked by the end-to-end
//! tests and `cargo xtask bench phrases`).
//!
//! Applying is greedy from left to right, as both references do: when a
//! pair is joined, the word after it starts a new pair, so `a b c` with the
//! phrases `a b` and `b c` becomes `a_b c`.
//!
//! Where the output can still differ from word2phrase's, none of which
//! occurs in the benchmark corpus:
//!
//! * words are split by the [`Tokenizer`] (by default on Unicode
//!   whitespace); word2phrase splits on space, tab and newline only and
//!   deletes `\r` anywhere, so `a\u{b}b` is one word for it and two here;
//! * word2phrase cuts a long word at byte 58 even inside a UTF-8 character;
//!   here the cut is at the character boundary before it;
//! * the [`CorpusReader`] replaces invalid UTF-8 and splits lines longer than
//!   1 MiB; word2phrase drops the last word of a file without a final
//!   newline, and reads a token `</s>` as a line end;
//! * word2phrase pairs the first word of the corpus with an uninitialised
//!   buffer, and its vocabulary sort forgets its rarest entry when none is
//!   seen fewer than `min_count` times (with `min_count` 1, say); neither is
//!   copied;
//! * counts are pruned past [`PhrasesConfig::prune_cap`] per thread,
//!   word2phrase past 350 million entries.
//!
//! ```
//! use embedpos_tokenize::{learn_phrases, CorpusReader, PhrasesConfig, TokenBuf, Tokenizer};
//!
//! let text = "we met in new york today\n".repeat(20) + &"new ideas and old york\n".repeat(3);
//! let open = |_pass: usize| Ok(CorpusReader::from_reader("mem", std::io::Cursor::new(text.clone())));
//! let cfg = PhrasesConfig { threshold: 1.0, ..Default::default() };
//! let (phrases, stats) = learn_phrases(open, &Tokenizer::default(), &cfg, 1)?;
//! assert_eq!(stats[0].tokens, 135);
//! assert!(phrases.passes()[0].score("new", "york").is_some());
//!
//! let mut out = TokenBuf::new();
//! phrases.apply(["i", "love", "new", "york"], &mut out);
//! assert_eq!(out.to_vec(), ["i", "love", "new_york"]);
//! # Ok::<(), embedpos_tokenize::Error>(())
//! ```

mod corpus;
mod count;
mod file;
mod score;
mod table;

pub use corpus::ApplyStats;
pub use table::{PhraseTable, TokenBuf};

use crate::corpus::{CorpusReader, ReadStats};
use crate::error::{Error, Result};
use crate::tokenizer::{Scratch, Tokenizer};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// word2phrase.c keeps a word in `char word[MAX_STRING]` with
/// `MAX_STRING` 60: `ReadWord` keeps the first 58 bytes of a longer word.
pub const WORD2PHRASE_MAX_WORD_BYTES: usize = 58;

/// word2phrase.c cuts the key `a_b` of a pair to `MAX_STRING - 1` = 59
/// bytes, so long pairs that share their first 59 bytes share one count.
pub const WORD2PHRASE_MAX_KEY_BYTES: usize = 59;

/// How a pair is scored, and with it whose rules of counting and applying
/// are followed: each scorer reproduces its reference tool.
///
/// Both count unigrams and pairs in one namespace, as the references do:
/// the count of the pair (`new`, `york`) is the count of the string
/// `new_york`, which a token `new_york` (from an earlier pass, or in the
/// text) also adds to, and the count of the token `new_york` includes the
/// pairs (`new`, `york`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scorer {
    /// word2vec's `word2phrase.c` (Mikolov et al. 2013, "Distributed
    /// representations of words and phrases", eq. 6):
    ///
    /// `score = (pab − min_count) / (pa · pb) · train_words`
    ///
    /// in `f32` from the integer counts, compared with the threshold as an
    /// `f32`; a pair is a phrase when `pa`, `pb` and `pab` are all at least
    /// `min_count` and `score > threshold`. `train_words` counts every
    /// token. The source writes `(pab − min_count) / pa / pb · train_words`;
    /// the build the PyPI package `word2vec` makes (the one the tests and the
    /// benchmark run) multiplies `pa · pb` first, and so do we, so that a
    /// score on the edge of the threshold falls on the same side. (On the
    /// benchmark corpus the two orders give different last bits for 43,333
    /// pairs, none of them on the other side of a threshold of 10, 100 or
    /// 1000.)
    ///
    /// Also as word2phrase does: pairs are counted across line ends (but
    /// never joined across them), a word longer than
    /// [`WORD2PHRASE_MAX_WORD_BYTES`] is cut to that many bytes (at a
    /// character boundary; word2phrase cuts bytes), in the output too, and a
    /// pair's key is cut to [`WORD2PHRASE_MAX_KEY_BYTES`].
    #[default]
    Word2Phrase,
    /// gensim's `Phrases(scoring="npmi")`: the normalised pointwise mutual
    /// information of Bouma (2009), in `f64`,
    ///
    /// `npmi = ln(p(a,b) / (p(a) · p(b))) / −ln(p(a,b))`, with `p(x) = count(x) / N`,
    ///
    /// in [−1, 1]; `N` counts every token. As in gensim, `min_count` applies
    /// to the pair's count only, pairs never span lines and no word is cut.
    Npmi,
}

impl Scorer {
    /// The name in phrase files and on the command line: `word2phrase`, `npmi`.
    pub fn name(self) -> &'static str {
        match self {
            Scorer::Word2Phrase => "word2phrase",
            Scorer::Npmi => "npmi",
        }
    }

    /// The scorer named `name` (see [`Scorer::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "word2phrase" => Some(Scorer::Word2Phrase),
            "npmi" => Some(Scorer::Npmi),
            _ => None,
        }
    }

    /// The bytes a token is cut to before it is counted or looked up.
    pub(crate) fn max_word_bytes(self) -> Option<usize> {
        match self {
            Scorer::Word2Phrase => Some(WORD2PHRASE_MAX_WORD_BYTES),
            Scorer::Npmi => None,
        }
    }

    /// The bytes a pair's key is cut to.
    pub(crate) fn max_key_bytes(self) -> Option<usize> {
        match self {
            Scorer::Word2Phrase => Some(WORD2PHRASE_MAX_KEY_BYTES),
            Scorer::Npmi => None,
        }
    }

    /// Whether the last token of a line and the first of the next make a
    /// pair when counting.
    pub(crate) fn pairs_span_lines(self) -> bool {
        self == Scorer::Word2Phrase
    }
}

/// How phrases are learnt. `Default` is word2phrase's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhrasesConfig {
    /// The scoring rule (and the reference whose rules are followed).
    pub scorer: Scorer,
    /// A pair is a phrase when its score is greater than this: word2phrase's
    /// `-threshold` (default 100; at least 0); for `npmi` a value in
    /// [−1, 1], which must be given since 100 is out of range.
    pub threshold: f64,
    /// word2phrase's `-min-count` (default 5): with its scorer the two words
    /// and the pair must each be seen this often; with `npmi` the pair (as in
    /// gensim). At least 1.
    pub min_count: u64,
    /// Joins the words of a phrase (`_`, which word2phrase hard-codes). Not
    /// empty and without whitespace, so that a phrase stays one token.
    pub delimiter: String,
    /// Learning passes (default 1). Pass `k` learns on the text that the
    /// phrases of passes `1..k` have joined, as running word2phrase `k` times
    /// on its own output does; each pass can double the length of a phrase.
    pub passes: usize,
    /// When a counting thread holds more distinct tokens and pairs than this,
    /// the rarest are pruned as word2phrase's `ReduceVocab` does: every one
    /// seen at most `r` times is removed, then `r` grows by one (starting at
    /// 1). Pruned counts are lost, so a cap that is hit makes counts
    /// approximate, as in the references. Default 40 million (gensim's
    /// `max_vocab_size`; word2phrase prunes past 350 million, which would
    /// take over 10 GB here). An entry takes about 40 bytes, so a thread at
    /// the default cap holds about 1.6 GB; the benchmark corpus (8 million
    /// tokens) needs 2.8 million entries.
    pub prune_cap: usize,
}

impl Default for PhrasesConfig {
    fn default() -> Self {
        PhrasesConfig {
            scorer: Scorer::Word2Phrase,
            threshold: 100.0,
            min_count: 5,
            delimiter: "_".into(),
            passes: 1,
            prune_cap: 40_000_000,
        }
    }
}

impl PhrasesConfig {
    /// Rejects settings that cannot work, saying why in library terms.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Config(m));
        if !self.threshold.is_finite() {
            return bad(format!("threshold {} is not a number", self.threshold));
        }
        match self.scorer {
            Scorer::Word2Phrase if self.threshold < 0.0 => {
                return bad(format!(
                    "threshold {} is negative: word2phrase scores are at least 0, and word2phrase \
                     joins every pair of a line under a negative threshold; give 0 or more \
                     (its default is 100)",
                    self.threshold
                ))
            }
            Scorer::Npmi if !(-1.0..=1.0).contains(&self.threshold) => {
                return bad(format!(
                    "threshold {} is outside [-1, 1], the range of npmi scores; give one in that \
                     range (0.5 is a common start)",
                    self.threshold
                ))
            }
            _ => {}
        }
        if self.min_count == 0 {
            return bad(
                "min_count must be at least 1 (word2phrase divides by zero after a join with \
                 min_count 0, and gensim rejects it)"
                    .into(),
            );
        }
        if self.delimiter.is_empty() || self.delimiter.chars().any(char::is_whitespace) {
            return bad(format!(
                "delimiter {:?} must be non-empty and free of whitespace, so that a joined \
                 phrase stays one token",
                self.delimiter
            ));
        }
        if self.passes == 0 {
            return bad("passes must be at least 1".into());
        }
        if self.prune_cap < 2 {
            return bad("prune_cap must be at least 2 distinct tokens and pairs".into());
        }
        Ok(())
    }
}

/// What one learning pass saw and kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PassStats {
    /// Tokens read (word2phrase's `train_words`, gensim's `corpus_word_count`).
    pub tokens: u64,
    /// Distinct tokens counted (after any pruning).
    pub words: u64,
    /// Distinct adjacent pairs counted (after any pruning).
    pub pairs: u64,
    /// Distinct tokens and pairs removed while counting because
    /// [`PhrasesConfig::prune_cap`] was hit.
    pub pruned: u64,
    /// Phrases found: pairs scoring above the threshold.
    pub phrases: u64,
    /// What the reader saw (lines, bytes, invalid UTF-8).
    pub read: ReadStats,
}

/// Learnt phrases: one [`PhraseTable`] per pass and the settings they were
/// learnt with. Applied with [`Phrases::apply`] (tokens),
/// [`Phrases::apply_line`] (a line through a tokenizer) or
/// [`Phrases::apply_corpus`] (a corpus to text); saved and loaded as text
/// ([`Phrases::save`], [`Phrases::load`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Phrases {
    scorer: Scorer,
    threshold: f64,
    min_count: u64,
    delimiter: String,
    passes: Vec<PhraseTable>,
}

impl Phrases {
    /// No phrases yet, with the settings of `cfg`.
    fn empty(cfg: &PhrasesConfig) -> Self {
        Phrases {
            scorer: cfg.scorer,
            threshold: cfg.threshold,
            min_count: cfg.min_count,
            delimiter: cfg.delimiter.clone(),
            passes: Vec::new(),
        }
    }

    /// The scorer the phrases were learnt with.
    pub fn scorer(&self) -> Scorer {
        self.scorer
    }

    /// The threshold the phrases were learnt with.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The minimum count the phrases were learnt with.
    pub fn min_count(&self) -> u64 {
        self.min_count
    }

    /// What joins the words of a phrase.
    pub fn delimiter(&self) -> &str {
        &self.delimiter
    }

    /// The tables, one per learning pass, in the order they apply.
    pub fn passes(&self) -> &[PhraseTable] {
        &self.passes
    }

    /// The phrases of every pass.
    pub fn len(&self) -> usize {
        self.passes.iter().map(PhraseTable::len).sum()
    }

    /// Whether no pass found a phrase.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Joins the phrases in `tokens`, every pass in turn, into `out`
    /// (cleared first). With [`Scorer::Word2Phrase`] a token longer than
    /// [`WORD2PHRASE_MAX_WORD_BYTES`] is cut, as word2phrase does.
    ///
    /// ```
    /// # use embedpos_tokenize::{Phrases, TokenBuf};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let path = dir.path().join("p.txt");
    /// # std::fs::write(&path, "embedpos-phrases v1 scorer=word2phrase threshold=100 min_count=5 delimiter=_ passes=1\n--- pass 1 of 1: 2 phrases ---\na b 200\nb c 150\n").unwrap();
    /// let phrases = Phrases::load(&path)?; // the phrases `a b` and `b c`
    /// let mut out = TokenBuf::new();
    /// phrases.apply(["a", "b", "c", "b", "c"], &mut out);
    /// assert_eq!(out.to_vec(), ["a_b", "c", "b_c"]);
    /// # Ok::<(), embedpos_tokenize::Error>(())
    /// ```
    pub fn apply<'a>(&self, tokens: impl IntoIterator<Item = &'a str>, out: &mut TokenBuf) {
        table::run_passes(&self.passes, &self.delimiter, out, |push| {
            for t in tokens {
                push(t);
            }
        });
    }

    /// Splits `line` with `tokenizer` and joins its phrases into `out`
    /// (cleared first), allocating nothing once the buffers have grown.
    pub fn apply_line(
        &self,
        line: &str,
        tokenizer: &Tokenizer,
        scratch: &mut Scratch,
        out: &mut TokenBuf,
    ) {
        table::run_passes(&self.passes, &self.delimiter, out, |push| {
            tokenizer.for_each_token(line, scratch, push)
        });
    }

    /// Saves the phrases as text, atomically; see [`Phrases::load`] for the
    /// format.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        file::save(self, path.as_ref())
    }

    /// Loads phrases that [`Phrases::save`] wrote.
    ///
    /// The format is UTF-8 text. The first line names the format and the
    /// settings; then each pass is a line `--- pass K of P: N phrases ---`
    /// followed by its `N` phrases, one `word_a word_b score` a line, by
    /// score descending (tokens hold no whitespace):
    ///
    /// ```text
    /// embedpos-phrases v1 scorer=word2phrase threshold=100 min_count=5 delimiter=_ passes=2
    /// --- pass 1 of 2: 2 phrases ---
    /// new york 18613.4
    /// prime minister 2075.1
    /// --- pass 2 of 2: 1 phrases ---
    /// new_york city 1121.7
    /// ```
    ///
    /// A file that is not in this format, cut short or inconsistent (a
    /// missing setting, a duplicate phrase, fewer phrases than announced) is
    /// an [`Error::Parse`] naming the file and line.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        file::load(path.as_ref())
    }

    /// Whether `path` starts as a phrase file does (its first word), so
    /// that a caller can tell it from other tokenizer files; `false` when
    /// it cannot be read.
    pub fn is_phrase_file(path: impl AsRef<Path>) -> bool {
        file::starts_like_one(path.as_ref())
    }
}

/// Learns phrases from a corpus, [`PhrasesConfig::passes`] passes over it.
///
/// `open(k)` is called at the start of pass `k` (from 1) for a new reader of
/// the whole corpus, which is read once per pass (copy standard input to a
/// file first to learn more than one pass from it). Lines are split by
/// `tokenizer`; pass `k > 1` joins the phrases of the earlier passes before
/// counting. A pass that finds no phrase ends the learning early: the passes
/// after it would see the same text and find none either; their tables are
/// empty and their stats repeat its own.
///
/// With `threads > 1` one thread reads and `threads` threads count batches of
/// about 1 MiB of lines; the counts are merged at the end, and without
/// pruning they equal a single thread's. Memory: the distinct tokens and
/// pairs (see [`PhrasesConfig::prune_cap`]) per thread, and a few batches.
///
/// Errors: a bad configuration ([`Error::Config`]) and whatever `open` or
/// reading returns.
pub fn learn_phrases(
    open: impl FnMut(usize) -> Result<CorpusReader>,
    tokenizer: &Tokenizer,
    cfg: &PhrasesConfig,
    threads: usize,
) -> Result<(Phrases, Vec<PassStats>)> {
    learn_batched(open, tokenizer, cfg, threads, crate::corpus::BATCH_BYTES)
}

/// [`learn_phrases`] with batches of about `batch_bytes` of lines.
fn learn_batched(
    mut open: impl FnMut(usize) -> Result<CorpusReader>,
    tokenizer: &Tokenizer,
    cfg: &PhrasesConfig,
    threads: usize,
    batch_bytes: usize,
) -> Result<(Phrases, Vec<PassStats>)> {
    cfg.validate()?;
    let mut phrases = Phrases::empty(cfg);
    let mut stats: Vec<PassStats> = Vec::with_capacity(cfg.passes);
    for pass in 1..=cfg.passes {
        if let Some(last) = stats.last().filter(|s| s.phrases == 0) {
            let last = *last;
            stats.push(last);
            phrases.passes.push(PhraseTable::empty(cfg.scorer));
            continue;
        }
        let mut reader = open(pass)?;
        let counter = count::count_pass(
            &mut reader,
            tokenizer,
            &phrases,
            cfg,
            threads.max(1),
            batch_bytes,
        )?;
        let (table, mut st) = score::score_pass(counter, cfg);
        st.read = reader.stats();
        phrases.passes.push(table);
        stats.push(st);
    }
    Ok((phrases, stats))
}

/// Cuts `token` to at most `max` bytes, at a character boundary.
#[inline]
pub(crate) fn cut(token: &str, max: Option<usize>) -> &str {
    match max {
        Some(m) if token.len() > m => &token[..token.floor_char_boundary(m)],
        _ => token,
    }
}

#[cfg(test)]
mod tests;
