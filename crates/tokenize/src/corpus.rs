//! Streaming corpus reader: files, directories, standard input, gzip.
//!
//! The reader never holds more than one line (capped at
//! [`CorpusReader::max_line_bytes`]) plus an I/O buffer in memory, so corpora of
//! any size, including a single multi-gigabyte line, are read in bounded memory.

use crate::error::{Error, Result};
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Default cap on the bytes of one line: 1 MiB.
///
/// A longer line is split into chunks of at most this many bytes, at the last
/// ASCII whitespace inside the chunk (so words are not cut) or, if the chunk
/// has none, at a UTF-8 character boundary. word2vec C instead cuts sentences
/// at 1000 words; the trainers apply that rule on top of this one.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;

const IO_BUFFER: usize = 1 << 18;

/// One source of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file, plain or gzip-compressed (detected from its first two bytes).
    File(PathBuf),
    /// Standard input, plain or gzip-compressed.
    Stdin,
}

impl Input {
    /// A display name: the path, or `-` for standard input.
    pub fn name(&self) -> PathBuf {
        match self {
            Input::File(p) => p.clone(),
            Input::Stdin => PathBuf::from("-"),
        }
    }
}

/// What a reader has seen so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReadStats {
    /// Lines returned (a split long line counts once per chunk).
    pub lines: u64,
    /// Decompressed bytes read, newlines included.
    pub bytes: u64,
    /// Invalid UTF-8 sequences replaced by U+FFFD.
    pub invalid_utf8: u64,
    /// Lines longer than the cap that were split into chunks.
    pub split_lines: u64,
}

/// A shared counter of raw (on-disk, compressed where the file is) bytes read,
/// for progress bars running on another thread.
#[derive(Debug, Clone, Default)]
pub struct ByteCounter(Arc<AtomicU64>);

impl ByteCounter {
    /// Bytes read so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

struct Counting<R> {
    inner: R,
    counter: ByteCounter,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.0.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Streams the lines of one or more inputs, in order.
///
/// * A path that is a directory stands for every regular file directly inside
///   it, in byte order of their names (hidden files, whose names start with
///   `.`, are skipped; subdirectories are not entered).
/// * `-` stands for standard input.
/// * gzip input is recognised by its magic bytes and decompressed on the fly
///   (concatenated members included).
/// * Invalid UTF-8 is replaced by U+FFFD and counted in [`ReadStats::invalid_utf8`].
/// * Line ends (`\n`, `\r\n`) are removed.
///
/// ```
/// use embedpos_tokenize::CorpusReader;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("a.txt");
/// std::fs::write(&path, "one line\nand another\n").unwrap();
/// let mut reader = CorpusReader::open(&[&path]).unwrap();
/// let mut line = String::new();
/// let mut lines = Vec::new();
/// while reader.read_line(&mut line).unwrap() {
///     lines.push(line.clone());
///     line.clear();
/// }
/// assert_eq!(lines, ["one line", "and another"]);
/// ```
pub struct CorpusReader {
    inputs: Vec<Input>,
    next_input: usize,
    current: Option<(PathBuf, Box<dyn BufRead + Send>)>,
    max_line_bytes: usize,
    raw: Vec<u8>,
    carry: Vec<u8>,
    stats: ReadStats,
    counter: ByteCounter,
    total_bytes: Option<u64>,
}

impl std::fmt::Debug for CorpusReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorpusReader")
            .field("inputs", &self.inputs)
            .field("next_input", &self.next_input)
            .field("stats", &self.stats)
            .finish()
    }
}

impl CorpusReader {
    /// Opens the given inputs; see the type's documentation for what a path
    /// may be.
    ///
    /// Every file is checked for existence and readability here, so a missing
    /// or unreadable file is reported before any work starts.
    pub fn open<P: AsRef<Path>>(paths: &[P]) -> Result<Self> {
        if paths.is_empty() {
            return Err(Error::NoInput(
                "give at least one file, directory, or `-` for standard input".into(),
            ));
        }
        let mut inputs = Vec::new();
        let mut total = Some(0u64);
        for p in paths {
            let p = p.as_ref();
            if p.as_os_str() == "-" {
                inputs.push(Input::Stdin);
                total = None;
                continue;
            }
            let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
            if meta.is_dir() {
                let mut files = Vec::new();
                for entry in std::fs::read_dir(p).map_err(|e| Error::io(p, e))? {
                    let entry = entry.map_err(|e| Error::io(p, e))?;
                    let path = entry.path();
                    if entry.file_name().to_string_lossy().starts_with('.') {
                        continue;
                    }
                    let m = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
                    if m.is_file() {
                        files.push((path, m.len()));
                    }
                }
                if files.is_empty() {
                    return Err(Error::NoInput(format!(
                        "directory {} holds no files",
                        p.display()
                    )));
                }
                files.sort();
                for (f, len) in files {
                    check_readable(&f)?;
                    total = total.map(|t| t + len);
                    inputs.push(Input::File(f));
                }
            } else {
                check_readable(p)?;
                total = total.map(|t| t + meta.len());
                inputs.push(Input::File(p.to_path_buf()));
            }
        }
        Ok(Self::from_inputs(inputs, total))
    }

