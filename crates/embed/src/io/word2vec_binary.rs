//! word2vec binary format, exactly as word2vec C writes it with `-binary 1`
//! and gensim reads it with `load_word2vec_format(binary=True)`: a header line
//! `N D\n`, then for each word its UTF-8 bytes, a space, D little-endian
//! `f32` and a `\n`.
//!
//! On reading, newlines before a word are skipped (gensim writes none after
//! the vectors, word2vec C writes one), and the file must end after the N-th
//! row (a final newline aside).

use super::common;
use super::word2vec_text::open_with_header;
use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use std::io::{BufRead, Read};
use std::path::Path;

/// The longest word accepted, in bytes: far beyond any real token, small
/// enough that a file with no spaces is rejected quickly.
const MAX_WORD_BYTES: usize = 1 << 16;

pub(crate) fn read(path: &Path) -> Result<Embeddings> {
    // The shortest row is a one-byte word, a space and D floats.
    let (mut r, head, n, dim) = open_with_header(path, |d| d.saturating_mul(4).saturating_add(2))?;
    let mut offset = head as u64;
    let mut tokens = Vec::with_capacity(n);
    let mut offsets = Vec::with_capacity(n);
    let mut matrix = Vec::with_capacity(n * dim);
    let mut word = Vec::new();
    let mut bytes = vec![0u8; dim * 4];
    let truncated = |i: usize, at: u64| {
        Error::corrupt(
            path,
            at,
            format!(
                "the file ends inside row {} of the {n} its header announces; it is truncated",
                i + 1
            ),
        )
    };
    for i in 0..n {
        offset += skip_newlines(&mut r, path)? as u64;
        let start = offset;
        let (used, found) = read_word(&mut r, &mut word, path)?;
        offset += used as u64;
        if !found {
            if word.len() > MAX_WORD_BYTES {
                return Err(Error::corrupt(
                    path,
                    start,
                    format!("no space after a word within {MAX_WORD_BYTES} bytes; this is not a word2vec binary file"),
                ));
            }
            return Err(truncated(i, offset));
        }
        if word.is_empty() {
            return Err(Error::corrupt(
                path,
                start,
                format!("row {} has an empty word", i + 1),
            ));
        }
        let w = std::str::from_utf8(&word).map_err(|e| {
            Error::corrupt(
                path,
                start + e.valid_up_to() as u64,
                format!("the word of row {} is not valid UTF-8", i + 1),
            )
        })?;
        r.read_exact(&mut bytes).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => truncated(i, offset),
            _ => Error::io(path, e),
        })?;
        for (k, c) in bytes.chunks_exact(4).enumerate() {
            let v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            if !v.is_finite() {
                return Err(Error::corrupt(
                    path,
                    offset + 4 * k as u64,
                    format!(
                        "row {w:?}: value {} is {v}; NaN and infinity are not allowed in vectors",
                        k + 1
                    ),
                ));
            }
            matrix.push(v);
        }
        offset += bytes.len() as u64;
        tokens.push(w.to_string());
        offsets.push(start);
    }
    offset += skip_newlines(&mut r, path)? as u64;
    if !r.fill_buf().map_err(|e| Error::io(path, e))?.is_empty() {
        return Err(Error::corrupt(
            path,
            offset,
            format!("data after the {n} rows the header announces; fix the header's word count"),
        ));
    }
    let counts = common::synthetic_counts(n);
    let vocab = common::vocab_in_file_order(tokens, counts, path, "byte offset", |i| offsets[i])?;
    Ok(Embeddings::from_checked(vocab, dim, matrix))
}

/// Skips `\n` bytes; returns how many.
fn skip_newlines(r: &mut impl BufRead, path: &Path) -> Result<usize> {
    let mut skipped = 0;
    loop {
        let buf = r.fill_buf().map_err(|e| Error::io(path, e))?;
        let k = buf.iter().take_while(|&&b| b == b'\n').count();
        let more = k == buf.len() && k > 0;
        r.consume(k);
        skipped += k;
        if !more {
            return Ok(skipped);
        }
    }
}

