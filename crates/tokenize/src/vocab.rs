//! The vocabulary: the one id space every embedpos crate uses.

use crate::error::{Error, Result};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Tokens with their corpus counts, ids `0..len()`.
///
/// Built by [`count_corpus`](crate::count_corpus) in the deterministic order
/// *count descending, then token bytes ascending*; loaded vector files may keep
/// their own order ([`Vocab::from_ordered`]).
///
/// ```
/// use embedpos_tokenize::Vocab;
/// let v = Vocab::from_counts([("b".to_string(), 3), ("a".to_string(), 3), ("c".to_string(), 9)]).unwrap();
/// assert_eq!(v.tokens(), ["c", "a", "b"]);
/// assert_eq!(v.id("a"), Some(1));
/// assert_eq!(v.count(0), 9);
/// assert_eq!(v.total(), 15);
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(try_from = "VocabData", into = "VocabData")]
pub struct Vocab {
    tokens: Vec<String>,
    counts: Vec<u64>,
    index: FxHashMap<Box<str>, u32>,
    total: u64,
}

/// The serialised form of a [`Vocab`]: the index is rebuilt on load.
#[derive(Serialize, Deserialize)]
struct VocabData {
    tokens: Vec<String>,
    counts: Vec<u64>,
}

impl TryFrom<VocabData> for Vocab {
    type Error = Error;
    fn try_from(d: VocabData) -> Result<Self> {
        Vocab::from_ordered(d.tokens, d.counts)
    }
}

impl From<Vocab> for VocabData {
    fn from(v: Vocab) -> Self {
        VocabData {
            tokens: v.tokens,
            counts: v.counts,
        }
    }
}

impl PartialEq for Vocab {
    fn eq(&self, other: &Self) -> bool {
        self.tokens == other.tokens && self.counts == other.counts
    }
}

impl Vocab {
    /// Builds a vocabulary from `(token, count)` pairs, sorted by count
    /// descending then token bytes ascending. Duplicate tokens are an error.
    pub fn from_counts(pairs: impl IntoIterator<Item = (String, u64)>) -> Result<Self> {
        let mut pairs: Vec<(String, u64)> = pairs.into_iter().collect();
        sort_pairs(&mut pairs);
        let (tokens, counts) = pairs.into_iter().unzip();
        Self::from_ordered(tokens, counts)
    }

    /// Builds a vocabulary that keeps the given order (for vector files whose
    /// row order must be preserved). Duplicate tokens are an error.
    pub fn from_ordered(tokens: Vec<String>, counts: Vec<u64>) -> Result<Self> {
        if tokens.len() != counts.len() {
            return Err(Error::Config(format!(
                "{} tokens but {} counts",
                tokens.len(),
                counts.len()
            )));
        }
        if tokens.len() > u32::MAX as usize {
            return Err(Error::Config(
                "more than 2^32 - 1 tokens do not fit the u32 id space".into(),
            ));
        }
        let mut index = FxHashMap::with_capacity_and_hasher(tokens.len(), Default::default());
        for (i, t) in tokens.iter().enumerate() {
            if index.insert(t.as_str().into(), i as u32).is_some() {
                return Err(Error::Config(format!(
                    "token {t:?} appears twice (ids {} and {i})",
                    index[t.as_str()]
                )));
            }
        }
        let total = counts.iter().sum();
        Ok(Vocab {
            tokens,
            counts,
            index,
            total,
        })
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// True when there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The id of `token`, if present.
    #[inline]
    pub fn id(&self, token: &str) -> Option<u32> {
        self.index.get(token).copied()
    }

    /// The token with id `id`. Panics if `id >= len()`; use
    /// [`get_token`](Self::get_token) for ids from untrusted input.
    #[inline]
    pub fn token(&self, id: u32) -> &str {
        &self.tokens[id as usize]
    }

    /// The token with id `id`, or `None` when out of range.
    pub fn get_token(&self, id: u32) -> Option<&str> {
        self.tokens.get(id as usize).map(String::as_str)
    }

    /// The count of token `id`. Panics if `id >= len()`.
    #[inline]
    pub fn count(&self, id: u32) -> u64 {
        self.counts[id as usize]
    }

    /// All tokens, by id.
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// All counts, by id.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Sum of all counts: the number of corpus tokens the vocabulary covers.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Iterates `(id, token, count)`.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &str, u64)> + '_ {
        self.tokens
            .iter()
            .zip(&self.counts)
            .enumerate()
            .map(|(i, (t, &c))| (i as u32, t.as_str(), c))
    }

