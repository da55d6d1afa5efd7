//! Encoding a whole corpus as it streams in, on several threads, in order.

use super::model::{Bpe, BpeScratch};
use crate::corpus::{recv_shared, CorpusReader, LineBatch, ReadStats, BATCH_BYTES};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc;

/// How [`Bpe::write_corpus_ids`] writes ids.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdFormat {
    /// Decimal ids separated by spaces, one line of ids per line of text.
    #[default]
    Text,
    /// Little-endian `u16`, back to back (nanoGPT's `.bin`); an id above
    /// 65535 is an error.
    U16,
    /// Little-endian `u32`, back to back.
    U32,
}

/// What [`Bpe::encode_corpus`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EncodeStats {
    /// Lines encoded.
    pub lines: u64,
    /// Ids produced (separators written by `write_corpus_ids` not included).
    pub tokens: u64,
    /// What the reader saw.
    pub read: ReadStats,
}

/// Lines of text and, once encoded, their ids.
#[derive(Default)]
struct Batch {
    input: LineBatch,
    ids: Vec<u32>,
    id_ends: Vec<usize>,
}

impl Bpe {
    /// Encodes every line of `reader` (special tokens matched; line ends are
    /// not part of a line, and invalid UTF-8 has been replaced by U+FFFD, see
    /// [`CorpusReader`]) and calls `sink` with each line's ids, in the
    /// corpus's order, on the calling thread.
    ///
    /// With `threads > 1` one thread reads, `threads` encode batches of
    /// about 1 MiB of lines, and the calling thread puts the results back in
    /// order; at most `2 × threads + 2` batches are in memory. The ids are
    /// the same for every thread count. An error from `sink` stops the
    /// reading and is returned.
    pub fn encode_corpus(
        &self,
        reader: &mut CorpusReader,
        threads: usize,
        mut sink: impl FnMut(&[u32]) -> Result<()>,
    ) -> Result<EncodeStats> {
        let mut stats = EncodeStats::default();
        if threads <= 1 {
            let mut scratch = BpeScratch::default();
            let mut line = String::new();
            let mut ids = Vec::new();
            while reader.read_line(&mut line)? {
                ids.clear();
                self.encode_into(&line, &mut scratch, &mut ids);
                stats.lines += 1;
                stats.tokens += ids.len() as u64;
                sink(&ids)?;
                line.clear();
            }
        } else {
            self.encode_parallel(reader, threads, &mut stats, &mut sink)?;
        }
        stats.read = reader.stats();
        Ok(stats)
    }

