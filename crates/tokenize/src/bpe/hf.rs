//! HF tokenizers' `tokenizer.json` (byte-level BPE), and GPT-2's
//! `vocab.json` + `merges.txt`.
//!
//! What is read: a `BPE` model (vocabulary, merges as `"a b"` strings or
//! `["a", "b"]` arrays, `ignore_merges`), a `ByteLevel` pre-tokenizer
//! (`add_prefix_space`, `use_regex`), possibly after a `Split` by a regex
//! inside a `Sequence` (how GPT-4-style tokenizers are written), a
//! `ByteLevel` decoder, and the added tokens. What is refused, with a
//! message: other models (WordPiece, Unigram, WordLevel), normalizers, BPE
//! options that are not byte-level (dropout, subword prefixes and suffixes,
//! byte fallback), merges of unknown tokens or whose result is missing.
//! The post-processor (which adds tokens such as BOS) is not applied by
//! [`Bpe::encode`] and is not written back.

use super::model::{vocab_string_bytes, AddedToken, Bpe, Origin};
use super::pattern::{Pattern, GPT2_PATTERN};
use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::fmt::Write as _;
use std::path::Path;

/// cl100k's pattern as we write it into a `tokenizer.json`: the same
/// splits as [`CL100K_PATTERN`], in a form Oniguruma (HF's engine) reads
/// alike — no possessive `{1,3}+` (a repetition of the group there) and
/// `\z` rather than `$` (an end of line there).
pub(crate) const CL100K_HF_PATTERN: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s+\z|\s*[\r\n]|\s+(?!\S)|\s";

struct Ctx<'a> {
    path: &'a Path,
}

impl Ctx<'_> {
    fn err(&self, message: impl Into<String>) -> Error {
        Error::BpeFile {
            path: self.path.to_path_buf(),
            line: None,
            message: message.into(),
        }
    }
}

fn type_of(v: &Value) -> Option<&str> {
    v.get("type").and_then(Value::as_str)
}

fn flag(v: &Value, key: &str, default: bool) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(default)
}

/// The pattern and `add_prefix_space` a pre-tokenizer stands for.
fn read_pre_tokenizer(cx: &Ctx, pre: &Value) -> Result<(Pattern, bool)> {
    let not_byte_level = || {
        cx.err("the pre_tokenizer is not byte-level; embedpos reads byte-level BPE tokenizers (a ByteLevel pre-tokenizer, possibly after a regex Split in a Sequence)")
    };
    match type_of(pre) {
        Some("ByteLevel") => {
            let pattern = if flag(pre, "use_regex", true) {
                Pattern::Gpt2
            } else {
                Pattern::NoSplit
            };
            Ok((pattern, flag(pre, "add_prefix_space", true)))
        }
        Some("Sequence") => {
            let list = pre
                .get("pretokenizers")
                .and_then(Value::as_array)
                .ok_or_else(|| cx.err("pre_tokenizer Sequence without a `pretokenizers` list"))?;
            match list.as_slice() {
                [one] => read_pre_tokenizer(cx, one),
                [split, byte_level]
                    if type_of(split) == Some("Split") && type_of(byte_level) == Some("ByteLevel") =>
                {
                    if flag(byte_level, "use_regex", true) {
                        return Err(cx.err("a Split followed by a ByteLevel that splits again (use_regex: true) is not supported; set use_regex to false"));
                    }
                    let regex = split
                        .get("pattern")
                        .and_then(|p| p.get("Regex").or_else(|| p.get("String")))
                        .and_then(Value::as_str)
                        .ok_or_else(|| cx.err("the Split pre-tokenizer has no `pattern` {\"Regex\": ...}"))?;
                    let literal = split.get("pattern").and_then(|p| p.get("String")).is_some();
                    let behavior = split.get("behavior").and_then(Value::as_str);
                    if behavior != Some("Isolated") || flag(split, "invert", false) {
                        return Err(cx.err(format!(
                            "the Split pre-tokenizer has behavior {behavior:?}{}; only \"Isolated\" without invert is supported",
                            if flag(split, "invert", false) { " with invert" } else { "" }
                        )));
                    }
                    let pattern = if literal {
                        Pattern::Custom(fancy_regex::escape(regex).into_owned())
                    } else if regex == CL100K_HF_PATTERN {
                        Pattern::Cl100k
                    } else {
                        Pattern::from_regex(regex)
                    };
                    Ok((pattern, flag(byte_level, "add_prefix_space", true)))
                }
                _ => Err(not_byte_level()),
            }
        }
        Some(other) => Err(cx.err(format!(
            "the pre_tokenizer {other:?} is not supported; embedpos reads byte-level BPE tokenizers (ByteLevel, or a regex Split then ByteLevel)"
        ))),
        None => Err(not_byte_level()),
    }
}

