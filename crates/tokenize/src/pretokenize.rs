//! Pre-tokenisers: split normalised text into token spans.
//!
//! Each strategy appends byte ranges into the caller's buffer instead of
//! returning owned strings, so the counting pass allocates nothing per token.

use serde::{Deserialize, Serialize};
use std::ops::Range;
use unicode_segmentation::UnicodeSegmentation;

/// How text is split into tokens.
///
/// ```
/// use embedpos_tokenize::PreTokenizer;
/// let text = "Hello, world! It's 3.5km.";
/// let mut spans = Vec::new();
/// PreTokenizer::Words { keep_punctuation: false }.pre_tokenize(text, &mut spans);
/// let words: Vec<&str> = spans.iter().map(|r| &text[r.clone()]).collect();
/// assert_eq!(words, ["Hello", "world", "It's", "3.5km"]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum PreTokenizer {
    /// Split on Unicode whitespace; everything else is part of a token (what
    /// word2vec and fastText do).
    #[default]
    Whitespace,
    /// Unicode words by the word-boundary rules of UAX #29. Segments with a
    /// letter or digit are words; other non-space segments are punctuation,
    /// kept as one-character tokens or dropped.
    Words {
        /// Keep punctuation and symbols as tokens.
        #[serde(default)]
        keep_punctuation: bool,
    },
    /// Like `Words`, but runs of Chinese characters are segmented into words
    /// with jieba (needs the `cjk` feature, on by default; without it each
    /// ideograph is a token, as UAX #29 says).
    Cjk {
        /// Keep punctuation and symbols as tokens.
        #[serde(default)]
        keep_punctuation: bool,
    },
}

impl PreTokenizer {
    /// Appends the byte ranges of the tokens of `text` to `out`.
    pub fn pre_tokenize(&self, text: &str, out: &mut Vec<Range<usize>>) {
        match *self {
            PreTokenizer::Whitespace => whitespace(text, out),
            PreTokenizer::Words { keep_punctuation } => words(text, keep_punctuation, out),
            PreTokenizer::Cjk { keep_punctuation } => cjk(text, keep_punctuation, out),
        }
    }

    /// Parses the CLI names `whitespace`, `words`, `cjk` (punctuation dropped).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "whitespace" => Some(PreTokenizer::Whitespace),
            "words" => Some(PreTokenizer::Words {
                keep_punctuation: false,
            }),
            "cjk" => Some(PreTokenizer::Cjk {
                keep_punctuation: false,
            }),
            _ => None,
        }
    }
}

#[inline]
fn is_ascii_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn whitespace(text: &str, out: &mut Vec<Range<usize>>) {
    if text.is_ascii() {
        let bytes = text.as_bytes();
        let mut i = 0;
        let n = bytes.len();
        while i < n {
            while i < n && is_ascii_ws(bytes[i]) {
                i += 1;
            }
            let start = i;
            while i < n && !is_ascii_ws(bytes[i]) {
                i += 1;
            }
            if i > start {
                out.push(start..i);
            }
        }
    } else {
        let mut start = None;
        for (i, c) in text.char_indices() {
            if c.is_whitespace() {
                if let Some(s) = start.take() {
                    out.push(s..i);
                }
            } else if start.is_none() {
                start = Some(i);
            }
        }
        if let Some(s) = start {
            out.push(s..text.len());
        }
    }
}

fn is_word_segment(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

fn words(text: &str, keep_punctuation: bool, out: &mut Vec<Range<usize>>) {
    if text.is_ascii() {
        return words_ascii(text.as_bytes(), keep_punctuation, out);
    }
    words_unicode(text, keep_punctuation, out);
}

/// UAX #29 word boundaries restricted to ASCII, where the rules reduce to:
/// runs of letters, digits and `_` (WB5, WB8-WB10, WB13a/b) stay together,
/// and so do `letter (: . ') letter` (WB6/WB7) and
/// `digit (, ; . ') digit` (WB11/WB12); every other character is a segment
/// of its own. Equality with the general path is a property test.
fn words_ascii(b: &[u8], keep_punctuation: bool, out: &mut Vec<Range<usize>>) {
    let n = b.len();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < n {
        let c = b[i];
        if word(c) {
            let start = i;
            let mut has_alnum = c != b'_';
            i += 1;
            loop {
                if i < n && word(b[i]) {
                    has_alnum |= b[i] != b'_';
                    i += 1;
                    continue;
                }
                if i + 1 < n {
                    let (prev, mid, next) = (b[i - 1], b[i], b[i + 1]);
                    let letters = prev.is_ascii_alphabetic()
                        && next.is_ascii_alphabetic()
                        && matches!(mid, b':' | b'.' | b'\'');
                    let digits = prev.is_ascii_digit()
                        && next.is_ascii_digit()
                        && matches!(mid, b',' | b';' | b'.' | b'\'');
                    if letters || digits {
                        i += 2;
                        continue;
                    }
                }
                break;
            }
            if has_alnum {
                out.push(start..i);
            } else if keep_punctuation {
                out.extend((start..i).map(|k| k..k + 1));
            }
        } else {
            if keep_punctuation && !is_ascii_ws(c) {
                out.push(i..i + 1);
            }
            i += 1;
        }
    }
}

fn words_unicode(text: &str, keep_punctuation: bool, out: &mut Vec<Range<usize>>) {
    for (i, seg) in text.split_word_bound_indices() {
        if is_word_segment(seg) {
            out.push(i..i + seg.len());
        } else if keep_punctuation && !seg.chars().all(char::is_whitespace) {
            // A run like "!!" is one segment per character under UAX #29
            // already; emit non-space characters one by one to be sure.
            for (j, c) in seg.char_indices() {
                if !c.is_whitespace() {
                    out.push(i + j..i + j + c.len_utf8());
                }
            }
        }
    }
}

/// True for the CJK Unified Ideographs blocks (and compatibility ones).
fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x3007)
}