    fn encode_parallel(
        &self,
        reader: &mut CorpusReader,
        threads: usize,
        stats: &mut EncodeStats,
        sink: &mut dyn FnMut(&[u32]) -> Result<()>,
    ) -> Result<()> {
        let slots = 2 * threads + 2;
        let (free_tx, free_rx) = mpsc::channel::<Batch>();
        let (work_tx, work_rx) = mpsc::sync_channel::<Batch>(slots);
        // Shared by the workers only: when they stop, a blocked reader is freed.
        let work_rx = std::sync::Arc::new(std::sync::Mutex::new(work_rx));
        let (done_tx, done_rx) = mpsc::channel::<Batch>();
        for _ in 0..slots {
            let _ = free_tx.send(Batch::default());
        }
        std::thread::scope(|s| {
            let read = s.spawn(move || -> Result<()> {
                let mut seq = 0;
                while let Ok(mut batch) = free_rx.recv() {
                    let more = batch.input.fill(reader, seq, BATCH_BYTES)?;
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
                let work_rx = std::sync::Arc::clone(&work_rx);
                let done_tx = done_tx.clone();
                s.spawn(move || {
                    let mut scratch = BpeScratch::default();
                    while let Some(mut b) = recv_shared(&work_rx) {
                        b.ids.clear();
                        b.id_ends.clear();
                        for line in b.input.lines() {
                            self.encode_into(line, &mut scratch, &mut b.ids);
                            b.id_ends.push(b.ids.len());
                        }
                        if done_tx.send(b).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(done_tx);
            drop(work_rx);
            let mut pending = BTreeMap::new();
            let mut next = 0u64;
            let mut result = Ok(());
            'outer: for b in done_rx.iter() {
                pending.insert(b.input.seq(), b);
                while let Some(b) = pending.remove(&next) {
                    next += 1;
                    let mut start = 0;
                    for &end in &b.id_ends {
                        stats.lines += 1;
                        stats.tokens += (end - start) as u64;
                        if let Err(e) = sink(&b.ids[start..end]) {
                            result = Err(e);
                            break 'outer;
                        }
                        start = end;
                    }
                    let _ = free_tx.send(b);
                }
            }
            // Ending the channels ends the reader and the workers.
            drop(free_tx);
            drop(done_rx);
            let read_result = match read.join() {
                Ok(r) => r,
                Err(p) => std::panic::resume_unwind(p),
            };
            result.and(read_result)
        })
    }

    /// Encodes `reader` as [`encode_corpus`](Self::encode_corpus) does and
    /// writes the ids to `out` in `format`, each line's ids followed by
    /// `separator` when given (e.g. `<|endoftext|>` between documents).
    pub fn write_corpus_ids(
        &self,
        reader: &mut CorpusReader,
        out: &mut impl Write,
        format: IdFormat,
        separator: Option<u32>,
        threads: usize,
    ) -> Result<EncodeStats> {
        let io = |e: std::io::Error| Error::io(PathBuf::from("<output>"), e);
        let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
        let stats = self.encode_corpus(reader, threads, |ids| {
            buf.clear();
            let all = ids.iter().copied().chain(separator);
            match format {
                IdFormat::Text => {
                    let mut first = true;
                    for id in all {
                        if !first {
                            buf.push(b' ');
                        }
                        first = false;
                        let _ = write!(buf, "{id}");
                    }
                    buf.push(b'\n');
                }
                IdFormat::U32 => {
                    for id in all {
                        buf.extend_from_slice(&id.to_le_bytes());
                    }
                }
                IdFormat::U16 => {
                    for id in all {
                        let Ok(small) = u16::try_from(id) else {
                            return Err(Error::Config(format!(
                                "the id {id} does not fit in 16 bits; write u32 ids for a vocabulary of more than 65536 tokens"
                            )));
                        };
                        buf.extend_from_slice(&small.to_le_bytes());
                    }
                }
            }
            out.write_all(&buf).map_err(io)
        })?;
        out.flush().map_err(io)?;
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::super::Pattern;
    use super::*;

    fn toy() -> Bpe {
        let mut vocab: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        vocab.push(b"ab".to_vec());
        Bpe::from_merges(vocab, &[(97, 98)], Pattern::Gpt2, &[("<s>", 257)]).unwrap()
    }

    fn reader(text: &str) -> CorpusReader {
        CorpusReader::from_reader("mem", std::io::Cursor::new(text.as_bytes().to_vec()))
    }

    #[test]
    fn every_thread_count_gives_the_same_ids_in_order() {
        let b = toy();
        let mut text = String::new();
        for i in 0..40_000 {
            text.push_str(&format!("ab {i} abab<s>\n"));
        }
        let collect = |threads| {
            let mut all = Vec::new();
            let stats = b
                .encode_corpus(&mut reader(&text), threads, |ids| {
                    all.push(ids.to_vec());
                    Ok(())
                })
                .unwrap();
            assert_eq!(stats.lines, 40_000);
            all
        };
        let one = collect(1);
        assert_eq!(one[7], b.encode("ab 7 abab<s>"));
        assert_eq!(collect(3), one);
    }

    #[test]
    fn formats_and_sink_errors() {
        let b = toy();
        let mut out = Vec::new();
        b.write_corpus_ids(
            &mut reader("ab a\n\nb\n"),
            &mut out,
            IdFormat::Text,
            Some(257),
            1,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "256 32 97 257\n257\n98 257\n"
        );
        let mut out = Vec::new();
        b.write_corpus_ids(&mut reader("ab\n"), &mut out, IdFormat::U16, None, 2)
            .unwrap();
        assert_eq!(out, [0, 1]);
        let mut out = Vec::new();
        b.write_corpus_ids(&mut reader("ab\n"), &mut out, IdFormat::U32, None, 1)
            .unwrap();
        assert_eq!(out, [0, 1, 0, 0]);
        let text = "ab\n".repeat(1_000_000);
        let mut n = 0;
        let e = b
            .encode_corpus(&mut reader(&text), 2, |_| {
                n += 1;
                if n == 10 {
                    Err(Error::Config("stop".into()))
                } else {
                    Ok(())
                }
            })
            .unwrap_err();
        assert!(e.to_string().contains("stop"));
    }
}
