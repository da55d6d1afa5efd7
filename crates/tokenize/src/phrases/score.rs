//! Scoring the pairs of a pass: the counts as the references see them, and
//! their two formulas.

use super::count::PairCounter;
use super::table::{split_key, Map};
use super::{PassStats, PhraseTable, PhrasesConfig, Scorer};
use std::collections::HashMap;

/// word2phrase's score, with its types: `long long` counts, `int`
/// `min_count`, `float` arithmetic, and the order of operations of the
/// PyPI build (`pa · pb` first; see [`Scorer::Word2Phrase`]).
pub(crate) fn word2phrase_score(pa: u64, pb: u64, pab: u64, min_count: u64, words: u64) -> f32 {
    let excess = (pab as i64 - min_count as i64) as f32;
    excess / (pa as f32 * pb as f32) * words as f32
}

/// gensim's `npmi_scorer`, in `f64` as Python computes it.
pub(crate) fn npmi_score(pa: u64, pb: u64, pab: u64, words: u64) -> f64 {
    let n = words as f64;
    let (pa, pb, pab) = (pa as f64 / n, pb as f64 / n, pab as f64 / n);
    (pab / (pa * pb)).ln() / -pab.ln()
}

/// The counts the references see. word2phrase and gensim keep unigrams and
/// pairs in one table of strings, the pair (`a`, `b`) under `a_b` (cut to 59
/// bytes by word2phrase), so strings that coincide share one count: the
/// token `new_york` and the pair (`new`, `york`); the pairs (`new_york`,
/// `city`) and (`new`, `york_city`); long pairs with the same first 59
/// bytes. This counter keeps pairs as ids, so such "shared" keys are summed
/// here: only tokens that hold the delimiter and pairs whose key holds it
/// more than once or reaches the cut can coincide with another entry, and
/// only those keys are built as strings.
struct Namespace<'c> {
    c: &'c PairCounter,
    /// Per id: whether the token holds the delimiter.
    has_delim: Vec<bool>,
    /// The count of every shared key.
    shared: HashMap<Box<[u8]>, u64, foldhash::fast::FixedState>,
    /// The key of every pair whose count is in `shared`.
    shared_pairs: Map<u64, Box<[u8]>>,
}

impl<'c> Namespace<'c> {
    fn new(c: &'c PairCounter, delimiter: &[u8], max_key: Option<usize>) -> Self {
        let has_delim: Vec<bool> = c
            .words
            .iter()
            .map(|w| !w.is_empty() && memchr::memmem::find(w.as_bytes(), delimiter).is_some())
            .collect();
        let mut ns = Namespace {
            c,
            has_delim,
            shared: HashMap::default(),
            shared_pairs: Map::default(),
        };
        for (id, w) in c.words.iter().enumerate() {
            if ns.has_delim[id] {
                *ns.shared.entry(w.as_bytes().into()).or_insert(0) += c.counts[id];
            }
        }
        let ld = delimiter.len();
        for (&k, &count) in &c.pairs {
            let (a, b) = split_key(k);
            let (wa, wb) = (&c.words[a as usize], &c.words[b as usize]);
            let long = max_key.is_some_and(|m| wa.len() + ld + wb.len() >= m);
            let maybe = ns.has_delim[a as usize] || ns.has_delim[b as usize] || long || ld > 1;
            if !maybe {
                continue;
            }
            let key = pair_string(wa.as_bytes(), delimiter, wb.as_bytes(), max_key);
            if ld > 1 && !long && occurrences(&key, delimiter) == 1 {
                continue;
            }
            *ns.shared.entry(key.clone()).or_insert(0) += count;
            ns.shared_pairs.insert(k, key);
        }
        // A pair without anything unusual can still share its key with a
        // token that holds the delimiter once: find it from the key.
        let mut plain = Vec::new();
        for key in ns.shared.keys() {
            if max_key.is_some_and(|m| key.len() >= m) || occurrences(key, delimiter) != 1 {
                continue;
            }
            let Some(i) = memchr::memmem::find(key, delimiter) else {
                continue;
            };
            let (Ok(a), Ok(b)) = (
                std::str::from_utf8(&key[..i]),
                std::str::from_utf8(&key[i + ld..]),
            ) else {
                continue;
            };
            let (Some(&a), Some(&b)) = (c.ids.get(a), c.ids.get(b)) else {
                continue;
            };
            let k = super::table::pair_key(a, b);
            if ns.shared_pairs.contains_key(&k) {
                continue;
            }
            if let Some(&count) = c.pairs.get(&k) {
                plain.push((key.clone(), k, count));
            }
        }
        for (key, k, count) in plain {
            if let Some(s) = ns.shared.get_mut(&key) {
                *s += count;
            }
            ns.shared_pairs.insert(k, key);
        }
        ns
    }