fn cjk(text: &str, keep_punctuation: bool, out: &mut Vec<Range<usize>>) {
    // UAX #29 first, then every maximal run of Han segments goes to jieba.
    let mut han_run: Option<Range<usize>> = None;
    for (i, seg) in text.split_word_bound_indices() {
        let han = seg.chars().all(is_han);
        if han {
            han_run = Some(match han_run {
                Some(r) if r.end == i => r.start..i + seg.len(),
                Some(r) => {
                    segment_han(text, r, out);
                    i..i + seg.len()
                }
                None => i..i + seg.len(),
            });
            continue;
        }
        if let Some(r) = han_run.take() {
            segment_han(text, r, out);
        }
        let start = out.len();
        words(seg, keep_punctuation, out);
        for r in &mut out[start..] {
            *r = r.start + i..r.end + i;
        }
    }
    if let Some(r) = han_run {
        segment_han(text, r, out);
    }
}

#[cfg(feature = "cjk")]
fn segment_han(text: &str, run: Range<usize>, out: &mut Vec<Range<usize>>) {
    use std::sync::OnceLock;
    static JIEBA: OnceLock<jieba_rs::Jieba> = OnceLock::new();
    let jieba = JIEBA.get_or_init(jieba_rs::Jieba::new);
    let piece = &text[run.clone()];
    let mut offset = run.start;
    for w in jieba.cut(piece, true) {
        out.push(offset..offset + w.len());
        offset += w.len();
    }
}

#[cfg(not(feature = "cjk"))]
fn segment_han(text: &str, run: Range<usize>, out: &mut Vec<Range<usize>>) {
    for (j, c) in text[run.clone()].char_indices() {
        out.push(run.start + j..run.start + j + c.len_utf8());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(p: PreTokenizer, text: &str) -> Vec<&str> {
        let mut spans = Vec::new();
        p.pre_tokenize(text, &mut spans);
        spans.into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn whitespace_ascii_and_unicode() {
        assert_eq!(
            toks(PreTokenizer::Whitespace, "  a bb\tccc \n"),
            ["a", "bb", "ccc"]
        );
        assert_eq!(
            toks(PreTokenizer::Whitespace, "naïve\u{3000}café\u{a0}x"),
            ["naïve", "café", "x"]
        );
        assert!(toks(PreTokenizer::Whitespace, "   ").is_empty());
    }

    #[test]
    fn words_with_and_without_punctuation() {
        let keep = PreTokenizer::Words {
            keep_punctuation: true,
        };
        assert_eq!(toks(keep, "Hi, you!"), ["Hi", ",", "you", "!"]);
        let drop = PreTokenizer::Words {
            keep_punctuation: false,
        };
        assert_eq!(toks(drop, "Hi, you!"), ["Hi", "you"]);
    }

    #[cfg(feature = "cjk")]
    #[test]
    fn mixed_chinese_and_english() {
        let p = PreTokenizer::Cjk {
            keep_punctuation: false,
        };
        let t = toks(p, "我们中出了一个叛徒 hello world，南京市长江大桥。");
        assert!(t.contains(&"hello") && t.contains(&"world"), "{t:?}");
        assert!(t.contains(&"我们"), "{t:?}");
        assert!(t.contains(&"长江大桥") || t.contains(&"长江"), "{t:?}");
        assert!(!t.contains(&"，"));
    }

    proptest::proptest! {
        #[test]
        fn ascii_fast_path_equals_uax29(text in "[a-cA-C0-2_.,;:' \t\r\n!?()-]{0,40}", keep: bool) {
            let mut fast = Vec::new();
            let mut slow = Vec::new();
            words_ascii(text.as_bytes(), keep, &mut fast);
            words_unicode(&text, keep, &mut slow);
            proptest::prop_assert_eq!(fast, slow, "{:?}", text);
        }
    }

    #[test]
    fn serde_names() {
        let p: PreTokenizer =
            serde_json::from_str(r#"{"type":"words","keep_punctuation":true}"#).unwrap();
        assert_eq!(
            p,
            PreTokenizer::Words {
                keep_punctuation: true
            }
        );
        assert!(PreTokenizer::from_name("cjk").is_some());
        assert!(PreTokenizer::from_name("nope").is_none());
    }
}
