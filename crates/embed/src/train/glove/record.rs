//! One non-zero entry of the co-occurrence matrix and its 12-byte
//! little-endian encoding, shared by spilled runs, the saved matrix and the
//! shuffled training file.
//!
//! GloVe C stores `(int, int, double)` records of 16 bytes; an `f32` value is
//! enough once the sum is done (the sums themselves are accumulated in `f64`,
//! see [`dense`](super::dense) and [`merge`](super::merge)), and it makes every
//! buffer, run and file a quarter smaller.

use std::io::{self, Read, Write};

/// Bytes of one encoded [`Entry`]: row `u32`, column `u32`, value `f32`, all
/// little-endian.
pub const RECORD_BYTES: usize = 12;

/// One non-zero co-occurrence `X[row][col]`: how often (weighted by
/// `1/distance`) word `col` was seen in the window of word `row`.
///
/// Ids are vocabulary ids (frequency ranks from 0). Entries are ordered by
/// `(row, col)`, which is the order of [`key`](Entry::key).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Entry {
    /// The word (GloVe C's `word1`): trains the word vector `w_row`.
    pub row: u32,
    /// The context word (`word2`): trains the context vector `w̃_col`.
    pub col: u32,
    /// The weighted count `X_ij > 0`.
    pub value: f32,
}

impl Entry {
    /// The sort key: `row` in the high 32 bits, `col` in the low ones.
    #[inline]
    pub fn key(&self) -> u64 {
        ((self.row as u64) << 32) | self.col as u64
    }

    /// The 12-byte encoding.
    #[inline]
    pub fn encode(&self) -> [u8; RECORD_BYTES] {
        let mut b = [0u8; RECORD_BYTES];
        b[0..4].copy_from_slice(&self.row.to_le_bytes());
        b[4..8].copy_from_slice(&self.col.to_le_bytes());
        b[8..12].copy_from_slice(&self.value.to_le_bytes());
        b
    }

    /// Decodes the first 12 bytes of `b` (which must hold at least 12).
    #[inline]
    pub fn decode(b: &[u8]) -> Entry {
        let word = |i: usize| [b[i], b[i + 1], b[i + 2], b[i + 3]];
        Entry {
            row: u32::from_le_bytes(word(0)),
            col: u32::from_le_bytes(word(4)),
            value: f32::from_le_bytes(word(8)),
        }
    }
}

/// Sorts `entries` by key and sums entries with the same key (in `f64`), in
/// place: what GloVe C's `write_chunk` does before a run goes to disk.
pub(crate) fn sort_and_sum(entries: &mut Vec<Entry>) {
    if entries.is_empty() {
        return;
    }
    entries.sort_unstable_by_key(Entry::key);
    let mut out = 0usize;
    let mut acc = entries[0];
    let mut sum = acc.value as f64;
    for i in 1..entries.len() {
        let e = entries[i];
        if e.key() == acc.key() {
            sum += e.value as f64;
        } else {
            acc.value = sum as f32;
            entries[out] = acc;
            out += 1;
            acc = e;
            sum = e.value as f64;
        }
    }
    acc.value = sum as f32;
    entries[out] = acc;
    entries.truncate(out + 1);
}

/// Writes entries as 12-byte records through a buffer.
pub(crate) struct RecordWriter<W: Write> {
    inner: W,
    buf: Vec<u8>,
    written: u64,
}

const WRITE_BUFFER: usize = 1 << 18;

impl<W: Write> RecordWriter<W> {
    pub(crate) fn new(inner: W) -> Self {
        RecordWriter {
            inner,
            buf: Vec::with_capacity(WRITE_BUFFER),
            written: 0,
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, e: Entry) -> io::Result<()> {
        self.buf.extend_from_slice(&e.encode());
        self.written += 1;
        if self.buf.len() + RECORD_BYTES > WRITE_BUFFER {
            self.flush_buf()?;
        }
        Ok(())
    }

    /// Writes bytes that are not records (a file header or footer).
    pub(crate) fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.flush_buf()?;
        self.inner.write_all(bytes)
    }

