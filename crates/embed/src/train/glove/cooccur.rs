//! Co-occurrence counting in a memory budget (GloVe C's `cooccur`).
//!
//! For every pair of in-vocabulary words `d ≤ window` positions apart in the
//! same line, `X[i][j] += 1/d` (Pennington et al. 2014, §4.2: "word pairs
//! that are d words apart contribute 1/d to the total count"). Words not in
//! the vocabulary are dropped before windows are taken, and windows never
//! cross a line end, as in GloVe C. With a symmetric window both `X[i][j]`
//! and `X[j][i]` grow; with `symmetric = false` only `X[left][right]`.
//!
//! One reader thread streams the corpus, maps tokens to ids, and hands every
//! batch of ids to all counting threads. Thread `t` owns the rows
//! `i ≡ t (mod threads)`: it adds the pairs of those rows only, into its
//! part of the dense table ([`dense`](super::dense)) or, for rare pairs,
//! into a buffer that is sorted, summed and spilled as a run to a temporary
//! file when full ([`spill`](super::spill)). Runs of one level are merged
//! sixteen at a time, so few files are open at the end, where every thread's
//! dense rows, buffer and runs are merged into one sorted stream
//! ([`merge`](super::merge)). Threads share no memory they write, so the
//! result does not depend on the number of threads, apart from the rounding
//! of sums taken in another order.

use super::budget::{self, CountPlan, BATCH_IDS, MERGE_FAN_IN, QUEUE_DEPTH};
use super::config::GloveConfig;
use super::dense::DenseTable;
use super::merge::{merge_runs, Merger, Source};
use super::record::{sort_and_sum, Entry};
use super::spill::{Run, SpillDir};
use crate::error::{Error, Result};
use crate::train::threads::join_all;
use embedpos_tokenize::{CorpusReader, Scratch, Tokenizer, Vocab};
use serde::Serialize;
use std::sync::{mpsc, Arc};

/// What a counting pass did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CooccurStats {
    /// Tokens read.
    pub tokens: u64,
    /// Tokens in the vocabulary (the others are dropped before windowing).
    pub kept_tokens: u64,
    /// Window pairs added (each direction of a symmetric pair counts once).
    pub pairs: u64,
    /// Pairs added to the dense table.
    pub dense_pairs: u64,
    /// The rank-product bound of the dense table (GloVe C's `max_product`).
    pub max_product: u64,
    /// Cells of the dense table.
    pub dense_cells: u64,
    /// Sparse pairs buffered per thread before a run is spilled.
    pub run_records: usize,
    /// Runs written to temporary files (merged runs included).
    pub runs_written: u64,
    /// Bytes written to temporary files.
    pub spilled_bytes: u64,
    /// Counting threads.
    pub threads: usize,
}

/// A counted co-occurrence matrix, not yet merged: the dense tables, the
/// sparse buffers and the spilled runs of every counting thread.
///
/// Its temporary files are removed when it is dropped.
#[derive(Debug)]
pub struct Cooccurrences {
    parts: Vec<Part>,
    /// The folder of the runs: declared after `parts`, so it is removed
    /// after them.
    _dir: Arc<SpillDir>,
    stats: CooccurStats,
    vocab_len: usize,
    window: usize,
    symmetric: bool,
    distance_weighting: bool,
}

#[derive(Debug)]
struct Part {
    table: DenseTable,
    sparse: Sparse,
}

/// Buffered sparse pairs and the runs spilled from them.
#[derive(Debug)]
struct Sparse {
    buffer: Vec<Entry>,
    capacity: usize,
    /// Runs with their merge level: level `l + 1` holds 16 runs of level `l`.
    runs: Vec<(u32, Run)>,
    runs_written: u64,
    spilled_bytes: u64,
}

impl Sparse {
    #[inline]
    fn push(&mut self, e: Entry, dir: &SpillDir) -> Result<()> {
        self.buffer.push(e);
        if self.buffer.len() >= self.capacity {
            self.spill(dir)?;
        }
        Ok(())
    }

    /// Sorts and sums the buffer, writes it as a run, and merges the last
    /// sixteen runs whenever they are of one level.
    fn spill(&mut self, dir: &SpillDir) -> Result<()> {
        sort_and_sum(&mut self.buffer);
        let run = Run::write(dir, &self.buffer)?;
        self.buffer.clear();
        self.note(&run);
        self.runs.push((0, run));
        loop {
            let n = self.runs.len();
            if n < MERGE_FAN_IN {
                break;
            }
            let level = self.runs[n - 1].0;
            if self.runs[n - MERGE_FAN_IN..]
                .iter()
                .any(|(l, _)| *l != level)
            {
                break;
            }
            let group = self
                .runs
                .drain(n - MERGE_FAN_IN..)
                .map(|(_, r)| r)
                .collect();
            let merged = merge_runs(dir, group)?;
            self.note(&merged);
            self.runs.push((level + 1, merged));
        }
        Ok(())
    }

