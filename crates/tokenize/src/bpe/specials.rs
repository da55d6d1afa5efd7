//! Finding special tokens (`<|endoftext|>`...) in text.
//!
//! A special token is matched before pre-tokenisation and never split: the
//! text is cut at each occurrence, the pieces between are encoded as
//! ordinary text, and the token's id stands for the occurrence (tiktoken's
//! `encode(text, allowed_special="all")`). Where two special tokens start at
//! the same place the longer wins.

/// The special tokens of a model, ready for searching.
#[derive(Debug, Clone)]
pub(crate) struct Specials {
    /// (content, id), longest content first.
    tokens: Vec<(String, u32)>,
    /// Whether some token starts with this byte.
    first: [bool; 256],
    /// The one first byte all tokens share, if they do (usually `<`).
    only_first: Option<u8>,
}

impl Specials {
    pub(crate) fn new(mut tokens: Vec<(String, u32)>) -> Specials {
        tokens.retain(|(t, _)| !t.is_empty());
        tokens.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        let mut first = [false; 256];
        for (t, _) in &tokens {
            first[t.as_bytes()[0] as usize] = true;
        }
        let firsts: Vec<u8> = (0..=255u8).filter(|&b| first[b as usize]).collect();
        let only_first = (firsts.len() == 1).then(|| firsts[0]);
        Specials {
            tokens,
            first,
            only_first,
        }
    }

    pub(crate) fn tokens(&self) -> &[(String, u32)] {
        &self.tokens
    }

    /// The first special token in `text[from..]`: (start, end, id).
    #[inline]
    pub(crate) fn find(&self, text: &str, from: usize) -> Option<(usize, usize, u32)> {
        if self.tokens.is_empty() {
            return None;
        }
        let b = text.as_bytes();
        let mut i = from;
        while i < b.len() {
            let at = match self.only_first {
                Some(c) => i + memchr::memchr(c, &b[i..])?,
                None => i + b[i..].iter().position(|&c| self.first[c as usize])?,
            };
            for (t, id) in &self.tokens {
                if b[at..].starts_with(t.as_bytes()) {
                    return Some((at, at + t.len(), *id));
                }
            }
            i = at + 1;
        }
        None
    }

    /// The id of a special token's content.
    pub(crate) fn id(&self, content: &str) -> Option<u32> {
        self.tokens
            .iter()
            .find(|(t, _)| t == content)
            .map(|&(_, id)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_and_the_longest() {
        let s = Specials::new(vec![
            ("<|a|>".into(), 1),
            ("<|a|>x".into(), 2),
            ("#".into(), 3),
        ]);
        let t = "ab <|a|> <|a|>x # <|b|>";
        assert_eq!(s.find(t, 0), Some((3, 8, 1)));
        assert_eq!(s.find(t, 8), Some((9, 15, 2)));
        assert_eq!(s.find(t, 15), Some((16, 17, 3)));
        assert_eq!(s.find(t, 17), None);
        let one = Specials::new(vec![("<|endoftext|>".into(), 7)]);
        assert_eq!(one.find("x<|endoftext", 0), None);
        assert_eq!(one.find("<<|endoftext|>", 0), Some((1, 14, 7)));
        assert_eq!(one.id("<|endoftext|>"), Some(7));
    }
}
