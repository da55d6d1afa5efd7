//! Telling a vector file's format from its first bytes.

use super::common::{self, chomp};
use super::native::NATIVE_MAGIC;
use super::word2vec_text::parse_header;
use super::Format;
use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// How much of the file is looked at.
const PEEK: u64 = 1 << 20;

/// fastText `.bin` models start with this little-endian `i32`.
const FASTTEXT_MAGIC: [u8; 4] = super::FASTTEXT_MAGIC.to_le_bytes();

/// Guesses the format of `path`: the native or fastText magic; a word2vec `N D` header
/// whose first row continues in text (word2vec text) or not (binary); or a
/// first line `word v1 ... vD` (GloVe).
pub(crate) fn sniff(path: &Path) -> Result<Format> {
    let (r, _) = common::open(path)?;
    let mut head = Vec::new();
    r.take(PEEK)
        .read_to_end(&mut head)
        .map_err(|e| Error::io(path, e))?;
    sniff_bytes(&head).ok_or_else(|| {
        let what = if head.is_empty() {
            "the file is empty".to_string()
        } else if head.starts_with(b"\x93NUMPY") {
            "a .npy array holds no words and cannot be loaded as word vectors".to_string()
        } else {
            "not a word-vector file: expected a word2vec header `N D`, GloVe rows `word v1 ... vD` or \
             an .epv file"
                .to_string()
        };
        Error::format(path, format!("{what} (formats: {})", Format::names()))
    })
}

/// The format `head` (the file's first bytes) shows, if any.
pub(crate) fn sniff_bytes(head: &[u8]) -> Option<Format> {
    if head.starts_with(&NATIVE_MAGIC) {
        return Some(Format::Native);
    }
    if head.starts_with(&FASTTEXT_MAGIC) {
        return Some(Format::FastText);
    }
    let nl = head.iter().position(|&b| b == b'\n');
    let first = &head[..nl.unwrap_or(head.len())];
    if let Some((_, dim)) = parse_header(first) {
        let rest = nl.map_or(&[][..], |i| &head[i + 1..]);
        return Some(if first_row_is_text(rest, dim) {
            Format::Word2VecText
        } else {
            Format::Word2VecBinary
        });
    }
    let line = std::str::from_utf8(chomp(first)).ok()?;
    let mut fields = line.split_ascii_whitespace();
    fields.next()?;
    let mut n = 0;
    for f in fields {
        f.parse::<f32>().ok()?;
        n += 1;
    }
    (n > 0).then_some(Format::GloveText)
}

/// True when `path` starts with fastText's magic number (a fastText model
/// rather than a word2vec binary file; both are called `.bin`).
pub(crate) fn is_fasttext(path: &Path) -> Result<bool> {
    let (r, _) = common::open(path)?;
    let mut head = Vec::with_capacity(4);
    r.take(4)
        .read_to_end(&mut head)
        .map_err(|e| Error::io(path, e))?;
    Ok(head == FASTTEXT_MAGIC)
}

/// After a word2vec header: true when the first row parses as a text row
/// (`word` and decimal numbers, at most `dim` of them, exactly `dim` when
/// the whole line is at hand) rather than raw floats (binary).
fn first_row_is_text(rest: &[u8], dim: u64) -> bool {
    let (line, complete) = match rest.iter().position(|&b| b == b'\n') {
        // Binary rows may start with a newline; text rows never do.
        Some(0) => return false,
        Some(i) => (&rest[..i], true),
        None => (rest, false),
    };
    let Ok(line) = std::str::from_utf8(line) else {
        return false;
    };
    let mut fields = line.split_ascii_whitespace();
    if fields.next().is_none() {
        // No row at all (N = 0): text is the harmless guess.
        return true;
    }
    let values: Vec<&str> = fields.collect();
    let whole = if complete {
        values.len()
    } else {
        values.len().saturating_sub(1)
    };
    let counts_fit = if complete {
        values.len() as u64 == dim
    } else {
        values.len() as u64 <= dim
    };
    counts_fit && values[..whole].iter().all(|v| v.parse::<f32>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_formats_apart() {
        assert_eq!(sniff_bytes(b"2 3\na 1 2 3\n"), Some(Format::Word2VecText));
        let mut bin = b"1 2\nab ".to_vec();
        bin.extend_from_slice(&1.5f32.to_le_bytes());
        bin.extend_from_slice(&0.0f32.to_le_bytes());
        assert_eq!(sniff_bytes(&bin), Some(Format::Word2VecBinary));
        assert_eq!(
            sniff_bytes(b"the 0.1 0.2\nof 1 2\n"),
            Some(Format::GloveText)
        );
        assert_eq!(sniff_bytes(&NATIVE_MAGIC), Some(Format::Native));
        assert_eq!(
            sniff_bytes(&793_712_314i32.to_le_bytes()),
            Some(Format::FastText)
        );
        assert_eq!(sniff_bytes(b"hello world\n"), None);
        assert_eq!(sniff_bytes(b""), None);
        assert_eq!(sniff_bytes(b"0 5\n"), Some(Format::Word2VecText));
    }
}
