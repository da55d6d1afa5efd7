//! Pre-tokenisation: the regular expressions that cut text into the pieces
//! BPE merges within (GPT-2's, cl100k's, o200k's, or one of your own).
//!
//! GPT-2's and cl100k's patterns are matched by hand-written scanners, which
//! are several times faster than a backtracking regex engine and split
//! exactly as `fancy-regex` (tiktoken's engine) does with the same pattern:
//! a property test checks that on arbitrary text. Other patterns run on
//! `fancy-regex`.

use super::unicode::{class_of, Class};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// GPT-2's pattern (`encoder.py`; tiktoken's `r50k_base`, `p50k_base`; HF's
/// `ByteLevel` pre-tokenizer with `use_regex`).
pub const GPT2_PATTERN: &str =
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

/// cl100k's pattern as tiktoken (0.8 and later) writes it.
///
/// It differs from the pattern first published with cl100k
/// (`...|\s*[\r\n]|\s+(?!\S)|\s+`) in one case, on purpose of tiktoken's:
/// the alternative `\s++$` makes white space that runs to the end of the
/// text one piece even when it holds a line break (`"a\n  "` is `a`,
/// `\n  ` rather than `a`, `\n`, `  `). The ids tiktoken gives follow this
/// form, so [`Pattern::Cl100k`] does too; the older form can be had as a
/// [`Pattern::Custom`].
pub const CL100K_PATTERN: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s";

/// o200k's pattern (tiktoken's `o200k_base`), run on `fancy-regex`.
pub const O200K_PATTERN: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|\p{N}{1,3}",
    r"| ?[^\s\p{L}\p{N}]+[\r\n/]*",
    r"|\s*[\r\n]+",
    r"|\s+(?!\S)",
    r"|\s+"
);

/// How text is cut into pieces before BPE.
///
/// Serialised as `"gpt2"`, `"cl100k"`, `"o200k"`, `"none"` or
/// `{"custom": "<regex>"}`.
///
/// ```
/// use embedpos_tokenize::bpe::Pattern;
/// let split = Pattern::Gpt2.compile().unwrap();
/// let mut pieces = Vec::new();
/// split.for_each_piece("Hello world's  end", |p| pieces.push(p.to_string()));
/// assert_eq!(pieces, ["Hello", " world", "'s", " ", " end"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pattern {
    /// [`GPT2_PATTERN`], hand-written.
    #[default]
    Gpt2,
    /// [`CL100K_PATTERN`], hand-written.
    Cl100k,
    /// [`O200K_PATTERN`], on `fancy-regex`.
    O200k,
    /// Any `fancy-regex` pattern. Text between two matches (which GPT-2's,
    /// cl100k's and o200k's patterns never leave) becomes a piece of its own,
    /// as HF's `Split` with behaviour `Isolated` does; tiktoken would drop it.
    Custom(String),
    /// No cutting: each text (between special tokens) is one piece (HF's
    /// `ByteLevel` with `use_regex: false`). Serialised as `"none"`.
    #[serde(rename = "none")]
    NoSplit,
}

impl Pattern {
    /// The regular expression, `None` for [`Pattern::NoSplit`].
    pub fn regex(&self) -> Option<&str> {
        match self {
            Pattern::Gpt2 => Some(GPT2_PATTERN),
            Pattern::Cl100k => Some(CL100K_PATTERN),
            Pattern::O200k => Some(O200K_PATTERN),
            Pattern::Custom(s) => Some(s),
            Pattern::NoSplit => None,
        }
    }

    /// The pattern a regular expression stands for: a named one when the
    /// string is exactly one of theirs (tiktoken's `r50k_base` spelling of
    /// GPT-2's included), else [`Pattern::Custom`].
    pub fn from_regex(regex: &str) -> Pattern {
        match regex {
            GPT2_PATTERN | R50K_PATTERN => Pattern::Gpt2,
            CL100K_PATTERN => Pattern::Cl100k,
            O200K_PATTERN => Pattern::O200k,
            other => Pattern::Custom(other.to_string()),
        }
    }