    fn from_inputs(inputs: Vec<Input>, total_bytes: Option<u64>) -> Self {
        CorpusReader {
            inputs,
            next_input: 0,
            current: None,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            raw: Vec::new(),
            carry: Vec::new(),
            stats: ReadStats::default(),
            counter: ByteCounter::default(),
            total_bytes,
        }
    }

    /// Reads from any byte source (tests, in-memory text). gzip is detected.
    pub fn from_reader(name: impl Into<PathBuf>, reader: impl Read + Send + 'static) -> Self {
        let name = name.into();
        let counter = ByteCounter::default();
        let mut r = Self::from_inputs(Vec::new(), None);
        r.counter = counter.clone();
        let boxed = wrap(Box::new(Counting {
            inner: reader,
            counter,
        }));
        r.current = Some((name, boxed));
        r
    }

    /// Sets the cap on the bytes of one line (at least 16); see
    /// [`DEFAULT_MAX_LINE_BYTES`].
    pub fn with_max_line_bytes(mut self, max: usize) -> Self {
        self.max_line_bytes = max.max(16);
        self
    }

    /// The cap on the bytes of one line.
    pub fn max_line_bytes(&self) -> usize {
        self.max_line_bytes
    }

    /// The inputs, directories expanded.
    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    /// The summed on-disk size of the inputs, `None` when reading stdin.
    pub fn total_bytes(&self) -> Option<u64> {
        self.total_bytes
    }

    /// A counter of on-disk bytes read, to drive a progress bar from another
    /// thread (compare with [`total_bytes`](Self::total_bytes)).
    pub fn byte_counter(&self) -> ByteCounter {
        self.counter.clone()
    }

    /// What has been read so far.
    pub fn stats(&self) -> ReadStats {
        self.stats
    }

    /// The input being read now (for error messages).
    pub fn current_name(&self) -> Option<&Path> {
        self.current.as_ref().map(|(p, _)| p.as_path())
    }

    /// Appends the next line (without its line end) to `buf`.
    ///
    /// Returns `Ok(false)` when every input is exhausted. `buf` is not cleared,
    /// so callers can batch lines.
    pub fn read_line(&mut self, buf: &mut String) -> Result<bool> {
        if !self.next_raw_line()? {
            return Ok(false);
        }
        self.stats.lines += 1;
        match std::str::from_utf8(&self.raw) {
            Ok(s) => buf.push_str(s),
            Err(_) => {
                for chunk in self.raw.utf8_chunks() {
                    buf.push_str(chunk.valid());
                    if !chunk.invalid().is_empty() {
                        buf.push('\u{FFFD}');
                        self.stats.invalid_utf8 += 1;
                    }
                }
            }
        }
        Ok(true)
    }

    fn open_next(&mut self) -> Result<bool> {
        while self.current.is_none() {
            let Some(input) = self.inputs.get(self.next_input).cloned() else {
                return Ok(false);
            };
            self.next_input += 1;
            let counter = self.counter.clone();
            let reader: Box<dyn BufRead + Send> = match &input {
                Input::Stdin => wrap(Box::new(Counting {
                    inner: io::stdin(),
                    counter,
                })),
                Input::File(p) => {
                    let f = File::open(p).map_err(|e| Error::io(p, e))?;
                    wrap(Box::new(Counting { inner: f, counter }))
                }
            };
            self.current = Some((input.name(), reader));
        }
        Ok(true)
    }

