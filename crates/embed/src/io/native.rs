//! The embedpos native format (`.epv`): everything needed to use the vectors
//! again, laid out so the matrix can be memory-mapped.
//!
//! ```text
//! offset  size  field
//! 0       8     magic  \x89 E P V \r \n \x1a \n   (catches text-mode mangling, like PNG's)
//! 8       4     format version, u32 little-endian (1, or 2 with subword rows)
//! 12      4     flags, u32 little-endian (0; reserved)
//! 16      8     header length H, u64 little-endian
//! 24      H     header, encoded by embedpos_base::codec:
//!                 rows, dim, tokens, counts, matrix_offset, subword_rows, metadata
//!                 (version 2 adds: ngrams = None | Some { minn, maxn, bucket })
//! ...           zero padding up to matrix_offset (a multiple of 4096)
//! matrix_offset rows x dim f32 little-endian, row-major: the word vectors
//! ...           subword_rows x dim f32: fastText n-gram bucket rows
//!               (subword_rows = bucket in version 2; 0 in version 1 files)
//! ```
//!
//! Embeddings without [`Subwords`] are written as version 1, which every
//! build reads; embeddings with subwords as version 2. This build reads both.
//! [`Embeddings::load_mmap`] maps the word matrix and reads the bucket rows
//! into memory (they are only touched for unseen words, but a lookup reads
//! many rows at random, and owning them keeps [`Subwords`] simple).
//!
//! The file's length must be exactly `matrix_offset + (rows + subword_rows) *
//! dim * 4`; the header length is checked against the file before it is read,
//! and the codec limits what a corrupt header can make it allocate.

use super::common;
use super::mapped::MappedMatrix;
use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use crate::subwords::Subwords;
use embedpos_base::codec;
use embedpos_tokenize::{NgramConfig, Vocab};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The first 8 bytes of every native file.
pub const NATIVE_MAGIC: [u8; 8] = *b"\x89EPV\r\n\x1a\n";

/// The newest native format version this build writes and reads (2: with
/// subword rows). Files without subword rows are written as version 1.
pub const NATIVE_VERSION: u32 = 2;

/// The matrix starts at a multiple of this, so a map of it is page-aligned.
const ALIGN: u64 = 4096;

/// Bytes before the header.
const PREFIX: u64 = 24;

/// The version 1 header (no n-gram settings).
#[derive(Debug, Serialize, Deserialize)]
struct HeaderV1 {
    rows: u64,
    dim: u64,
    tokens: Vec<String>,
    counts: Vec<u64>,
    matrix_offset: u64,
    subword_rows: u64,
    metadata: Vec<(String, String)>,
}

/// The version 2 header: version 1's fields, then the n-gram settings of
/// the subword rows. (The codec writes a struct's fields one after the
/// other, nested ones included, so this is version 1's layout with one
/// field more.)
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    v1: HeaderV1,
    ngrams: Option<NgramHeader>,
}

/// fastText's `-minn`, `-maxn`, `-bucket` of the subword rows.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct NgramHeader {
    minn: u64,
    maxn: u64,
    bucket: u64,
}

impl Header {
    /// The version this header is written as, and its encoding.
    fn encode(&self) -> Result<(u32, Vec<u8>)> {
        Ok(match self.ngrams {
            None => (1, codec::encode(&self.v1)?),
            Some(_) => (2, codec::encode(self)?),
        })
    }
}

pub(crate) fn write(emb: &Embeddings, path: &Path) -> Result<()> {
    let mut header = Header {
        v1: HeaderV1 {
            rows: emb.len() as u64,
            dim: emb.dim() as u64,
            tokens: emb.vocab().tokens().to_vec(),
            counts: emb.vocab().counts().to_vec(),
            matrix_offset: 0,
            subword_rows: emb.subwords().map_or(0, |s| s.config().bucket as u64),
            metadata: Vec::new(),
        },
        ngrams: emb.subwords().map(|s| NgramHeader {
            minn: s.config().minn as u64,
            maxn: s.config().maxn as u64,
            bucket: s.config().bucket as u64,
        }),
    };
    // The offset is part of the header, whose length depends on the offset's
    // varint width: settle it by iterating (at most a few rounds).
    let (version, mut bytes) = header.encode()?;
    loop {
        let offset = (PREFIX + bytes.len() as u64).div_ceil(ALIGN) * ALIGN;
        if offset == header.v1.matrix_offset {
            break;
        }
        header.v1.matrix_offset = offset;
        bytes = header.encode()?.1;
    }
    let subword_matrix = emb.subwords().map_or(&[][..], |s| s.matrix());
    common::write_atomic(path, |w| {
        w.write_all(&NATIVE_MAGIC)?;
        w.write_all(&version.to_le_bytes())?;
        w.write_all(&0u32.to_le_bytes())?;
        w.write_all(&(bytes.len() as u64).to_le_bytes())?;
        w.write_all(&bytes)?;
        let pad = header.v1.matrix_offset - PREFIX - bytes.len() as u64;
        w.write_all(&vec![0u8; pad as usize])?;
        let mut buf = Vec::with_capacity(1 << 16);
        for chunk in emb
            .matrix()
            .chunks(1 << 14)
            .chain(subword_matrix.chunks(1 << 14))
        {
            buf.clear();
            for v in chunk {
                buf.extend_from_slice(&v.to_le_bytes());
            }
            w.write_all(&buf)?;
        }
        Ok(())
    })
}

