//! Applying phrases to a whole corpus, in word2phrase's output layout, on
//! several threads with the lines kept in order.

use super::count::Batch;
use super::{table, Phrases, TokenBuf};
use crate::corpus::{recv_shared, CorpusReader, ReadStats, BATCH_BYTES};
use crate::error::{Error, Result};
use crate::tokenizer::{Scratch, Tokenizer};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

/// What [`Phrases::apply_corpus`] read and wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ApplyStats {
    /// Lines written (one per line read).
    pub lines: u64,
    /// Tokens the tokenizer gave.
    pub tokens_in: u64,
    /// Tokens written; `tokens_in - tokens_out` words were joined to the
    /// word before them.
    pub tokens_out: u64,
    /// What the reader saw.
    pub read: ReadStats,
}

impl ApplyStats {
    fn add(&mut self, other: &ApplyStats) {
        self.lines += other.lines;
        self.tokens_in += other.tokens_in;
        self.tokens_out += other.tokens_out;
    }
}

/// A thread's buffers for writing lines.
#[derive(Default)]
struct LineWriter {
    scratch: Scratch,
    buf: TokenBuf,
}

impl LineWriter {
    /// Appends `line` with its phrases joined to `out`, as word2phrase
    /// writes it: each token after a space (so a line starts with one), a
    /// joined word after the delimiter, then `\n`.
    fn write(
        &mut self,
        phrases: &Phrases,
        tokenizer: &Tokenizer,
        line: &str,
        out: &mut String,
        stats: &mut ApplyStats,
    ) {
        let scratch = &mut self.scratch;
        let mut tokens_in = 0u64;
        table::run_passes(&phrases.passes, &phrases.delimiter, &mut self.buf, |push| {
            tokenizer.for_each_token(line, scratch, |t| {
                tokens_in += 1;
                push(t);
            })
        });
        for t in self.buf.iter() {
            out.push(' ');
            out.push_str(t);
        }
        out.push('\n');
        stats.lines += 1;
        stats.tokens_in += tokens_in;
        stats.tokens_out += self.buf.len() as u64;
    }
}

/// Batches in flight per thread: enough to keep every thread busy while one
/// batch waits to be written in order.
const BATCHES_PER_THREAD: usize = 3;

impl Phrases {
    /// Reads every line of `reader`, joins its phrases and writes it to
    /// `out` in word2phrase's layout: each token preceded by a space (so
    /// every non-empty line starts with one), one output line per input line.
    /// With [`Scorer::Word2Phrase`](super::Scorer::Word2Phrase) at its
    /// defaults this is byte for byte what `word2phrase -train IN -output
    /// OUT` writes for a file that ends with a newline (word2phrase drops the
    /// last word of a file that does not).
    ///
    /// With `threads > 1`, one thread reads, `threads` threads join batches
    /// of lines and the calling thread writes them in order.
    ///
    /// Errors: reading ([`Error::Io`] naming the input) or writing
    /// ([`Error::Output`]).
    ///
    /// ```
    /// # use embedpos_tokenize::{CorpusReader, Phrases, Tokenizer};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let path = dir.path().join("p.txt");
    /// # std::fs::write(&path, "embedpos-phrases v1 scorer=word2phrase threshold=100 min_count=5 delimiter=_ passes=1\n--- pass 1 of 1: 1 phrases ---\nnew york 2000\n").unwrap();
    /// let phrases = Phrases::load(&path)?; // the phrase `new york`
    /// let mut reader = CorpusReader::from_reader("mem", &b"in new york\n\nnew  york new\n"[..]);
    /// let mut out = Vec::new();
    /// let stats = phrases.apply_corpus(&mut reader, &Tokenizer::default(), &mut out, 1)?;
    /// assert_eq!(out, b" in new_york\n\n new_york new\n");
    /// assert_eq!((stats.lines, stats.tokens_in, stats.tokens_out), (3, 6, 4));
    /// # Ok::<(), embedpos_tokenize::Error>(())
    /// ```
    pub fn apply_corpus(
        &self,
        reader: &mut CorpusReader,
        tokenizer: &Tokenizer,
        out: &mut dyn Write,
        threads: usize,
    ) -> Result<ApplyStats> {
        let mut stats = if threads <= 1 {
            self.apply_serial(reader, tokenizer, out)?
        } else {
            self.apply_parallel(reader, tokenizer, out, threads, BATCH_BYTES)?
        };
        out.flush().map_err(Error::output)?;
        stats.read = reader.stats();
        Ok(stats)
    }

