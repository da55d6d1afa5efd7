//! Text files into training data: a token stream for a language model, or
//! labelled examples for a classifier, with the model's tokenizer and
//! vocabulary (what `embedpos model train` and `eval` read).

use std::path::Path;

use embedpos_input::special::{EOS, UNK};
use embedpos_tokenize::{CorpusReader, Scratch, Tokenizer, Vocab};

use crate::error::{Error, Result};
use crate::train::Example;

/// What reading a corpus found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CorpusStats {
    /// Lines that held at least one token.
    pub lines: usize,
    /// Tokens read (the `[EOS]` added after each line not counted).
    pub tokens: usize,
    /// Tokens the vocabulary lacks, read as `[UNK]`.
    pub unknown: usize,
}

/// Every line of `paths` (text, `.gz`, directories, `-` for stdin: what
/// `CorpusReader` opens) tokenized and looked up in `vocab` (the model's,
/// specials included; a missing token becomes `[UNK]`), each line followed
/// by `[EOS]` so that the model sees where a document ends. Lines without
/// a token are skipped.
pub fn read_token_stream<P: AsRef<Path>>(
    paths: &[P],
    tokenizer: &Tokenizer,
    vocab: &Vocab,
) -> Result<(Vec<u32>, CorpusStats)> {
    let mut reader = CorpusReader::open(paths)?;
    let mut stats = CorpusStats::default();
    let (mut line, mut scratch, mut out) = (String::new(), Scratch::default(), Vec::new());
    while reader.read_line(&mut line)? {
        let before = out.len();
        tokenizer.for_each_token(&line, &mut scratch, |t| {
            let id = vocab.id(t).unwrap_or(UNK);
            stats.unknown += (id == UNK) as usize;
            out.push(id);
        });
        if out.len() > before {
            stats.tokens += out.len() - before;
            stats.lines += 1;
            out.push(EOS);
        }
        line.clear();
    }
    Ok((out, stats))
}

/// Labelled examples, one a line: `LABEL<TAB>TEXT`. Labels are names; their
/// class ids are their indices in `labels` when given (a label not in it is
/// an error naming the line), else in the sorted list of the labels found,
/// which is returned. Lines without a token are skipped.
pub fn read_examples<P: AsRef<Path>>(
    paths: &[P],
    tokenizer: &Tokenizer,
    vocab: &Vocab,
    labels: Option<&[String]>,
) -> Result<(Vec<Example>, Vec<String>, CorpusStats)> {
    let mut reader = CorpusReader::open(paths)?;
    let mut stats = CorpusStats::default();
    let (mut line, mut scratch) = (String::new(), Scratch::default());
    let mut raw: Vec<(String, Vec<u32>)> = Vec::new();
    let (mut number, mut file) = (0usize, None::<std::path::PathBuf>);
    while reader.read_line(&mut line)? {
        // line numbers count from 1 in each file
        let name = reader.current_name().map(Path::to_path_buf);
        if name != file {
            (number, file) = (0, name);
        }
        number += 1;
        let text = line.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            line.clear();
            continue;
        }
        let Some((label, body)) = text.split_once('\t') else {
            let name = reader
                .current_name()
                .map_or_else(|| "input".into(), |p| p.display().to_string());
            return Err(Error::Data(format!(
                "{name}:{number}: no tab; each line of a classification corpus is LABEL<TAB>TEXT"
            )));
        };
        let mut ids = Vec::new();
        tokenizer.for_each_token(body, &mut scratch, |t| {
            let id = vocab.id(t).unwrap_or(UNK);
            stats.unknown += (id == UNK) as usize;
            ids.push(id);
        });
        if !ids.is_empty() {
            stats.tokens += ids.len();
            stats.lines += 1;
            raw.push((label.trim().to_string(), ids));
        }
        line.clear();
    }
    let names: Vec<String> = match labels {
        Some(l) => l.to_vec(),
        None => {
            let mut l: Vec<String> = raw.iter().map(|(l, _)| l.clone()).collect();
            l.sort();
            l.dedup();
            l
        }
    };
    let examples = raw
        .into_iter()
        .map(|(label, ids)| {
            let class = names.iter().position(|n| *n == label).ok_or_else(|| {
                Error::Data(format!(
                    "label {label:?} is not one of the model's classes {names:?}"
                ))
            })?;
            Ok(Example {
                ids,
                label: class as u32,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((examples, names, stats))
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedpos_input::vocab_with_specials;

    #[test]
    fn streams_end_lines_with_eos_and_examples_map_labels() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.txt");
        std::fs::write(&p, "the cat\n\nthe dog\n").unwrap();
        let vocab = vocab_with_specials([("the", 2), ("cat", 1)]).unwrap();
        let (ids, stats) = read_token_stream(&[&p], &Tokenizer::default(), &vocab).unwrap();
        let (the, cat) = (vocab.id("the").unwrap(), vocab.id("cat").unwrap());
        assert_eq!(ids, [the, cat, EOS, the, UNK, EOS]);
        assert_eq!((stats.lines, stats.tokens, stats.unknown), (2, 4, 1));

        std::fs::write(&p, "pos\tthe cat\nneg\tthe\n").unwrap();
        let (ex, names, _) = read_examples(&[&p], &Tokenizer::default(), &vocab, None).unwrap();
        assert_eq!(names, ["neg", "pos"]);
        assert_eq!(ex[0].label, 1);
        assert_eq!(ex[1].ids, [the]);
        let only = vec!["pos".to_string()];
        assert!(read_examples(&[&p], &Tokenizer::default(), &vocab, Some(&only)).is_err());
        std::fs::write(&p, "pos the cat\n").unwrap();
        let e = read_examples(&[&p], &Tokenizer::default(), &vocab, None).unwrap_err();
        assert!(e.to_string().contains("c.txt:1: no tab"), "{e}");
    }
}