    /// The count of token `id`.
    fn word(&self, id: u32) -> u64 {
        let w = &self.c.words[id as usize];
        if self.has_delim[id as usize] {
            self.shared.get(w.as_bytes()).copied().unwrap_or(0)
        } else {
            self.c.counts[id as usize]
        }
    }

    /// The count of the pair `k`, counted `own` times itself.
    fn pair(&self, k: u64, own: u64) -> u64 {
        match self.shared_pairs.get(&k) {
            Some(key) => self.shared.get(key).copied().unwrap_or(own),
            None => own,
        }
    }
}

/// `a`, the delimiter and `b`, cut to `max` bytes: the pair's key.
fn pair_string(a: &[u8], delimiter: &[u8], b: &[u8], max: Option<usize>) -> Box<[u8]> {
    let mut key = Vec::with_capacity(a.len() + delimiter.len() + b.len());
    key.extend_from_slice(a);
    key.extend_from_slice(delimiter);
    key.extend_from_slice(b);
    if let Some(m) = max {
        key.truncate(m);
    }
    key.into_boxed_slice()
}

/// How many times `needle` occurs in `hay`, overlaps included.
fn occurrences(hay: &[u8], needle: &[u8]) -> usize {
    if needle.len() == 1 {
        return memchr::memchr_iter(needle[0], hay).count();
    }
    (0..hay.len())
        .filter(|&i| hay[i..].starts_with(needle))
        .count()
}

/// Scores every pair the counter holds and keeps the phrases.
pub(crate) fn score_pass(counter: PairCounter, cfg: &PhrasesConfig) -> (PhraseTable, PassStats) {
    let ns = Namespace::new(
        &counter,
        cfg.delimiter.as_bytes(),
        cfg.scorer.max_key_bytes(),
    );
    let (n, mc) = (counter.tokens, cfg.min_count);
    let mut phrases = Vec::new();
    for (&k, &own) in &counter.pairs {
        // Both scorers need the pair `min_count` times.
        let pab = ns.pair(k, own);
        if pab < mc {
            continue;
        }
        let (a, b) = split_key(k);
        let (pa, pb) = (ns.word(a), ns.word(b));
        // A phrase when the score is greater than the threshold (NaN is not).
        let score = match cfg.scorer {
            Scorer::Word2Phrase if pa < mc || pb < mc => None,
            Scorer::Word2Phrase => {
                let s = word2phrase_score(pa, pb, pab, mc, n);
                (s > cfg.threshold as f32).then_some(f64::from(s))
            }
            Scorer::Npmi => {
                let s = npmi_score(pa, pb, pab, n);
                (s > cfg.threshold).then_some(s)
            }
        };
        let Some(score) = score else { continue };
        let words = &counter.words;
        phrases.push((words[a as usize].clone(), words[b as usize].clone(), score));
    }
    let stats = PassStats {
        tokens: n,
        words: counter.ids.len() as u64,
        pairs: counter.pairs.len() as u64,
        pruned: counter.pruned,
        phrases: phrases.len() as u64,
        read: Default::default(),
    };
    (PhraseTable::build(cfg.scorer, phrases), stats)
}