/// Reads and checks the prefix and header; returns the header and vocab.
fn read_header(path: &Path, r: &mut impl Read, len: u64) -> Result<(Header, Vocab)> {
    if len < PREFIX {
        return Err(Error::format(
            path,
            format!("{len} bytes is too short for an embedpos native file"),
        ));
    }
    let mut prefix = [0u8; PREFIX as usize];
    r.read_exact(&mut prefix).map_err(|e| Error::io(path, e))?;
    if prefix[..8] != NATIVE_MAGIC {
        return Err(Error::format(
            path,
            "not an embedpos native file (the first 8 bytes are not the .epv magic)",
        ));
    }
    let le32 =
        |i: usize| u32::from_le_bytes([prefix[i], prefix[i + 1], prefix[i + 2], prefix[i + 3]]);
    let version = le32(8);
    if !(1..=NATIVE_VERSION).contains(&version) {
        return Err(Error::corrupt(
            path,
            8,
            format!(
                "native format version {version}; this build reads versions 1 to {NATIVE_VERSION} (upgrade embedpos, \
                 or convert the file with the version that wrote it)"
            ),
        ));
    }
    let flags = le32(12);
    if flags != 0 {
        return Err(Error::corrupt(
            path,
            12,
            format!("unknown flags {flags:#x}; the file was written by a newer embedpos"),
        ));
    }
    let mut h = [0u8; 8];
    h.copy_from_slice(&prefix[16..24]);
    let hlen = u64::from_le_bytes(h);
    if hlen > len - PREFIX {
        return Err(Error::corrupt(
            path,
            16,
            format!(
                "the header length {hlen} exceeds the {} bytes after the prefix; the file is truncated or corrupt",
                len - PREFIX
            ),
        ));
    }
    let mut bytes = vec![0u8; hlen as usize];
    r.read_exact(&mut bytes).map_err(|e| Error::io(path, e))?;
    let header: Header = if version == 1 {
        codec::decode::<HeaderV1>(&bytes).map(|v1| Header { v1, ngrams: None })
    } else {
        codec::decode::<Header>(&bytes)
    }
    .map_err(|e| Error::corrupt(path, PREFIX, e.to_string()))?;
    let bad = |msg: String| Error::corrupt(path, PREFIX, msg);
    if header.v1.dim == 0 {
        return Err(bad("the header gives dimension 0".into()));
    }
    if header.v1.tokens.len() as u64 != header.v1.rows
        || header.v1.counts.len() as u64 != header.v1.rows
    {
        return Err(bad(format!(
            "the header says {} rows but holds {} words and {} counts",
            header.v1.rows,
            header.v1.tokens.len(),
            header.v1.counts.len()
        )));
    }
    if header.v1.matrix_offset < PREFIX + hlen || !header.v1.matrix_offset.is_multiple_of(4) {
        return Err(bad(format!(
            "matrix offset {} is inside the header or misaligned",
            header.v1.matrix_offset
        )));
    }
    let expected = (header.v1.rows.checked_add(header.v1.subword_rows))
        .and_then(|r| r.checked_mul(header.v1.dim))
        .and_then(|v| v.checked_mul(4))
        .and_then(|b| b.checked_add(header.v1.matrix_offset));
    if expected != Some(len) {
        return Err(Error::corrupt(
            path,
            len.min(header.v1.matrix_offset),
            format!(
                "the file has {len} bytes but its header describes {} ({} rows of {} values at offset {}); \
                 it is truncated or corrupt",
                expected.map_or_else(|| "more than 2^64".into(), |b| b.to_string()),
                header.v1.rows,
                header.v1.dim,
                header.v1.matrix_offset
            ),
        ));
    }
    match header.ngrams {
        None if header.v1.subword_rows != 0 => {
            return Err(bad(format!(
                "the file holds {} subword rows but no n-gram settings (minn, maxn) for them",
                header.v1.subword_rows
            )))
        }
        None => {}
        Some(ng) => {
            let config = ngram_config(ng).ok_or_else(|| {
                bad(format!(
                    "n-gram settings minn {} maxn {} bucket {} are out of range",
                    ng.minn, ng.maxn, ng.bucket
                ))
            })?;
            config
                .validate()
                .map_err(|e| bad(format!("invalid n-gram settings: {e}")))?;
            if !config.enabled() || ng.bucket != header.v1.subword_rows {
                return Err(bad(format!(
                    "the n-gram settings (minn {} maxn {} bucket {}) do not match the {} subword rows",
                    ng.minn, ng.maxn, ng.bucket, header.v1.subword_rows
                )));
            }
        }
    }
    let tokens = header.v1.tokens.clone();
    let counts = header.v1.counts.clone();
    let vocab = common::vocab_in_file_order(tokens, counts, path, "id", |i| i as u64)?;
    Ok((header, vocab))
}

