//! Learning BPE merges from a corpus, as HF tokenizers' `BpeTrainer` does;
//! the method is described on [`BpeTrainer`].

use super::bytemap::byte_to_char;
use super::merge::{pack, pair_key, PairMap};
use super::model::{AddedToken, Bpe, Origin};
use super::pattern::Pattern;
use super::specials::Specials;
use crate::corpus::{ByteCounter, CorpusReader, ReadStats};
use crate::count::{count_lines, TokenCounter};
use crate::error::{Error, Result};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

/// How BPE is trained. `Default` is HF `BpeTrainer`'s defaults with GPT-2's
/// pattern (vocabulary 30000, no minimum frequency, no special tokens).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BpeTrainConfig {
    /// The vocabulary size to reach: special tokens + 256 bytes + merges.
    /// Training stops earlier when no pair is left (or none is frequent
    /// enough).
    pub vocab_size: usize,
    /// A pair seen fewer times is not merged (HF's `min_frequency`).
    pub min_frequency: u64,
    /// Special tokens, given ids 0, 1, ... in this order.
    pub special_tokens: Vec<String>,
    /// How text is cut into pieces.
    pub pattern: Pattern,
    /// When more distinct pieces than this are held while counting, the
    /// rarest are pruned (every piece seen ≤ r times, r growing from 1), as
    /// [`VocabConfig::prune_cap`](crate::VocabConfig::prune_cap) does;
    /// pruned counts are lost, so a cap that is hit makes the merges
    /// approximate. Default: 21 million.
    pub max_pretokens: usize,
    /// Counting and merging threads; 0: all cores. The merges do not depend
    /// on it (unless pruning happens, which each counting thread does on its
    /// own).
    pub threads: usize,
}

impl Default for BpeTrainConfig {
    fn default() -> Self {
        BpeTrainConfig {
            vocab_size: 30_000,
            min_frequency: 0,
            special_tokens: Vec::new(),
            pattern: Pattern::Gpt2,
            max_pretokens: 21_000_000,
            threads: 0,
        }
    }
}

