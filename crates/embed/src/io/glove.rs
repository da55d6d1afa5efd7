//! GloVe text format: `word v1 ... vD` per line, no header. The dimension is
//! the number of values on the first row; blank lines are skipped.

use super::common::{self, chomp, line_limit, parse_text_row, read_line, utf8};
use super::word2vec_text::{parse_header, write_rows};
use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use std::path::Path;

/// The longest first line accepted, before the dimension is known.
const FIRST_LINE_LIMIT: usize = 1 << 24;

pub(crate) fn read(path: &Path) -> Result<Embeddings> {
    let (mut r, _) = common::open(path)?;
    let mut line = Vec::new();
    let mut tokens = Vec::new();
    let mut lines = Vec::new();
    let mut matrix = Vec::new();
    let mut dim = 0usize;
    let mut line_no = 0u64;
    loop {
        line_no += 1;
        let limit = if dim == 0 {
            FIRST_LINE_LIMIT
        } else {
            line_limit(dim)
        };
        if read_line(&mut r, &mut line, limit, path, line_no)? == 0 {
            break;
        }
        let text = utf8(chomp(&line), path, line_no)?;
        if text.trim_ascii().is_empty() {
            continue;
        }
        if dim == 0 {
            if parse_header(text.as_bytes()).is_some() {
                return Err(Error::parse(
                    path,
                    line_no,
                    "this line looks like a word2vec header `N D`, which GloVe files do not have; \
                     read the file as word2vec text",
                ));
            }
            dim = text.split_ascii_whitespace().count() - 1;
            if dim == 0 {
                return Err(Error::parse(
                    path,
                    line_no,
                    "the first row has a word but no values; expected `word v1 ... vD`",
                ));
            }
        }
        let word = parse_text_row(text, dim, &mut matrix, path, line_no)?;
        tokens.push(word.to_string());
        lines.push(line_no);
    }
    if tokens.is_empty() {
        return Err(Error::format(
            path,
            "no vectors: the file is empty or blank",
        ));
    }
    let counts = common::synthetic_counts(tokens.len());
    let vocab = common::vocab_in_file_order(tokens, counts, path, "line", |i| lines[i])?;
    Ok(Embeddings::from_checked(vocab, dim, matrix))
}

pub(crate) fn write(emb: &Embeddings, path: &Path) -> Result<()> {
    common::check_words_writable(emb, path, "GloVe text")?;
    common::write_atomic(path, |w| write_rows(emb, w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Format;

    fn load(s: &str) -> Result<Embeddings> {
        common::load_bytes(s, "v.txt", Format::GloveText)
    }

    #[test]
    fn reads_rows_and_infers_dim() {
        let e = load("the 1 2 3\n\nof 4 5 6\n").unwrap();
        assert_eq!((e.len(), e.dim()), (2, 3));
        assert_eq!(e.vector("of"), Some(&[4.0, 5.0, 6.0][..]));
    }

    #[test]
    fn bad_input_says_where() {
        for (input, want) in [
            ("", "no vectors"),
            (
                "2 3\na 1 2 3\n",
                ":1: this line looks like a word2vec header",
            ),
            ("a\n", ":1: the first row has a word but no values"),
            ("a 1 2\nb 1\n", ":2: row \"b\" has 1 values, expected 2"),
            (
                "a 1 2\n\nb 1 2\na 3 4\n",
                "\"a\" appears twice (line 1 and line 4)",
            ),
            ("a 1 -inf\n", "value 2 is -inf"),
        ] {
            let e = load(input).unwrap_err().to_string();
            assert!(e.contains(want), "{input:?}: {e}");
        }
    }
}
