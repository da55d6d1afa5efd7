//! Counting tokens and adjacent pairs in bounded memory, on several threads.

use super::table::{pair_key, split_key, Map};
use super::{cut, Phrases, PhrasesConfig, TokenBuf};
use crate::corpus::{recv_shared, CorpusReader, LineBatch};
use crate::error::Result;
use crate::tokenizer::{Scratch, Tokenizer};
use smol_str::SmolStr;
use std::sync::mpsc;

/// Token and pair counts of one pass.
///
/// Tokens get ids in first-seen order (a freed id is reused); a pair is the
/// two ids packed in a `u64`, so counting a pair hashes eight bytes, not a
/// string. When more than `cap` tokens and pairs are held, the rarest are
/// pruned as word2phrase's `ReduceVocab` does.
#[derive(Debug)]
pub(crate) struct PairCounter {
    pub(crate) ids: Map<SmolStr, u32>,
    /// Id to token; empty for a freed id.
    pub(crate) words: Vec<SmolStr>,
    /// Id to count; 0 for a freed id (a counted token has at least 1).
    pub(crate) counts: Vec<u64>,
    free: Vec<u32>,
    pub(crate) pairs: Map<u64, u64>,
    /// Tokens counted.
    pub(crate) tokens: u64,
    /// Tokens and pairs removed by pruning.
    pub(crate) pruned: u64,
    min_reduce: u64,
    cap: usize,
    max_word_bytes: Option<usize>,
    span_lines: bool,
    /// The id of the last token, which the next one makes a pair with.
    prev: Option<u32>,
    /// The first token counted since [`PairCounter::start_batch`].
    first: Option<SmolStr>,
}

impl PairCounter {
    pub(crate) fn new(cfg: &PhrasesConfig) -> Self {
        PairCounter {
            ids: Map::with_capacity_and_hasher(1 << 16, Default::default()),
            words: Vec::new(),
            counts: Vec::new(),
            free: Vec::new(),
            pairs: Map::with_capacity_and_hasher(1 << 16, Default::default()),
            tokens: 0,
            pruned: 0,
            min_reduce: 1,
            cap: cfg.prune_cap.max(2),
            max_word_bytes: cfg.scorer.max_word_bytes(),
            span_lines: cfg.scorer.pairs_span_lines(),
            prev: None,
            first: None,
        }
    }

    /// Counts one token, and the pair it makes with the token before.
    #[inline]
    pub(crate) fn push(&mut self, token: &str) {
        let token = cut(token, self.max_word_bytes);
        self.tokens += 1;
        let id = match self.ids.get(token) {
            Some(&id) => {
                self.counts[id as usize] += 1;
                id
            }
            None => self.insert(SmolStr::new(token), 1),
        };
        if self.first.is_none() {
            self.first = Some(self.words[id as usize].clone());
        }
        if let Some(p) = self.prev {
            *self.pairs.entry(pair_key(p, id)).or_insert(0) += 1;
        }
        self.prev = Some(id);
        if self.ids.len() + self.pairs.len() > self.cap {
            self.reduce();
        }
    }

    /// A line ends: unless pairs span lines (word2phrase), the next token
    /// starts afresh.
    #[inline]
    pub(crate) fn end_line(&mut self) {
        if !self.span_lines {
            self.prev = None;
        }
    }

    /// A batch of lines that does not follow the last one starts.
    fn start_batch(&mut self) {
        self.prev = None;
        self.first = None;
    }

    fn insert(&mut self, w: SmolStr, count: u64) -> u32 {
        let id = match self.free.pop() {
            Some(id) => {
                self.words[id as usize] = w.clone();
                self.counts[id as usize] = count;
                id
            }
            None => {
                self.words.push(w.clone());
                self.counts.push(count);
                (self.words.len() - 1) as u32
            }
        };
        self.ids.insert(w, id);
        id
    }

    /// word2phrase's `ReduceVocab`: removes every token and pair seen at
    /// most `min_reduce` times (and the pairs of a removed token), then
    /// raises `min_reduce`, until at most `cap` are left.
    fn reduce(&mut self) {
        while self.ids.len() + self.pairs.len() > self.cap {
            let before = self.ids.len() + self.pairs.len();
            let r = self.min_reduce;
            let counts = &self.counts;
            self.pairs.retain(|&k, c| {
                let (a, b) = split_key(k);
                *c > r && counts[a as usize] > r && counts[b as usize] > r
            });
            let (words, counts, free) = (&mut self.words, &mut self.counts, &mut self.free);
            self.ids.retain(|_, &mut id| {
                let keep = counts[id as usize] > r;
                if !keep {
                    counts[id as usize] = 0;
                    words[id as usize] = SmolStr::default();
                    free.push(id);
                }
                keep
            });
            if self.prev.is_some_and(|p| self.counts[p as usize] == 0) {
                self.prev = None;
            }
            self.pruned += (before - self.ids.len() - self.pairs.len()) as u64;
            self.min_reduce += 1;
        }
    }