/// A NaN or infinity at value `i` of a block starting at byte `base`
/// whose first row is row `first_row` (rows past the vocabulary are subword
/// buckets).
fn nonfinite(
    path: &Path,
    base: u64,
    vocab: &Vocab,
    dim: usize,
    first_row: usize,
    i: usize,
    v: f32,
) -> Error {
    let row = first_row + i / dim;
    let name = match vocab.get_token(row as u32) {
        Some(w) if row < vocab.len() => format!("row {w:?}"),
        _ => format!("subword bucket {}", row.saturating_sub(vocab.len())),
    };
    Error::corrupt(
        path,
        base + 4 * i as u64,
        format!(
            "{name}: value {} is {v}; NaN and infinity are not allowed in vectors",
            i % dim + 1
        ),
    )
}

/// The n-gram settings of a header, when they fit this machine's integers.
fn ngram_config(ng: NgramHeader) -> Option<NgramConfig> {
    Some(NgramConfig {
        minn: usize::try_from(ng.minn).ok()?,
        maxn: usize::try_from(ng.maxn).ok()?,
        bucket: u32::try_from(ng.bucket).ok()?,
    })
}

/// Reads `n` little-endian `f32` at the reader's position, which is byte
/// `base` of the file; `first_row`/`vocab` name rows in NaN errors (rows past
/// the vocabulary are subword buckets).
fn read_values(
    path: &Path,
    r: &mut impl Read,
    n: usize,
    base: u64,
    vocab: &Vocab,
    dim: usize,
    first_row: usize,
) -> Result<Vec<f32>> {
    let mut out = Vec::with_capacity(n);
    let mut buf = vec![0u8; (n * 4).min(1 << 20)];
    while out.len() < n {
        let take = ((n - out.len()) * 4).min(buf.len());
        r.read_exact(&mut buf[..take])
            .map_err(|e| Error::io(path, e))?;
        for c in buf[..take].chunks_exact(4) {
            let v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            if !v.is_finite() {
                return Err(nonfinite(path, base, vocab, dim, first_row, out.len(), v));
            }
            out.push(v);
        }
    }
    Ok(out)
}

/// The subword rows that follow the word matrix, read from `r` (positioned
/// at them), or `None` when the header has none.
fn read_subwords(
    path: &Path,
    r: &mut impl Read,
    header: &Header,
    vocab: &Vocab,
) -> Result<Option<Subwords>> {
    let Some(config) = header.ngrams.and_then(ngram_config) else {
        return Ok(None);
    };
    let dim = header.v1.dim as usize;
    let base = header.v1.matrix_offset + header.v1.rows * header.v1.dim * 4;
    let n = config.bucket as usize * dim;
    let values = read_values(path, r, n, base, vocab, dim, vocab.len())?;
    Subwords::new(config, dim, values)
        .map(Some)
        .map_err(|e| Error::corrupt(path, base, e.to_string()))
}