impl BpeTrainConfig {
    /// Rejects settings that cannot work.
    pub fn validate(&self) -> Result<()> {
        let floor = 256 + self.special_tokens.len();
        if self.vocab_size < floor {
            return Err(Error::Config(format!(
                "vocab_size {} is below the {floor} ids the 256 bytes and {} special tokens take; give at least {floor}",
                self.vocab_size,
                self.special_tokens.len()
            )));
        }
        if self.vocab_size > u32::MAX as usize - 1 {
            return Err(Error::Config("vocab_size must fit in 32 bits".into()));
        }
        if self.max_pretokens < 2 {
            return Err(Error::Config(
                "max_pretokens must be at least 2 distinct pieces".into(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for s in &self.special_tokens {
            if s.is_empty() {
                return Err(Error::Config("a special token is empty".into()));
            }
            if !seen.insert(s) {
                return Err(Error::Config(format!(
                    "the special token {s:?} is given twice"
                )));
            }
        }
        self.pattern.compile()?;
        Ok(())
    }

    fn threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

/// How counting is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CountProgress {
    /// On-disk bytes read so far (compressed, for gzip input).
    pub bytes: u64,
    /// The summed size of the inputs, `None` when reading standard input.
    pub total_bytes: Option<u64>,
    /// Time since training started.
    pub elapsed: Duration,
}

/// How merging is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MergeProgress {
    /// Merges learnt so far.
    pub merges: usize,
    /// Merges needed to reach the vocabulary size (fewer may be learnt).
    pub target: usize,
    /// Distinct pieces (words) being merged.
    pub words: usize,
    /// Time since training started.
    pub elapsed: Duration,
}

/// Watches training (the push model of the crate's trainers): every method
/// has a default that does nothing; [`ControlFlow::Break`] stops the phase
/// cleanly — counting stops reading and trains on what was read, merging
/// stops and returns the model learnt so far. `()` is the observer that
/// watches nothing.
pub trait BpeObserver {
    /// Called after each batch of about 1 MiB of text has been read.
    fn on_count(&mut self, _progress: &CountProgress) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }

    /// Called after each merge (and once before the first).
    fn on_merge(&mut self, _progress: &MergeProgress) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

impl BpeObserver for () {}

/// What a training run saw and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BpeTrainStats {
    /// What the reader saw.
    pub read: ReadStats,
    /// Pieces counted.
    pub pieces: u64,
    /// Distinct pieces merged over (after pruning).
    pub distinct: u64,
    /// Distinct pieces pruned while counting (see `max_pretokens`).
    pub pruned: u64,
    /// Merges learnt.
    pub merges: u64,
    /// The vocabulary size reached.
    pub vocab_size: u64,
    /// An observer stopped counting or merging early.
    pub stopped: bool,
}

/// Trains byte-level BPE, as HF tokenizers' `BpeTrainer` does.
///
/// 1. **Count** the pieces of the corpus (special tokens cut out, then the
///    [`Pattern`]) in one streaming, parallel pass, pruning the rarest when
///    more than [`BpeTrainConfig::max_pretokens`] distinct pieces are held
///    (as the crate's vocabulary counting does).
/// 2. **Ids**: the special tokens first, then the 256 bytes in the order of
///    their GPT-2 characters (HF's byte-level initial alphabet, sorted by
///    code point as HF sorts it), then one id per merge.
/// 3. **Merge**: each piece is a word of byte symbols with its count; pair
///    counts and, for each pair, the words it occurs in are built once; a
///    max-heap of pairs (count, then the smaller pair of ids first, HF's
///    order) is popped, an entry whose count has fallen since it was queued
///    is pushed back with its new count (lazy re-validation), and a merge
///    rewrites only the words the pair occurs in and adjusts the counts of
///    the pairs it broke and made. Nothing is rescanned per merge.
///
/// The merges are those HF's `BpeTrainer` learns from the same word counts
/// with `initial_alphabet = ByteLevel.alphabet()`: a test checks a fixture
/// trained by HF, and on a 42 MB English corpus at 32000 ids the vocabulary
/// and merges were identical too. Where we differ: special tokens found in the corpus are
/// cut out before counting (HF counts their pieces as text); the corpus is
/// read as lines without their line ends (as HF's `train_from_iterator` of
/// lines; HF's `train(files)` keeps the `\n`); counts are `u64` (HF's pair
/// counts are `i32` and overflow past 2³¹).
#[derive(Debug, Clone, Default)]
pub struct BpeTrainer {
    config: BpeTrainConfig,
}

/// A heap entry: HF's `Merge`. Ordered by count, then the smaller pair.
#[derive(Debug)]
struct Candidate {
    count: u64,
    pair: (u32, u32),
    words: Vec<u32>,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.count
            .cmp(&other.count)
            .then_with(|| other.pair.cmp(&self.pair))
    }
}

/// A pair's change of count in one word: HF's `Word::merge` result.
type Change = ((u32, u32), i32);

/// Merges every `(a, b)` in `word`, left to right, into `new`, and records
/// the pairs broken (−1) and made (+1) next to each merge, exactly as HF's
/// `Word::merge` does (including when merges touch: `a a a a` → `X X`).
fn merge_word(word: &mut Vec<u32>, a: u32, b: u32, new: u32, changes: &mut Vec<Change>) {
    let n = word.len();
    let (mut r, mut w) = (0, 0);
    while r < n {
        if r + 1 < n && word[r] == a && word[r + 1] == b {
            if w > 0 {
                let prev = word[w - 1];
                changes.push(((prev, a), -1));
                changes.push(((prev, new), 1));
            }
            if r + 2 < n {
                let next = word[r + 2];
                changes.push(((b, next), -1));
                changes.push(((new, next), 1));
            }
            word[w] = new;
            r += 2;
        } else {
            word[w] = word[r];
            r += 1;
        }
        w += 1;
    }
    word.truncate(w);
}

impl BpeTrainer {
    /// A trainer with this configuration.
    pub fn new(config: BpeTrainConfig) -> BpeTrainer {
        BpeTrainer { config }
    }

