//! The embedpos native format (`.epv`): everything needed to use the vectors
//! again, laid out so the matrix can be memory-mapped.
//!
//! ```text
//! offset  size  field
//! 0       8     magic  \x89 E P V \r \n \x1a \n   (catches text-mode mangling, like PNG's)
//! 8       4     format version, u32 little-endian (this build: 1)
//! 12      4     flags, u32 little-endian (0; reserved)
//! 16      8     header length H, u64 little-endian
//! 24      H     header, encoded by embedpos_tokenize::codec:
//!                 rows, dim, tokens, counts, matrix_offset, subword_rows, metadata
//! ...           zero padding up to matrix_offset (a multiple of 4096)
//! matrix_offset rows x dim f32 little-endian, row-major: the word vectors
//! ...           subword_rows x dim f32: reserved for fastText buckets (0 rows in version 1 files)
//! ```
//!
//! The file's length must be exactly `matrix_offset + (rows + subword_rows) *
//! dim * 4`; the header length is checked against the file before it is read,
//! and the codec limits what a corrupt header can make it allocate.

use super::common;
use super::mapped::MappedMatrix;
use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use embedpos_tokenize::{codec, Vocab};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The first 8 bytes of every native file.
pub const NATIVE_MAGIC: [u8; 8] = *b"\x89EPV\r\n\x1a\n";

/// The native format version this build writes and reads.
pub const NATIVE_VERSION: u32 = 1;

/// The matrix starts at a multiple of this, so a map of it is page-aligned.
const ALIGN: u64 = 4096;

/// Bytes before the header.
const PREFIX: u64 = 24;

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    rows: u64,
    dim: u64,
    tokens: Vec<String>,
    counts: Vec<u64>,
    matrix_offset: u64,
    subword_rows: u64,
    metadata: Vec<(String, String)>,
}

