//! The byte-level BPE model: vocabulary, merges, special tokens, and the
//! encoding and decoding of text.

use super::bytemap::push_mapped;
use super::merge::{merge_into, pack, pair_key, MergeWork, PairMap};
use super::pattern::{Pattern, Splitter};
use super::specials::Specials;
use crate::error::{Error, Result};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Bytes → id, hashed with foldhash.
type BytesMap<V> = HashMap<Box<[u8]>, V, foldhash::fast::FixedState>;

const NONE: u32 = u32::MAX;

/// Pieces up to this many bytes are remembered in the per-thread cache.
const CACHE_MAX_PIECE: usize = 48;
/// The cache is emptied when it holds this many pieces.
const CACHE_MAX_ENTRIES: usize = 1 << 15;

/// What an id stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A token BPE can produce (or a tiktoken rank / HF vocabulary entry).
    Normal,
    /// A special (added) token: matched in text before pre-tokenisation.
    Special,
    /// A gap in the id space (cl100k has no ids 100256, 100261..100275).
    Unused,
}

/// A token added on top of the BPE vocabulary: a special token, or one of
/// HF's added tokens. Matched whole in text by [`Bpe::encode`], never split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedToken {
    /// Its id.
    pub id: u32,
    /// Its text.
    pub content: String,
    /// HF's `special` flag (true for every tiktoken special token).
    pub special: bool,
    /// HF's `single_word`, `lstrip`, `rstrip` and `normalized` flags, kept so
    /// a `tokenizer.json` is written back as it was read. Matching ignores
    /// them: the content is matched exactly wherever it occurs.
    pub hf_flags: [bool; 4],
}

impl AddedToken {
    /// A special token as tiktoken has them (`special: true`, HF flags off).
    pub fn special(content: impl Into<String>, id: u32) -> AddedToken {
        AddedToken {
            id,
            content: content.into(),
            special: true,
            hf_flags: [false; 4],
        }
    }
}

/// Where the merge priorities came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// tiktoken ranks: priority of `(a, b)` = rank of `a + b`.
    Ranks,
    /// An ordered merge list (HF, GPT-2 `merges.txt`, our trainer):
    /// priority = index in the list.
    Merges(Vec<(u32, u32)>),
}

/// A byte-level BPE tokenizer: GPT-2's, tiktoken's encodings, HF
/// `tokenizer.json` BPE models, or one trained by
/// [`BpeTrainer`](super::BpeTrainer).
///
/// Encoding cuts the text at special tokens, cuts each stretch between them
/// into pieces with the [`Pattern`], and turns each piece's bytes into ids
/// by merging adjacent pairs, lowest priority first (tiktoken's
/// `byte_pair_merge`). Frequent pieces are cached per thread.
///
/// ```
/// use embedpos_tokenize::bpe::{Bpe, Pattern};
/// // A toy model: the 256 bytes, then "ab" (256) and "abc" (257).
/// let mut vocab: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
/// vocab.push(b"ab".to_vec());
/// vocab.push(b"abc".to_vec());
/// let merges = [(97, 98), (256, 99)];
/// let bpe = Bpe::from_merges(vocab, &merges, Pattern::Gpt2, &[("<|end|>", 258)]).unwrap();
/// let ids = bpe.encode("abc ab<|end|>");
/// assert_eq!(ids, [257, 32, 256, 258]);
/// assert_eq!(bpe.decode(&ids).unwrap(), b"abc ab<|end|>");
/// assert_eq!(bpe.encode_ordinary("<|end|>").len(), 7); // "<|", "end", "|>", byte by byte
/// ```
pub struct Bpe {
    tokens: Vec<Vec<u8>>,
    kinds: Vec<Kind>,
    byte_ids: [u32; 256],
    pairs: PairMap,
    by_bytes: BytesMap<u32>,
    specials: Specials,
    added: Vec<AddedToken>,
    pattern: Pattern,
    splitter: Splitter,
    origin: Origin,
    whole_piece: bool,
    add_prefix_space: bool,
    token_strs: OnceLock<Vec<String>>,
    id: u64,
}