    fn note(&mut self, run: &Run) {
        self.runs_written += 1;
        self.spilled_bytes += run.bytes();
    }
}

/// Ids of a batch of lines: line `k` is `ids[ends[k-1]..ends[k]]`.
#[derive(Debug, Default)]
struct IdBatch {
    ids: Vec<u32>,
    ends: Vec<usize>,
}

/// One counting thread's state.
struct Counter<'a> {
    part: u32,
    parts: u32,
    window: usize,
    symmetric: bool,
    /// `1/d` (or 1) for `d = 0..=window`, as `f64` for the dense table and
    /// `f32` for sparse records.
    weights: Vec<(f64, f32)>,
    table: DenseTable,
    sparse: Sparse,
    dir: &'a SpillDir,
    pairs: u64,
    dense_pairs: u64,
}

impl Counter<'_> {
    fn count_batch(&mut self, batch: &IdBatch) -> Result<()> {
        let mut start = 0;
        for &end in &batch.ends {
            self.count_line(&batch.ids[start..end])?;
            start = end;
        }
        Ok(())
    }

    /// Adds the pairs of one line whose row this thread owns: for a word at
    /// `p`, its neighbours `q` with `0 < |p - q| ≤ window` (only `q > p`
    /// when not symmetric: GloVe C's `(word1, word2) = (left, right)`).
    fn count_line(&mut self, line: &[u32]) -> Result<()> {
        let n = line.len();
        let w = self.window;
        let mut dense = 0u64;
        let mut pairs = 0u64;
        for (p, &a) in line.iter().enumerate() {
            if a % self.parts != self.part {
                continue;
            }
            let lo = if self.symmetric {
                p.saturating_sub(w)
            } else {
                p + 1
            };
            let hi = (p + w + 1).min(n);
            pairs += (hi - lo - usize::from(lo <= p)) as u64;
            let row = self.table.row_mut(a);
            for (q, &b) in line.iter().enumerate().take(hi).skip(lo) {
                if q == p {
                    continue;
                }
                let (wd, ws) = self.weights[p.abs_diff(q)];
                if let Some(cell) = row.get_mut(b as usize) {
                    *cell += wd;
                    dense += 1;
                } else {
                    self.sparse.push(
                        Entry {
                            row: a,
                            col: b,
                            value: ws,
                        },
                        self.dir,
                    )?;
                }
            }
        }
        self.pairs += pairs;
        self.dense_pairs += dense;
        Ok(())
    }

    fn finish(mut self) -> Part {
        sort_and_sum(&mut self.sparse.buffer);
        self.sparse.buffer.shrink_to_fit();
        Part {
            table: self.table,
            sparse: self.sparse,
        }
    }
}

/// Counts the co-occurrences of `vocab`'s words in the corpus `reader`
/// streams, within `cfg.memory_gb` (step 2 of the
/// [`glove`](crate::train::glove) pipeline).
///
/// The vocabulary must come from the same corpus and tokenizer (its ids are
/// frequency ranks, which the dense table relies on to be small for frequent
/// words). Errors: a budget too small to hold one run per thread (the message
/// gives the minimum), a temporary folder that cannot be created or written,
/// and read errors of the corpus.
pub fn count_cooccurrences(
    reader: &mut CorpusReader,
    tokenizer: &Tokenizer,
    vocab: &Vocab,
    cfg: &GloveConfig,
) -> Result<Cooccurrences> {
    cfg.validate()?;
    let dir = Arc::new(SpillDir::create(cfg.temp_dir.as_deref())?);
    count_in(reader, tokenizer, vocab, cfg, dir)
}