    /// The configuration.
    pub fn config(&self) -> &BpeTrainConfig {
        &self.config
    }

    /// Counts the pieces of `reader` and learns the merges.
    ///
    /// Errors: a configuration that cannot work (a vocabulary smaller than
    /// the bytes and special tokens...), a read error, a corpus with no text.
    pub fn train(
        &self,
        reader: &mut CorpusReader,
        observer: &mut impl BpeObserver,
    ) -> Result<(Bpe, BpeTrainStats)> {
        let cfg = &self.config;
        cfg.validate()?;
        let start = Instant::now();
        let splitter = cfg.pattern.compile()?;
        let specials = Specials::new(
            cfg.special_tokens
                .iter()
                .enumerate()
                .map(|(i, s)| (s.clone(), i as u32))
                .collect(),
        );
        let bytes: ByteCounter = reader.byte_counter();
        let total_bytes = reader.total_bytes();
        let mut stopped = false;
        let mut tick = || {
            let p = CountProgress {
                bytes: bytes.get(),
                total_bytes,
                elapsed: start.elapsed(),
            };
            let flow = observer.on_count(&p);
            stopped |= flow.is_break();
            flow
        };
        let counter = count_lines(
            reader,
            cfg.max_pretokens,
            cfg.threads(),
            || (),
            |_, line, counter: &mut TokenCounter| {
                let mut from = 0;
                while let Some((s, e, _)) = specials.find(line, from) {
                    splitter.for_each_piece(&line[from..s], |p| counter.add(p));
                    from = e;
                }
                splitter.for_each_piece(&line[from..], |p| counter.add(p));
            },
            &mut tick,
        )?;
        let read = reader.stats();
        if counter.tokens() == 0 {
            let what = if read.bytes == 0 {
                "the corpus is empty".to_string()
            } else {
                format!(
                    "the corpus has {} lines but no text outside special tokens",
                    read.lines
                )
            };
            return Err(Error::EmptyCorpus(format!(
                "{what}; give files with text (or check the paths)"
            )));
        }
        let pieces = counter.tokens();
        let pruned = counter.pruned();
        let counts = counter.into_counts();
        let (bpe, mut stats) = self.merge(counts, observer, start)?;
        stats.read = read;
        stats.pieces = pieces;
        stats.pruned = pruned;
        stats.stopped |= stopped;
        Ok((bpe, stats))
    }

    /// Learns merges from piece counts already made (each piece is a word of
    /// bytes, not cut again); an empty list is an error.
    pub fn train_from_counts<S: AsRef<str>>(
        &self,
        counts: impl IntoIterator<Item = (S, u64)>,
        observer: &mut impl BpeObserver,
    ) -> Result<(Bpe, BpeTrainStats)> {
        self.config.validate()?;
        let counts: Vec<(S, u64)> = counts.into_iter().filter(|(_, c)| *c > 0).collect();
        if counts.iter().all(|(s, _)| s.as_ref().is_empty()) {
            return Err(Error::EmptyCorpus(
                "no piece has a count; give some text".into(),
            ));
        }
        let pieces = counts.iter().map(|(_, c)| c).sum();
        let (bpe, mut stats) = self.merge(counts, observer, Instant::now())?;
        stats.pieces = pieces;
        Ok((bpe, stats))
    }

