//! The corpus encoded once as word ids in a temporary file, streamed by the
//! training threads every epoch.
//!
//! word2vec C re-reads and re-hashes the text on every epoch. Here the text
//! is tokenised once, after the vocabulary is known: every kept word becomes
//! its `u32` id (little-endian), words below `min_count` are dropped, and a
//! line end becomes [`EOL`]. Memory does not grow with the corpus: the file
//! is written through a buffer, and each thread reads its own part through a
//! fixed-size buffer. The file is deleted when the [`IdFile`] is dropped
//! (also when training fails or is interrupted by an error).

use crate::error::{Error, Result};
use embedpos_tokenize::{CorpusReader, Scratch, Tokenizer, Vocab};
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The id that marks the end of a corpus line (a sentence boundary).
pub(crate) const EOL: u32 = u32::MAX;

/// Ids per read or write block (256 KiB).
const BLOCK: usize = 1 << 16;

/// Entries per shuffling block (see [`IdFile::blocks`]): whole lines of
/// about this many words.
pub(crate) const SHUFFLE_BLOCK: u64 = 4096;

/// The encoded corpus.
#[derive(Debug)]
pub(crate) struct IdFile {
    path: tempfile::TempPath,
    /// Entries in the file: word ids and line ends.
    len: u64,
    /// Word ids in the file (the words of one epoch).
    words: u64,
    /// For each word id, the rank of its first appearance among the
    /// vocabulary's words (`u32::MAX` if it never appeared).
    first_seen: Vec<u32>,
    /// Where each shuffling block starts, then `len`.
    block_starts: Vec<u64>,
}

impl IdFile {
    /// Tokenises `reader` with `tokenizer` and writes the ids of the words
    /// of `vocab` to a new temporary file in `dir`.
    pub(crate) fn encode(
        reader: &mut CorpusReader,
        tokenizer: &Tokenizer,
        vocab: &Vocab,
        dir: &Path,
    ) -> Result<IdFile> {
        let tmp = tempfile::Builder::new()
            .prefix(".embedpos-ids-")
            .suffix(".u32")
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, e))?;
        let (file, path) = tmp.into_parts();
        let io_err = |e| Error::io(path.to_path_buf(), e);
        let mut out = BufWriter::with_capacity(4 * BLOCK, file);
        let mut ids: Vec<u32> = Vec::with_capacity(BLOCK + 1);
        let mut bytes: Vec<u8> = Vec::with_capacity(4 * (BLOCK + 1));
        let mut scratch = Scratch::default();
        let mut line = String::new();
        let (mut len, mut words) = (0u64, 0u64);
        let mut first_seen = vec![u32::MAX; vocab.len()];
        let mut seen = 0u32;
        let mut block_starts = vec![0u64];
        while reader.read_line(&mut line)? {
            let before = ids.len();
            tokenizer.for_each_token(&line, &mut scratch, |t| {
                if let Some(id) = vocab.id(t) {
                    ids.push(id);
                    if let Some(f) = first_seen.get_mut(id as usize) {
                        if *f == u32::MAX {
                            *f = seen;
                            seen += 1;
                        }
                    }
                }
            });
            line.clear();
            if ids.len() > before {
                words += (ids.len() - before) as u64;
                ids.push(EOL);
                let at = len + ids.len() as u64;
                if at - block_starts.last().copied().unwrap_or(0) >= SHUFFLE_BLOCK {
                    block_starts.push(at);
                }
            }
            if ids.len() >= BLOCK {
                len += ids.len() as u64;
                write_ids(&mut out, &ids, &mut bytes).map_err(io_err)?;
                ids.clear();
            }
        }
        len += ids.len() as u64;
        write_ids(&mut out, &ids, &mut bytes).map_err(io_err)?;
        out.flush().map_err(io_err)?;
        if block_starts.last() != Some(&len) {
            block_starts.push(len);
        }
        Ok(IdFile {
            path,
            len,
            words,
            first_seen,
            block_starts,
        })
    }

    /// Word ids in the file (line ends not counted).
    pub(crate) fn words(&self) -> u64 {
        self.words
    }

    /// Line ends in the file: one per line that holds a vocabulary word.
    pub(crate) fn line_ends(&self) -> u64 {
        self.len - self.words
    }

    /// Rank of each word's first appearance in the corpus (see
    /// [`word2vec_order`]).
    pub(crate) fn first_seen(&self) -> &[u32] {
        &self.first_seen
    }

    /// The temporary file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The file cut into blocks of whole lines of at least
    /// [`SHUFFLE_BLOCK`] entries (the last may be shorter; a longer line is
    /// a block of its own), in file order.
    pub(crate) fn blocks(&self) -> Vec<Range<u64>> {
        self.block_starts.windows(2).map(|w| w[0]..w[1]).collect()
    }

    /// Splits the file into `n` ranges of entries of about equal size, each
    /// starting at a line start (the first may be empty on a short corpus).
    pub(crate) fn chunks(&self, n: usize) -> Result<Vec<Range<u64>>> {
        let n = n.max(1);
        let mut starts = vec![0u64];
        let mut r = IdReader::open(self.path(), 0..self.len)?;
        for t in 1..n {
            let target = (self.len as u128 * t as u128 / n as u128) as u64;
            let from = target.max(*starts.last().unwrap_or(&0));
            // The first line start at or after `from`: just after an EOL at
            // `from - 1` or later.
            let mut pos = from.saturating_sub(1);
            if from == 0 {
                starts.push(0);
                continue;
            }
            r.seek(pos)?;
            let start = loop {
                match r.next()? {
                    Some(EOL) => break pos + 1,
                    Some(_) => pos += 1,
                    None => break self.len,
                }
            };
            starts.push(start);
        }
        starts.push(self.len);
        Ok(starts.windows(2).map(|w| w[0]..w[1]).collect())
    }
}