    /// A name for messages: `gpt2`, `cl100k`, `o200k`, `none`, or the regex.
    pub fn name(&self) -> &str {
        match self {
            Pattern::Gpt2 => "gpt2",
            Pattern::Cl100k => "cl100k",
            Pattern::O200k => "o200k",
            Pattern::NoSplit => "none",
            Pattern::Custom(s) => s,
        }
    }

    /// Parses a name (`gpt2`, `cl100k`, `o200k`, `none`); anything else is
    /// taken as a regular expression ([`Pattern::from_regex`]).
    pub fn from_name(name: &str) -> Pattern {
        match name {
            "gpt2" => Pattern::Gpt2,
            "cl100k" => Pattern::Cl100k,
            "o200k" => Pattern::O200k,
            "none" => Pattern::NoSplit,
            other => Pattern::from_regex(other),
        }
    }

    /// Prepares the pattern for splitting; an invalid custom regex is an
    /// error.
    pub fn compile(&self) -> Result<Splitter> {
        let kind = match self {
            Pattern::Gpt2 => Kind::Gpt2,
            Pattern::Cl100k => Kind::Cl100k,
            Pattern::NoSplit => Kind::Whole,
            Pattern::O200k | Pattern::Custom(_) => {
                let src = self.regex().unwrap_or_default();
                let re = fancy_regex::Regex::new(src).map_err(|e| Error::Pattern {
                    pattern: src.to_string(),
                    message: e.to_string(),
                })?;
                Kind::Regex(Box::new(re))
            }
        };
        Ok(Splitter { kind })
    }
}

/// tiktoken's `r50k_base` spelling of GPT-2's pattern, which splits the same.
const R50K_PATTERN: &str =
    r"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s";

/// A compiled [`Pattern`]: cuts text into pieces.
#[derive(Debug, Clone)]
pub struct Splitter {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Gpt2,
    Cl100k,
    Regex(Box<fancy_regex::Regex>),
    Whole,
}

impl Splitter {
    /// Calls `f` with each piece of `text`, in order; the pieces cover the
    /// text exactly. Allocates nothing for the hand-written patterns.
    ///
    /// A custom regex that gives up (`fancy-regex`'s backtracking limit)
    /// leaves the rest of the text as one piece.
    #[inline]
    pub fn for_each_piece<'t>(&self, text: &'t str, mut f: impl FnMut(&'t str)) {
        match &self.kind {
            Kind::Gpt2 => scan(text, gpt2_end, f),
            Kind::Cl100k => scan(text, cl100k_end, f),
            Kind::Whole => {
                if !text.is_empty() {
                    f(text)
                }
            }
            Kind::Regex(re) => {
                let mut last = 0;
                for m in re.find_iter(text) {
                    let Ok(m) = m else { break };
                    if m.start() > last {
                        f(&text[last..m.start()]);
                    }
                    if m.end() > m.start() {
                        f(m.as_str());
                    }
                    last = m.end();
                }
                if last < text.len() {
                    f(&text[last..]);
                }
            }
        }
    }

    /// The pieces of `text` as slices (convenient, allocates the vector).
    pub fn pieces<'t>(&self, text: &'t str) -> Vec<&'t str> {
        let mut out = Vec::new();
        self.for_each_piece(text, |p| out.push(p));
        out
    }
}

#[inline]
fn scan<'t>(text: &'t str, end: fn(&[u8], usize) -> usize, mut f: impl FnMut(&'t str)) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let j = end(b, i);
        // Every end is a char boundary after `i`: a slice cannot fail.
        f(&text[i..j]);
        i = j;
    }
}