    /// Adds another counter's counts into this one.
    pub(crate) fn merge(&mut self, mut other: PairCounter) {
        if other.ids.len() + other.pairs.len() > self.ids.len() + self.pairs.len() {
            std::mem::swap(self, &mut other);
        }
        self.tokens += other.tokens;
        self.pruned += other.pruned;
        self.min_reduce = self.min_reduce.max(other.min_reduce);
        let mut remap = vec![u32::MAX; other.words.len()];
        for (id, (w, c)) in other.words.into_iter().zip(other.counts).enumerate() {
            if c == 0 {
                continue;
            }
            remap[id] = match self.ids.get(&w) {
                Some(&mine) => {
                    self.counts[mine as usize] += c;
                    mine
                }
                None => self.insert(w, c),
            };
        }
        for (k, c) in other.pairs {
            let (a, b) = split_key(k);
            let k = pair_key(remap[a as usize], remap[b as usize]);
            *self.pairs.entry(k).or_insert(0) += c;
        }
        self.prev = None;
        if self.ids.len() + self.pairs.len() > self.cap {
            self.reduce();
        }
    }

    /// Counts one more pair `a b` of tokens already counted (dropped when
    /// pruning removed either).
    fn add_pair(&mut self, a: &str, b: &str) {
        if let (Some(&a), Some(&b)) = (self.ids.get(a), self.ids.get(b)) {
            *self.pairs.entry(pair_key(a, b)).or_insert(0) += 1;
            if self.ids.len() + self.pairs.len() > self.cap {
                self.reduce();
            }
        }
    }
}

/// A thread's buffers for one line: the tokenizer's, and the tokens after
/// the earlier passes' phrases were joined.
#[derive(Default)]
struct LineWork {
    scratch: Scratch,
    buf: TokenBuf,
}

impl LineWork {
    /// Counts the tokens of `line` once the phrases of `earlier` are joined.
    fn count(
        &mut self,
        line: &str,
        tokenizer: &Tokenizer,
        earlier: &Phrases,
        counter: &mut PairCounter,
    ) {
        if earlier.passes.is_empty() {
            tokenizer.for_each_token(line, &mut self.scratch, |t| counter.push(t));
        } else {
            earlier.apply_line(line, tokenizer, &mut self.scratch, &mut self.buf);
            for t in self.buf.iter() {
                counter.push(t);
            }
        }
        counter.end_line();
    }
}

/// A batch of lines and what it became (the text written, for applying).
#[derive(Default)]
pub(crate) struct Batch {
    pub(crate) input: LineBatch,
    pub(crate) out: String,
}

/// Where a batch begins and ends, to count the pair across two batches when
/// pairs span lines.
struct Boundary {
    seq: u64,
    /// The first token, `None` when the batch has none.
    first: Option<SmolStr>,
    /// The last token (`None` also when pruning removed it).
    last: Option<SmolStr>,
}

/// Counts one pass over `reader`: the tokens after the phrases of `earlier`
/// are joined, and their adjacent pairs. With `threads > 1`, batches hold
/// about `batch_bytes` of lines.
pub(crate) fn count_pass(
    reader: &mut CorpusReader,
    tokenizer: &Tokenizer,
    earlier: &Phrases,
    cfg: &PhrasesConfig,
    threads: usize,
    batch_bytes: usize,
) -> Result<PairCounter> {
    if threads <= 1 {
        let mut counter = PairCounter::new(cfg);
        let mut work = LineWork::default();
        let mut line = String::new();
        while reader.read_line(&mut line)? {
            work.count(&line, tokenizer, earlier, &mut counter);
            line.clear();
        }
        return Ok(counter);
    }
    let (work_tx, work_rx) = mpsc::sync_channel::<Batch>(threads * 2);
    let work_rx = std::sync::Mutex::new(work_rx);
    let (back_tx, back_rx) = mpsc::channel::<Batch>();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let work_rx = &work_rx;
                let back_tx = back_tx.clone();
                s.spawn(move || {
                    let mut counter = PairCounter::new(cfg);
                    let mut work = LineWork::default();
                    let mut bounds = Vec::new();
                    while let Some(batch) = recv_shared(work_rx) {
                        counter.start_batch();
                        for line in batch.input.lines() {
                            work.count(line, tokenizer, earlier, &mut counter);
                        }
                        if counter.span_lines {
                            let last = counter.prev.map(|p| counter.words[p as usize].clone());
                            let first = counter.first.take();
                            bounds.push(Boundary {
                                seq: batch.input.seq(),
                                first,
                                last,
                            });
                        }
                        let _ = back_tx.send(batch);
                    }
                    (counter, bounds)
                })
            })
            .collect();
        drop(back_tx);
        let read_result = (|| -> Result<()> {
            let mut seq = 0;
            loop {
                let mut batch = back_rx.try_recv().unwrap_or_default();
                let more = batch.input.fill(reader, seq, batch_bytes)?;
                seq += 1;
                if !batch.input.is_empty() && work_tx.send(batch).is_err() {
                    break;
                }
                if !more {
                    break;
                }
            }
            Ok(())
        })();
        drop(work_tx);
        let mut total: Option<PairCounter> = None;
        let mut bounds = Vec::new();
        for w in workers {
            match w.join() {
                Ok((c, b)) => {
                    bounds.extend(b);
                    match &mut total {
                        Some(t) => t.merge(c),
                        None => total = Some(c),
                    }
                }
                Err(p) => std::panic::resume_unwind(p),
            }
        }
        read_result?;
        let mut total = total.unwrap_or_else(|| PairCounter::new(cfg));
        // The pairs across batches, in corpus order.
        bounds.sort_by_key(|b| b.seq);
        let mut last: Option<SmolStr> = None;
        for b in bounds {
            let Some(first) = b.first else { continue };
            if let Some(l) = &last {
                total.add_pair(l, &first);
            }
            last = b.last;
        }
        Ok(total)
    })
}