/// [`count_cooccurrences`] with its temporary files in `dir`.
pub(crate) fn count_in(
    reader: &mut CorpusReader,
    tokenizer: &Tokenizer,
    vocab: &Vocab,
    cfg: &GloveConfig,
    dir: Arc<SpillDir>,
) -> Result<Cooccurrences> {
    if vocab.is_empty() {
        return Err(Error::Config(
            "the vocabulary is empty: no word reached min_count; lower it or give more text".into(),
        ));
    }
    let threads = cfg.threads;
    let plan = budget::plan_counting(cfg.memory_gb, vocab.len(), threads)?;
    let weights: Vec<(f64, f32)> = (0..=cfg.window)
        .map(|d| {
            let w = if cfg.distance_weighting && d > 0 {
                1.0 / d as f64
            } else {
                1.0
            };
            (w, w as f32)
        })
        .collect();

    let (tokens, kept, parts) = std::thread::scope(|s| {
        let mut senders = Vec::with_capacity(threads);
        let mut handles = Vec::with_capacity(threads);
        for t in 0..threads {
            let (tx, rx) = mpsc::sync_channel::<Arc<IdBatch>>(QUEUE_DEPTH);
            senders.push(tx);
            let counter = new_counter(t, threads, &plan, vocab.len(), cfg, &weights, &dir);
            handles.push(s.spawn(move || -> Result<(Part, u64, u64)> {
                let mut c = counter;
                for batch in rx {
                    c.count_batch(&batch)?;
                }
                let (pairs, dense) = (c.pairs, c.dense_pairs);
                Ok((c.finish(), pairs, dense))
            }));
        }
        let read = read_batches(reader, tokenizer, vocab, |batch| {
            let batch = Arc::new(batch);
            senders.iter().all(|tx| tx.send(Arc::clone(&batch)).is_ok())
        });
        drop(senders);
        // A counting thread's error (a full disk) is the cause of a reader
        // that stopped early, so it is reported first.
        let parts = join_all(handles)?;
        let (tokens, kept) = read?;
        Ok::<_, Error>((tokens, kept, parts))
    })?;

    let mut stats = CooccurStats {
        tokens,
        kept_tokens: kept,
        max_product: plan.max_product,
        dense_cells: plan.dense_cells,
        run_records: plan.run_records,
        threads,
        ..Default::default()
    };
    let parts = parts
        .into_iter()
        .map(|(part, pairs, dense)| {
            stats.pairs += pairs;
            stats.dense_pairs += dense;
            stats.runs_written += part.sparse.runs_written;
            stats.spilled_bytes += part.sparse.spilled_bytes;
            part
        })
        .collect();
    Ok(Cooccurrences {
        parts,
        _dir: dir,
        stats,
        vocab_len: vocab.len(),
        window: cfg.window,
        symmetric: cfg.symmetric,
        distance_weighting: cfg.distance_weighting,
    })
}

fn new_counter<'a>(
    t: usize,
    threads: usize,
    plan: &CountPlan,
    vocab_len: usize,
    cfg: &GloveConfig,
    weights: &[(f64, f32)],
    dir: &'a SpillDir,
) -> Counter<'a> {
    Counter {
        part: t as u32,
        parts: threads as u32,
        window: cfg.window,
        symmetric: cfg.symmetric,
        weights: weights.to_vec(),
        table: DenseTable::new(t, threads, plan.max_product, vocab_len as u64),
        sparse: Sparse {
            // Capacity is reserved, not touched: pages become resident only
            // as pairs arrive.
            buffer: Vec::with_capacity(plan.run_records),
            capacity: plan.run_records,
            runs: Vec::new(),
            runs_written: 0,
            spilled_bytes: 0,
        },
        dir,
        pairs: 0,
        dense_pairs: 0,
    }
}

/// Reads the corpus into batches of in-vocabulary ids and calls `send` with
/// each; stops early when `send` returns false. Returns (tokens, kept).
fn read_batches(
    reader: &mut CorpusReader,
    tokenizer: &Tokenizer,
    vocab: &Vocab,
    mut send: impl FnMut(IdBatch) -> bool,
) -> Result<(u64, u64)> {
    let mut line = String::new();
    let mut scratch = Scratch::default();
    let mut batch = IdBatch::default();
    let (mut tokens, mut kept) = (0u64, 0u64);
    while reader.read_line(&mut line)? {
        let start = batch.ids.len();
        tokenizer.for_each_token(&line, &mut scratch, |t| {
            tokens += 1;
            if let Some(id) = vocab.id(t) {
                batch.ids.push(id);
            }
        });
        line.clear();
        let n = batch.ids.len() - start;
        kept += n as u64;
        if n < 2 {
            // A line with fewer than two known words has no pair.
            batch.ids.truncate(start);
            continue;
        }
        batch.ends.push(batch.ids.len());
        if batch.ids.len() >= BATCH_IDS && !send(std::mem::take(&mut batch)) {
            return Ok((tokens, kept));
        }
    }
    if !batch.ids.is_empty() {
        send(batch);
    }
    Ok((tokens, kept))
}