    fn apply_serial(
        &self,
        reader: &mut CorpusReader,
        tokenizer: &Tokenizer,
        out: &mut dyn Write,
    ) -> Result<ApplyStats> {
        let mut stats = ApplyStats::default();
        let mut writer = LineWriter::default();
        let (mut line, mut text) = (String::new(), String::new());
        while reader.read_line(&mut line)? {
            writer.write(self, tokenizer, &line, &mut text, &mut stats);
            line.clear();
            if text.len() >= BATCH_BYTES {
                out.write_all(text.as_bytes()).map_err(Error::output)?;
                text.clear();
            }
        }
        out.write_all(text.as_bytes()).map_err(Error::output)?;
        Ok(stats)
    }

    /// [`Phrases::apply_corpus`] on `threads > 1` threads, with batches of
    /// about `batch_bytes` of lines.
    pub(crate) fn apply_parallel(
        &self,
        reader: &mut CorpusReader,
        tokenizer: &Tokenizer,
        out: &mut dyn Write,
        threads: usize,
        batch_bytes: usize,
    ) -> Result<ApplyStats> {
        // Batches go round: pool -> reader (fills) -> a worker (joins) ->
        // this thread (writes in order) -> pool. The pool bounds memory.
        let (pool_tx, pool_rx) = mpsc::channel::<Batch>();
        for _ in 0..threads * BATCHES_PER_THREAD {
            let _ = pool_tx.send(Batch::default());
        }
        let (work_tx, work_rx) = mpsc::channel::<Batch>();
        let work_rx = Mutex::new(work_rx);
        let (done_tx, done_rx) = mpsc::channel::<(Batch, ApplyStats)>();
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            let stop = &stop;
            let reading = s.spawn(move || -> Result<()> {
                let mut seq = 0;
                while !stop.load(Ordering::Relaxed) {
                    let Ok(mut batch) = pool_rx.recv() else { break };
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
            });
            for _ in 0..threads {
                let (work_rx, done_tx) = (&work_rx, done_tx.clone());
                s.spawn(move || {
                    let mut writer = LineWriter::default();
                    while let Some(mut batch) = recv_shared(work_rx) {
                        let mut stats = ApplyStats::default();
                        let mut text = std::mem::take(&mut batch.out);
                        text.clear();
                        for line in batch.input.lines() {
                            writer.write(self, tokenizer, line, &mut text, &mut stats);
                        }
                        batch.out = text;
                        if done_tx.send((batch, stats)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(done_tx);
            let mut stats = ApplyStats::default();
            let mut pending: BTreeMap<u64, Batch> = BTreeMap::new();
            let mut next = 0u64;
            let mut written: std::io::Result<()> = Ok(());
            'receive: for (batch, s) in &done_rx {
                stats.add(&s);
                pending.insert(batch.input.seq(), batch);
                while let Some(b) = pending.remove(&next) {
                    written = out.write_all(b.out.as_bytes());
                    if written.is_err() {
                        break 'receive;
                    }
                    next += 1;
                    let _ = pool_tx.send(b);
                }
            }
            // On a write error: stop the reader (which may wait for a batch)
            // and let the workers run dry.
            stop.store(true, Ordering::Relaxed);
            drop(pool_tx);
            drop(done_rx);
            let read = match reading.join() {
                Ok(r) => r,
                Err(p) => std::panic::resume_unwind(p),
            };
            read?;
            written.map_err(Error::output)?;
            Ok(stats)
        })
    }
}