/// Reads a word up to its terminating space into `word`. Returns the bytes
/// consumed (space included) and whether the space was found (false at end
/// of file or past [`MAX_WORD_BYTES`]).
fn read_word(r: &mut impl BufRead, word: &mut Vec<u8>, path: &Path) -> Result<(usize, bool)> {
    word.clear();
    let mut used = 0;
    loop {
        let buf = r.fill_buf().map_err(|e| Error::io(path, e))?;
        if buf.is_empty() {
            return Ok((used, false));
        }
        match buf.iter().position(|&b| b == b' ') {
            Some(i) => {
                word.extend_from_slice(&buf[..i]);
                r.consume(i + 1);
                return Ok((used + i + 1, true));
            }
            None => {
                let k = buf.len();
                word.extend_from_slice(buf);
                r.consume(k);
                used += k;
                if word.len() > MAX_WORD_BYTES {
                    return Ok((used, false));
                }
            }
        }
    }
}

pub(crate) fn write(emb: &Embeddings, path: &Path) -> Result<()> {
    common::check_words_writable(emb, path, "word2vec binary")?;
    common::write_atomic(path, |w| {
        writeln!(w, "{} {}", emb.len(), emb.dim())?;
        let mut bytes = Vec::with_capacity(emb.dim() * 4 + 1);
        for (id, word, _) in emb.vocab().iter() {
            w.write_all(word.as_bytes())?;
            bytes.clear();
            bytes.push(b' ');
            for v in emb.row(id).unwrap_or(&[]) {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            bytes.push(b'\n');
            w.write_all(&bytes)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Format;

    fn row(word: &str, vals: &[f32]) -> Vec<u8> {
        let mut v = word.as_bytes().to_vec();
        v.push(b' ');
        for x in vals {
            v.extend_from_slice(&x.to_le_bytes());
        }
        v
    }

    fn load(bytes: &[u8]) -> Result<Embeddings> {
        common::load_bytes(bytes, "v.bin", Format::Word2VecBinary)
    }

    #[test]
    fn reads_c_and_gensim_layouts() {
        // word2vec C: a newline after each vector.
        let mut c = b"2 2\n".to_vec();
        c.extend(row("a", &[1.0, 2.0]));
        c.push(b'\n');
        c.extend(row("\u{e9}t\u{e9}", &[3.0, -4.5]));
        c.push(b'\n');
        let e = load(&c).unwrap();
        assert_eq!(e.vector("été"), Some(&[3.0, -4.5][..]));
        // gensim: no newline.
        let mut g = b"2 2\n".to_vec();
        g.extend(row("a", &[1.0, 2.0]));
        g.extend(row("\u{e9}t\u{e9}", &[3.0, -4.5]));
        assert_eq!(load(&g).unwrap(), e);
    }

    #[test]
    fn bad_input_says_where() {
        let mut trunc = b"2 2\n".to_vec();
        trunc.extend(row("abcdefghij", &[1.0, 2.0]));
        trunc.extend(&row("b", &[1.0, 2.0])[..6]);
        let mut nan = b"1 2\n".to_vec();
        nan.extend(row("a", &[1.0, f32::NAN]));
        let mut dup = b"2 1\n".to_vec();
        dup.extend(row("a", &[1.0]));
        dup.extend(row("a", &[2.0]));
        let mut extra = b"1 1\n".to_vec();
        extra.extend(row("a", &[1.0]));
        extra.extend(row("b", &[1.0]));
        let mut bad_utf8 = b"1 1\n".to_vec();
        bad_utf8.extend(row("a", &[1.0]));
        bad_utf8[4] = 0xff;
        let cases: [(&[u8], &str); 7] = [
            (
                b"3000000 300\nabc",
                ":1: the header claims 3000000 words of 300 values",
            ),
            (
                &trunc,
                "at byte offset 25: the file ends inside row 2 of the 2",
            ),
            (&nan, "at byte offset 10: row \"a\": value 2 is NaN"),
            (
                &dup,
                "\"a\" appears twice (byte offset 4 and byte offset 10)",
            ),
            (&extra, "at byte offset 10: data after the 1 rows"),
            (
                &bad_utf8,
                "at byte offset 4: the word of row 1 is not valid UTF-8",
            ),
            (
                b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
                "expected the word2vec header",
            ),
        ];
        for (input, want) in cases {
            let e = load(input).unwrap_err().to_string();
            assert!(e.contains(want), "{want}: {e}");
        }
    }
}