    fn merge<S: AsRef<str>>(
        &self,
        counts: impl IntoIterator<Item = (S, u64)>,
        observer: &mut impl BpeObserver,
        start: Instant,
    ) -> Result<(Bpe, BpeTrainStats)> {
        let cfg = &self.config;
        let threads = cfg.threads();
        // Ids: special tokens, then the bytes by code point of their
        // character, then merges.
        let mut vocab: Vec<Vec<u8>> = cfg
            .special_tokens
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        let mut by_char: Vec<u8> = (0..=255u8).collect();
        by_char.sort_by_key(|&b| byte_to_char(b));
        let mut byte_id = [0u32; 256];
        for b in by_char {
            byte_id[b as usize] = vocab.len() as u32;
            vocab.push(vec![b]);
        }
        let mut index: FxHashMap<Vec<u8>, u32> = vocab
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();

        // Words in a fixed order (by bytes), so nothing depends on hashing
        // or on the thread count.
        let mut list: Vec<(S, u64)> = counts.into_iter().collect();
        list.sort_unstable_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
        let mut words: Vec<Vec<u32>> = Vec::with_capacity(list.len());
        let mut counts: Vec<u64> = Vec::with_capacity(list.len());
        for (w, c) in &list {
            words.push(w.as_ref().bytes().map(|b| byte_id[b as usize]).collect());
            counts.push(*c);
        }
        drop(list);

        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::Config(format!("cannot start {threads} threads: {e}")))?;

        // Pair counts and where each pair occurs.
        let (mut pair_counts, where_) = pool.install(|| count_pairs(&words, &counts));
        let mut queue: BinaryHeap<Candidate> = BinaryHeap::with_capacity(where_.len());
        let mut initial: Vec<((u32, u32), Vec<u32>)> = where_.into_iter().collect();
        initial.sort_unstable_by_key(|e| e.0);
        for (pair, words) in initial {
            let count = pair_counts[&pair];
            if count > 0 {
                queue.push(Candidate {
                    count: count as u64,
                    pair,
                    words,
                });
            }
        }

        let target = cfg.vocab_size - vocab.len();
        let mut merges: Vec<(u32, u32)> = Vec::with_capacity(target);
        let mut stopped = false;
        let n_words = words.len();
        let progress = |merges: usize| MergeProgress {
            merges,
            target,
            words: n_words,
            elapsed: start.elapsed(),
        };
        if observer.on_merge(&progress(0)).is_break() {
            stopped = true;
        }
        let mut vocab_len = vocab.len();
        while !stopped && vocab_len < cfg.vocab_size {
            let Some(mut top) = queue.pop() else { break };
            let now = pair_counts.get(&top.pair).copied().unwrap_or(0);
            if top.count as i64 != now {
                top.count = now.max(0) as u64;
                queue.push(top);
                continue;
            }
            if top.count < 1 || cfg.min_frequency > top.count {
                break;
            }
            let (a, b) = top.pair;
            let mut joined = vocab[a as usize].clone();
            joined.extend_from_slice(&vocab[b as usize]);
            let new = match index.get(&joined) {
                Some(&id) => id,
                None => {
                    let id = vocab.len() as u32;
                    index.insert(joined.clone(), id);
                    vocab.push(joined);
                    vocab_len += 1;
                    id
                }
            };
            merges.push((a, b));

            let mut at = top.words;
            at.sort_unstable();
            at.dedup();
            let changes = apply_merge(&pool, &mut words, &at, (a, b), new);
            let mut made: FxHashMap<(u32, u32), Vec<u32>> = FxHashMap::default();
            for (w, word_changes) in changes {
                let c = counts[w as usize] as i64;
                for (pair, change) in word_changes {
                    *pair_counts.entry(pair).or_insert(0) += change as i64 * c;
                    if change > 0 {
                        made.entry(pair).or_default().push(w);
                    }
                }
            }
            let mut made: Vec<((u32, u32), Vec<u32>)> = made.into_iter().collect();
            made.sort_unstable_by_key(|e| e.0);
            for (pair, mut ws) in made {
                let count = pair_counts[&pair];
                if count > 0 {
                    ws.dedup();
                    queue.push(Candidate {
                        count: count as u64,
                        pair,
                        words: ws,
                    });
                }
            }
            if observer.on_merge(&progress(merges.len())).is_break() {
                stopped = true;
            }
        }