impl std::fmt::Debug for Bpe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bpe")
            .field("vocab_size", &self.tokens.len())
            .field("merges", &self.pairs.len())
            .field("pattern", &self.pattern)
            .field("specials", &self.specials.tokens())
            .field("whole_piece", &self.whole_piece)
            .field("add_prefix_space", &self.add_prefix_space)
            .finish()
    }
}

impl Clone for Bpe {
    fn clone(&self) -> Self {
        Bpe {
            tokens: self.tokens.clone(),
            kinds: self.kinds.clone(),
            byte_ids: self.byte_ids,
            pairs: self.pairs.clone(),
            by_bytes: self.by_bytes.clone(),
            specials: self.specials.clone(),
            added: self.added.clone(),
            pattern: self.pattern.clone(),
            splitter: self.splitter.clone(),
            origin: self.origin.clone(),
            whole_piece: self.whole_piece,
            add_prefix_space: self.add_prefix_space,
            token_strs: self.token_strs.clone(),
            // Same tables: the same cache serves both.
            id: self.id,
        }
    }
}

fn next_model_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Reusable buffers and the piece cache for encoding: one per thread.
///
/// [`Bpe::encode`] uses one kept per thread; pass your own to the `_into`
/// methods to control where it lives. A scratch used with another model is
/// emptied first, so mixing models is correct (only slower).
#[derive(Debug, Default)]
pub struct BpeScratch {
    owner: u64,
    cache: BytesMap<(u32, u32)>,
    arena: Vec<u32>,
    bytes: Vec<u32>,
    work: MergeWork,
    prefixed: String,
    ids: Vec<u32>,
}