/// word2vec C's vocabulary order: count descending, ties in order of first
/// appearance in the corpus (C's hash table is filled in reading order and
/// `SortVocab` sorts it with glibc's stable merge sort). Returns the old id
/// of each new id.
///
/// The order matters to users: evaluations restricted to the first N words
/// (`restrict_vocab`) and the Huffman tree's tie-breaking see the same words
/// as with word2vec C.
pub(crate) fn word2vec_order(counts: &[u64], first_seen: &[u32]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..counts.len() as u32).collect();
    order.sort_by_key(|&i| {
        (
            std::cmp::Reverse(counts[i as usize]),
            first_seen.get(i as usize).copied().unwrap_or(u32::MAX),
            i,
        )
    });
    order
}

fn write_ids(out: &mut impl Write, ids: &[u32], bytes: &mut Vec<u8>) -> std::io::Result<()> {
    bytes.clear();
    for &id in ids {
        bytes.extend_from_slice(&id.to_le_bytes());
    }
    out.write_all(bytes)
}

/// Streams one range of an [`IdFile`] through a fixed-size buffer.
#[derive(Debug)]
pub(crate) struct IdReader {
    file: File,
    path: PathBuf,
    range: Range<u64>,
    /// Next entry to read from the file.
    pos: u64,
    buf: Vec<u32>,
    bytes: Vec<u8>,
    at: usize,
}

