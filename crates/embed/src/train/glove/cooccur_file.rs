//! The saved co-occurrence matrix ([`CooccurFile`], written by
//! [`GloVe::save_cooccurrences`](crate::train::GloVe::save_cooccurrences)).

use super::record::{Entry, RecordReader, RecordWriter, RECORD_BYTES};
use crate::error::{Error, Result};
use embedpos_base::codec;
use embedpos_tokenize::Vocab;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const MAGIC: [u8; 8] = *b"EPCOOCC\0";
const END: [u8; 8] = *b"EPCOEND\0";
/// The format version this code writes and reads.
pub const COOCCUR_FORMAT_VERSION: u32 = 1;
const PREFIX: u64 = 8 + 4 + 8;
const FOOTER: u64 = 16;

/// What a co-occurrence file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CooccurHeader {
    /// The vocabulary: row and column ids are its ids.
    pub vocab: Vocab,
    /// The window the pairs were counted with.
    pub window: u64,
    /// Whether both sides of each word were counted.
    pub symmetric: bool,
    /// Whether pairs were weighted by `1/distance`.
    pub distance_weighting: bool,
    /// The tokenizer that split the corpus, described for people (its
    /// `Debug` form; the native codec cannot hold its tagged serde form).
    pub tokenizer: String,
    /// Corpus tokens read while counting.
    pub tokens: u64,
}

/// Writes a co-occurrence file to `w`. `produce` must call its argument
/// with every entry, sorted by key and each key once, and return how many.
///
/// Errors of `produce` come back as [`WriteError::Data`]; write errors as
/// [`WriteError::Io`], for the caller to name the path.
pub(crate) fn write<W: Write>(
    w: W,
    header: &CooccurHeader,
    produce: impl FnOnce(&mut dyn FnMut(Entry) -> Result<()>) -> Result<u64>,
) -> std::result::Result<u64, WriteError> {
    let head = codec::encode(header).map_err(|e| WriteError::Data(e.into()))?;
    let mut rw = RecordWriter::new(w);
    rw.write_raw(&MAGIC)?;
    rw.write_raw(&COOCCUR_FORMAT_VERSION.to_le_bytes())?;
    rw.write_raw(&(head.len() as u64).to_le_bytes())?;
    rw.write_raw(&head)?;
    let mut io_err = None;
    let n = produce(&mut |e| match rw.push(e) {
        Ok(()) => Ok(()),
        Err(err) => {
            let msg = err.to_string();
            io_err = Some(err);
            // Stops `produce`; the I/O error is what is reported.
            Err(Error::Config(msg))
        }
    });
    if let Some(e) = io_err {
        return Err(WriteError::Io(e));
    }
    let n = n.map_err(WriteError::Data)?;
    if n != rw.written() {
        return Err(WriteError::Data(Error::Config(format!(
            "internal: {n} entries announced but {} written",
            rw.written()
        ))));
    }
    rw.write_raw(&n.to_le_bytes())?;
    rw.write_raw(&END)?;
    rw.finish()?;
    Ok(n)
}

/// Why writing a co-occurrence file failed.
#[derive(Debug)]
pub(crate) enum WriteError {
    /// Writing the file.
    Io(std::io::Error),
    /// Producing the entries (reading temporary runs, ...).
    Data(Error),
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> Self {
        WriteError::Io(e)
    }
}

/// An opened, structurally checked co-occurrence file.
///
/// The saved co-occurrence matrix ([`GloVe::save_cooccurrences`](crate::train::GloVe::save_cooccurrences),
/// [`GloVe::train_from_cooccurrences`](crate::train::GloVe::train_from_cooccurrences)) lets one count
/// once and train many times, as GloVe C's `cooccurrence.bin` allows, but
/// in a versioned, self-describing and checked file.
///
/// | bytes | content |
/// |---|---|
/// | 8 | magic `EPCOOCC\0` |
/// | 4 | format version, `u32` little-endian (1) |
/// | 8 | header length `h`, `u64` |
/// | `h` | [`CooccurHeader`]: vocabulary and counting settings (native codec) |
/// | 12 · n | the entries, sorted by `(row, col)`: `u32` row, `u32` col, `f32` value |
/// | 8 | `n`, `u64` |
/// | 8 | end marker `EPCOEND\0` |
///
/// The entry count sits in a footer because the entries are written as the
/// merge produces them. A reader checks the magic, the version, that the
/// header fits, that the end marker is there and that the file's length is
/// exactly what `n` entries take, before it allocates anything; while
/// streaming it checks that ids are in the vocabulary, values are positive
/// and finite and keys strictly increase. A file cut short (a copy that
/// stopped, a full disk) therefore fails with a message instead of training
/// on part of the matrix.
#[derive(Debug)]
pub struct CooccurFile {
    path: PathBuf,
    header: CooccurHeader,
    entries: u64,
    data_start: u64,
}