    /// Fills `self.raw` with the next line's bytes. Returns false at the end.
    fn next_raw_line(&mut self) -> Result<bool> {
        self.raw.clear();
        std::mem::swap(&mut self.raw, &mut self.carry);
        loop {
            if !self.open_next()? {
                if self.raw.is_empty() {
                    return Ok(false);
                }
                break;
            }
            let Some((name, reader)) = self.current.as_mut() else {
                continue;
            };
            let avail = match reader.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(name.clone(), e)),
            };
            if avail.is_empty() {
                // End of this input: a last line without newline ends here,
                // lines never span two files.
                self.current = None;
                if self.raw.is_empty() {
                    continue;
                }
                break;
            }
            let room = self.max_line_bytes - self.raw.len();
            match memchr::memchr(b'\n', &avail[..avail.len().min(room + 1)]) {
                Some(i) => {
                    self.raw.extend_from_slice(&avail[..i]);
                    reader.consume(i + 1);
                    self.stats.bytes += i as u64 + 1;
                    break;
                }
                None => {
                    let take = avail.len().min(room);
                    self.raw.extend_from_slice(&avail[..take]);
                    reader.consume(take);
                    self.stats.bytes += take as u64;
                    if self.raw.len() >= self.max_line_bytes {
                        self.split_long_line();
                        break;
                    }
                }
            }
        }
        if self.raw.last() == Some(&b'\r') {
            self.raw.pop();
        }
        Ok(true)
    }

    /// Cuts `raw` at its last ASCII whitespace (or a char boundary) and keeps
    /// the rest in `carry` for the next call.
    fn split_long_line(&mut self) {
        self.stats.split_lines += 1;
        let cut = match self
            .raw
            .iter()
            .rposition(|&b| b == b' ' || b == b'\t' || b == b'\r')
        {
            Some(k) if k > 0 => k,
            _ => {
                // No whitespace: cut before the last UTF-8 lead byte so a
                // character is never split.
                let mut k = self.raw.len();
                while k > 1 && (self.raw[k - 1] & 0xC0) == 0x80 {
                    k -= 1;
                }
                if k > 1 && self.raw[k - 1] >= 0xC0 {
                    k - 1
                } else {
                    self.raw.len()
                }
            }
        };
        self.carry.clear();
        self.carry.extend_from_slice(&self.raw[cut..]);
        self.raw.truncate(cut);
        // Whitespace at the start of the carried part is a separator, drop it.
        let ws = self
            .carry
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t' || b == b'\r')
            .count();
        self.carry.drain(..ws);
    }
}

/// About this many bytes of lines go in a [`LineBatch`] handed to a worker
/// thread.
pub(crate) const BATCH_BYTES: usize = 1 << 20;

/// Lines of a [`CorpusReader`] read together, for a worker thread: one string
/// holding the lines back to back and the end offset of each, plus the
/// batch's place in the corpus.
#[derive(Debug, Default)]
pub(crate) struct LineBatch {
    seq: u64,
    text: String,
    ends: Vec<usize>,
}

impl LineBatch {
    /// Refills the batch, numbered `seq`, with the next lines of `reader`
    /// until they hold at least `max_bytes` (line ends not counted) or the
    /// reader ends. Returns whether more input may follow (false once the
    /// reader has ended; the batch then holds the last lines, maybe none).
    pub(crate) fn fill(
        &mut self,
        reader: &mut CorpusReader,
        seq: u64,
        max_bytes: usize,
    ) -> Result<bool> {
        self.seq = seq;
        self.text.clear();
        self.ends.clear();
        while self.text.len() < max_bytes {
            if !reader.read_line(&mut self.text)? {
                return Ok(false);
            }
            self.ends.push(self.text.len());
        }
        Ok(true)
    }

    /// The number given to [`fill`](Self::fill).
    pub(crate) fn seq(&self) -> u64 {
        self.seq
    }

    /// Whether the batch holds no line.
    pub(crate) fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The lines, in order, without their line ends.
    pub(crate) fn lines(&self) -> impl Iterator<Item = &str> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let line = &self.text[start..end];
            start = end;
            line
        })
    }
}

/// The next item for one of several workers sharing `rx`; `None` when the
/// channel is closed and empty, or another worker panicked holding it.
pub(crate) fn recv_shared<T>(rx: &std::sync::Mutex<std::sync::mpsc::Receiver<T>>) -> Option<T> {
    rx.lock().ok()?.recv().ok()
}

fn check_readable(p: &Path) -> Result<()> {
    File::open(p).map(drop).map_err(|e| Error::io(p, e))
}