/// The class and byte length of the character at `i` (a char boundary of
/// valid UTF-8).
#[inline(always)]
fn class_at(b: &[u8], i: usize) -> (Class, usize) {
    let b0 = b[i];
    if b0 < 0x80 {
        return (class_of(b0 as u32), 1);
    }
    let cont = |k: usize| (b.get(i + k).copied().unwrap_or(0x80) & 0x3F) as u32;
    let (u, n) = if b0 < 0xE0 {
        ((((b0 & 0x1F) as u32) << 6) | cont(1), 2)
    } else if b0 < 0xF0 {
        ((((b0 & 0x0F) as u32) << 12) | (cont(1) << 6) | cont(2), 3)
    } else {
        (
            (((b0 & 0x07) as u32) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3),
            4,
        )
    };
    (class_of(u), n)
}

/// The end of the run of characters of class `class` starting at `j`.
#[inline(always)]
fn run(b: &[u8], mut j: usize, class: Class) -> usize {
    while j < b.len() {
        let (c, n) = class_at(b, j);
        if c != class {
            break;
        }
        j += n;
    }
    j
}

/// The start of the character that ends at `j` (`j > 0`).
#[inline]
fn char_start_before(b: &[u8], j: usize) -> usize {
    let mut k = j - 1;
    while k > 0 && (b[k] & 0xC0) == 0x80 {
        k -= 1;
    }
    k
}

/// GPT-2's contractions: `'s|'t|'re|'ve|'m|'ll|'d`, case-sensitive.
#[inline]
fn gpt2_contraction(b: &[u8], i: usize) -> Option<usize> {
    match (b.get(i + 1), b.get(i + 2)) {
        (Some(b's' | b't' | b'm' | b'd'), _) => Some(i + 2),
        (Some(b'r'), Some(b'e')) | (Some(b'v'), Some(b'e')) | (Some(b'l'), Some(b'l')) => {
            Some(i + 3)
        }
        _ => None,
    }
}

/// `GPT2_PATTERN`'s match at `i`:
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
///
/// Every character is a letter, a number, white space or other, so some
/// alternative matches at every position and the pieces tile the text.
fn gpt2_end(b: &[u8], i: usize) -> usize {
    let c0 = b[i];
    if c0 == b'\'' {
        if let Some(end) = gpt2_contraction(b, i) {
            return end;
        }
    }
    if c0 == b' ' && i + 1 < b.len() {
        let (c1, n1) = class_at(b, i + 1);
        if c1 != Class::Space {
            return run(b, i + 1 + n1, c1);
        }
    }
    let (c, n) = class_at(b, i);
    if c != Class::Space {
        return run(b, i + n, c);
    }
    whitespace_end(b, i, n)
}

/// `\s+(?!\S)|\s+` at `i`, where a white-space character of `n` bytes
/// starts: the run, less its last character when a non-space follows and
/// the run has more than one character.
#[inline]
fn whitespace_end(b: &[u8], i: usize, n: usize) -> usize {
    let j = run(b, i + n, Class::Space);
    if j == b.len() {
        return j;
    }
    let last = char_start_before(b, j);
    if last > i {
        last
    } else {
        j
    }
}

/// cl100k's contractions: `'(?i:[sdmt]|ll|ve|re)`. Case-insensitive
/// matching is Unicode's simple case folding, under which `ſ` (U+017F,
/// long s) is an `s` too.
#[inline]
fn cl100k_contraction(b: &[u8], i: usize) -> Option<usize> {
    let lower = |k: usize| b.get(i + k).map(|c| c.to_ascii_lowercase());
    match (lower(1), lower(2)) {
        (Some(b's' | b't' | b'm' | b'd'), _) => Some(i + 2),
        (Some(b'r'), Some(b'e')) | (Some(b'v'), Some(b'e')) | (Some(b'l'), Some(b'l')) => {
            Some(i + 3)
        }
        (Some(0xC5), _) if b.get(i + 2) == Some(&0xBF) => Some(i + 3),
        _ => None,
    }
}

