//! tiktoken rank files (`*.tiktoken`): one `base64(token bytes) rank` line
//! per token, the rank being both the id and the merge priority.

use super::model::Bpe;
use super::pattern::Pattern;
use crate::error::{Error, Result};
use base64::Engine as _;
use std::io::Read;
use std::path::Path;

/// Reads a whole file, gunzipping it when it starts with gzip's magic bytes.
pub(crate) fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| Error::BpeFile {
                path: path.to_path_buf(),
                line: None,
                message: format!("cannot decompress ({e}); is the gzip file complete?"),
            })?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// The tokens of a tiktoken rank file, by rank.
///
/// As tiktoken's `load_tiktoken_bpe` reads them: blank lines are skipped,
/// each other line is a standard-base64 token and a decimal rank. A token or
/// a rank given twice is an error (tiktoken's `CoreBPE` refuses a rank
/// table whose ranks are not distinct), and so are ranks that are not
/// exactly `0..n` (ids are ranks here, and a gap would be an id with no
/// token).
pub fn read_tiktoken_ranks(path: impl AsRef<Path>) -> Result<Vec<Vec<u8>>> {
    let path = path.as_ref();
    let text = read_maybe_gz(path)?;
    parse_ranks(path, &text)
}

fn parse_ranks(path: &Path, text: &[u8]) -> Result<Vec<Vec<u8>>> {
    let err = |line: usize, message: String| Error::BpeFile {
        path: path.to_path_buf(),
        line: Some(line),
        message,
    };
    // Ranks run from 0 without gaps, so none reaches the number of lines:
    // checking that first keeps a damaged rank from allocating much.
    let max_ranks = text.split(|&b| b == b'\n').count();
    let mut by_rank: Vec<Option<(Vec<u8>, usize)>> = Vec::new();
    let mut seen: std::collections::HashMap<Vec<u8>, usize, foldhash::fast::FixedState> =
        Default::default();
    let mut any = false;
    for (n, line) in text.split(|&b| b == b'\n').enumerate() {
        let n = n + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let Ok(line) = std::str::from_utf8(line) else {
            return Err(err(
                n,
                "the line is not text; is this a tiktoken rank file?".into(),
            ));
        };
        let mut fields = line.split_ascii_whitespace();
        let (Some(b64), Some(rank), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err(err(
                n,
                format!("expected `<base64 token> <rank>`, found {line:?}"),
            ));
        };
        let token = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| {
                err(
                    n,
                    format!("{b64:?} is not valid base64 ({e}); the file may be damaged"),
                )
            })?;
        if token.is_empty() {
            return Err(err(
                n,
                "an empty token; every token has at least one byte".into(),
            ));
        }
        let rank: u32 = rank.parse().map_err(|_| {
            err(
                n,
                format!("the rank {rank:?} is not a non-negative integer below 2^32"),
            )
        })?;
        if rank as usize >= max_ranks {
            return Err(err(
                n,
                format!("rank {rank} is beyond the {max_ranks} lines of the file: ranks must run from 0 without gaps"),
            ));
        }
        if let Some(first) = seen.insert(token.clone(), n) {
            return Err(err(
                n,
                format!(
                    "the token {:?} was given a rank already on line {first}; each token has one rank",
                    String::from_utf8_lossy(&token)
                ),
            ));
        }
        let r = rank as usize;
        if r >= by_rank.len() {
            by_rank.resize(r + 1, None);
        }
        if let Some((_, first)) = &by_rank[r] {
            return Err(err(
                n,
                format!("rank {rank} was given already on line {first}; ranks must be distinct"),
            ));
        }
        by_rank[r] = Some((token, n));
        any = true;
    }
    if !any {
        return Err(Error::BpeFile {
            path: path.to_path_buf(),
            line: None,
            message: "no ranks in the file; is it a tiktoken rank file?".into(),
        });
    }
    let mut out = Vec::with_capacity(by_rank.len());
    for (r, t) in by_rank.into_iter().enumerate() {
        let Some((t, _)) = t else {
            return Err(Error::BpeFile {
                path: path.to_path_buf(),
                line: None,
                message: format!(
                    "rank {r} is missing: ranks must run from 0 without gaps (the highest is {})",
                    out.len().max(r)
                ),
            });
        };
        out.push(t);
    }
    Ok(out)
}

impl Bpe {
    /// A model from a tiktoken rank file (plain or gzipped) with the given
    /// pattern and special tokens `(content, id)`.
    ///
    /// Errors name the file and the line: bad base64, a duplicate token or
    /// rank, ranks with a gap, a special token on a rank's id.
    pub fn from_tiktoken(
        path: impl AsRef<Path>,
        pattern: Pattern,
        specials: &[(&str, u32)],
    ) -> Result<Bpe> {
        let path = path.as_ref();
        let ranks = read_tiktoken_ranks(path)?;
        Bpe::from_ranks(ranks, pattern, specials).map_err(|e| match e {
            Error::BpeModel(m) => Error::BpeFile {
                path: path.to_path_buf(),
                line: None,
                message: m,
            },
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Vec<u8>>> {
        parse_ranks(Path::new("x.tiktoken"), text.as_bytes())
    }

    #[test]
    fn reads_ranks_in_any_order() {
        let r = parse("Yg== 1\n\nYQ== 0\r\nYWI= 2\n").unwrap();
        assert_eq!(r, [b"a".to_vec(), b"b".to_vec(), b"ab".to_vec()]);
    }

    #[test]
    fn bad_files_say_where_and_what() {
        let e = parse("YQ== 0\n!!! 1\n").unwrap_err().to_string();
        assert!(e.contains("x.tiktoken:2") && e.contains("base64"), "{e}");
        let e = parse("YQ== 0\nYg== 0\n").unwrap_err().to_string();
        assert!(
            e.contains(":2") && e.contains("rank 0 was given already on line 1"),
            "{e}"
        );
        let e = parse("YQ== 0\nYQ== 1\n").unwrap_err().to_string();
        assert!(e.contains(":2") && e.contains("rank already"), "{e}");
        let e = parse("YQ== 0\nYg== 2\n").unwrap_err().to_string();
        assert!(e.contains("rank 1 is missing"), "{e}");
        let e = parse("YQ== 0\nYg== 4000000000\n").unwrap_err().to_string();
        assert!(e.contains(":2") && e.contains("beyond"), "{e}");
        let e = parse("YQ== x\n").unwrap_err().to_string();
        assert!(
            e.contains(":1") && e.contains("not a non-negative integer"),
            "{e}"
        );
        let e = parse("YQ==\n").unwrap_err().to_string();
        assert!(e.contains("expected"), "{e}");
        let e = parse("\n\n").unwrap_err().to_string();
        assert!(e.contains("no ranks"), "{e}");
    }

    #[test]
    fn a_special_token_on_a_rank_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.tiktoken");
        std::fs::write(&p, "YQ== 0\nYg== 1\n").unwrap();
        let e = Bpe::from_tiktoken(&p, Pattern::Gpt2, &[("<s>", 1)])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("t.tiktoken") && e.contains("id of its own"),
            "{e}"
        );
        let e = Bpe::from_tiktoken(dir.path().join("none"), Pattern::Gpt2, &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("none"), "{e}");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_are_errors_not_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = parse_ranks(Path::new("x"), &bytes);
        }
    }
}