impl BpeScratch {
    fn claim(&mut self, owner: u64) {
        if self.owner != owner {
            self.owner = owner;
            self.cache.clear();
            self.arena.clear();
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<BpeScratch> = RefCell::new(BpeScratch::default());
}

/// The bytes a vocabulary string stands for: its GPT-2-mapped bytes when
/// every character is in the mapping, else its UTF-8 (HF keeps added tokens
/// such as `<|endoftext|>` or `<mask>` unmapped in the vocabulary).
pub(crate) fn vocab_string_bytes(s: &str) -> Vec<u8> {
    super::bytemap::mapped_to_bytes(s).unwrap_or_else(|_| s.as_bytes().to_vec())
}

impl Bpe {
    fn assemble(
        tokens: Vec<Vec<u8>>,
        pairs: PairMap,
        origin: Origin,
        pattern: Pattern,
        specials: &[(&str, u32)],
    ) -> Result<Bpe> {
        let added = specials
            .iter()
            .map(|&(c, id)| AddedToken::special(c, id))
            .collect();
        Self::assemble_added(tokens, pairs, origin, pattern, added, None)
    }

    /// The model from its parts; `index` is `bytes → id` of `tokens` when
    /// the caller has it already (first id of equal bytes).
    pub(crate) fn assemble_added(
        mut tokens: Vec<Vec<u8>>,
        pairs: PairMap,
        origin: Origin,
        pattern: Pattern,
        added: Vec<AddedToken>,
        index: Option<BytesMap<u32>>,
    ) -> Result<Bpe> {
        let splitter = pattern.compile()?;
        // An empty token is a gap in the id space (HF vocabularies may have
        // them; tiktoken ranks may not).
        let mut kinds: Vec<Kind> = tokens
            .iter()
            .map(|t| {
                if t.is_empty() {
                    Kind::Unused
                } else {
                    Kind::Normal
                }
            })
            .collect();
        for a in &added {
            if a.content.is_empty() {
                return Err(Error::BpeModel(format!(
                    "special token with id {} is empty; give it some text",
                    a.id
                )));
            }
            let i = a.id as usize;
            if a.id == NONE {
                return Err(Error::BpeModel(format!(
                    "special token {:?} has id {}, which is reserved",
                    a.content, a.id
                )));
            }
            if i >= tokens.len() + (1 << 20) {
                return Err(Error::BpeModel(format!(
                    "special token {:?} has id {i}, far beyond the {} tokens of the vocabulary; give it an id next to them",
                    a.content,
                    tokens.len()
                )));
            }
            if i >= tokens.len() {
                tokens.resize(i + 1, Vec::new());
                kinds.resize(i + 1, Kind::Unused);
            } else if kinds[i] == Kind::Special {
                return Err(Error::BpeModel(format!(
                    "two special tokens have id {i}: {:?} and {:?}",
                    String::from_utf8_lossy(&tokens[i]),
                    a.content
                )));
            } else if kinds[i] == Kind::Normal && tokens[i] != a.content.as_bytes() {
                return Err(Error::BpeModel(format!(
                    "special token {:?} has id {i}, which is the token {:?}; give it an id of its own",
                    a.content,
                    String::from_utf8_lossy(&tokens[i])
                )));
            }
            tokens[i] = a.content.as_bytes().to_vec();
            kinds[i] = Kind::Special;
        }
        if let Some(dup) = {
            let mut seen = std::collections::HashSet::new();
            added.iter().find(|a| !seen.insert(a.content.as_str()))
        } {
            return Err(Error::BpeModel(format!(
                "special token {:?} is given twice",
                dup.content
            )));
        }
        let mut byte_ids = [NONE; 256];
        let build = index.is_none();
        let mut by_bytes = index.unwrap_or_else(|| {
            BytesMap::with_capacity_and_hasher(tokens.len(), Default::default())
        });
        for (i, t) in tokens.iter().enumerate() {
            if kinds[i] != Kind::Normal {
                if !t.is_empty() && by_bytes.get(t.as_slice()) == Some(&(i as u32)) {
                    by_bytes.remove(t.as_slice());
                }
                continue;
            }
            if t.len() == 1 && byte_ids[t[0] as usize] == NONE {
                byte_ids[t[0] as usize] = i as u32;
            }
            if build {
                by_bytes
                    .entry(t.clone().into_boxed_slice())
                    .or_insert(i as u32);
            }
        }
        let specials = Specials::new(added.iter().map(|a| (a.content.clone(), a.id)).collect());
        Ok(Bpe {
            tokens,
            kinds,
            byte_ids,
            pairs,
            by_bytes,
            specials,
            added,
            pattern,
            splitter,
            whole_piece: origin == Origin::Ranks,
            origin,
            add_prefix_space: false,
            token_strs: OnceLock::new(),
            id: next_model_id(),
        })
    }

    /// A model from tiktoken ranks: `ranks[r]` is the token of rank (and
    /// id) `r`; specials are `(content, id)`.
    ///
    /// The merge priority of a pair `(a, b)` is the rank of the token
    /// `a + b`, for every way of writing a token as two tokens, which is what
    /// tiktoken's `byte_pair_merge` looks up. As in tiktoken, a piece that is
    /// itself a token is that token, merged or not.
    pub fn from_ranks(
        ranks: Vec<Vec<u8>>,
        pattern: Pattern,
        specials: &[(&str, u32)],
    ) -> Result<Bpe> {
        if ranks.len() >= NONE as usize {
            return Err(Error::BpeModel("more than 2^32 - 1 ranks".into()));
        }
        let mut index: BytesMap<u32> =
            BytesMap::with_capacity_and_hasher(ranks.len(), Default::default());
        for (r, t) in ranks.iter().enumerate() {
            if t.is_empty() {
                return Err(Error::BpeModel(format!("rank {r} is an empty token")));
            }
            if let Some(first) = index.insert(t.clone().into_boxed_slice(), r as u32) {
                return Err(Error::BpeModel(format!(
                    "the token {:?} has two ranks, {first} and {r}",
                    String::from_utf8_lossy(t)
                )));
            }
        }
        let added = specials
            .iter()
            .map(|&(c, id)| AddedToken::special(c, id))
            .collect();
        let mut pairs = PairMap::default();
        for (r, t) in ranks.iter().enumerate() {
            for k in 1..t.len() {
                if let (Some(&a), Some(&b)) = (index.get(&t[..k]), index.get(&t[k..])) {
                    pairs.insert(pair_key(a, b), pack(r as u32, r as u32));
                }
            }
        }
        Self::assemble_added(ranks, pairs, Origin::Ranks, pattern, added, Some(index))
    }

    /// A model from a vocabulary (`vocab[id]` = the token's bytes) and an
    /// ordered list of merges `(left id, right id)`, the first merged first
    /// (HF `tokenizer.json`, GPT-2 `merges.txt`). The merged token must be
    /// in the vocabulary. A pair listed twice takes its last place, as HF
    /// does.
    ///
    /// Specials are `(content, id)`; an id inside the vocabulary must hold
    /// the same text (HF lists its added tokens in the vocabulary too).
    pub fn from_merges(
        vocab: Vec<Vec<u8>>,
        merges: &[(u32, u32)],
        pattern: Pattern,
        specials: &[(&str, u32)],
    ) -> Result<Bpe> {
        let pairs = Self::merge_pairs(&vocab, merges)?;
        Self::assemble(
            vocab,
            pairs,
            Origin::Merges(merges.to_vec()),
            pattern,
            specials,
        )
    }

    pub(crate) fn merge_pairs(vocab: &[Vec<u8>], merges: &[(u32, u32)]) -> Result<PairMap> {
        if vocab.len() >= NONE as usize {
            return Err(Error::BpeModel("more than 2^32 - 1 tokens".into()));
        }
        let mut index: BytesMap<u32> =
            BytesMap::with_capacity_and_hasher(vocab.len(), Default::default());
        for (i, t) in vocab.iter().enumerate() {
            index
                .entry(t.clone().into_boxed_slice())
                .or_insert(i as u32);
        }
        let mut pairs = PairMap::default();
        pairs.reserve(merges.len());
        let mut joined = Vec::new();
        for (n, &(a, b)) in merges.iter().enumerate() {
            let (Some(ta), Some(tb)) = (vocab.get(a as usize), vocab.get(b as usize)) else {
                return Err(Error::BpeModel(format!(
                    "merge #{n} joins ids {a} and {b}, but the vocabulary has {} ids",
                    vocab.len()
                )));
            };
            joined.clear();
            joined.extend_from_slice(ta);
            joined.extend_from_slice(tb);
            let Some(&m) = index.get(joined.as_slice()) else {
                return Err(Error::BpeModel(format!(
                    "merge #{n} makes {:?}, which is not in the vocabulary",
                    String::from_utf8_lossy(&joined)
                )));
            };
            pairs.insert(pair_key(a, b), pack(n as u32, m));
        }
        Ok(pairs)
    }

    /// r50k_base (GPT-2, GPT-3) from its rank file (`.tiktoken`, or `.gz`):
    /// GPT-2's pattern and `<|endoftext|>` = 50256.
    pub fn r50k_base(path: impl AsRef<std::path::Path>) -> Result<Bpe> {
        Self::from_tiktoken(path, Pattern::Gpt2, &[("<|endoftext|>", 50256)])
    }

    /// cl100k_base (GPT-3.5, GPT-4) from its rank file (`.tiktoken`, or
    /// `.gz`): cl100k's pattern and its five special tokens.
    pub fn cl100k_base(path: impl AsRef<std::path::Path>) -> Result<Bpe> {
        Self::from_tiktoken(
            path,
            Pattern::Cl100k,
            &[
                ("<|endoftext|>", 100257),
                ("<|fim_prefix|>", 100258),
                ("<|fim_middle|>", 100259),
                ("<|fim_suffix|>", 100260),
                ("<|endofprompt|>", 100276),
            ],
        )
    }

    /// Sets HF `ByteLevel`'s `add_prefix_space`: a space is put before each
    /// stretch of text (between special tokens) that does not start with
    /// one, so a first word is encoded as it would be mid-sentence. Decoding
    /// keeps that space.
    pub fn with_add_prefix_space(mut self, yes: bool) -> Bpe {
        self.add_prefix_space = yes;
        self
    }

    /// Sets HF's `ignore_merges` (on for every tiktoken model): a piece that
    /// is a token of the vocabulary is that token, without merging.
    pub fn with_ignore_merges(mut self, yes: bool) -> Bpe {
        self.whole_piece = yes;
        self
    }

    /// Whether a space is put before each stretch of text.
    pub fn add_prefix_space(&self) -> bool {
        self.add_prefix_space
    }

    /// Whether a piece that is a token is taken whole (tiktoken; HF's
    /// `ignore_merges`).
    pub fn ignore_merges(&self) -> bool {
        self.whole_piece
    }

    /// The pre-tokenisation pattern.
    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    /// The special (added) tokens.
    pub fn added_tokens(&self) -> &[AddedToken] {
        &self.added
    }

    /// The id of a special token, by its text.
    pub fn special_id(&self, content: &str) -> Option<u32> {
        self.specials.id(content)
    }

    pub(crate) fn origin(&self) -> &Origin {
        &self.origin
    }

    pub(crate) fn is_normal(&self, id: u32) -> bool {
        self.kinds.get(id as usize) == Some(&Kind::Normal)
    }

    /// Ids `0..vocab_size()` (gaps and special tokens included, as
    /// tiktoken's `n_vocab`).
    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }

    /// The bytes of token `id` (a special token's text); `None` for an id
    /// out of range or in a gap.
    pub fn token_bytes(&self, id: u32) -> Option<&[u8]> {
        match self.kinds.get(id as usize)? {
            Kind::Unused => None,
            _ => Some(&self.tokens[id as usize]),
        }
    }

    /// The id of the ordinary token with these bytes (special tokens are
    /// found with [`special_id`](Self::special_id)).
    pub fn id_of_bytes(&self, bytes: &[u8]) -> Option<u32> {
        self.by_bytes.get(bytes).copied()
    }

    /// Every token as a string in GPT-2's byte-mapped form (`" the"` is
    /// `"Ġthe"`), by id; special tokens as their text; gaps as `""`. Built
    /// once, on first use.
    pub fn token_strings(&self) -> &[String] {
        self.token_strs.get_or_init(|| {
            self.tokens
                .iter()
                .zip(&self.kinds)
                .map(|(t, k)| match k {
                    Kind::Normal => {
                        let mut s = String::with_capacity(t.len() * 2);
                        push_mapped(t, &mut s);
                        s
                    }
                    Kind::Special => String::from_utf8_lossy(t).into_owned(),
                    Kind::Unused => String::new(),
                })
                .collect()
        })
    }

    /// The ids of `text`, special tokens matched (tiktoken's
    /// `encode(text, allowed_special="all")`).
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::with_capacity(text.len() / 3 + 1);
        self.with_thread_scratch(|s| self.encode_into(text, s, &mut out));
        out
    }