        let mut pairs = PairMap::default();
        pairs.reserve(merges.len());
        for (n, &(a, b)) in merges.iter().enumerate() {
            let mut joined = vocab[a as usize].clone();
            joined.extend_from_slice(&vocab[b as usize]);
            let m = index[&joined];
            pairs.insert(pair_key(a, b), pack(n as u32, m));
        }
        let added = cfg
            .special_tokens
            .iter()
            .enumerate()
            .map(|(i, s)| AddedToken::special(s.clone(), i as u32))
            .collect();
        let stats = BpeTrainStats {
            distinct: words.len() as u64,
            merges: merges.len() as u64,
            vocab_size: vocab.len() as u64,
            stopped,
            ..Default::default()
        };
        let bpe = Bpe::assemble_added(
            vocab,
            pairs,
            Origin::Merges(merges),
            cfg.pattern.clone(),
            added,
            None,
        )?;
        Ok((bpe, stats))
    }
}

type PairCounts = FxHashMap<(u32, u32), i64>;
type PairWords = FxHashMap<(u32, u32), Vec<u32>>;

/// Pair counts and the words each pair occurs in (each word once, in
/// order), in parallel over chunks of words.
fn count_pairs(words: &[Vec<u32>], counts: &[u64]) -> (PairCounts, PairWords) {
    const CHUNK: usize = 1 << 14;
    let parts: Vec<(PairCounts, PairWords)> = words
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(k, chunk)| {
            let mut pc = PairCounts::default();
            let mut pw = PairWords::default();
            for (j, word) in chunk.iter().enumerate() {
                let w = (k * CHUNK + j) as u32;
                let c = counts[w as usize] as i64;
                for p in word.windows(2) {
                    let pair = (p[0], p[1]);
                    *pc.entry(pair).or_insert(0) += c;
                    let list = pw.entry(pair).or_default();
                    if list.last() != Some(&w) {
                        list.push(w);
                    }
                }
            }
            (pc, pw)
        })
        .collect();
    let mut iter = parts.into_iter();
    let (mut pc, mut pw) = iter.next().unwrap_or_default();
    // Chunks come in order, so appending keeps each list sorted.
    for (c, w) in iter {
        for (k, v) in c {
            *pc.entry(k).or_insert(0) += v;
        }
        for (k, mut v) in w {
            pw.entry(k).or_default().append(&mut v);
        }
    }
    (pc, pw)
}