impl IdReader {
    /// Opens `path` to read entries `range`, starting at its beginning.
    pub(crate) fn open(path: &Path, range: Range<u64>) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut r = IdReader {
            file,
            path: path.to_path_buf(),
            pos: range.start,
            range,
            buf: Vec::with_capacity(BLOCK),
            bytes: vec![0; 4 * BLOCK],
            at: 0,
        };
        r.seek(r.range.start)?;
        Ok(r)
    }

    /// Restarts at the beginning of the range.
    pub(crate) fn rewind(&mut self) -> Result<()> {
        self.seek(self.range.start)
    }

    /// Reads `range` next, from its beginning.
    pub(crate) fn set_range(&mut self, range: Range<u64>) -> Result<()> {
        self.range = range;
        self.rewind()
    }

    fn seek(&mut self, pos: u64) -> Result<()> {
        self.file
            .seek(SeekFrom::Start(pos * 4))
            .map_err(|e| Error::io(&self.path, e))?;
        self.pos = pos;
        self.buf.clear();
        self.at = 0;
        Ok(())
    }

    fn refill(&mut self) -> Result<bool> {
        let want = (self.range.end.saturating_sub(self.pos)).min(BLOCK as u64) as usize;
        self.buf.clear();
        self.at = 0;
        if want == 0 {
            return Ok(false);
        }
        let bytes = &mut self.bytes[..4 * want];
        self.file.read_exact(bytes).map_err(|e| {
            Error::io(
                &self.path,
                std::io::Error::new(
                    e.kind(),
                    format!(
                        "temporary id file ended early at entry {} ({e}); was it removed while training?",
                        self.pos
                    ),
                ),
            )
        })?;
        self.buf.extend(
            bytes
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
        self.pos += want as u64;
        Ok(true)
    }

    /// The next entry, or `None` at the end of the range.
    #[inline(always)]
    pub(crate) fn next(&mut self) -> Result<Option<u32>> {
        if self.at == self.buf.len() && !self.refill()? {
            return Ok(None);
        }
        let v = self.buf[self.at];
        self.at += 1;
        Ok(Some(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_text(text: &str) -> (IdFile, Vocab, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let vocab =
            Vocab::from_counts([("a".into(), 5), ("b".into(), 3), ("c".into(), 1)]).unwrap();
        let mut r =
            CorpusReader::from_reader("mem", std::io::Cursor::new(text.as_bytes().to_vec()));
        let f = IdFile::encode(&mut r, &Tokenizer::default(), &vocab, dir.path()).unwrap();
        (f, vocab, dir)
    }

    /// 5000 lines of 2 to 14 words.
    fn varied_lines() -> String {
        (0..5000).map(|i| "a b ".repeat(i % 7 + 1) + "\n").collect()
    }

    fn read_all(f: &IdFile, range: Range<u64>) -> Vec<u32> {
        let mut r = IdReader::open(f.path(), range).unwrap();
        let mut out = Vec::new();
        while let Some(x) = r.next().unwrap() {
            out.push(x);
        }
        out
    }

    #[test]
    fn encodes_known_words_and_line_ends() {
        let (f, _, _d) = encode_text("a b zz c\n\nzz\nb  a\n");
        assert_eq!(f.words(), 5);
        assert_eq!(f.line_ends(), 2);
        assert_eq!(read_all(&f, 0..f.len), [0, 1, 2, EOL, 1, 0, EOL]);
        assert_eq!(f.first_seen(), [0, 1, 2]);
        let (g, _, _d2) = encode_text("c b\na\n");
        assert_eq!(g.first_seen(), [2, 1, 0]);
        // Counts 5, 3, 3, 3 (ids 0..4) first seen in order 3, 2, 0, 1.
        assert_eq!(word2vec_order(&[5, 3, 3, 3], &[3, 2, 0, 1]), [0, 2, 3, 1]);
    }

    #[test]
    fn chunks_start_at_line_starts_and_cover_everything() {
        let text = varied_lines();
        let (f, _, _d) = encode_text(&text);
        let all = read_all(&f, 0..f.len);
        for n in [1, 2, 3, 8] {
            let chunks = f.chunks(n).unwrap();
            assert_eq!(chunks.len(), n);
            assert_eq!(chunks[0].start, 0);
            assert_eq!(chunks[n - 1].end, f.len);
            let mut joined = Vec::new();
            for c in &chunks {
                if c.start > 0 {
                    assert_eq!(all[c.start as usize - 1], EOL);
                }
                joined.extend(read_all(&f, c.clone()));
            }
            assert_eq!(joined, all);
        }
        // More chunks than lines: some are empty, none overlap.
        let (g, _, _d2) = encode_text("a\nb\n");
        let c = g.chunks(5).unwrap();
        assert_eq!(c.iter().map(|r| r.end - r.start).sum::<u64>(), 4);
    }

    #[test]
    fn blocks_are_whole_lines_of_at_least_the_block_size() {
        let mut text = varied_lines();
        // One line longer than a block.
        text.push_str(&"a ".repeat(3 * SHUFFLE_BLOCK as usize));
        text.push('\n');
        let (f, _, _d) = encode_text(&text);
        let all = read_all(&f, 0..f.len);
        let blocks = f.blocks();
        assert!(blocks.len() > 2);
        assert_eq!(blocks[0].start, 0);
        assert_eq!(blocks[blocks.len() - 1].end, f.len);
        let mut r = IdReader::open(f.path(), 0..0).unwrap();
        let mut joined = Vec::new();
        for (i, b) in blocks.iter().enumerate() {
            assert_eq!(all[b.end as usize - 1], EOL);
            if i + 1 < blocks.len() {
                assert!(b.end - b.start >= SHUFFLE_BLOCK);
                assert_eq!(blocks[i + 1].start, b.end);
            }
            r.set_range(b.clone()).unwrap();
            while let Some(x) = r.next().unwrap() {
                joined.push(x);
            }
        }
        assert_eq!(joined, all);
        // The long line is one block; an empty corpus has none.
        assert!(blocks.iter().any(|b| b.end - b.start > 3 * SHUFFLE_BLOCK));
        let (e, _, _d2) = encode_text("");
        assert!(e.blocks().is_empty());
    }

    #[test]
    fn file_is_removed_on_drop() {
        let (f, _, _d) = encode_text("a b\n");
        let p = f.path().to_path_buf();
        assert!(p.exists());
        drop(f);
        assert!(!p.exists());
    }
}