    /// The ids of `text`, special tokens' text encoded as ordinary text
    /// (tiktoken's `encode_ordinary`).
    pub fn encode_ordinary(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::with_capacity(text.len() / 3 + 1);
        self.with_thread_scratch(|s| self.encode_ordinary_into(text, s, &mut out));
        out
    }

    fn with_thread_scratch(&self, f: impl FnOnce(&mut BpeScratch)) {
        let mut f = Some(f);
        SCRATCH.with(|cell| {
            if let Ok(mut s) = cell.try_borrow_mut() {
                if let Some(f) = f.take() {
                    f(&mut s);
                }
            }
        });
        if let Some(f) = f {
            f(&mut BpeScratch::default());
        }
    }

    /// Appends the ids of `text` to `out`, special tokens matched, with the
    /// buffers and cache of `scratch`.
    pub fn encode_into(&self, text: &str, scratch: &mut BpeScratch, out: &mut Vec<u32>) {
        scratch.claim(self.id);
        let mut start = 0;
        while let Some((s, e, id)) = self.specials.find(text, start) {
            self.encode_stretch(&text[start..s], scratch, out);
            out.push(id);
            start = e;
        }
        self.encode_stretch(&text[start..], scratch, out);
    }

    /// Appends the ids of `text` to `out`, special tokens' text encoded as
    /// ordinary text.
    pub fn encode_ordinary_into(&self, text: &str, scratch: &mut BpeScratch, out: &mut Vec<u32>) {
        scratch.claim(self.id);
        self.encode_stretch(text, scratch, out);
    }

