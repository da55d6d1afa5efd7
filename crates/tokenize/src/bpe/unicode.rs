//! The character classes of the pre-tokenisation patterns: `\p{L}`, `\p{N}`
//! and `\s`, exactly as the `regex` crate (and so `fancy-regex`, the engine
//! tiktoken uses) defines them.
//!
//! `char::is_alphabetic` and `char::is_numeric` are other properties
//! (`Alphabetic` includes `Nl` and some marks, `is_numeric` is `N` with a
//! different Unicode version), so the tables are read from `regex-syntax`,
//! the parser behind both engines: the hand-written matchers then split
//! text exactly as the regular expressions do, for the same Unicode
//! version. The tables are built once, on first use: one byte per character
//! of the Basic Multilingual Plane, and a sorted range list above it.

use std::sync::OnceLock;

/// The class of a character for the GPT-2 / cl100k patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Class {
    /// Neither a letter, a number nor white space (`[^\s\p{L}\p{N}]`).
    Other = 0,
    /// `\p{L}`.
    Letter = 1,
    /// `\p{N}`.
    Number = 2,
    /// `\s`: Unicode `White_Space`.
    Space = 3,
}

impl Class {
    #[inline]
    fn from_u8(v: u8) -> Class {
        match v {
            1 => Class::Letter,
            2 => Class::Number,
            3 => Class::Space,
            _ => Class::Other,
        }
    }
}

struct Tables {
    bmp: Vec<u8>,
    /// Ranges above U+FFFF: (first, last, class), sorted, non-overlapping.
    astral: Vec<(u32, u32, Class)>,
}

/// The class of every ASCII byte, computed without tables.
const ASCII: [Class; 128] = {
    let mut t = [Class::Other; 128];
    let mut b = 0usize;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphabetic() {
            Class::Letter
        } else if c.is_ascii_digit() {
            Class::Number
        } else if matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
            Class::Space
        } else {
            Class::Other
        };
        b += 1;
    }
    t
};

fn ranges(class: &str) -> Vec<(u32, u32)> {
    use regex_syntax::hir::{Class as HirClass, HirKind};
    let hir = match regex_syntax::parse(class) {
        Ok(h) => h,
        Err(_) => return Vec::new(),
    };
    match hir.kind() {
        HirKind::Class(HirClass::Unicode(c)) => c
            .ranges()
            .iter()
            .map(|r| (r.start() as u32, r.end() as u32))
            .collect(),
        _ => Vec::new(),
    }
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut bmp = vec![Class::Other as u8; 0x10000];
        let mut astral = Vec::new();
        for (pattern, class) in [
            (r"\p{L}", Class::Letter),
            (r"\p{N}", Class::Number),
            (r"\s", Class::Space),
        ] {
            for (lo, hi) in ranges(pattern) {
                for u in lo..=hi.min(0xFFFF) {
                    bmp[u as usize] = class as u8;
                }
                if hi > 0xFFFF {
                    astral.push((lo.max(0x10000), hi, class));
                }
            }
        }
        astral.sort_unstable_by_key(|r| r.0);
        Tables { bmp, astral }
    })
}

/// The class of the character with scalar value `u`.
#[inline(always)]
pub(crate) fn class_of(u: u32) -> Class {
    if u < 128 {
        return ASCII[u as usize];
    }
    class_slow(u)
}

#[inline(never)]
fn class_slow(u: u32) -> Class {
    let t = tables();
    if u <= 0xFFFF {
        return Class::from_u8(t.bmp[u as usize]);
    }
    match t.astral.binary_search_by(|&(lo, hi, _)| {
        if hi < u {
            std::cmp::Ordering::Less
        } else if lo > u {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    }) {
        Ok(i) => t.astral[i].2,
        Err(_) => Class::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_agree_with_the_regex_engine() {
        let l = fancy_regex::Regex::new(r"^\p{L}$").unwrap();
        let n = fancy_regex::Regex::new(r"^\p{N}$").unwrap();
        let s = fancy_regex::Regex::new(r"^\s$").unwrap();
        let mut buf = [0u8; 4];
        // Every 7th code point (and the ASCII range) keeps the test fast.
        let points = (0..0x80u32).chain((0x80..0x11_0000).step_by(7));
        for u in points {
            let Some(c) = char::from_u32(u) else { continue };
            let text = c.encode_utf8(&mut buf);
            let expect = if l.is_match(text).unwrap() {
                Class::Letter
            } else if n.is_match(text).unwrap() {
                Class::Number
            } else if s.is_match(text).unwrap() {
                Class::Space
            } else {
                Class::Other
            };
            assert_eq!(class_of(u), expect, "U+{u:04X}");
        }
    }

    #[test]
    fn a_few_known_characters() {
        assert_eq!(class_of('a' as u32), Class::Letter);
        assert_eq!(class_of('中' as u32), Class::Letter);
        assert_eq!(class_of('٣' as u32), Class::Number);
        assert_eq!(class_of('Ⅻ' as u32), Class::Number); // Nl: a number, not a letter
        assert_eq!(class_of('\u{3000}' as u32), Class::Space);
        assert_eq!(class_of('\u{85}' as u32), Class::Space);
        assert_eq!(class_of('\u{301}' as u32), Class::Other); // a combining mark
        assert_eq!(class_of('😀' as u32), Class::Other);
        assert_eq!(class_of('𝒜' as u32), Class::Letter);
    }
}