/// `CL100K_PATTERN`'s match at `i`:
/// `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+|
/// ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`.
fn cl100k_end(b: &[u8], i: usize) -> usize {
    let c0 = b[i];
    if c0 == b'\'' {
        if let Some(end) = cl100k_contraction(b, i) {
            return end;
        }
    }
    let (c, n) = class_at(b, i);
    // [^\r\n\p{L}\p{N}]?+\p{L}++
    if c == Class::Letter {
        return run(b, i + n, Class::Letter);
    }
    if c != Class::Number && c0 != b'\r' && c0 != b'\n' && i + n < b.len() {
        let (c1, n1) = class_at(b, i + n);
        if c1 == Class::Letter {
            return run(b, i + n + n1, Class::Letter);
        }
    }
    // \p{N}{1,3}+
    if c == Class::Number {
        let mut j = i + n;
        for _ in 0..2 {
            if j >= b.len() {
                break;
            }
            let (c1, n1) = class_at(b, j);
            if c1 != Class::Number {
                break;
            }
            j += n1;
        }
        return j;
    }
    // ' ?[^\s\p{L}\p{N}]++[\r\n]*+'
    let other_from = if c == Class::Other {
        Some(i + n)
    } else if c0 == b' ' && i + 1 < b.len() {
        let (c1, n1) = class_at(b, i + 1);
        (c1 == Class::Other).then_some(i + 1 + n1)
    } else {
        None
    };
    if let Some(from) = other_from {
        let mut j = run(b, from, Class::Other);
        while j < b.len() && matches!(b[j], b'\r' | b'\n') {
            j += 1;
        }
        return j;
    }
    // White space from here on.
    let j = run(b, i + n, Class::Space);
    // \s++$
    if j == b.len() {
        return j;
    }
    // \s*[\r\n]: up to the last line break of the run.
    if let Some(k) = b[i..j].iter().rposition(|&x| x == b'\r' || x == b'\n') {
        return i + k + 1;
    }
    // \s+(?!\S)|\s
    let last = char_start_before(b, j);
    if last > i {
        last
    } else {
        j
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The reference regexes, compiled once.
    fn reference(pattern: &str) -> &'static fancy_regex::Regex {
        static RES: std::sync::OnceLock<Vec<(&'static str, fancy_regex::Regex)>> =
            std::sync::OnceLock::new();
        let all = RES.get_or_init(|| {
            [GPT2_PATTERN, R50K_PATTERN, CL100K_PATTERN]
                .into_iter()
                .map(|p| (p, fancy_regex::Regex::new(p).unwrap()))
                .collect()
        });
        &all.iter().find(|(p, _)| *p == pattern).unwrap().1
    }

    fn regex_pieces(pattern: &str, text: &str) -> Vec<String> {
        let re = reference(pattern);
        let mut out = Vec::new();
        let mut last = 0;
        for m in re.find_iter(text) {
            let m = m.unwrap();
            assert_eq!(m.start(), last, "the pattern left a gap in {text:?}");
            out.push(m.as_str().to_string());
            last = m.end();
        }
        assert_eq!(last, text.len());
        out
    }

    fn ours(p: &Pattern, text: &str) -> Vec<String> {
        let s = p.compile().unwrap();
        s.pieces(text).into_iter().map(String::from).collect()
    }

    fn same_as_regex(text: &str) {
        assert_eq!(
            ours(&Pattern::Gpt2, text),
            regex_pieces(GPT2_PATTERN, text),
            "gpt2 {text:?}"
        );
        assert_eq!(
            ours(&Pattern::Gpt2, text),
            regex_pieces(R50K_PATTERN, text),
            "r50k {text:?}"
        );
        assert_eq!(
            ours(&Pattern::Cl100k, text),
            regex_pieces(CL100K_PATTERN, text),
            "cl100k {text:?}"
        );
    }

    #[test]
    fn hand_picked_texts() {
        for t in [
            "",
            "Hello world",
            "I'm here, they'll go; it's HE'S 'LL 'Ll 'ſ 'x",
            "  leading and trailing  ",
            "a\n\n  b\r\n\tc \n",
            "abc\n  ",
            "1234567 12 3.14159 ٣٤٥٦",
            "中文字符和English混合",
            "emoji 👨‍👩‍👧 and 😀!!",
            "cafe\u{301} e\u{301}e",
            "x\u{3000}y\u{85}z\u{a0} \u{2028}",
            "   ",
            "\r\n",
            "!!!\n\n",
            " !?\r\n\r\nx",
            "'",
            "''s",
            "a'",
            "\0\0 \0x",
        ] {
            same_as_regex(t);
        }
    }

    #[test]
    fn every_character_after_an_apostrophe() {
        let cl = fancy_regex::Regex::new(r"^'(?i:[sdmt]|ll|ve|re)").unwrap();
        for u in 0..0x3_0000u32 {
            let Some(c) = char::from_u32(u) else { continue };
            let text = format!("'{c}");
            let expect = cl.find(&text).unwrap().map(|m| m.end());
            assert_eq!(cl100k_contraction(text.as_bytes(), 0), expect, "U+{u:04X}");
        }
    }

    fn text_strategy() -> impl Strategy<Value = String> {
        let atoms = prop::sample::select(vec![
            " ",
            "  ",
            "\t",
            "\n",
            "\r\n",
            "\r",
            "\u{3000}",
            "\u{a0}",
            "\u{85}",
            "'",
            "'s",
            "'S",
            "'ll",
            "'LL",
            "'re",
            "'Ve",
            "'d",
            "'m",
            "'T",
            "'ſ",
            "a",
            "Z",
            "hello",
            "É",
            "ß",
            "1",
            "42",
            "1234567",
            "٣",
            "Ⅻ",
            "½",
            "中",
            "文字",
            "한국어",
            "😀",
            "👨‍👩‍👧",
            "\u{301}",
            "e\u{301}",
            "!",
            "?!",
            ".",
            ",",
            "-",
            "/",
            "<|endoftext|>",
            "\0",
            "\u{FFFD}",
            "_",
        ]);
        prop::collection::vec(
            prop_oneof![
                3 => atoms.prop_map(String::from),
                1 => any::<char>().prop_map(String::from),
            ],
            0..24,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn hand_written_matchers_split_as_the_regex(text in text_strategy()) {
            same_as_regex(&text);
        }

        #[test]
        fn arbitrary_strings_too(text in any::<String>()) {
            same_as_regex(&text);
        }
    }

    #[test]
    fn custom_patterns_keep_the_gaps() {
        let s = Pattern::Custom(r"\d+".into()).compile().unwrap();
        assert_eq!(s.pieces("ab12cd3"), ["ab", "12", "cd", "3"]);
        let e = Pattern::Custom("(".into()).compile().unwrap_err();
        assert!(e.to_string().contains("regular expression"), "{e}");
        assert_eq!(Pattern::NoSplit.compile().unwrap().pieces("a b"), ["a b"]);
        let o = Pattern::O200k.compile().unwrap();
        assert_eq!(o.pieces("Hello World's"), ["Hello", " World's"]);
    }

    #[test]
    fn names_and_serde() {
        assert_eq!(Pattern::from_regex(GPT2_PATTERN), Pattern::Gpt2);
        assert_eq!(Pattern::from_regex(R50K_PATTERN), Pattern::Gpt2);
        assert_eq!(Pattern::from_regex(CL100K_PATTERN), Pattern::Cl100k);
        assert_eq!(Pattern::from_name("cl100k"), Pattern::Cl100k);
        assert_eq!(serde_json::to_string(&Pattern::Gpt2).unwrap(), "\"gpt2\"");
        assert_eq!(
            serde_json::to_string(&Pattern::Cl100k).unwrap(),
            "\"cl100k\""
        );
        assert_eq!(
            serde_json::to_string(&Pattern::NoSplit).unwrap(),
            "\"none\""
        );
        let c: Pattern = serde_json::from_str(r#"{"custom":"\\w+"}"#).unwrap();
        assert_eq!(c, Pattern::Custom(r"\w+".into()));
    }
}
