//! word2vec text format: a header line `N D`, then `word v1 ... vD` per line.
//!
//! This is what word2vec C writes with `-binary 0`, what fastText writes as
//! `.vec` (with a trailing space on each row, accepted here) and what gensim's
//! `load_word2vec_format(binary=False)` reads. Fields are separated by ASCII
//! whitespace; values are written in the shortest form that reads back to the
//! same `f32`.

use super::common::{self, chomp, line_limit, parse_text_row, read_line, utf8};
use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;

/// Parses a `N D` header line; `None` when the line is not exactly two
/// unsigned integers.
pub(crate) fn parse_header(line: &[u8]) -> Option<(u64, u64)> {
    let s = std::str::from_utf8(chomp(line)).ok()?;
    let mut it = s.split_ascii_whitespace();
    let n = it.next()?.parse::<u64>().ok()?;
    let d = it.next()?.parse::<u64>().ok()?;
    match it.next() {
        None => Some((n, d)),
        Some(_) => None,
    }
}

/// Checks a `N D` header against the bytes that follow it and returns it as
/// `usize`s. `min_row_bytes(d)` is the fewest bytes one row can take.
pub(crate) fn check_header(
    path: &Path,
    line: &[u8],
    remaining: u64,
    min_row_bytes: impl Fn(u64) -> u64,
) -> Result<(usize, usize)> {
    let (n, d) = parse_header(line).ok_or_else(|| {
        let shown = String::from_utf8_lossy(&chomp(line)[..chomp(line).len().min(60)]).into_owned();
        Error::parse(
            path,
            1,
            format!(
                "expected the word2vec header `N D` (word count and dimension), found {shown:?}; \
                 for a file without a header use the GloVe format"
            ),
        )
    })?;
    if d == 0 {
        return Err(Error::parse(
            path,
            1,
            "the header gives dimension 0; vectors need at least one dimension",
        ));
    }
    let need = n.checked_mul(min_row_bytes(d));
    if need.is_none_or(|need| need > remaining) {
        return Err(Error::parse(
            path,
            1,
            format!(
                "the header claims {n} words of {d} values, which needs at least {} bytes, but the file \
                 has only {remaining} bytes after the header; the file is truncated or the header is wrong",
                need.map_or_else(|| "more than 2^64".to_string(), |b| b.to_string())
            ),
        ));
    }
    let n = usize::try_from(n)
        .map_err(|_| Error::parse(path, 1, "word count does not fit in memory"))?;
    let d = usize::try_from(d)
        .map_err(|_| Error::parse(path, 1, "dimension does not fit in memory"))?;
    Ok((n, d))
}

/// Opens a word2vec file and reads its `N D` header line, checked against
/// the bytes that follow (see [`check_header`]); returns the reader
/// positioned after the header, the header's length in bytes, `N` and `D`.
pub(crate) fn open_with_header(
    path: &Path,
    min_row_bytes: impl Fn(u64) -> u64,
) -> Result<(BufReader<File>, usize, usize, usize)> {
    let (mut r, len) = common::open(path)?;
    let mut line = Vec::new();
    let head = read_line(&mut r, &mut line, 4096, path, 1)?;
    if head == 0 {
        return Err(Error::format(
            path,
            "the file is empty; expected word vectors",
        ));
    }
    let (n, dim) = check_header(path, &line, len - head as u64, min_row_bytes)?;
    Ok((r, head, n, dim))
}

