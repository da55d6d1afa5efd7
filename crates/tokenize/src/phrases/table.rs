//! A pass's phrases, and joining them: greedy, left to right.

use super::{cut, Scorer};
use smol_str::SmolStr;
use std::collections::HashMap;

/// Hash maps keyed by short strings or packed pairs of ids.
pub(crate) type Map<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// The pair of ids `(a, b)` as one map key.
#[inline]
pub(crate) fn pair_key(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// The ids of a key made by [`pair_key`].
#[inline]
pub(crate) fn split_key(k: u64) -> (u32, u32) {
    ((k >> 32) as u32, k as u32)
}

/// The phrases one pass found: pairs of tokens and their scores.
///
/// ```
/// # use embedpos_tokenize::Phrases;
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("p.txt");
/// # std::fs::write(&path, "embedpos-phrases v1 scorer=npmi threshold=0.5 min_count=5 delimiter=_ passes=1\n--- pass 1 of 1: 2 phrases ---\nhong kong 0.98\nnew york 0.75\n").unwrap();
/// let phrases = Phrases::load(&path)?;
/// let table = &phrases.passes()[0];
/// assert_eq!(table.len(), 2);
/// assert_eq!(table.score("new", "york"), Some(0.75));
/// assert_eq!(table.score("york", "new"), None);
/// assert_eq!(table.iter().next(), Some(("hong", "kong", 0.98)));
/// # Ok::<(), embedpos_tokenize::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct PhraseTable {
    /// Every word of a phrase, first or second, to its id.
    ids: Map<SmolStr, u32>,
    words: Vec<SmolStr>,
    /// `(a, b, score)` by score descending, then `a`, then `b`.
    entries: Vec<(u32, u32, f64)>,
    /// A phrase's key to its place in `entries`.
    index: Map<u64, u32>,
    /// Tokens are cut to this many bytes before they are looked up.
    max_word_bytes: Option<usize>,
}

impl PartialEq for PhraseTable {
    fn eq(&self, other: &Self) -> bool {
        self.max_word_bytes == other.max_word_bytes && self.iter().eq(other.iter())
    }
}

impl PhraseTable {
    /// No phrases, applied as `scorer` applies them.
    pub(crate) fn empty(scorer: Scorer) -> Self {
        PhraseTable {
            max_word_bytes: scorer.max_word_bytes(),
            ..Default::default()
        }
    }

    /// The table of `phrases`, which must be distinct pairs.
    pub(crate) fn build(
        scorer: Scorer,
        phrases: impl IntoIterator<Item = (SmolStr, SmolStr, f64)>,
    ) -> Self {
        let mut t = PhraseTable::empty(scorer);
        for (a, b, score) in phrases {
            let (a, b) = (t.intern(a), t.intern(b));
            t.entries.push((a, b, score));
        }
        let words = &t.words;
        t.entries.sort_by(|x, y| {
            y.2.total_cmp(&x.2)
                .then_with(|| words[x.0 as usize].cmp(&words[y.0 as usize]))
                .then_with(|| words[x.1 as usize].cmp(&words[y.1 as usize]))
        });
        t.index = t
            .entries
            .iter()
            .enumerate()
            .map(|(i, &(a, b, _))| (pair_key(a, b), i as u32))
            .collect();
        t
    }

    fn intern(&mut self, w: SmolStr) -> u32 {
        if let Some(&id) = self.ids.get(&w) {
            return id;
        }
        let id = self.words.len() as u32;
        self.words.push(w.clone());
        self.ids.insert(w, id);
        id
    }

    /// The number of phrases.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the pass found no phrase.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The score of the phrase `a b`, `None` when it is not one.
    pub fn score(&self, a: &str, b: &str) -> Option<f64> {
        let (a, b) = (self.ids.get(a)?, self.ids.get(b)?);
        let i = self.index.get(&pair_key(*a, *b))?;
        Some(self.entries[*i as usize].2)
    }

    /// The phrases `(a, b, score)`, by score descending, then `a`, then `b`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, f64)> + '_ {
        self.entries.iter().map(|&(a, b, s)| {
            (
                self.words[a as usize].as_str(),
                self.words[b as usize].as_str(),
                s,
            )
        })
    }
}