fn parse_merge(cx: &Ctx, n: usize, m: &Value) -> Result<(String, String)> {
    let bad = || {
        cx.err(format!(
            "merge #{n} is {m}; a merge is \"left right\" or [\"left\", \"right\"]"
        ))
    };
    match m {
        Value::String(s) => {
            let mut it = s.split(' ');
            match (it.next(), it.next(), it.next()) {
                (Some(a), Some(b), None) if !a.is_empty() && !b.is_empty() => {
                    Ok((a.to_string(), b.to_string()))
                }
                _ => Err(bad()),
            }
        }
        Value::Array(v) => match v.as_slice() {
            [Value::String(a), Value::String(b)] => Ok((a.clone(), b.clone())),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

/// The vocabulary by id (`None`: a gap) from a `token → id` map.
fn read_vocab(cx: &Ctx, vocab: &Map<String, Value>) -> Result<Vec<Option<String>>> {
    let mut by_id: Vec<Option<String>> = Vec::new();
    for (tok, id) in vocab {
        let id = id
            .as_u64()
            .filter(|&i| i < u32::MAX as u64)
            .ok_or_else(|| {
                cx.err(format!(
                    "the vocabulary gives {tok:?} the id {id}, not an integer below 2^32 - 1"
                ))
            })? as usize;
        if id > 16 * (vocab.len() + 1024) {
            return Err(cx.err(format!(
                "the vocabulary gives {tok:?} the id {id}, far beyond its {} entries",
                vocab.len()
            )));
        }
        if id >= by_id.len() {
            by_id.resize(id + 1, None);
        }
        if let Some(other) = &by_id[id] {
            return Err(cx.err(format!(
                "the vocabulary gives the id {id} to both {other:?} and {tok:?}"
            )));
        }
        by_id[id] = Some(tok.clone());
    }
    Ok(by_id)
}

/// Builds the model from vocabulary strings and merge strings.
fn build(
    cx: &Ctx,
    vocab: Vec<Option<String>>,
    merges: Vec<(String, String)>,
    added: Vec<AddedToken>,
    pattern: Pattern,
) -> Result<Bpe> {
    let index: std::collections::HashMap<&str, u32> = vocab
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.as_deref().map(|t| (t, i as u32)))
        .collect();
    let mut ids = Vec::with_capacity(merges.len());
    for (n, (a, b)) in merges.iter().enumerate() {
        let find = |t: &str| {
            index.get(t).copied().ok_or_else(|| {
                cx.err(format!(
                    "merge #{n} ({a:?} {b:?}) uses {t:?}, which is not in the vocabulary; the merges and the vocabulary do not belong together"
                ))
            })
        };
        ids.push((find(a)?, find(b)?));
        let joined = format!("{a}{b}");
        if !index.contains_key(joined.as_str()) {
            return Err(cx.err(format!(
                "merge #{n} ({a:?} {b:?}) makes {joined:?}, which is not in the vocabulary; the merges and the vocabulary do not belong together"
            )));
        }
    }
    // An added token inside the vocabulary keeps its text as its bytes.
    let mut tokens: Vec<Vec<u8>> = vocab
        .iter()
        .map(|t| t.as_deref().map(vocab_string_bytes).unwrap_or_default())
        .collect();
    for a in &added {
        if let Some(Some(t)) = vocab.get(a.id as usize) {
            if *t == a.content {
                tokens[a.id as usize] = a.content.as_bytes().to_vec();
            }
        }
    }
    let to_file = |e: Error| match e {
        Error::BpeModel(m) => cx.err(m),
        other => other,
    };
    let pairs = Bpe::merge_pairs(&tokens, &ids).map_err(to_file)?;
    let bpe = Bpe::assemble_added(tokens, pairs, Origin::Merges(ids), pattern, added, None)
        .map_err(to_file)?;
    Ok(bpe)
}

impl Bpe {
    /// Reads an HF `tokenizer.json` holding a byte-level BPE model.
    ///
    /// Added tokens (special or not) are matched whole by
    /// [`encode`](Self::encode), as HF does before pre-tokenisation. The
    /// `unk_token` is not used: a byte whose character the vocabulary lacks
    /// (byte-level vocabularies have all 256) is left out of the ids.
    pub fn from_tokenizer_json(path: impl AsRef<Path>) -> Result<Bpe> {
        let path = path.as_ref();
        let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::from_tokenizer_json_bytes(path, &text)
    }

    /// [`from_tokenizer_json`](Self::from_tokenizer_json) from the file's
    /// bytes; `path` names it in messages.
    pub fn from_tokenizer_json_bytes(path: impl AsRef<Path>, bytes: &[u8]) -> Result<Bpe> {
        let cx = Ctx {
            path: path.as_ref(),
        };
        let root: Value = serde_json::from_slice(bytes).map_err(|e| Error::BpeFile {
            path: cx.path.to_path_buf(),
            line: Some(e.line()),
            message: format!("not valid JSON ({e}); is this a tokenizer.json?"),
        })?;
        let model = root
            .get("model")
            .ok_or_else(|| cx.err("no `model`; is this a tokenizer.json from HF tokenizers?"))?;
        let kind = type_of(model).or_else(|| model.get("merges").map(|_| "BPE"));
        match kind {
            Some("BPE") => {}
            Some(other) => {
                return Err(cx.err(format!(
                    "the model is {other}, not BPE; embedpos reads byte-level BPE tokenizers only"
                )))
            }
            None => return Err(cx.err("the model has no `type`; expected \"BPE\"")),
        }
        if model.get("dropout").is_some_and(|d| !d.is_null()) {
            return Err(cx.err("BPE dropout is set; remove `dropout` (it makes encoding random)"));
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if model
                .get(key)
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty())
            {
                return Err(cx.err(format!(
                    "the model has a `{key}`, which byte-level BPE does not use; this is a word-level BPE"
                )));
            }
        }
        if flag(model, "byte_fallback", false) {
            return Err(cx.err(
                "the model uses byte_fallback (a SentencePiece-style BPE), not byte-level BPE",
            ));
        }
        if root.get("normalizer").is_some_and(|n| !n.is_null()) {
            return Err(cx.err(format!(
                "the tokenizer has a normalizer ({}); embedpos reads byte-level BPE without normalizer",
                type_of(&root["normalizer"]).unwrap_or("?")
            )));
        }
        if let Some(d) = root.get("decoder").filter(|d| !d.is_null()) {
            if type_of(d) != Some("ByteLevel") {
                return Err(cx.err(format!(
                    "the decoder is {}, not ByteLevel; this is not a byte-level BPE tokenizer",
                    type_of(d).unwrap_or("?")
                )));
            }
        }
        let pre = root
            .get("pre_tokenizer")
            .filter(|p| !p.is_null())
            .ok_or_else(|| cx.err("no pre_tokenizer: without ByteLevel this is a character-level BPE, which embedpos does not read"))?;
        let (pattern, add_prefix_space) = read_pre_tokenizer(&cx, pre)?;
        let vocab = model
            .get("vocab")
            .and_then(Value::as_object)
            .ok_or_else(|| cx.err("the model has no `vocab` object"))?;
        let vocab = read_vocab(&cx, vocab)?;
        let merges = match model.get("merges") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(m)) => m
                .iter()
                .enumerate()
                .map(|(n, m)| parse_merge(&cx, n, m))
                .collect::<Result<Vec<_>>>()?,
            Some(_) => return Err(cx.err("`merges` is not a list")),
        };
        let mut added = Vec::new();
        if let Some(list) = root.get("added_tokens").and_then(Value::as_array) {
            for (n, a) in list.iter().enumerate() {
                let id = a
                    .get("id")
                    .and_then(Value::as_u64)
                    .filter(|&i| i < u32::MAX as u64);
                let content = a.get("content").and_then(Value::as_str);
                let (Some(id), Some(content)) = (id, content) else {
                    return Err(cx.err(format!(
                        "added token #{n} needs an integer `id` and a string `content`"
                    )));
                };
                added.push(AddedToken {
                    id: id as u32,
                    content: content.to_string(),
                    special: flag(a, "special", false),
                    hf_flags: [
                        flag(a, "single_word", false),
                        flag(a, "lstrip", false),
                        flag(a, "rstrip", false),
                        flag(a, "normalized", false),
                    ],
                });
            }
        }
        let bpe = build(&cx, vocab, merges, added, pattern)?;
        Ok(bpe
            .with_add_prefix_space(add_prefix_space)
            .with_ignore_merges(flag(model, "ignore_merges", false)))
    }

    /// Reads GPT-2's `vocab.json` (token → id) and `merges.txt` (one
    /// `left right` merge a line, an optional first line `#version: ...`).
    /// GPT-2's pattern; `<|endoftext|>`, when in the vocabulary, is a special
    /// token (as in tiktoken's r50k_base and HF's GPT-2 tokenizer).
    pub fn from_gpt2_files(
        vocab_json: impl AsRef<Path>,
        merges_txt: impl AsRef<Path>,
    ) -> Result<Bpe> {
        let vpath = vocab_json.as_ref();
        let mpath = merges_txt.as_ref();
        let vtext = std::fs::read(vpath).map_err(|e| Error::io(vpath, e))?;
        let vcx = Ctx { path: vpath };
        let vmap: Map<String, Value> =
            serde_json::from_slice(&vtext).map_err(|e| Error::BpeFile {
                path: vpath.to_path_buf(),
                line: Some(e.line()),
                message: format!(
                    "not a JSON object of token → id ({e}); is this GPT-2's vocab.json?"
                ),
            })?;
        let vocab = read_vocab(&vcx, &vmap)?;
        let mtext = std::fs::read_to_string(mpath).map_err(|e| Error::io(mpath, e))?;
        let mut merges = Vec::new();
        for (n, line) in mtext.lines().enumerate() {
            if (n == 0 && line.starts_with("#version")) || line.trim().is_empty() {
                continue;
            }
            let mut it = line.split(' ');
            match (it.next(), it.next(), it.next()) {
                (Some(a), Some(b), None) if !a.is_empty() && !b.is_empty() => {
                    merges.push((a.to_string(), b.to_string()))
                }
                _ => {
                    return Err(Error::BpeFile {
                        path: mpath.to_path_buf(),
                        line: Some(n + 1),
                        message: format!(
                            "expected `left right` (two tokens and one space), found {line:?}"
                        ),
                    })
                }
            }
        }
        let added: Vec<AddedToken> = vmap
            .get("<|endoftext|>")
            .and_then(Value::as_u64)
            .map(|id| AddedToken::special("<|endoftext|>", id as u32))
            .into_iter()
            .collect();
        // Merge errors name merges.txt with the merge's line.
        let first_line = usize::from(mtext.starts_with("#version"));
        build(&Ctx { path: mpath }, vocab, merges, added, Pattern::Gpt2).map_err(|e| match e {
            Error::BpeFile { path, message, .. } => {
                let line = message
                    .strip_prefix("merge #")
                    .and_then(|m| m.split(' ').next())
                    .and_then(|k| k.parse::<usize>().ok())
                    .map(|k| k + 1 + first_line);
                Error::BpeFile {
                    path,
                    line,
                    message,
                }
            }
            other => other,
        })
    }

    /// The merges in priority order, as `(left id, right id)`.
    ///
    /// For a model read from merges (HF, GPT-2, our trainer) they are the
    /// list given. For tiktoken ranks they are recovered as HF's converter
    /// does: for each token in rank order, the two tokens that merging its
    /// bytes with only lower-ranked merges leaves (a token for which that
    /// does not leave two has no merge, and is reached only whole, with
    /// [`ignore_merges`](Self::ignore_merges)).
    pub fn merges(&self) -> Vec<(u32, u32)> {
        match self.origin() {
            Origin::Merges(m) => m.clone(),
            Origin::Ranks => {
                let mut out = Vec::new();
                for id in 0..self.vocab_size() as u32 {
                    if !self.is_normal(id) {
                        continue;
                    }
                    let Some(t) = self.token_bytes(id) else {
                        continue;
                    };
                    if t.len() < 2 {
                        continue;
                    }
                    if let [a, b] = self.merge_limited(t, id)[..] {
                        out.push((a, b));
                    }
                }
                out
            }
        }
    }

    /// This model as an HF `tokenizer.json` text (see
    /// [`save_tokenizer_json`](Self::save_tokenizer_json)).
    pub fn to_tokenizer_json(&self) -> String {
        let strs = self.token_strings();
        let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
        let mut o = String::with_capacity(strs.len() * 24);
        o.push_str("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [");
        for (i, a) in self.added_tokens().iter().enumerate() {
            let [single_word, lstrip, rstrip, normalized] = a.hf_flags;
            let _ = write!(
                o,
                "{}\n    {{\"id\": {}, \"content\": {}, \"single_word\": {single_word}, \"lstrip\": {lstrip}, \"rstrip\": {rstrip}, \"normalized\": {normalized}, \"special\": {}}}",
                if i > 0 { "," } else { "" },
                a.id,
                q(&a.content),
                a.special
            );
        }
        o.push_str("\n  ],\n  \"normalizer\": null,\n  \"pre_tokenizer\": ");
        let aps = self.add_prefix_space();
        let byte_level = |use_regex: bool| {
            format!("{{\"type\": \"ByteLevel\", \"add_prefix_space\": {aps}, \"trim_offsets\": true, \"use_regex\": {use_regex}}}")
        };
        match self.pattern() {
            Pattern::Gpt2 => o.push_str(&byte_level(true)),
            Pattern::NoSplit => o.push_str(&byte_level(false)),
            p => {
                let regex = match p {
                    Pattern::Cl100k => CL100K_HF_PATTERN,
                    other => other.regex().unwrap_or(GPT2_PATTERN),
                };
                let _ = write!(
                    o,
                    "{{\"type\": \"Sequence\", \"pretokenizers\": [{{\"type\": \"Split\", \"pattern\": {{\"Regex\": {}}}, \"behavior\": \"Isolated\", \"invert\": false}}, {}]}}",
                    q(regex),
                    byte_level(false)
                );
            }
        }
        o.push_str(",\n  \"post_processor\": null,\n  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true, \"use_regex\": true},\n");
        let _ = write!(
            o,
            "  \"model\": {{\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n    \"fuse_unk\": false,\n    \"byte_fallback\": false,\n    \"ignore_merges\": {},\n    \"vocab\": {{",
            self.ignore_merges()
        );
        let mut first = true;
        for (id, s) in strs.iter().enumerate() {
            // Gaps are left out; special tokens are listed as HF lists them.
            if self.token_bytes(id as u32).is_none() {
                continue;
            }
            let _ = write!(o, "{}\n      {}: {id}", if first { "" } else { "," }, q(s));
            first = false;
        }
        o.push_str("\n    },\n    \"merges\": [");
        for (i, (a, b)) in self.merges().iter().enumerate() {
            let _ = write!(
                o,
                "{}\n      [{}, {}]",
                if i > 0 { "," } else { "" },
                q(&strs[*a as usize]),
                q(&strs[*b as usize])
            );
        }
        o.push_str("\n    ]\n  }\n}\n");
        o
    }

    /// Writes this model as an HF `tokenizer.json` (atomically): the BPE
    /// model with merges as `[left, right]` arrays, a ByteLevel
    /// pre-tokenizer (after a regex Split for other patterns than GPT-2's),
    /// a ByteLevel decoder, the added tokens, no post-processor. HF
    /// tokenizers and [`from_tokenizer_json`](Self::from_tokenizer_json)
    /// read it back to the same encodings. A tiktoken model is written with
    /// its recovered [`merges`](Self::merges) and `ignore_merges: true`.
    pub fn save_tokenizer_json(&self, path: impl AsRef<Path>) -> Result<()> {
        let text = self.to_tokenizer_json();
        embedpos_base::write_atomic(path.as_ref(), |w| w.write_all(text.as_bytes()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::bytemap::bytes_to_mapped;
    use super::super::pattern::CL100K_PATTERN;
    use super::*;

    fn byte_vocab() -> Map<String, Value> {
        let mut m = Map::new();
        for b in 0..=255u8 {
            m.insert(bytes_to_mapped(&[b]), Value::from(m.len()));
        }
        m
    }

    fn json_with(model_extra: &[(&str, Value)], vocab_extra: &[&str], merges: Value) -> String {
        let mut vocab = byte_vocab();
        for t in vocab_extra {
            let n = vocab.len();
            vocab.insert(t.to_string(), Value::from(n));
        }
        let mut model = serde_json::json!({"type": "BPE", "vocab": vocab, "merges": merges});
        for (k, v) in model_extra {
            model[*k] = v.clone();
        }
        serde_json::json!({
            "added_tokens": [{"id": 300, "content": "<|end|>", "special": true}],
            "normalizer": null,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
            "decoder": {"type": "ByteLevel"},
            "model": model,
        })
        .to_string()
    }

    fn load(text: &str) -> Result<Bpe> {
        Bpe::from_tokenizer_json_bytes("tok.json", text.as_bytes())
    }

    #[test]
    fn both_merge_forms_and_round_trip() {
        let a = load(&json_with(
            &[],
            &["Ġt", "Ġth"],
            serde_json::json!(["Ġ t", ["Ġt", "h"]]),
        ))
        .unwrap();
        assert_eq!(a.encode(" th<|end|>"), [257, 300]);
        let back = load(&a.to_tokenizer_json()).unwrap();
        assert_eq!(back.encode(" th<|end|> t"), a.encode(" th<|end|> t"));
        assert_eq!(back.merges(), a.merges());
        assert_eq!(back.added_tokens(), a.added_tokens());
    }

    #[test]
    fn bad_files_are_refused_with_reasons() {
        let cases: Vec<(String, &str)> = vec![
            ("{".into(), "tok.json:1"),
            (
                r#"{"model": {"type": "WordPiece", "vocab": {}}}"#.into(),
                "WordPiece, not BPE",
            ),
            (
                r#"{"model": {"type": "Unigram", "vocab": []}}"#.into(),
                "Unigram, not BPE",
            ),
            (
                json_with(&[], &[], serde_json::json!(["Ġ zz"])),
                "not in the vocabulary",
            ),
            (
                json_with(&[], &[], serde_json::json!(["Ġ t"])),
                "makes \"Ġt\"",
            ),
            (json_with(&[], &[], serde_json::json!(["Ġt"])), "merge #0"),
            (
                json_with(&[("dropout", Value::from(0.1))], &[], serde_json::json!([])),
                "dropout",
            ),
            (
                json_with(
                    &[("continuing_subword_prefix", Value::from("##"))],
                    &[],
                    serde_json::json!([]),
                ),
                "continuing_subword_prefix",
            ),
        ];
        for (text, expect) in cases {
            let e = load(&text).unwrap_err().to_string();
            assert!(e.contains(expect), "{expect:?} not in {e}");
            assert!(e.starts_with("tok.json"), "{e}");
        }
        let mut v: Value =
            serde_json::from_str(&json_with(&[], &[], serde_json::json!([]))).unwrap();
        v["pre_tokenizer"] = serde_json::json!({"type": "Whitespace"});
        let e = load(&v.to_string()).unwrap_err().to_string();
        assert!(e.contains("Whitespace"), "{e}");
        v["pre_tokenizer"] = Value::Null;
        let e = load(&v.to_string()).unwrap_err().to_string();
        assert!(e.contains("character-level"), "{e}");
    }

    #[test]
    fn split_then_byte_level_reads_the_pattern() {
        let mut v: Value =
            serde_json::from_str(&json_with(&[], &[], serde_json::json!([]))).unwrap();
        v["pre_tokenizer"] = serde_json::json!({"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": CL100K_PATTERN}, "behavior": "Isolated", "invert": false},
            {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]});
        let b = load(&v.to_string()).unwrap();
        assert_eq!(b.pattern(), &Pattern::Cl100k);
        assert!(!b.add_prefix_space());
        let back = load(&b.to_tokenizer_json()).unwrap();
        assert_eq!(back.pattern(), &Pattern::Cl100k);
        v["pre_tokenizer"]["pretokenizers"][0]["behavior"] = Value::from("Removed");
        assert!(load(&v.to_string())
            .unwrap_err()
            .to_string()
            .contains("Isolated"));
    }

    #[test]
    fn gpt2_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut vocab = byte_vocab();
        vocab.insert("Ġt".into(), Value::from(256));
        vocab.insert("<|endoftext|>".into(), Value::from(257));
        let vp = dir.path().join("vocab.json");
        let mp = dir.path().join("merges.txt");
        std::fs::write(&vp, Value::Object(vocab).to_string()).unwrap();
        std::fs::write(&mp, "#version: 0.2\nĠ t\n").unwrap();
        let b = Bpe::from_gpt2_files(&vp, &mp).unwrap();
        assert_eq!(b.encode(" t<|endoftext|>"), [256, 257]);
        std::fs::write(&mp, "#version: 0.2\nĠ t\nĠt x\n").unwrap();
        let e = Bpe::from_gpt2_files(&vp, &mp).unwrap_err().to_string();
        assert!(e.contains("merges.txt:3"), "{e}");
        std::fs::write(&mp, "Ġ t\nbad\n").unwrap();
        let e = Bpe::from_gpt2_files(&vp, &mp).unwrap_err().to_string();
        assert!(e.contains("merges.txt:2"), "{e}");
    }

    proptest::proptest! {
        #[test]
        fn damaged_files_are_errors_not_panics(cut in 0usize..2000, flip in 0usize..2000, byte: u8) {
            let good = json_with(&[], &["Ġt"], serde_json::json!(["Ġ t"]));
            let mut bytes = good.into_bytes();
            let n = bytes.len();
            bytes[flip % n] = byte;
            bytes.truncate(n - cut % n);
            let _ = Bpe::from_tokenizer_json_bytes("tok.json", &bytes);
        }
    }
}