    /// The ids of arbitrary bytes, special tokens matched.
    ///
    /// Byte-level BPE can stand for any bytes, so nothing is lost: the valid
    /// UTF-8 stretches are encoded as [`encode`](Self::encode) does, and each
    /// invalid sequence (as [`<[u8]>::utf8_chunks`] delimits them) is merged
    /// as a piece of its own; `decode` gives the bytes back exactly. (Python
    /// tiktoken's `encode` takes a `str`, which cannot hold invalid UTF-8;
    /// [`CorpusReader`](crate::CorpusReader) instead replaces invalid bytes
    /// by U+FFFD.)
    pub fn encode_bytes(&self, bytes: &[u8]) -> Vec<u32> {
        let mut out = Vec::with_capacity(bytes.len() / 3 + 1);
        self.with_thread_scratch(|s| {
            for chunk in bytes.utf8_chunks() {
                self.encode_into(chunk.valid(), s, &mut out);
                if !chunk.invalid().is_empty() {
                    self.encode_piece(chunk.invalid(), s, &mut out);
                }
            }
        });
        out
    }

    /// One stretch of text without special tokens.
    fn encode_stretch(&self, text: &str, scratch: &mut BpeScratch, out: &mut Vec<u32>) {
        if text.is_empty() {
            return;
        }
        if self.add_prefix_space && !text.starts_with(' ') {
            let mut prefixed = std::mem::take(&mut scratch.prefixed);
            prefixed.clear();
            prefixed.push(' ');
            prefixed.push_str(text);
            self.splitter
                .for_each_piece(&prefixed, |p| self.encode_piece(p.as_bytes(), scratch, out));
            scratch.prefixed = prefixed;
        } else {
            self.splitter
                .for_each_piece(text, |p| self.encode_piece(p.as_bytes(), scratch, out));
        }
    }