    /// Writes `token count` lines, what `word2vec -save-vocab` writes, to
    /// `path` atomically (temporary file + rename).
    pub fn save_text(&self, path: &Path) -> Result<()> {
        embedpos_base::write_atomic(path, |w| {
            for (t, c) in self.tokens.iter().zip(&self.counts) {
                writeln!(w, "{t} {c}")?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Reads `token count` lines (the format of `word2vec -save-vocab`).
    ///
    /// The file's order is kept. Blank lines are skipped. A line without a
    /// count, a count that is not a non-negative integer, a token containing
    /// whitespace or a duplicate token is an error naming the file and line.
    pub fn load_text(path: &Path) -> Result<Self> {
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut tokens = Vec::new();
        let mut counts = Vec::new();
        let mut seen: FxHashMap<String, usize> = FxHashMap::default();
        let mut buf = Vec::new();
        let mut r = BufReader::new(f);
        let mut line_no = 0;
        loop {
            buf.clear();
            let n = r
                .read_until(b'\n', &mut buf)
                .map_err(|e| Error::io(path, e))?;
            if n == 0 {
                break;
            }
            line_no += 1;
            let parse_err = |message: String| Error::Parse {
                path: path.to_path_buf(),
                line: line_no,
                message,
            };
            let line = std::str::from_utf8(&buf).map_err(|e| {
                parse_err(format!(
                    "invalid UTF-8 at byte {} of the line",
                    e.valid_up_to()
                ))
            })?;
            let line = line.trim_end_matches(['\n', '\r']);
            if line.trim().is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (Some(tok), Some(cnt)) = (parts.next(), parts.next()) else {
                return Err(parse_err(format!(
                    "expected `token count`, found {line:?} (a vocabulary file has one token and its count per line)"
                )));
            };
            if parts.next().is_some() {
                return Err(parse_err(format!(
                    "expected `token count`, found more fields in {line:?} (tokens cannot contain whitespace)"
                )));
            }
            let count: u64 = cnt.parse().map_err(|_| {
                parse_err(format!(
                    "count {cnt:?} of token {tok:?} is not a non-negative integer"
                ))
            })?;
            if let Some(first) = seen.insert(tok.to_string(), line_no) {
                return Err(parse_err(format!(
                    "token {tok:?} already appeared on line {first}; remove one of the two lines"
                )));
            }
            tokens.push(tok.to_string());
            counts.push(count);
        }
        Self::from_ordered(tokens, counts)
    }

    /// Saves through the native codec, atomically.
    pub fn save_native(&self, path: &Path) -> Result<()> {
        let bytes = embedpos_base::codec::encode(self)?;
        embedpos_base::write_atomic(path, |w| w.write_all(&bytes))?;
        Ok(())
    }

    /// Loads what [`save_native`](Self::save_native) wrote.
    pub fn load_native(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        embedpos_base::codec::decode(&bytes).map_err(|e| match e {
            embedpos_base::Error::Codec(m) => Error::Codec(format!("{}: {m}", path.display())),
            other => other.into(),
        })
    }
}

/// Sorts by count descending, then token bytes ascending.
pub(crate) fn sort_pairs<T: AsRef<str>>(pairs: &mut [(T, u64)]) {
    pairs.sort_unstable_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| a.0.as_ref().as_bytes().cmp(b.0.as_ref().as_bytes()))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let v = Vocab::from_counts([("the".into(), 10), ("ß".into(), 2), ("a".into(), 2)]).unwrap();
        let p = dir.path().join("v.txt");
        v.save_text(&p).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "the 10\na 2\nß 2\n");
        assert_eq!(Vocab::load_text(&p).unwrap(), v);

        let cases = [
            ("a 1\nb\n", ":2:"),
            ("a 1\nb -3\n", "not a non-negative"),
            ("a 1\nb 2\na 4\n", "already appeared on line 1"),
            ("a 1 2\n", "more fields"),
        ];
        for (text, want) in cases {
            std::fs::write(&p, text).unwrap();
            let e = Vocab::load_text(&p).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("v.txt"), "{e}");
        }
    }

    #[test]
    fn native_round_trip_and_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let v = Vocab::from_counts([("x".into(), 1), ("y".into(), 5)]).unwrap();
        let p = dir.path().join("v.bin");
        v.save_native(&p).unwrap();
        let w = Vocab::load_native(&p).unwrap();
        assert_eq!(v, w);
        assert_eq!(w.id("y"), Some(0));
        std::fs::write(&p, b"garbage").unwrap();
        assert!(Vocab::load_native(&p).is_err());
    }

    #[test]
    fn duplicates_rejected() {
        assert!(Vocab::from_ordered(vec!["a".into(), "a".into()], vec![1, 1]).is_err());
    }
}