    pub(crate) fn push_all(&mut self, entries: &[Entry]) -> io::Result<()> {
        for &e in entries {
            self.push(e)?;
        }
        Ok(())
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        self.inner.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    /// Records written so far.
    pub(crate) fn written(&self) -> u64 {
        self.written
    }

    /// Flushes the buffer and returns the inner writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.flush_buf()?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

/// Reads a known number of 12-byte records through a buffer; a source that
/// ends early is an [`io::ErrorKind::UnexpectedEof`] error.
pub(crate) struct RecordReader<R: Read> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    remaining: u64,
}

impl<R: Read> RecordReader<R> {
    /// A reader of `count` records with a buffer of about `buffer_bytes`.
    pub(crate) fn new(inner: R, count: u64, buffer_bytes: usize) -> Self {
        let cap = (buffer_bytes / RECORD_BYTES).max(1) * RECORD_BYTES;
        RecordReader {
            inner,
            buf: vec![0; cap],
            pos: 0,
            len: 0,
            remaining: count,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        // Keep a partial record, then read until at least one whole record
        // (or the rest of what is expected) is buffered.
        let keep = self.len - self.pos;
        self.buf.copy_within(self.pos..self.len, 0);
        self.pos = 0;
        self.len = keep;
        let want =
            (self.remaining as u128 * RECORD_BYTES as u128).min(self.buf.len() as u128) as usize;
        while self.len < want {
            match self.inner.read(&mut self.buf[self.len..want]) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "the data ends {} records early",
                            self.remaining - (self.len / RECORD_BYTES) as u64
                        ),
                    ))
                }
                Ok(n) => self.len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// The next record, `None` after `count` records.
    #[inline]
    pub(crate) fn next_entry(&mut self) -> io::Result<Option<Entry>> {
        if self.remaining == 0 {
            return Ok(None);
        }
        if self.len - self.pos < RECORD_BYTES {
            self.refill()?;
        }
        let e = Entry::decode(&self.buf[self.pos..self.pos + RECORD_BYTES]);
        self.pos += RECORD_BYTES;
        self.remaining -= 1;
        Ok(Some(e))
    }

    /// Appends up to `max` records to `out`; returns how many.
    pub(crate) fn read_into(&mut self, out: &mut Vec<Entry>, max: usize) -> io::Result<usize> {
        let mut n = 0;
        while n < max {
            match self.next_entry()? {
                Some(e) => out.push(e),
                None => break,
            }
            n += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip_and_sum() {
        let e = Entry {
            row: 7,
            col: u32::MAX,
            value: 0.25,
        };
        assert_eq!(Entry::decode(&e.encode()), e);
        let mut v = vec![
            Entry {
                row: 1,
                col: 2,
                value: 1.0,
            },
            Entry {
                row: 0,
                col: 5,
                value: 0.5,
            },
            Entry {
                row: 1,
                col: 2,
                value: 0.5,
            },
        ];
        sort_and_sum(&mut v);
        assert_eq!(
            v,
            [
                Entry {
                    row: 0,
                    col: 5,
                    value: 0.5
                },
                Entry {
                    row: 1,
                    col: 2,
                    value: 1.5
                },
            ]
        );
    }

    #[test]
    fn reader_reports_a_short_source() {
        let mut w = RecordWriter::new(Vec::new());
        for i in 0..100 {
            w.push(Entry {
                row: i,
                col: i,
                value: 1.0,
            })
            .unwrap();
        }
        let bytes = w.finish().unwrap();
        let mut r = RecordReader::new(&bytes[..], 100, 64);
        let mut got = Vec::new();
        assert_eq!(r.read_into(&mut got, 1000).unwrap(), 100);
        assert_eq!(got[99].row, 99);
        let mut short = RecordReader::new(&bytes[..bytes.len() - 5], 100, 64);
        let err = short.read_into(&mut Vec::new(), 1000).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
}