/// Joins the phrases of one table in a stream of tokens.
///
/// Greedy from left to right as word2phrase and gensim: after a join the
/// next token starts a new pair (word2phrase sets `pb = 0`, which fails its
/// `pa < min_count` test; gensim clears its `start_token`).
pub(crate) struct Joiner<'t> {
    table: &'t PhraseTable,
    delimiter: &'t str,
    /// The id of the last token written, when it may start a phrase.
    prev: Option<u32>,
}

impl<'t> Joiner<'t> {
    pub(crate) fn new(table: &'t PhraseTable, delimiter: &'t str) -> Self {
        Joiner {
            table,
            delimiter,
            prev: None,
        }
    }

    /// Writes `token` to `out`, joined to the token before it when the two
    /// are a phrase.
    #[inline]
    pub(crate) fn push(&mut self, token: &str, out: &mut Part) {
        let token = cut(token, self.table.max_word_bytes);
        let id = self.table.ids.get(token).copied();
        if let (Some(p), Some(c)) = (self.prev, id) {
            if self.table.index.contains_key(&pair_key(p, c)) {
                out.join_last(self.delimiter, token);
                self.prev = None;
                return;
            }
        }
        out.push(token);
        self.prev = id;
    }
}

/// Tokens in one string: token `i` is `text[ends[i - 1]..ends[i]]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Part {
    text: String,
    ends: Vec<usize>,
}

impl Part {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    #[inline]
    fn push(&mut self, token: &str) {
        self.text.push_str(token);
        self.ends.push(self.text.len());
    }

    /// Appends `delimiter` and `token` to the last token.
    #[inline]
    fn join_last(&mut self, delimiter: &str, token: &str) {
        self.text.push_str(delimiter);
        self.text.push_str(token);
        if let Some(e) = self.ends.last_mut() {
            *e = self.text.len();
        }
    }

    fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.text[start..end])
    }

    fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.ends.len()).map(|i| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            &self.text[start..self.ends[i]]
        })
    }
}

/// The tokens of a line after phrases were joined: one string and the end of
/// each token, reused from line to line so that joining allocates nothing
/// once it has grown to the longest line.
///
/// ```
/// use embedpos_tokenize::TokenBuf;
/// let mut buf = TokenBuf::new();
/// buf.push("new_york");
/// buf.push("city");
/// assert_eq!(buf.len(), 2);
/// assert_eq!(buf.get(0), Some("new_york"));
/// assert_eq!(buf.iter().collect::<Vec<_>>(), ["new_york", "city"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct TokenBuf {
    main: Part,
    /// The other buffer of the passes after the first, which read one part
    /// and write the other.
    spare: Part,
}

impl TokenBuf {
    /// An empty buffer.
    pub fn new() -> Self {
        TokenBuf::default()
    }

    /// Removes every token (keeping the memory).
    pub fn clear(&mut self) {
        self.main.clear();
    }

    /// Appends a token.
    pub fn push(&mut self, token: &str) {
        self.main.push(token);
    }

    /// The number of tokens.
    pub fn len(&self) -> usize {
        self.main.ends.len()
    }

    /// Whether there is no token.
    pub fn is_empty(&self) -> bool {
        self.main.ends.is_empty()
    }

    /// Token `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.main.get(i)
    }

    /// The tokens in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.main.iter()
    }

    /// The tokens as owned strings (convenient, allocates).
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

/// Runs every table of `tables` in turn over the tokens `feed` gives, into
/// `out` (cleared first). No table: the tokens are copied.
pub(crate) fn run_passes(
    tables: &[PhraseTable],
    delimiter: &str,
    out: &mut TokenBuf,
    feed: impl FnOnce(&mut dyn FnMut(&str)),
) {
    let TokenBuf { main, spare } = out;
    main.clear();
    let Some((first, rest)) = tables.split_first() else {
        feed(&mut |t| main.push(t));
        return;
    };
    let (mut src, mut dst) = (std::mem::take(spare), std::mem::take(main));
    let mut j = Joiner::new(first, delimiter);
    feed(&mut |t| j.push(t, &mut dst));
    for table in rest {
        std::mem::swap(&mut src, &mut dst);
        dst.clear();
        let mut j = Joiner::new(table, delimiter);
        for t in src.iter() {
            j.push(t, &mut dst);
        }
    }
    *main = dst;
    *spare = src;
}