pub(crate) fn write(emb: &Embeddings, path: &Path) -> Result<()> {
    let mut header = Header {
        rows: emb.len() as u64,
        dim: emb.dim() as u64,
        tokens: emb.vocab().tokens().to_vec(),
        counts: emb.vocab().counts().to_vec(),
        matrix_offset: 0,
        subword_rows: 0,
        metadata: Vec::new(),
    };
    // The offset is part of the header, whose length depends on the offset's
    // varint width: settle it by iterating (at most a few rounds).
    let mut bytes = codec::encode(&header)?;
    loop {
        let offset = (PREFIX + bytes.len() as u64).div_ceil(ALIGN) * ALIGN;
        if offset == header.matrix_offset {
            break;
        }
        header.matrix_offset = offset;
        bytes = codec::encode(&header)?;
    }
    common::write_atomic(path, |w| {
        w.write_all(&NATIVE_MAGIC)?;
        w.write_all(&NATIVE_VERSION.to_le_bytes())?;
        w.write_all(&0u32.to_le_bytes())?;
        w.write_all(&(bytes.len() as u64).to_le_bytes())?;
        w.write_all(&bytes)?;
        let pad = header.matrix_offset - PREFIX - bytes.len() as u64;
        w.write_all(&vec![0u8; pad as usize])?;
        let mut buf = Vec::with_capacity(1 << 16);
        for chunk in emb.matrix().chunks(1 << 14) {
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
    if version != NATIVE_VERSION {
        return Err(Error::corrupt(
            path,
            8,
            format!(
                "native format version {version}; this build reads version {NATIVE_VERSION} (upgrade embedpos, \
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
    let header: Header =
        codec::decode(&bytes).map_err(|e| Error::corrupt(path, PREFIX, e.to_string()))?;
    let bad = |msg: String| Error::corrupt(path, PREFIX, msg);
    if header.dim == 0 {
        return Err(bad("the header gives dimension 0".into()));
    }
    if header.tokens.len() as u64 != header.rows || header.counts.len() as u64 != header.rows {
        return Err(bad(format!(
            "the header says {} rows but holds {} words and {} counts",
            header.rows,
            header.tokens.len(),
            header.counts.len()
        )));
    }
    if header.matrix_offset < PREFIX + hlen || !header.matrix_offset.is_multiple_of(4) {
        return Err(bad(format!(
            "matrix offset {} is inside the header or misaligned",
            header.matrix_offset
        )));
    }
    let expected = (header.rows.checked_add(header.subword_rows))
        .and_then(|r| r.checked_mul(header.dim))
        .and_then(|v| v.checked_mul(4))
        .and_then(|b| b.checked_add(header.matrix_offset));
    if expected != Some(len) {
        return Err(Error::corrupt(
            path,
            len.min(header.matrix_offset),
            format!(
                "the file has {len} bytes but its header describes {} ({} rows of {} values at offset {}); \
                 it is truncated or corrupt",
                expected.map_or_else(|| "more than 2^64".into(), |b| b.to_string()),
                header.rows,
                header.dim,
                header.matrix_offset
            ),
        ));
    }
    if header.subword_rows != 0 {
        return Err(bad(format!(
            "the file holds {} subword rows, which this version of embedpos cannot use; upgrade embedpos",
            header.subword_rows
        )));
    }
    let tokens = header.tokens.clone();
    let counts = header.counts.clone();
    let vocab = common::vocab_in_file_order(tokens, counts, path, "id", |i| i as u64)?;
    Ok((header, vocab))
}

fn nonfinite(
    path: &Path,
    matrix_offset: u64,
    vocab: &Vocab,
    dim: usize,
    i: usize,
    v: f32,
) -> Error {
    Error::corrupt(
        path,
        matrix_offset + 4 * i as u64,
        format!(
            "row {:?}: value {} is {v}; NaN and infinity are not allowed in vectors",
            vocab.get_token((i / dim) as u32).unwrap_or(""),
            i % dim + 1
        ),
    )
}

pub(crate) fn read(path: &Path) -> Result<Embeddings> {
    let (mut r, len) = common::open(path)?;
    let (header, vocab) = read_header(path, &mut r, len)?;
    r.seek(SeekFrom::Start(header.matrix_offset))
        .map_err(|e| Error::io(path, e))?;
    let dim = header.dim as usize;
    let n = vocab.len() * dim;
    let mut matrix = Vec::with_capacity(n);
    let mut buf = vec![0u8; (n * 4).min(1 << 20)];
    while matrix.len() < n {
        let take = ((n - matrix.len()) * 4).min(buf.len());
        r.read_exact(&mut buf[..take])
            .map_err(|e| Error::io(path, e))?;
        for c in buf[..take].chunks_exact(4) {
            let v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            if !v.is_finite() {
                return Err(nonfinite(
                    path,
                    header.matrix_offset,
                    &vocab,
                    dim,
                    matrix.len(),
                    v,
                ));
            }
            matrix.push(v);
        }
    }
    Ok(Embeddings::from_checked(vocab, dim, matrix))
}

/// # Safety
///
/// The file must not change while the result lives.
pub(crate) unsafe fn read_mapped(path: &Path) -> Result<Embeddings> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let (header, vocab) = read_header(path, &mut std::io::BufReader::new(&file), len)?;
    // SAFETY: forwarded to the caller.
    let map = unsafe { MappedMatrix::map(&file) }.map_err(|e| Error::io(path, e))?;
    let dim = header.dim as usize;
    let n = vocab.len() * dim;
    let Some(mapped) = MappedMatrix::new(map, header.matrix_offset as usize, n) else {
        return read(path);
    };
    if let Some(i) = mapped.as_slice().iter().position(|v| !v.is_finite()) {
        return Err(nonfinite(
            path,
            header.matrix_offset,
            &vocab,
            dim,
            i,
            mapped.as_slice()[i],
        ));
    }
    Ok(Embeddings::from_mapped(vocab, dim, mapped))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Format;

    fn sample() -> Embeddings {
        let vocab =
            Vocab::from_ordered(vec!["x".into(), "y".into(), "z".into()], vec![7, 7, 1]).unwrap();
        Embeddings::new(vocab, 2, vec![1.0, -2.0, 0.5, 0.25, -0.0, 3e-9]).unwrap()
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
        // SAFETY: the file is not changed while mapped.
        let mapped = unsafe { Embeddings::load_mmap(&p) }.unwrap();
        assert!(mapped.is_mapped() || cfg!(target_endian = "big"));
        assert_eq!(mapped, e);
    }

    #[test]
    fn corrupt_files_say_where() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.epv");
        sample().save(&p, Format::Native).unwrap();
        let good = std::fs::read(&p).unwrap();
        let check = |bytes: &[u8], want: &str| {
            std::fs::write(&p, bytes).unwrap();
            let e = Embeddings::load(&p, Some(Format::Native))
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{want}: {e}");
            // SAFETY: the file is not changed while mapped.
            let e = unsafe { Embeddings::load_mmap(&p) }
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{want} (mmap): {e}");
        };
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
}