/// Merges `pair` into `new` in the words `at` (sorted, distinct), on the
/// pool when there are many; each word's changes, in word order.
fn apply_merge(
    pool: &rayon::ThreadPool,
    words: &mut [Vec<u32>],
    at: &[u32],
    (a, b): (u32, u32),
    new: u32,
) -> Vec<(u32, Vec<Change>)> {
    let one = |w: u32, word: &mut Vec<u32>| {
        let mut ch = Vec::new();
        merge_word(word, a, b, new, &mut ch);
        (w, ch)
    };
    if at.len() < 2048 || pool.current_num_threads() < 2 {
        return at.iter().map(|&w| one(w, &mut words[w as usize])).collect();
    }
    // Disjoint `&mut` to the words at `at`, taken in one pass.
    let mut refs: Vec<(u32, &mut Vec<u32>)> = Vec::with_capacity(at.len());
    let mut rest = words.iter_mut();
    let mut next = 0u32;
    for &w in at {
        if let Some(word) = rest.nth((w - next) as usize) {
            refs.push((w, word));
        }
        next = w + 1;
    }
    pool.install(|| refs.into_par_iter().map(|(w, word)| one(w, word)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn train(counts: &[(&str, u64)], cfg: BpeTrainConfig) -> Bpe {
        BpeTrainer::new(cfg)
            .train_from_counts(counts.iter().copied(), &mut ())
            .unwrap()
            .0
    }

    #[test]
    fn merge_word_records_changes_as_hf() {
        // HF's own test: "hello" merging (l, l).
        let mut w = vec![0, 1, 2, 2, 3];
        let mut ch = Vec::new();
        merge_word(&mut w, 2, 2, 4, &mut ch);
        assert_eq!(w, [0, 1, 4, 3]);
        assert_eq!(ch, [((1, 2), -1), ((1, 4), 1), ((2, 3), -1), ((4, 3), 1)]);
        let mut w = vec![7, 7, 7, 7];
        ch.clear();
        merge_word(&mut w, 7, 7, 9, &mut ch);
        assert_eq!(w, [9, 9]);
        assert_eq!(ch, [((7, 7), -1), ((9, 7), 1), ((9, 7), -1), ((9, 9), 1)]);
    }

    #[test]
    fn hf_example_counts_give_hf_merges() {
        // HF's trainer test: with min_frequency 2 the merges are r+e, a+re, i+s.
        let counts = [
            ("roses", 1),
            ("are", 2),
            ("red", 1),
            ("voilets", 1),
            ("blue", 1),
            ("BERT", 1),
            ("is", 2),
            ("big", 1),
            ("and", 1),
            ("so", 1),
            ("GPT-2", 1),
        ];
        let cfg = BpeTrainConfig {
            min_frequency: 2,
            threads: 1,
            ..Default::default()
        };
        let bpe = train(&counts, cfg);
        let strs: Vec<String> = bpe
            .merges()
            .iter()
            .map(|&(a, b)| {
                format!(
                    "{} {}",
                    bpe.token_strings()[a as usize],
                    bpe.token_strings()[b as usize]
                )
            })
            .collect();
        assert_eq!(strs, ["r e", "a re", "i s"]);
        assert_eq!(bpe.vocab_size(), 259);
    }

    #[test]
    fn specials_first_and_errors() {
        let cfg = BpeTrainConfig {
            vocab_size: 300,
            special_tokens: vec!["<s>".into(), "</s>".into()],
            threads: 1,
            ..Default::default()
        };
        let bpe = train(&[("aaab", 5)], cfg);
        assert_eq!(bpe.special_id("<s>"), Some(0));
        assert_eq!(bpe.special_id("</s>"), Some(1));
        assert_eq!(bpe.token_bytes(2), Some(&b"!"[..]));
        assert_eq!(bpe.encode("aaab</s>").last(), Some(&1));

        let small = BpeTrainConfig {
            vocab_size: 257,
            special_tokens: vec!["<s>".into(), "</s>".into()],
            ..Default::default()
        };
        let e = small.validate().unwrap_err().to_string();
        assert!(e.contains("at least 258"), "{e}");
        let e = BpeTrainer::new(BpeTrainConfig::default())
            .train_from_counts(Vec::<(&str, u64)>::new(), &mut ())
            .unwrap_err();
        assert!(matches!(e, Error::EmptyCorpus(_)), "{e}");
        let mut r = CorpusReader::from_reader("mem", &b""[..]);
        let e = BpeTrainer::new(BpeTrainConfig::default())
            .train(&mut r, &mut ())
            .unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
        let mut r = CorpusReader::from_reader("mem", &b"<s>\n<s><s>\n"[..]);
        let cfg = BpeTrainConfig {
            special_tokens: vec!["<s>".into()],
            ..Default::default()
        };
        let e = BpeTrainer::new(cfg).train(&mut r, &mut ()).unwrap_err();
        assert!(e.to_string().contains("outside special tokens"), "{e}");
    }

    #[test]
    fn observer_can_stop_merging() {
        struct Stop(usize);
        impl BpeObserver for Stop {
            fn on_merge(&mut self, p: &MergeProgress) -> ControlFlow<()> {
                if p.merges >= self.0 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            }
        }
        let text = "hello world hello there\n".repeat(50);
        let mut r = CorpusReader::from_reader("mem", std::io::Cursor::new(text));
        let cfg = BpeTrainConfig {
            vocab_size: 1000,
            threads: 1,
            ..Default::default()
        };
        let (bpe, stats) = BpeTrainer::new(cfg).train(&mut r, &mut Stop(3)).unwrap();
        assert!(stats.stopped);
        assert_eq!(stats.merges, 3);
        assert_eq!(bpe.merges().len(), 3);
    }
}