pub(crate) fn read(path: &Path) -> Result<Embeddings> {
    // The shortest row is `w 0 0 ... 0` without a final newline: 2D + 1 bytes.
    let (mut r, _, n, dim) = open_with_header(path, |d| d.saturating_mul(2).saturating_add(1))?;
    let mut line = Vec::new();
    let mut tokens = Vec::with_capacity(n);
    let mut matrix = Vec::with_capacity(n * dim);
    let limit = line_limit(dim);
    for i in 0..n {
        let line_no = i as u64 + 2;
        if read_line(&mut r, &mut line, limit, path, line_no)? == 0 {
            return Err(Error::parse(
                path,
                line_no,
                format!(
                    "the file ends after {i} of the {n} rows its header announces; it is truncated"
                ),
            ));
        }
        let text = utf8(chomp(&line), path, line_no)?;
        let word = parse_text_row(text, dim, &mut matrix, path, line_no)?;
        tokens.push(word.to_string());
    }
    let mut line_no = n as u64 + 2;
    while read_line(&mut r, &mut line, limit, path, line_no)? > 0 {
        if !line.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::parse(
                path,
                line_no,
                format!("more rows than the {n} the header announces; fix the header's word count"),
            ));
        }
        line_no += 1;
    }
    let counts = common::synthetic_counts(n);
    let vocab = common::vocab_in_file_order(tokens, counts, path, "line", |i| i as u64 + 2)?;
    Ok(Embeddings::from_checked(vocab, dim, matrix))
}

pub(crate) fn write(emb: &Embeddings, path: &Path) -> Result<()> {
    common::check_words_writable(emb, path, "word2vec text")?;
    common::write_atomic(path, |w| {
        writeln!(w, "{} {}", emb.len(), emb.dim())?;
        write_rows(emb, w)
    })
}

/// Writes every row as `word v1 ... vD\n`.
pub(crate) fn write_rows(emb: &Embeddings, w: &mut dyn Write) -> std::io::Result<()> {
    let mut buf = String::new();
    for (id, word, _) in emb.vocab().iter() {
        let row = emb.row(id).unwrap_or(&[]);
        common::write_text_row(w, word, row, &mut buf)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Format;

    fn load_str(s: impl AsRef<[u8]>) -> Result<Embeddings> {
        common::load_bytes(s, "v.txt", Format::Word2VecText)
    }

    #[test]
    fn reads_word2vec_and_fasttext_vec() {
        let e = load_str("2 3\nthe 0.1 -2 3e-3 \nof 1 2 3\n\n").unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e.vector("the"), Some(&[0.1, -2.0, 0.003][..]));
        assert_eq!(e.vocab().counts(), [2, 1]);
        let e = load_str("1 2\r\nx 1 2\r\n").unwrap();
        assert_eq!(e.vector("x"), Some(&[1.0, 2.0][..]));
    }

    #[test]
    fn bad_input_says_where() {
        let cases = [
            ("", "empty"),
            ("hello world\n", ":1: expected the word2vec header"),
            (
                "1000000000 300\na 1\n",
                ":1: the header claims 1000000000 words",
            ),
            (
                "18446744073709551615 18446744073709551615\n",
                "bytes after the header",
            ),
            (
                "2 2\nabcdefghijkl 1 2\n",
                ":3: the file ends after 1 of the 2 rows",
            ),
            (
                "2 2\na 1 2\n",
                ":1: the header claims 2 words of 2 values, which needs at least 10 bytes",
            ),
            (
                "2 2\na 1 2\nb 1\n",
                ":3: row \"b\" has 1 values, expected 2",
            ),
            ("2 2\na 1 2\nb 1 2 3\n", ":3: row \"b\" has 3 values"),
            ("1 2\na 1 NaN\n", ":2: row \"a\": value 2 is NaN"),
            ("1 2\na inf 1\n", "value 1 is inf"),
            ("1 2\na 1 x\n", "value 2 (\"x\") is not a number"),
            ("2 1\na 1\na 2\n", "\"a\" appears twice (line 2 and line 3)"),
            ("1 1\na 1\nb 2\n", ":3: more rows than the 1"),
            ("1 0\n", "dimension 0"),
        ];
        for (input, want) in cases {
            let e = load_str(input).unwrap_err().to_string();
            assert!(e.contains(want), "{input:?}: {e}");
        }
        let e = load_str(b"1 1\n\xff 1\n").unwrap_err().to_string();
        assert!(e.contains(":2: not valid UTF-8"), "{e}");
    }
}