/// Wraps a byte source in a buffer, decompressing gzip when the first two bytes
/// are its magic number.
fn wrap(inner: Box<dyn Read + Send>) -> Box<dyn BufRead + Send> {
    let mut buffered = BufReader::with_capacity(IO_BUFFER, inner);
    let is_gzip =
        matches!(buffered.fill_buf(), Ok(b) if b.len() >= 2 && b[0] == 0x1f && b[1] == 0x8b);
    if is_gzip {
        Box::new(BufReader::with_capacity(
            IO_BUFFER,
            MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lines_of(mut r: CorpusReader) -> (Vec<String>, ReadStats) {
        let mut out = Vec::new();
        let mut line = String::new();
        while r.read_line(&mut line).unwrap() {
            out.push(std::mem::take(&mut line));
        }
        (out, r.stats())
    }

    /// The lines of `text` read with lines of at most `max` bytes.
    fn split_lines(text: &str, max: usize) -> (Vec<String>, ReadStats) {
        let bytes = std::io::Cursor::new(text.as_bytes().to_vec());
        lines_of(CorpusReader::from_reader("mem", bytes).with_max_line_bytes(max))
    }

    #[test]
    fn reads_lines_crlf_and_last_line_without_newline() {
        let r = CorpusReader::from_reader("mem", &b"a b\r\nc\n\nlast"[..]);
        let (lines, stats) = lines_of(r);
        assert_eq!(lines, ["a b", "c", "", "last"]);
        assert_eq!(stats.lines, 4);
        assert_eq!(stats.invalid_utf8, 0);
    }

    #[test]
    fn invalid_utf8_is_replaced_and_counted() {
        let r = CorpusReader::from_reader("mem", &b"ok \xff\xfe x\nfine\n"[..]);
        let (lines, stats) = lines_of(r);
        assert_eq!(lines[0], "ok \u{FFFD}\u{FFFD} x");
        assert_eq!(stats.invalid_utf8, 2);
    }

    #[test]
    fn gzip_is_detected() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"hello world\nbye\n").unwrap();
        let gz = enc.finish().unwrap();
        let (lines, _) = lines_of(CorpusReader::from_reader(
            "mem.gz",
            std::io::Cursor::new(gz),
        ));
        assert_eq!(lines, ["hello world", "bye"]);
    }

    #[test]
    fn long_line_is_split_at_whitespace_without_losing_words() {
        let text = "alpha beta gamma delta epsilon zeta eta theta ".repeat(50);
        let (lines, stats) = split_lines(&text, 64);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.len() <= 64));
        assert!(stats.split_lines > 0);
        let words: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        let expect: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(words, expect);
    }

    #[test]
    fn long_line_without_whitespace_splits_on_char_boundaries() {
        let text = "é".repeat(100);
        let (lines, stats) = split_lines(&text, 33);
        assert_eq!(stats.invalid_utf8, 0);
        assert_eq!(lines.concat(), text);
    }

    #[test]
    fn line_batches_cover_every_line_once() {
        let text = "one\n\ntwo three\nfour\nfive\n";
        let mut r = CorpusReader::from_reader("mem", text.as_bytes());
        let mut batch = LineBatch::default();
        let mut got = Vec::new();
        let mut seq = 0;
        loop {
            let more = batch.fill(&mut r, seq, 6).unwrap();
            assert_eq!(batch.seq(), seq);
            got.push(batch.lines().map(String::from).collect::<Vec<_>>());
            seq += 1;
            if !more {
                break;
            }
        }
        assert_eq!(
            got,
            [vec!["one", "", "two three"], vec!["four", "five"], vec![],]
        );
        assert!(batch.is_empty());
    }

    #[test]
    fn directory_and_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.txt"), "two\n").unwrap();
        std::fs::write(dir.path().join("a.txt"), "one\n").unwrap();
        std::fs::write(dir.path().join(".hidden"), "no\n").unwrap();
        let (lines, _) = lines_of(CorpusReader::open(&[dir.path()]).unwrap());
        assert_eq!(lines, ["one", "two"]);
        let err = CorpusReader::open(&[dir.path().join("nope.txt")]).unwrap_err();
        assert!(err.to_string().contains("nope.txt"), "{err}");
        let empty = tempfile::tempdir().unwrap();
        assert!(CorpusReader::open(&[empty.path()]).is_err());
        assert!(CorpusReader::open::<&str>(&[]).is_err());
    }
}
