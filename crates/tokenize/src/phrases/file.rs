//! The phrase file: text, one phrase a line (format in [`Phrases::load`]).

use super::{PhraseTable, Phrases, PhrasesConfig, Scorer};
use crate::error::{Error, Result};
use smol_str::SmolStr;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

/// The first word of a phrase file, and its version.
const MAGIC: &str = "embedpos-phrases";
const VERSION: &str = "v1";

/// Whether the file at `path` begins with the phrase file's first word.
pub(crate) fn starts_like_one(path: &Path) -> bool {
    let mut head = [0u8; MAGIC.len() + 1];
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    std::io::Read::read_exact(&mut f, &mut head).is_ok()
        && &head[..MAGIC.len()] == MAGIC.as_bytes()
        && head[MAGIC.len()] == b' '
}

/// Writes `p` to `path` atomically.
pub(crate) fn save(p: &Phrases, path: &Path) -> Result<()> {
    embedpos_base::write_atomic(path, |w| write(p, w))?;
    Ok(())
}

fn write(p: &Phrases, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        w,
        "{MAGIC} {VERSION} scorer={} threshold={} min_count={} delimiter={} passes={}",
        p.scorer.name(),
        p.threshold,
        p.min_count,
        p.delimiter,
        p.passes.len()
    )?;
    for (i, table) in p.passes.iter().enumerate() {
        writeln!(
            w,
            "--- pass {} of {}: {} phrases ---",
            i + 1,
            p.passes.len(),
            table.len()
        )?;
        for (a, b, score) in table.iter() {
            match p.scorer {
                // Scores are f32 values: the shortest text that reads back the same.
                Scorer::Word2Phrase => writeln!(w, "{a} {b} {}", score as f32)?,
                Scorer::Npmi => writeln!(w, "{a} {b} {score}")?,
            }
        }
    }
    Ok(())
}

/// Reads lines and numbers them, for messages.
struct Lines<'p, R> {
    path: &'p Path,
    reader: R,
    buf: Vec<u8>,
    line: usize,
}

impl<R: BufRead> Lines<'_, R> {
    /// The next line without its line end, `None` at the end of the file.
    fn next(&mut self) -> Result<Option<&str>> {
        self.buf.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| Error::io(self.path, e))?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
        }
        match std::str::from_utf8(&self.buf) {
            Ok(s) => Ok(Some(s)),
            Err(e) => Err(Error::Parse {
                path: self.path.to_path_buf(),
                line: self.line,
                message: format!(
                    "invalid UTF-8 at byte {} of the line; a phrase file is UTF-8 text as \
                     `embedpos phrases learn` writes it",
                    e.valid_up_to()
                ),
            }),
        }
    }

    fn error(&self, message: impl Into<String>) -> Error {
        Error::Parse {
            path: self.path.to_path_buf(),
            line: self.line.max(1),
            message: message.into(),
        }
    }
}

/// Reads a phrase file.
pub(crate) fn load(path: &Path) -> Result<Phrases> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut lines = Lines {
        path,
        reader: BufReader::new(f),
        buf: Vec::new(),
        line: 0,
    };
    let Some(first) = lines.next()? else {
        return Err(lines.error(format!(
            "the file is empty, not a phrase table; give a file that `embedpos phrases learn -o` \
             wrote (its first line starts with `{MAGIC} {VERSION}`)"
        )));
    };
    let (cfg, passes) = header(first).map_err(|m| lines.error(m))?;
    let mut phrases = Phrases::empty(&cfg);
    for k in 1..=passes {
        let announced = match lines.next()? {
            Some(l) => pass_line(l, k, passes).map_err(|m| lines.error(m))?,
            None => {
                return Err(lines.error(format!(
                    "the file ends before pass {k} of {passes}: it was cut short; learn the \
                     phrases again"
                )))
            }
        };
        let mut seen: HashSet<(SmolStr, SmolStr)> = HashSet::with_capacity(announced);
        let mut entries = Vec::with_capacity(announced);
        for i in 0..announced {
            let Some(l) = lines.next()? else {
                return Err(lines.error(format!(
                    "the file ends after {i} of the {announced} phrases of pass {k}: it was cut \
                     short; learn the phrases again"
                )));
            };
            let (a, b, score) = phrase_line(l, cfg.scorer).map_err(|m| lines.error(m))?;
            if !seen.insert((a.clone(), b.clone())) {
                return Err(lines.error(format!(
                    "the phrase `{a} {b}` is listed twice in pass {k}; each pair may appear once"
                )));
            }
            entries.push((a, b, score));
        }
        phrases.passes.push(PhraseTable::build(cfg.scorer, entries));
    }
    while let Some(l) = lines.next()? {
        if !l.trim().is_empty() {
            let message = format!(
                "unexpected line after the {passes} passes the header announces: {l:.60?}; \
                 `passes=` or a `phrases=` count is wrong"
            );
            return Err(lines.error(message));
        }
    }
    Ok(phrases)
}