impl CooccurFile {
    /// Opens `path` and checks everything but the entries themselves (see
    /// [`CooccurFile`]).
    pub fn open(path: impl AsRef<Path>) -> Result<CooccurFile> {
        let path = path.as_ref();
        let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
        let corrupt = |offset: u64, msg: String| Error::corrupt(path, offset, msg);
        let mut prefix = [0u8; PREFIX as usize];
        let got = read_fully(&mut f, &mut prefix).map_err(|e| Error::io(path, e))?;
        let magic_len = got.min(8);
        if got == 0 || prefix[..magic_len] != MAGIC[..magic_len] {
            return Err(not_ours(path));
        }
        if got < prefix.len() {
            return Err(corrupt(
                len,
                format!("truncated: the file ends after {len} bytes, inside its header; save it again with `GloVe::save_cooccurrences`"),
            ));
        }
        let version = u32::from_le_bytes([prefix[8], prefix[9], prefix[10], prefix[11]]);
        if version != COOCCUR_FORMAT_VERSION {
            return Err(Error::format(
                path,
                format!(
                    "co-occurrence file format version {version}; this embedpos reads version \
                     {COOCCUR_FORMAT_VERSION}: count the corpus again with `GloVe::save_cooccurrences`"
                ),
            ));
        }
        let mut h = [0u8; 8];
        h.copy_from_slice(&prefix[12..20]);
        let head_len = u64::from_le_bytes(h);
        if head_len > len.saturating_sub(PREFIX + FOOTER) {
            return Err(corrupt(
                12,
                format!(
                    "truncated or corrupt: the header claims {head_len} bytes but the file has \
                     {len} bytes in all; save it again with `GloVe::save_cooccurrences`"
                ),
            ));
        }
        let mut head = vec![0u8; head_len as usize];
        f.read_exact(&mut head).map_err(|e| Error::io(path, e))?;
        let header: CooccurHeader = codec::decode(&head)
            .map_err(|e| corrupt(PREFIX, format!("the header cannot be read: {e}")))?;
        let data_start = PREFIX + head_len;
        f.seek(SeekFrom::Start(len - FOOTER))
            .map_err(|e| Error::io(path, e))?;
        let mut foot = [0u8; FOOTER as usize];
        f.read_exact(&mut foot).map_err(|e| Error::io(path, e))?;
        if foot[8..] != END {
            return Err(corrupt(
                len - 8,
                format!(
                    "truncated: the end marker is missing, so the file was cut short \
                     ({len} bytes); save it again with `GloVe::save_cooccurrences`"
                ),
            ));
        }
        let mut n = [0u8; 8];
        n.copy_from_slice(&foot[..8]);
        let entries = u64::from_le_bytes(n);
        let data = len - FOOTER - data_start;
        if entries.checked_mul(RECORD_BYTES as u64) != Some(data) {
            return Err(corrupt(
                len - FOOTER,
                format!(
                    "corrupt: the footer counts {entries} entries ({} bytes) but {data} bytes of \
                     entries are there; save it again with `GloVe::save_cooccurrences`",
                    entries.saturating_mul(RECORD_BYTES as u64)
                ),
            ));
        }
        Ok(CooccurFile {
            path: path.to_path_buf(),
            header,
            entries,
            data_start,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The header: vocabulary and counting settings.
    pub fn header(&self) -> &CooccurHeader {
        &self.header
    }

    /// Gives up the header (to keep the vocabulary without a copy).
    pub fn into_header(self) -> CooccurHeader {
        self.header
    }

    /// Number of non-zero entries.
    pub fn len(&self) -> u64 {
        self.entries
    }

    /// True when the matrix has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// Streams the entries, checking each.
    pub fn entries(&self) -> Result<CooccurEntries> {
        let mut f = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        f.seek(SeekFrom::Start(self.data_start))
            .map_err(|e| Error::io(&self.path, e))?;
        Ok(CooccurEntries {
            reader: RecordReader::new(f, self.entries, 1 << 20),
            path: self.path.clone(),
            offset: self.data_start,
            prev: None,
            vocab_len: self.header.vocab.len() as u64,
        })
    }

    /// Reads every entry into memory (for tests and small matrices).
    pub fn read_all(&self) -> Result<Vec<Entry>> {
        let mut out = Vec::with_capacity(self.entries.min(1 << 24) as usize);
        let mut it = self.entries()?;
        while let Some(e) = it.next_entry()? {
            out.push(e);
        }
        Ok(out)
    }
}

fn not_ours(path: &Path) -> Error {
    Error::format(
        path,
        "not an embedpos co-occurrence file (they start with `EPCOOCC`; GloVe C's cooccurrence.bin \
         has no header and cannot be read): write one with `GloVe::save_cooccurrences`",
    )
}

fn read_fully(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The checked entries of a [`CooccurFile`], in order.
pub struct CooccurEntries {
    reader: RecordReader<File>,
    path: PathBuf,
    offset: u64,
    prev: Option<u64>,
    vocab_len: u64,
}

impl CooccurEntries {
    /// The next entry, `None` at the end.
    pub fn next_entry(&mut self) -> Result<Option<Entry>> {
        let e = match self.reader.next_entry() {
            Ok(Some(e)) => e,
            Ok(None) => return Ok(None),
            Err(e) => return Err(Error::io(&self.path, e)),
        };
        let at = self.offset;
        self.offset += RECORD_BYTES as u64;
        let corrupt = |what: String| {
            Err(Error::corrupt(
                &self.path,
                at,
                format!("corrupt: entry ({}, {}) {what}", e.row, e.col),
            ))
        };
        if e.row as u64 >= self.vocab_len || e.col as u64 >= self.vocab_len {
            return corrupt(format!(
                "names a word id outside the vocabulary of {} words",
                self.vocab_len
            ));
        }
        if !(e.value.is_finite() && e.value > 0.0) {
            return corrupt(format!("has value {}; counts are positive", e.value));
        }
        let key = e.key();
        if self.prev.is_some_and(|p| p >= key) {
            return corrupt("is out of order; entries are sorted by row, then column".into());
        }
        self.prev = Some(key);
        Ok(Some(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(dir: &Path) -> (PathBuf, Vec<Entry>) {
        let vocab = Vocab::from_counts([("a".into(), 3), ("b".into(), 2)]).unwrap();
        let header = CooccurHeader {
            vocab,
            window: 2,
            symmetric: true,
            distance_weighting: true,
            tokenizer: "whitespace".into(),
            tokens: 5,
        };
        let entries = vec![
            Entry {
                row: 0,
                col: 1,
                value: 1.5,
            },
            Entry {
                row: 1,
                col: 0,
                value: 1.5,
            },
            Entry {
                row: 1,
                col: 1,
                value: 0.5,
            },
        ];
        let path = dir.join("m.cooc");
        let mut bytes = Vec::new();
        let n = write(&mut bytes, &header, |push| {
            for &e in &entries {
                push(e)?;
            }
            Ok(entries.len() as u64)
        })
        .map_err(|_| ())
        .unwrap();
        assert_eq!(n, 3);
        std::fs::write(&path, bytes).unwrap();
        (path, entries)
    }

    #[test]
    fn round_trip_and_every_truncation_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (path, entries) = sample(dir.path());
        let f = CooccurFile::open(&path).unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!(f.header().vocab.tokens(), ["a", "b"]);
        assert_eq!(f.read_all().unwrap(), entries);
        let bytes = std::fs::read(&path).unwrap();
        let cut = dir.path().join("cut.cooc");
        for keep in 0..bytes.len() {
            std::fs::write(&cut, &bytes[..keep]).unwrap();
            let err = CooccurFile::open(&cut)
                .and_then(|f| f.read_all())
                .unwrap_err();
            let msg = err.to_string();
            let expect = if keep == 0 {
                "not an embedpos"
            } else {
                "truncated"
            };
            assert!(msg.contains(expect), "{keep}: {msg}");
        }
    }

    #[test]
    fn corrupt_entries_and_versions_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _) = sample(dir.path());
        let bytes = std::fs::read(&path).unwrap();
        let f = CooccurFile::open(&path).unwrap();
        let first = f.data_start as usize;
        // An id past the vocabulary.
        let mut bad = bytes.clone();
        bad[first..first + 4].copy_from_slice(&9u32.to_le_bytes());
        let e = read_error(&path, &bad);
        assert!(
            e.contains("outside the vocabulary") && e.contains(&format!("offset {first}")),
            "{e}"
        );
        // Out of order: swap the first two entries.
        let mut bad = bytes.clone();
        let (a, b) = (first, first + RECORD_BYTES);
        let tmp = bad[a..b].to_vec();
        bad.copy_within(b..b + RECORD_BYTES, a);
        bad[b..b + RECORD_BYTES].copy_from_slice(&tmp);
        let e = read_error(&path, &bad);
        assert!(e.contains("out of order"), "{e}");
        // Another version.
        let mut bad = bytes.clone();
        bad[8..12].copy_from_slice(&7u32.to_le_bytes());
        std::fs::write(&path, &bad).unwrap();
        let e = CooccurFile::open(&path).unwrap_err().to_string();
        assert!(e.contains("version 7"), "{e}");
    }

    /// Writes `bytes` to `path` and reads the entries: the error, as text.
    fn read_error(path: &Path, bytes: &[u8]) -> String {
        std::fs::write(path, bytes).unwrap();
        let file = CooccurFile::open(path).unwrap();
        file.read_all().unwrap_err().to_string()
    }
}
