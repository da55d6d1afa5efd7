//! Text normalisation: NFKC, lowercasing, accent stripping.

use serde::{Deserialize, Serialize};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Which normalisations to apply, in this order: NFKC, accent stripping,
/// lowercasing. All off by default (the text is used as is, like word2vec).
///
/// Accent stripping decomposes (NFD), drops combining marks (Unicode
/// category M) and recomposes (NFC), so `café` becomes `cafe`.
///
/// ```
/// use embedpos_tokenize::Normalizer;
/// let n = Normalizer { nfkc: true, lowercase: true, strip_accents: true };
/// let mut buf = String::new();
/// assert_eq!(n.normalize("Ｃafé ﬁne", &mut buf), "cafe fine");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Normalizer {
    /// Unicode compatibility composition (full-width forms, ligatures...).
    pub nfkc: bool,
    /// Unicode lowercase mapping.
    pub lowercase: bool,
    /// Remove diacritics.
    pub strip_accents: bool,
}

impl Normalizer {
    /// True when no normalisation is switched on.
    pub fn is_identity(&self) -> bool {
        !(self.nfkc || self.lowercase || self.strip_accents)
    }

    /// Normalises `text`, using `out` as scratch space when the text changes.
    /// Returns `text` itself when nothing needs to change (no allocation).
    pub fn normalize<'a>(&self, text: &'a str, out: &'a mut String) -> &'a str {
        let need_nfkc = self.nfkc && is_nfkc_quick(text.chars()) != IsNormalized::Yes;
        let need_accents = self.strip_accents && !text.is_ascii();
        let need_lower = self.lowercase
            && (if text.is_ascii() {
                text.bytes().any(|b| b.is_ascii_uppercase())
            } else {
                true
            });
        if !(need_nfkc || need_accents || need_lower) {
            return text;
        }
        out.clear();
        let mut cur: std::borrow::Cow<'_, str> = std::borrow::Cow::Borrowed(text);
        if need_nfkc {
            cur = std::borrow::Cow::Owned(cur.nfkc().collect());
        }
        if need_accents {
            cur = std::borrow::Cow::Owned(
                cur.nfd().filter(|&c| !is_combining_mark(c)).nfc().collect(),
            );
        }
        if self.lowercase {
            if cur.is_ascii() {
                out.push_str(&cur);
                out.make_ascii_lowercase();
            } else {
                out.extend(cur.chars().flat_map(char::to_lowercase));
            }
        } else {
            out.push_str(&cur);
        }
        out.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_borrows() {
        let mut buf = String::new();
        let n = Normalizer::default();
        let s = "Hello Wörld";
        assert!(std::ptr::eq(n.normalize(s, &mut buf), s));
        let lower = Normalizer {
            lowercase: true,
            ..Default::default()
        };
        let t = "already lower";
        assert!(std::ptr::eq(lower.normalize(t, &mut buf), t));
    }

    #[test]
    fn each_switch() {
        let mut b = String::new();
        let nfkc = Normalizer {
            nfkc: true,
            ..Default::default()
        };
        assert_eq!(nfkc.normalize("ｆｕｌｌ ﬁ ①", &mut b), "full fi 1");
        let lower = Normalizer {
            lowercase: true,
            ..Default::default()
        };
        assert_eq!(lower.normalize("ÀB Ω", &mut b), "àb ω");
        let acc = Normalizer {
            strip_accents: true,
            ..Default::default()
        };
        assert_eq!(
            acc.normalize("Crème Brûlée naïve", &mut b),
            "Creme Brulee naive"
        );
    }

    #[test]
    fn serde_config() {
        let n: Normalizer = serde_json::from_str(r#"{"lowercase": true}"#).unwrap();
        assert!(n.lowercase && !n.nfkc);
        assert!(serde_json::from_str::<Normalizer>(r#"{"lowercse": true}"#).is_err());
    }
}