    /// One piece: a byte, a whole token (tiktoken), a cached piece, or the
    /// merge loop.
    #[inline]
    fn encode_piece(&self, piece: &[u8], s: &mut BpeScratch, out: &mut Vec<u32>) {
        if piece.len() == 1 {
            let id = self.byte_ids[piece[0] as usize];
            if id != NONE {
                out.push(id);
            }
            return;
        }
        if self.whole_piece {
            if let Some(&id) = self.by_bytes.get(piece) {
                out.push(id);
                return;
            }
        }
        let cacheable = piece.len() <= CACHE_MAX_PIECE;
        if cacheable {
            if let Some(&(at, n)) = s.cache.get(piece) {
                out.extend_from_slice(&s.arena[at as usize..(at + n) as usize]);
                return;
            }
        }
        s.bytes.clear();
        s.bytes.extend(
            piece
                .iter()
                .map(|&b| self.byte_ids[b as usize])
                .filter(|&id| id != NONE),
        );
        let start = out.len();
        merge_into(&self.pairs, &s.bytes, u32::MAX, &mut s.work, out);
        if cacheable {
            if s.cache.len() >= CACHE_MAX_ENTRIES {
                s.cache.clear();
                s.arena.clear();
            }
            let at = s.arena.len() as u32;
            s.arena.extend_from_slice(&out[start..]);
            s.cache
                .insert(piece.into(), (at, (out.len() - start) as u32));
        }
    }