/// The settings of the first line, and the number of passes.
fn header(line: &str) -> std::result::Result<(PhrasesConfig, usize), String> {
    let mut fields = line.split_whitespace();
    if fields.next() != Some(MAGIC) {
        return Err(format!(
            "not a phrase table: the first line should start with `{MAGIC} {VERSION}` (it is \
             {line:.60?}); give a file that `embedpos phrases learn -o` wrote"
        ));
    }
    match fields.next() {
        Some(VERSION) => {}
        other => {
            return Err(format!(
                "unsupported version {:?} of the phrase format (this build reads {VERSION}); \
                 learn the phrases again with this version",
                other.unwrap_or("")
            ))
        }
    }
    let (mut scorer, mut threshold, mut min_count, mut delimiter, mut passes) =
        (None, None, None, None, None);
    for field in fields {
        let Some((key, value)) = field.split_once('=') else {
            return Err(format!(
                "header field {field:?} is not `key=value`; the header holds scorer=, \
                 threshold=, min_count=, delimiter= and passes="
            ));
        };
        let bad = |what: &str| format!("header: {key}={value:?} is not {what}");
        match key {
            "scorer" => {
                scorer =
                    Some(Scorer::from_name(value).ok_or_else(|| bad("`word2phrase` or `npmi`"))?)
            }
            "threshold" => threshold = Some(value.parse::<f64>().map_err(|_| bad("a number"))?),
            "min_count" => min_count = Some(value.parse::<u64>().map_err(|_| bad("a count"))?),
            "delimiter" => delimiter = Some(value.to_string()),
            "passes" => passes = Some(value.parse::<usize>().map_err(|_| bad("a count"))?),
            _ => {
                return Err(format!(
                    "unknown header field {key:?}; the header holds scorer=, threshold=, \
                     min_count=, delimiter= and passes="
                ))
            }
        }
    }
    let missing = |k: &str| format!("the header lacks {k}=; learn the phrases again");
    let cfg = PhrasesConfig {
        scorer: scorer.ok_or_else(|| missing("scorer"))?,
        threshold: threshold.ok_or_else(|| missing("threshold"))?,
        min_count: min_count.ok_or_else(|| missing("min_count"))?,
        delimiter: delimiter.ok_or_else(|| missing("delimiter"))?,
        passes: passes.ok_or_else(|| missing("passes"))?,
        ..Default::default()
    };
    cfg.validate().map_err(|e| format!("header: {e}"))?;
    Ok((cfg.clone(), cfg.passes))
}

/// The number of phrases a `--- pass K of P: N phrases ---` line announces.
fn pass_line(line: &str, k: usize, passes: usize) -> std::result::Result<usize, String> {
    let expected =
        || format!("expected `--- pass {k} of {passes}: N phrases ---`, found {line:.60?}");
    let f: Vec<&str> = line.split_whitespace().collect();
    let (k, passes) = (k.to_string(), format!("{passes}:"));
    match f.as_slice() {
        ["---", "pass", kk, "of", pp, n, "phrases", "---"] if *kk == k && *pp == passes => {
            n.parse::<usize>().map_err(|_| expected())
        }
        _ => Err(expected()),
    }
}

/// A `word_a word_b score` line.
fn phrase_line(line: &str, scorer: Scorer) -> std::result::Result<(SmolStr, SmolStr, f64), String> {
    let mut f = line.split_whitespace();
    let (Some(a), Some(b), Some(s), None) = (f.next(), f.next(), f.next(), f.next()) else {
        return Err(format!(
            "expected `word_a word_b score`, three fields separated by spaces, found {line:.60?}"
        ));
    };
    let bad = || format!("the score {s:?} is not a finite number");
    let score = match scorer {
        Scorer::Word2Phrase => f64::from(s.parse::<f32>().map_err(|_| bad())?),
        Scorer::Npmi => s.parse::<f64>().map_err(|_| bad())?,
    };
    if !score.is_finite() {
        return Err(bad());
    }
    Ok((SmolStr::new(a), SmolStr::new(b), score))
}