impl Cooccurrences {
    /// What counting did.
    pub fn stats(&self) -> &CooccurStats {
        &self.stats
    }

    /// Size of the vocabulary the ids refer to.
    pub fn vocab_len(&self) -> usize {
        self.vocab_len
    }

    /// The window the pairs were counted with.
    pub fn window(&self) -> usize {
        self.window
    }

    /// Whether the window was symmetric.
    pub fn symmetric(&self) -> bool {
        self.symmetric
    }

    /// Whether pairs were weighted by `1/distance`.
    pub fn distance_weighting(&self) -> bool {
        self.distance_weighting
    }

    /// Calls `f` with every non-zero entry, in `(row, col)` order, each key
    /// once; returns the number of entries.
    pub fn for_each(&self, mut f: impl FnMut(Entry) -> Result<()>) -> Result<u64> {
        let mut mergers = Vec::with_capacity(self.parts.len());
        for part in &self.parts {
            let mut sources = vec![
                Source::Dense(part.table.cursor()),
                Source::Memory(part.sparse.buffer.iter()),
            ];
            for (_, run) in &part.sparse.runs {
                sources.push(Source::run(run)?);
            }
            mergers.push(Merger::new(sources)?);
        }
        let parts = mergers.len();
        let mut n = 0u64;
        for row in 0..self.vocab_len as u32 {
            let m = &mut mergers[row as usize % parts];
            while m.peek_row() == Some(row) {
                if let Some(e) = m.next_entry()? {
                    f(e)?;
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// All non-zero entries in `(row, col)` order (for tests and small
    /// corpora: the whole matrix in memory).
    pub fn to_vec(&self) -> Result<Vec<Entry>> {
        let mut v = Vec::new();
        self.for_each(|e| {
            v.push(e);
            Ok(())
        })?;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedpos_tokenize::{count_corpus, VocabConfig};

    fn count(text: &str, cfg: &GloveConfig) -> (Vocab, Cooccurrences) {
        let open = || CorpusReader::from_reader("mem", std::io::Cursor::new(text.to_string()));
        let vcfg = VocabConfig {
            min_count: 1,
            ..Default::default()
        };
        let (vocab, _) = count_corpus(&mut open(), &Tokenizer::default(), &vcfg, 1).unwrap();
        let c = count_cooccurrences(&mut open(), &Tokenizer::default(), &vocab, cfg).unwrap();
        (vocab, c)
    }

    /// The entries as `(row, col, value)`.
    fn triples(c: &Cooccurrences) -> Vec<(u32, u32, f32)> {
        let entries = c.to_vec().unwrap();
        entries.iter().map(|e| (e.row, e.col, e.value)).collect()
    }

    #[test]
    fn small_example_by_hand() {
        // ids by frequency: a=0 (3), b=1 (2), c=2 (1).
        let cfg = GloveConfig {
            window: 2,
            threads: 2,
            ..Default::default()
        };
        let (v, c) = count("a b a\nc a b\n", &cfg);
        assert_eq!(v.tokens(), ["a", "b", "c"]);
        // line 1: a-b (1), b-a (1), a-a (1/2); line 2: c-a (1), a-b (1), c-b (1/2).
        assert_eq!(
            triples(&c),
            [
                (0, 0, 1.0),
                (0, 1, 3.0),
                (0, 2, 1.0),
                (1, 0, 3.0),
                (1, 2, 0.5),
                (2, 0, 1.0),
                (2, 1, 0.5),
            ]
        );
        assert_eq!(c.stats().pairs, 12);
        let asym = GloveConfig {
            symmetric: false,
            ..cfg
        };
        let (_, c) = count("a b a\nc a b\n", &asym);
        assert_eq!(
            triples(&c),
            [
                (0, 0, 0.5),
                (0, 1, 2.0),
                (1, 0, 1.0),
                (2, 0, 1.0),
                (2, 1, 0.5)
            ]
        );
    }

    #[test]
    fn a_budget_below_one_run_names_the_minimum() {
        let cfg = GloveConfig {
            memory_gb: 1e-6,
            threads: 2,
            ..Default::default()
        };
        let text = "a b a\n";
        let open = || CorpusReader::from_reader("mem", std::io::Cursor::new(text.to_string()));
        let vocab = Vocab::from_counts([("a".to_string(), 2), ("b".to_string(), 1)]).unwrap();
        let err = count_cooccurrences(&mut open(), &Tokenizer::default(), &vocab, &cfg)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("too small") && err.contains("at least"),
            "{err}"
        );
    }
}