    /// The merge of `bytes` using only merges of priority below `limit`
    /// (to recover the merge that made a tiktoken token).
    pub(crate) fn merge_limited(&self, bytes: &[u8], limit: u32) -> Vec<u32> {
        let ids: Vec<u32> = bytes
            .iter()
            .map(|&b| self.byte_ids[b as usize])
            .filter(|&id| id != NONE)
            .collect();
        let mut out = Vec::new();
        merge_into(
            &self.pairs,
            &ids,
            limit,
            &mut MergeWork::default(),
            &mut out,
        );
        out
    }

    /// Calls `f` with the byte-mapped string ([`token_strings`](Self::token_strings))
    /// of each token of `text`, special tokens matched: the words an
    /// embedding trainer sees. Allocates nothing per token once `scratch`
    /// has grown.
    pub fn for_each_token_str(
        &self,
        text: &str,
        scratch: &mut BpeScratch,
        mut f: impl FnMut(&str),
    ) {
        let strs = self.token_strings();
        let mut ids = std::mem::take(&mut scratch.ids);
        ids.clear();
        self.encode_into(text, scratch, &mut ids);
        for &id in &ids {
            f(&strs[id as usize]);
        }
        scratch.ids = ids;
    }

    /// The bytes of `ids`; an id that is not a token is an error.
    pub fn decode(&self, ids: &[u32]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(ids.len() * 4);
        self.decode_into(ids, &mut out)?;
        Ok(out)
    }

    /// Appends the bytes of `ids` to `out`.
    pub fn decode_into(&self, ids: &[u32], out: &mut Vec<u8>) -> Result<()> {
        for &id in ids {
            match self.token_bytes(id) {
                Some(t) => out.extend_from_slice(t),
                None => {
                    return Err(Error::UnknownId {
                        id,
                        vocab_size: self.tokens.len(),
                    })
                }
            }
        }
        Ok(())
    }