pub(crate) fn read(path: &Path) -> Result<Embeddings> {
    let (mut r, len) = common::open(path)?;
    let (header, vocab) = read_header(path, &mut r, len)?;
    r.seek(SeekFrom::Start(header.v1.matrix_offset))
        .map_err(|e| Error::io(path, e))?;
    let dim = header.v1.dim as usize;
    let n = vocab.len() * dim;
    let matrix = read_values(path, &mut r, n, header.v1.matrix_offset, &vocab, dim, 0)?;
    let subwords = read_subwords(path, &mut r, &header, &vocab)?;
    let emb = Embeddings::from_checked(vocab, dim, matrix);
    match subwords {
        Some(s) => emb.with_subwords(s),
        None => Ok(emb),
    }
}

/// Reads a native file with its word matrix in a memory map that `map`
/// makes of the file once the header has been checked (see
/// [`Embeddings::load_mmap`], which makes it); falls back to [`read`] when the
/// map cannot be viewed as `f32` (see [`MappedMatrix::new`]).
pub(crate) fn read_mapped(
    path: &Path,
    map: impl FnOnce(&File) -> std::io::Result<memmap2::Mmap>,
) -> Result<Embeddings> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut r = std::io::BufReader::new(&file);
    let (header, vocab) = read_header(path, &mut r, len)?;
    let map = map(&file).map_err(|e| Error::io(path, e))?;
    let dim = header.v1.dim as usize;
    let n = vocab.len() * dim;
    let Some(mapped) = MappedMatrix::new(map, header.v1.matrix_offset as usize, n) else {
        return read(path);
    };
    if let Some(i) = mapped.as_slice().iter().position(|v| !v.is_finite()) {
        return Err(nonfinite(
            path,
            header.v1.matrix_offset,
            &vocab,
            dim,
            0,
            i,
            mapped.as_slice()[i],
        ));
    }
    r.seek(SeekFrom::Start(
        header.v1.matrix_offset + header.v1.rows * header.v1.dim * 4,
    ))
    .map_err(|e| Error::io(path, e))?;
    let subwords = read_subwords(path, &mut r, &header, &vocab)?;
    let emb = Embeddings::from_mapped(vocab, dim, mapped);
    match subwords {
        Some(s) => emb.with_subwords(s),
        None => Ok(emb),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::mapped::load_mmap;
    use crate::Format;

    fn sample() -> Embeddings {
        let vocab =
            Vocab::from_ordered(vec!["x".into(), "y".into(), "z".into()], vec![7, 7, 1]).unwrap();
        Embeddings::new(vocab, 2, vec![1.0, -2.0, 0.5, 0.25, -0.0, 3e-9]).unwrap()
    }

    /// `e` saved as `v.epv` in a new temporary folder: the folder, the
    /// file and its bytes.
    fn saved(e: &Embeddings) -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.epv");
        e.save(&p, Format::Native).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        (dir, p, bytes)
    }

    /// Writes `bytes` to `p` and checks that reading it (as `format`) and
    /// mapping it both fail with a message containing `want`.
    fn refused(p: &Path, bytes: &[u8], format: Option<Format>, want: &str) {
        std::fs::write(p, bytes).unwrap();
        let e = Embeddings::load(p, format).unwrap_err().to_string();
        assert!(e.contains(want), "{want}: {e}");
        let e = load_mmap(p).unwrap_err().to_string();
        assert!(e.contains(want), "{want} (mmap): {e}");
    }

    /// On disk a header is one flat run of fields: version 1's seven, then
    /// (version 2) the n-gram settings.
    #[test]
    fn headers_are_flat_runs_of_fields() {
        let v1 = || HeaderV1 {
            rows: 1,
            dim: 2,
            tokens: vec!["a".into()],
            counts: vec![3],
            matrix_offset: 4096,
            subword_rows: 5,
            metadata: vec![("k".into(), "v".into())],
        };
        let fields = (
            1u64,
            2u64,
            vec!["a".to_string()],
            vec![3u64],
            4096u64,
            5u64,
            vec![("k".to_string(), "v".to_string())],
        );
        let plain = Header {
            v1: v1(),
            ngrams: None,
        };
        assert_eq!(
            plain.encode().unwrap(),
            (1, codec::encode(&fields).unwrap())
        );
        let ngrams = Some(NgramHeader {
            minn: 3,
            maxn: 6,
            bucket: 5,
        });
        let with = Header { v1: v1(), ngrams };
        let flat = (fields, Some((3u64, 6u64, 5u64)));
        assert_eq!(with.encode().unwrap(), (2, codec::encode(&flat).unwrap()));
    }

    #[test]
    fn round_trip_keeps_counts_and_aligns_the_matrix() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.epv");
        let e = sample();
        e.save(&p, Format::Native).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(bytes[..8], NATIVE_MAGIC);
        assert_eq!(bytes.len(), 4096 + 6 * 4);
        let back = Embeddings::load(&p, None).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.vocab().counts(), [7, 7, 1]);
        let mapped = load_mmap(&p).unwrap();
        assert!(mapped.is_mapped() || cfg!(target_endian = "big"));
        assert_eq!(mapped, e);
    }

    #[test]
    fn corrupt_files_say_where() {
        let (_dir, p, good) = saved(&sample());
        let check = |bytes: &[u8], want: &str| refused(&p, bytes, Some(Format::Native), want);
        check(&good[..good.len() - 1], "it is truncated or corrupt");
        check(&good[..10], "too short");
        let mut v = good.clone();
        v[8] = 9;
        check(&v, "at byte offset 8: native format version 9");
        let mut v = good.clone();
        v[16..24].copy_from_slice(&(1u64 << 40).to_le_bytes());
        check(
            &v,
            "at byte offset 16: the header length 1099511627776 exceeds",
        );
        let mut v = good.clone();
        let n = v.len();
        v[n - 4..].copy_from_slice(&f32::INFINITY.to_le_bytes());
        check(
            &v,
            &format!("at byte offset {}: row \"z\": value 2 is inf", n - 4),
        );
        let mut v = good.clone();
        v[0] = b'E';
        check(&v, "not an embedpos native file");
        let mut v = good;
        v[30] ^= 0xff;
        std::fs::write(&p, &v).unwrap();
        assert!(Embeddings::load(&p, Some(Format::Native)).is_err());
    }

    fn sample_with_subwords() -> Embeddings {
        let cfg = NgramConfig {
            minn: 2,
            maxn: 3,
            bucket: 3,
        };
        let sub = Subwords::new(cfg, 2, vec![0.5, 1.0, -1.0, 2.0, 0.0, 0.25]).unwrap();
        sample().with_subwords(sub).unwrap()
    }

    #[test]
    fn subword_rows_round_trip_as_version_2() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.epv");
        // Without subwords: version 1, readable by older builds.
        sample().save(&p, Format::Native).unwrap();
        assert_eq!(std::fs::read(&p).unwrap()[8], 1);
        let e = sample_with_subwords();
        e.save(&p, Format::Native).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(bytes[8], 2);
        assert_eq!(bytes.len(), 4096 + (6 + 6) * 4);
        let back = Embeddings::load(&p, None).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.subwords().unwrap().config().bucket, 3);
        assert_eq!(
            back.word_vector("qq").unwrap(),
            e.word_vector("qq").unwrap()
        );
        let mapped = load_mmap(&p).unwrap();
        assert_eq!(mapped, e);
        assert!(mapped.subwords().is_some());
    }

    #[test]
    fn corrupt_subword_rows_say_where() {
        let (_dir, p, good) = saved(&sample_with_subwords());
        let check = |bytes: &[u8], want: &str| refused(&p, bytes, None, want);
        let n = good.len();
        let mut v = good.clone();
        v[n - 4..].copy_from_slice(&f32::NAN.to_le_bytes());
        check(&v, "subword bucket 2: value 2 is NaN");
        check(&good[..n - 4], "it is truncated or corrupt");
        // Extra rows the header does not describe.
        let mut v = good.clone();
        v.extend_from_slice(&[0; 8]);
        check(&v, "it is truncated or corrupt");
        // A version 2 file read as version 1 misparses its header or sizes.
        let mut v = good.clone();
        v[8] = 1;
        std::fs::write(&p, &v).unwrap();
        assert!(Embeddings::load(&p, None).is_err());
        // Headers whose n-gram settings do not fit are errors, not panics.
        for (minn, maxn, bucket, rows) in [(4, 3, 3, 3), (0, 3, 3, 3), (2, 3, 4, 3), (2, 0, 3, 3)] {
            let header = Header {
                v1: HeaderV1 {
                    rows: 3,
                    dim: 2,
                    tokens: vec!["x".into(), "y".into(), "z".into()],
                    counts: vec![7, 7, 1],
                    matrix_offset: 4096,
                    subword_rows: rows,
                    metadata: vec![],
                },
                ngrams: Some(NgramHeader { minn, maxn, bucket }),
            };
            let h = codec::encode(&header).unwrap();
            let mut v = good[..PREFIX as usize].to_vec();
            v[16..24].copy_from_slice(&(h.len() as u64).to_le_bytes());
            v.extend_from_slice(&h);
            v.resize(4096, 0);
            v.extend_from_slice(&good[4096..]);
            check(&v, "n-gram settings");
        }
    }
}
