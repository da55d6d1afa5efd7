//! Helpers shared by the readers and writers: opening with the real file
//! length, bounded line reading, text rows, duplicate words, writable words.

use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use embedpos_tokenize::Vocab;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

/// Reader buffer size.
pub(crate) const BUF: usize = 1 << 20;

/// Opens `path` for reading and returns it with its length in bytes.
pub(crate) fn open(path: &Path) -> Result<(BufReader<File>, u64)> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::format(path, "is a directory, not a vector file"));
    }
    Ok((BufReader::with_capacity(BUF, file), meta.len()))
}

/// Reads one line (with its `\n`, if any) into `buf`, replacing its
/// contents; returns the bytes read, 0 at end of file. A line longer than
/// `limit` bytes is an error, so a file without newlines is never read into
/// memory whole.
pub(crate) fn read_line(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
    path: &Path,
    line_no: u64,
) -> Result<usize> {
    buf.clear();
    loop {
        let avail = r.fill_buf().map_err(|e| Error::io(path, e))?;
        if avail.is_empty() {
            return Ok(buf.len());
        }
        let (take, done) = match memchr_nl(avail) {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        buf.extend_from_slice(&avail[..take]);
        r.consume(take);
        if buf.len() > limit {
            return Err(Error::parse(
                path,
                line_no,
                format!(
                    "line is longer than {limit} bytes; this is not a text vector file (or its dimension \
                     is far larger than its header says)"
                ),
            ));
        }
        if done {
            return Ok(buf.len());
        }
    }
}

fn memchr_nl(s: &[u8]) -> Option<usize> {
    s.iter().position(|&b| b == b'\n')
}

/// The longest text line accepted for rows of `dim` values: generous (64
/// bytes a value plus 1 MiB for the word), but bounded.
pub(crate) fn line_limit(dim: usize) -> usize {
    dim.saturating_mul(64).saturating_add(1 << 20)
}

/// Strips a trailing `\n` or `\r\n`.
pub(crate) fn chomp(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The line as UTF-8, or an error that points at the first bad byte.
pub(crate) fn utf8<'a>(line: &'a [u8], path: &Path, line_no: u64) -> Result<&'a str> {
    std::str::from_utf8(line).map_err(|e| {
        Error::parse(
            path,
            line_no,
            format!(
                "not valid UTF-8 at byte {} of the line; vector files must be UTF-8 (is this a binary \
                 file? then use the binary format)",
                e.valid_up_to()
            ),
        )
    })
}

/// Parses a text row `word v1 ... vD` (fields separated by ASCII
/// whitespace), appending the values to `out`; returns the word. `dim` is
/// the expected number of values.
pub(crate) fn parse_text_row<'a>(
    line: &'a str,
    dim: usize,
    out: &mut Vec<f32>,
    path: &Path,
    line_no: u64,
) -> Result<&'a str> {
    let mut fields = line.split_ascii_whitespace();
    let word = fields.next().ok_or_else(|| {
        Error::parse(
            path,
            line_no,
            "empty line where a row `word v1 ... vD` was expected",
        )
    })?;
    let start = out.len();
    for (k, field) in fields.enumerate() {
        if k == dim {
            let extra = line.split_ascii_whitespace().count() - 1 - dim;
            out.truncate(start);
            return Err(Error::parse(
                path,
                line_no,
                format!(
                    "row {word:?} has {} values, expected {dim}; every row needs exactly the \
                     dimension's number of values (a word containing spaces cannot be stored in this format)",
                    dim + extra
                ),
            ));
        }
        out.push(parse_value(field, word, k, path, line_no)?);
    }
    let got = out.len() - start;
    if got != dim {
        out.truncate(start);
        return Err(Error::parse(
            path,
            line_no,
            format!("row {word:?} has {got} values, expected {dim}; the file is truncated or the row is damaged"),
        ));
    }
    Ok(word)
}

/// Parses one value of a text row: a finite decimal number.
pub(crate) fn parse_value(
    field: &str,
    word: &str,
    k: usize,
    path: &Path,
    line_no: u64,
) -> Result<f32> {
    match field.parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(v) => Err(Error::parse(
            path,
            line_no,
            format!(
                "row {word:?}: value {} is {v}; NaN and infinity are not allowed in vectors",
                k + 1
            ),
        )),
        Err(_) => Err(Error::parse(
            path,
            line_no,
            format!("row {word:?}: value {} ({field:?}) is not a number", k + 1),
        )),
    }
}

/// Counts for a file that stores none: word `i` of `n` gets `n - i`, as
/// gensim does, so the file order is the frequency order.
pub(crate) fn synthetic_counts(n: usize) -> Vec<u64> {
    (0..n as u64).map(|i| n as u64 - i).collect()
}

/// Builds the vocabulary of a file in file order, reporting a duplicate word
/// with both of its places: `{unit} {place(i)}` says where row `i` was
/// (`line 3`, `byte offset 120`).
pub(crate) fn vocab_in_file_order(
    tokens: Vec<String>,
    counts: Vec<u64>,
    path: &Path,
    unit: &str,
    place: impl Fn(usize) -> u64,
) -> Result<Vocab> {
    let dup = {
        let mut seen = std::collections::HashMap::with_capacity(tokens.len());
        let mut dup = None;
        for (i, t) in tokens.iter().enumerate() {
            if let Some(first) = seen.insert(t.as_str(), i) {
                dup = Some((first, i));
                break;
            }
        }
        dup
    };
    if let Some((first, second)) = dup {
        return Err(Error::format(
            path,
            format!(
                "the word {:?} appears twice ({unit} {} and {unit} {}); every word must have one vector — \
                 remove the duplicate row",
                tokens[second],
                place(first),
                place(second)
            ),
        ));
    }
    Ok(Vocab::from_ordered(tokens, counts)?)
}

/// Checks every word can be written in a whitespace-separated format.
pub(crate) fn check_words_writable(emb: &Embeddings, path: &Path, format: &str) -> Result<()> {
    for (id, word, _) in emb.vocab().iter() {
        if word.is_empty() || word.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(Error::Unwritable {
                path: path.to_path_buf(),
                what: format!(
                    "word {word:?} (id {id}): {format} separates fields with whitespace and cannot store an \
                     empty word or one containing whitespace; save as .epv instead"
                ),
            });
        }
    }
    Ok(())
}

/// Writes `path` atomically through `fill`.
pub(crate) fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    Ok(embedpos_base::write_atomic(path, fill)?)
}

/// Writes one text row `word v1 ... vD\n` (shortest representation that
/// reads back to the same `f32`).
pub(crate) fn write_text_row(
    w: &mut dyn Write,
    word: &str,
    row: &[f32],
    buf: &mut String,
) -> std::io::Result<()> {
    use std::fmt::Write as _;
    buf.clear();
    buf.push_str(word);
    for v in row {
        // `{:?}` is the shortest round-tripping form and switches to
        // exponent notation for very large or small magnitudes.
        let _ = write!(buf, " {v:?}");
    }
    buf.push('\n');
    w.write_all(buf.as_bytes())
}

/// Writes `bytes` to a file `name` in a new temporary folder and loads it
/// as `format`, for the readers' tests.
#[cfg(test)]
pub(crate) fn load_bytes(
    bytes: impl AsRef<[u8]>,
    name: &str,
    format: crate::Format,
) -> Result<Embeddings> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, bytes.as_ref()).unwrap();
    Embeddings::load(&p, Some(format))
}