    /// The text of `ids`, invalid UTF-8 (a character cut between tokens)
    /// replaced by U+FFFD; an id that is not a token is an error.
    pub fn decode_to_string(&self, ids: &[u32]) -> Result<String> {
        let bytes = self.decode(ids)?;
        Ok(match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// Encodes many texts on `threads` threads (0: all cores), in order.
    pub fn encode_batch(&self, texts: &[&str], threads: usize) -> Vec<Vec<u32>> {
        self.batch(texts, threads, |t, s, out| self.encode_into(t, s, out))
    }

    /// [`encode_batch`](Self::encode_batch) with special tokens' text
    /// encoded as ordinary text.
    pub fn encode_ordinary_batch(&self, texts: &[&str], threads: usize) -> Vec<Vec<u32>> {
        self.batch(texts, threads, |t, s, out| {
            self.encode_ordinary_into(t, s, out)
        })
    }

    fn batch(
        &self,
        texts: &[&str],
        threads: usize,
        enc: impl Fn(&str, &mut BpeScratch, &mut Vec<u32>) + Sync,
    ) -> Vec<Vec<u32>> {
        use rayon::prelude::*;
        let one = |s: &mut BpeScratch, t: &&str| {
            let mut v = Vec::with_capacity(t.len() / 3 + 1);
            enc(t, s, &mut v);
            v
        };
        let run = || {
            texts
                .par_iter()
                .map_init(BpeScratch::default, one)
                .collect()
        };
        if threads == 1 || texts.len() < 2 {
            let mut s = BpeScratch::default();
            return texts.iter().map(|t| one(&mut s, t)).collect();
        }
        if threads == 0 {
            return run();
        }
        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool.install(run),
            Err(_) => run(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Bpe {
        let mut vocab: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        for t in [&b" a"[..], b" ab", b"ab", b"abc"] {
            vocab.push(t.to_vec());
        }
        let merges = [(32, 97), (256, 98), (97, 98), (258, 99)];
        Bpe::from_merges(vocab, &merges, Pattern::Gpt2, &[("<s>", 300)]).unwrap()
    }

    #[test]
    fn encode_decode_and_specials() {
        let b = toy();
        assert_eq!(b.vocab_size(), 301);
        assert_eq!(b.encode("abc ab"), [259, 257]);
        assert_eq!(b.encode("ab<s>ab"), [258, 300, 258]);
        assert_eq!(b.encode_ordinary("<s>"), [60, 115, 62]);
        assert_eq!(b.decode(&[259, 300]).unwrap(), b"abc<s>");
        let e = b.decode(&[299]).unwrap_err();
        assert!(matches!(e, Error::UnknownId { id: 299, .. }), "{e}");
        assert!(b.decode(&[1000]).is_err());
        assert_eq!(b.token_bytes(299), None);
        assert_eq!(b.id_of_bytes(b"abc"), Some(259));
        assert_eq!(b.id_of_bytes(b"<s>"), None);
        assert_eq!(b.special_id("<s>"), Some(300));
        assert_eq!(b.token_strings()[257], "Ġab");
        assert_eq!(b.token_strings()[300], "<s>");
        let mut words = Vec::new();
        b.for_each_token_str("abc ab", &mut BpeScratch::default(), |w| {
            words.push(w.to_string())
        });
        assert_eq!(words, ["abc", "Ġab"]);
    }

    #[test]
    fn prefix_space_and_invalid_bytes() {
        let b = toy().with_add_prefix_space(true);
        assert_eq!(b.encode("ab"), [257]);
        assert_eq!(b.encode("ab<s>ab"), [257, 300, 257]);
        let b = toy();
        let raw = b"ab\xff\xfeab";
        assert_eq!(b.decode(&b.encode_bytes(raw)).unwrap(), raw);
        assert_eq!(b.decode_to_string(&[0xff]).unwrap(), "\u{FFFD}");
    }

    #[test]
    fn broken_models_are_refused() {
        let vocab: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        let e = Bpe::from_merges(vocab.clone(), &[(97, 98)], Pattern::Gpt2, &[]).unwrap_err();
        assert!(e.to_string().contains("not in the vocabulary"), "{e}");
        let e = Bpe::from_merges(vocab.clone(), &[(97, 999)], Pattern::Gpt2, &[]).unwrap_err();
        assert!(e.to_string().contains("999"), "{e}");
        let e = Bpe::from_merges(vocab.clone(), &[], Pattern::Gpt2, &[("<s>", 4_000_000_000)])
            .unwrap_err();
        assert!(e.to_string().contains("far beyond"), "{e}");
        let e = Bpe::from_merges(vocab.clone(), &[], Pattern::Gpt2, &[("<s>", 97)]).unwrap_err();
        assert!(e.to_string().contains("id of its own"), "{e}");
        let mut dup = vocab.clone();
        dup.push(b"a".to_vec());
        let e = Bpe::from_ranks(dup, Pattern::Gpt2, &[]).unwrap_err();
        assert!(e.to_string().contains("two ranks"), "{e}");
    }

    #[test]
    fn batch_equals_one_by_one() {
        let b = toy();
        let texts = ["abc", "ab ab<s>", "", "xyz abc"];
        let one: Vec<Vec<u32>> = texts.iter().map(|t| b.encode(t)).collect();
        assert_eq!(b.encode_batch(&texts, 1), one);
        assert_eq!(b.encode_batch(&texts, 2), one);
        assert_eq!(b.encode_batch(&texts, 0), one);
    }
}
