//! Similarity queries: nearest neighbours, analogies (3CosAdd and 3CosMul),
//! the odd one out — computed as gensim's `KeyedVectors` computes them, on
//! the unit-length copy of the matrix ([`Embeddings::normalized`]).
//!
//! Query words outside the vocabulary are accepted when the embeddings carry
//! [`Subwords`](crate::Subwords): their vector is composed from their char
//! n-grams ([`Embeddings::word_vector`]) and normalised like any row. As in
//! fastText's `nn` and `analogies`, such a word is left out of the results
//! only by string equality, which no vocabulary word can match.
//!
//! Each query is one matrix–vector product over the candidate rows (split
//! across threads with rayon when the matrix is large) and a partial sort for
//! the top N. Ties are broken by the lower id, so results are deterministic.

use crate::embeddings::Embeddings;
use crate::error::{Error, Result};
use crate::kernels::{dot_f64, Kernels, Portable, RowMean};
use rayon::prelude::*;

/// Matrices with at least this many values are scored in parallel.
const PARALLEL_MIN: usize = 1 << 18;

/// A word returned by a query, with its score (cosine similarity for
/// [`most_similar`](Embeddings::most_similar), the 3CosMul objective for
/// [`most_similar_cosmul`](Embeddings::most_similar_cosmul)).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Neighbor {
    /// The word's id.
    pub id: u32,
    /// The word.
    pub word: String,
    /// Its score; higher is more similar.
    pub similarity: f32,
}

/// How an analogy `a : b :: c : ?` is solved (Levy & Goldberg 2014,
/// "Linguistic Regularities in Sparse and Explicit Word Representations").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnalogyMethod {
    /// 3CosAdd (Mikolov et al. 2013): `argmax_d cos(d, b - a + c)`, with each
    /// word's unit vector; gensim's `most_similar(positive=[b, c], negative=[a])`.
    #[default]
    Add,
    /// 3CosMul: `argmax_d cos'(d,b) cos'(d,c) / (cos'(d,a) + 1e-6)` with
    /// `cos' = (1 + cos) / 2`; gensim's `most_similar_cosmul`.
    Mul,
}

impl std::str::FromStr for AnalogyMethod {
    type Err = Error;
    /// `add` (also `3cosadd`) or `mul` (also `3cosmul`).
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "add" | "3cosadd" | "cosadd" => Ok(AnalogyMethod::Add),
            "mul" | "3cosmul" | "cosmul" => Ok(AnalogyMethod::Mul),
            _ => Err(Error::InvalidArgument(format!(
                "unknown analogy method {s:?}; use add or mul"
            ))),
        }
    }
}

impl Embeddings {
    /// Cosine similarity of two words (unseen words too, through subwords;
    /// see the [module docs](crate::query)).
    pub fn similarity(&self, a: &str, b: &str) -> Result<f32> {
        if let (Some(a), Some(b)) = (self.vocab().id(a), self.vocab().id(b)) {
            return Ok(self.cosine_ids(a, b) as f32);
        }
        let (x, y) = (self.unit_vector(a)?, self.unit_vector(b)?);
        Ok(dot_f64(&x, &y) as f32)
    }

    /// The unit-length vector of any word: the normalised row of an
    /// in-vocabulary word, else its composed subword vector normalised.
    pub(crate) fn unit_vector(&self, word: &str) -> Result<Vec<f32>> {
        if let Some(id) = self.vocab().id(word) {
            return Ok(self.normalized_row(id).unwrap_or(&[]).to_vec());
        }
        let mut v = self.word_vector(word)?.into_owned();
        unit(&mut v);
        Ok(v)
    }

    /// Cosine similarity of the words with ids `a` and `b`, in `f64` (0 when
    /// either vector is all zeros). Panics on an id out of range.
    pub(crate) fn cosine_ids(&self, a: u32, b: u32) -> f64 {
        let (x, y) = (self.normalized_row(a), self.normalized_row(b));
        match (x, y) {
            (Some(x), Some(y)) => dot_f64(x, y),
            _ => 0.0,
        }
    }

    /// The `topn` words most similar to the mean of the unit vectors of
    /// `positive` minus those of `negative`, by cosine; the query words
    /// themselves are left out. Only the first `restrict_vocab` words (the
    /// most frequent, in a frequency-ordered vocabulary) are candidates.
    ///
    /// Equals gensim's `most_similar(positive, negative, topn,
    /// restrict_vocab=restrict_vocab)`. Errors when a word is not in the
    /// vocabulary (and has no subword vector), no word is given, or
    /// `restrict_vocab` is `Some(0)`.
    pub fn most_similar(
        &self,
        positive: &[&str],
        negative: &[&str],
        topn: usize,
        restrict_vocab: Option<usize>,
    ) -> Result<Vec<Neighbor>> {
        self.rank_words(AnalogyMethod::Add, positive, negative, topn, restrict_vocab)
    }

    /// The `topn` words whose vectors are most similar (cosine) to `vector`,
    /// among the first `restrict_vocab` words.
    pub fn similar_by_vector(
        &self,
        vector: &[f32],
        topn: usize,
        restrict_vocab: Option<usize>,
    ) -> Result<Vec<Neighbor>> {
        if vector.len() != self.dim() {
            return Err(Error::InvalidArgument(format!(
                "query vector has {} values, the embeddings have dimension {}",
                vector.len(),
                self.dim()
            )));
        }
        let limit = self.limit(restrict_vocab)?;
        let mut q = vector.to_vec();
        unit(&mut q);
        let scores = self.scores(&q, limit);
        Ok(self.neighbors(&scores, topn, &[]))
    }

    /// Solves `a : b :: c : ?` ("man is to king as woman is to ?"), returning
    /// the `topn` best answers other than `a`, `b` and `c`.
    pub fn analogy(
        &self,
        a: &str,
        b: &str,
        c: &str,
        method: AnalogyMethod,
        topn: usize,
    ) -> Result<Vec<Neighbor>> {
        self.rank_words(method, &[b, c], &[a], topn, None)
    }

    /// The `topn` words by the multiplicative objective of Levy & Goldberg
    /// (2014), eq. 4 with cosines shifted to `[0, 1]`:
    /// `∏_p (1 + cos(d, p)) / 2 / (∏_n (1 + cos(d, n)) / 2 + 1e-6)`; the
    /// query words are left out.
    ///
    /// Equals gensim's `most_similar_cosmul(positive, negative, topn)`.
    /// gensim 4.4 ignores its `restrict_vocab`; here `restrict_vocab` limits
    /// the candidates as in [`most_similar`](Self::most_similar).
    pub fn most_similar_cosmul(
        &self,
        positive: &[&str],
        negative: &[&str],
        topn: usize,
        restrict_vocab: Option<usize>,
    ) -> Result<Vec<Neighbor>> {
        self.rank_words(AnalogyMethod::Mul, positive, negative, topn, restrict_vocab)
    }

    /// The word least similar to the mean of the others' unit vectors
    /// (gensim's `doesnt_match`); unseen words take part through subwords.
    /// Errors on an unknown word or an empty list.
    pub fn doesnt_match(&self, words: &[&str]) -> Result<String> {
        if words.is_empty() {
            return Err(Error::InvalidArgument(
                "doesnt_match needs at least one word".into(),
            ));
        }
        let vecs = words
            .iter()
            .map(|w| self.unit_vector(w))
            .collect::<Result<Vec<_>>>()?;
        let mut mean = vec![0f32; self.dim()];
        let mut sum = RowMean::<Portable>::new(&mut mean);
        for v in &vecs {
            sum.add(v);
        }
        sum.sum();
        unit(&mut mean);
        let scored = vecs
            .iter()
            .zip(words)
            .map(|(v, w)| (Portable::dot_acc::<1>(v, &mean), *w));
        let worst = scored.min_by(|x, y| x.0.total_cmp(&y.0).then_with(|| x.1.cmp(y.1)));
        Ok(worst.map(|(_, w)| w.to_string()).unwrap_or_default())
    }

    /// Query words as terms: +1 weight for positive, -1 for negative.
    fn terms(&self, positive: &[&str], negative: &[&str]) -> Result<Vec<Term>> {
        if positive.is_empty() && negative.is_empty() {
            return Err(Error::InvalidArgument(
                "give at least one query word".into(),
            ));
        }
        let term = |w: &str, weight: f32| -> Result<Term> {
            Ok(Term {
                unit: self.unit_vector(w)?,
                weight,
                id: self.vocab().id(w),
            })
        };
        let pos = positive.iter().map(|w| term(w, 1.0));
        let neg = negative.iter().map(|w| term(w, -1.0));
        pos.chain(neg).collect()
    }

    /// Query terms of in-vocabulary ids.
    fn id_terms(&self, terms: &[(u32, f32)]) -> Vec<Term> {
        terms
            .iter()
            .map(|&(id, weight)| Term {
                unit: self.normalized_row(id).unwrap_or(&[]).to_vec(),
                weight,
                id: Some(id),
            })
            .collect()
    }

    /// The number of candidate rows for `restrict_vocab`.
    pub(crate) fn limit(&self, restrict_vocab: Option<usize>) -> Result<usize> {
        match restrict_vocab {
            Some(0) => Err(Error::InvalidArgument(
                "restrict_vocab 0 leaves no candidate words; give at least 1 (or none for the whole vocabulary)"
                    .into(),
            )),
            Some(n) => Ok(n.min(self.len())),
            None => Ok(self.len()),
        }
    }

    /// The `topn` best rows among `0..limit` that are not terms, for terms
    /// of in-vocabulary ids `(id, weight)`, by `method`: 3CosAdd scores the
    /// rows against the unit-length weighted mean of the terms' unit
    /// vectors (gensim's `get_mean_vector(pre_normalize=True,
    /// post_normalize=True)`), 3CosMul by the multiplicative objective.
    pub(crate) fn rank_ids(
        &self,
        method: AnalogyMethod,
        terms: &[(u32, f32)],
        topn: usize,
        limit: usize,
    ) -> Vec<Neighbor> {
        self.rank(method, &self.id_terms(terms), topn, limit)
    }

    /// [`rank_ids`](Self::rank_ids) for query words, `positive` weighing +1
    /// and `negative` −1, among the first `restrict_vocab` words. 3CosMul
    /// needs a positive word.
    fn rank_words(
        &self,
        method: AnalogyMethod,
        positive: &[&str],
        negative: &[&str],
        topn: usize,
        restrict_vocab: Option<usize>,
    ) -> Result<Vec<Neighbor>> {
        if method == AnalogyMethod::Mul && positive.is_empty() {
            return Err(Error::InvalidArgument(
                "3CosMul needs at least one positive word".into(),
            ));
        }
        let terms = self.terms(positive, negative)?;
        let limit = self.limit(restrict_vocab)?;
        Ok(self.rank(method, &terms, topn, limit))
    }

    fn rank(
        &self,
        method: AnalogyMethod,
        terms: &[Term],
        topn: usize,
        limit: usize,
    ) -> Vec<Neighbor> {
        match method {
            AnalogyMethod::Add => self.most_similar_terms(terms, topn, limit),
            AnalogyMethod::Mul => self.cosmul_terms(terms, topn, limit),
        }
    }

    /// 3CosAdd over query terms, rows `0..limit` (see [`rank_ids`](Self::rank_ids)).
    fn most_similar_terms(&self, terms: &[Term], topn: usize, limit: usize) -> Vec<Neighbor> {
        let mut mean = vec![0f32; self.dim()];
        let mut total = 0f32;
        for t in terms {
            Portable::axpy(t.weight, &t.unit, &mut mean);
            total += t.weight.abs();
        }
        if total > 0.0 {
            mean.iter_mut().for_each(|m| *m /= total);
        }
        unit(&mut mean);
        let scores = self.scores(&mean, limit);
        self.neighbors(&scores, topn, &exclusions(terms))
    }

    /// 3CosMul over query terms, rows `0..limit`.
    fn cosmul_terms(&self, terms: &[Term], topn: usize, limit: usize) -> Vec<Neighbor> {
        let mut num = vec![1f32; limit];
        let mut den = vec![1f32; limit];
        for t in terms {
            let s = self.scores(&t.unit, limit);
            let target = if t.weight > 0.0 { &mut num } else { &mut den };
            for (x, c) in target.iter_mut().zip(s) {
                *x *= (1.0 + c) / 2.0;
            }
        }
        // With no negative words the empty product is 1, as in numpy.
        let scores: Vec<f32> = num.iter().zip(&den).map(|(n, d)| n / (d + 1e-6)).collect();
        self.neighbors(&scores, topn, &exclusions(terms))
    }

    /// `dot(normalized row i, q)` for rows `0..limit`.
    pub(crate) fn scores(&self, q: &[f32], limit: usize) -> Vec<f32> {
        let dim = self.dim();
        let rows = &self.normalized()[..limit * dim];
        let mut out = vec![0f32; limit];
        if rows.len() >= PARALLEL_MIN {
            out.par_chunks_mut(1024)
                .zip(rows.par_chunks(1024 * dim))
                .for_each(|(o, r)| score_rows(r, dim, q, o));
        } else {
            score_rows(rows, dim, q, &mut out);
        }
        out
    }

    /// The `topn` best-scoring rows not in `exclude`, best first.
    fn neighbors(&self, scores: &[f32], topn: usize, exclude: &[u32]) -> Vec<Neighbor> {
        top_k(scores, topn.saturating_add(exclude.len()))
            .into_iter()
            .filter(|id| !exclude.contains(id))
            .take(topn)
            .map(|id| Neighbor {
                id,
                word: self.vocab().token(id).to_string(),
                similarity: scores[id as usize],
            })
            .collect()
    }
}

/// A query word: its unit vector, its weight (+1 positive, -1 negative) and
/// its id when it is in the vocabulary.
struct Term {
    unit: Vec<f32>,
    weight: f32,
    id: Option<u32>,
}

/// The ids the results leave out: the in-vocabulary query words. (An unseen
/// query word cannot equal a vocabulary word, so nothing else is left out.)
fn exclusions(terms: &[Term]) -> Vec<u32> {
    let mut v: Vec<u32> = terms.iter().filter_map(|t| t.id).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// `out[i] = row i · q`, with the portable kernels (separate multiply and
/// add), so that scores are the same on every CPU.
fn score_rows(rows: &[f32], dim: usize, q: &[f32], out: &mut [f32]) {
    for (o, row) in out.iter_mut().zip(rows.chunks_exact(dim)) {
        *o = Portable::dot_acc::<1>(row, q);
    }
}

/// Scales `v` to unit L2 length (norm accumulated in `f64`); a zero vector
/// stays zero.
pub(crate) fn unit(v: &mut [f32]) {
    let n = v.iter().map(|&x| x as f64 * x as f64).sum::<f64>().sqrt() as f32;
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
}

/// Scales every `dim`-wide row of `m` to unit length, in parallel when large.
pub(crate) fn normalize_rows(m: &mut [f32], dim: usize) {
    if m.len() >= PARALLEL_MIN {
        m.par_chunks_mut(dim).for_each(unit);
    } else {
        m.chunks_mut(dim).for_each(unit);
    }
}

/// Indices of the `k` largest scores, largest first, ties to the lower index.
pub(crate) fn top_k(scores: &[f32], k: usize) -> Vec<u32> {
    let k = k.min(scores.len());
    if k == 0 {
        return Vec::new();
    }
    let better = |a: &u32, b: &u32| {
        scores[*b as usize]
            .total_cmp(&scores[*a as usize])
            .then(a.cmp(b))
    };
    let mut idx: Vec<u32> = (0..scores.len() as u32).collect();
    if k < idx.len() {
        idx.select_nth_unstable_by(k - 1, better);
        idx.truncate(k);
    }
    idx.sort_unstable_by(better);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_orders_and_breaks_ties_by_id() {
        assert_eq!(top_k(&[0.1, 0.9, 0.5, 0.9], 3), [1, 3, 2]);
        assert_eq!(top_k(&[0.1, 0.9], 5), [1, 0]);
        assert!(top_k(&[0.1], 0).is_empty());
    }

    #[test]
    fn most_similar_excludes_queries_and_respects_restrict() {
        let e = Embeddings::from_rows(&[
            ("a", [1.0, 0.0]),
            ("b", [0.9, 0.1]),
            ("c", [0.0, 1.0]),
            ("d", [0.95, 0.0]),
        ]);
        let r = e.most_similar(&["a"], &[], 2, None).unwrap();
        assert_eq!(
            r.iter().map(|n| n.word.as_str()).collect::<Vec<_>>(),
            ["d", "b"]
        );
        assert!((r[0].similarity - 1.0).abs() < 1e-6);
        let r = e.most_similar(&["a"], &[], 2, Some(3)).unwrap();
        assert_eq!(r[0].word, "b");
        assert!(e.most_similar(&["zz"], &[], 2, None).is_err());
        assert!(e.most_similar(&[], &[], 2, None).is_err());
        assert!(e.most_similar(&["a"], &[], 2, Some(0)).is_err());
        assert!(e.most_similar(&["a"], &[], 0, None).unwrap().is_empty());
    }

    #[test]
    fn analogies_and_odd_one_out() {
        // king - man + woman = queen in a toy plane.
        let e = Embeddings::from_rows(&[
            ("man", [1.0, 0.0]),
            ("woman", [1.0, 1.0]),
            ("king", [3.0, 0.2]),
            ("queen", [3.0, 3.2]),
            ("apple", [-1.0, 0.3]),
        ]);
        for m in [AnalogyMethod::Add, AnalogyMethod::Mul] {
            let r = e.analogy("man", "king", "woman", m, 1).unwrap();
            assert_eq!(r[0].word, "queen", "{m:?}");
        }
        assert_eq!(e.doesnt_match(&["man", "king", "apple"]).unwrap(), "apple");
        assert!(e.doesnt_match(&[]).is_err());
        assert!((e.similarity("man", "woman").unwrap() - 0.5f32.sqrt()).abs() < 1e-6);
    }

    #[test]
    fn unseen_words_are_queried_through_subwords() {
        use crate::Subwords;
        use embedpos_tokenize::NgramConfig;
        let cfg = NgramConfig {
            minn: 3,
            maxn: 3,
            bucket: 5,
        };
        // Every bucket row points along x, so any unseen word of 1+ chars
        // lands on x.
        let sub = Subwords::new(cfg, 2, [1.0, 0.0].repeat(5)).unwrap();
        let e = Embeddings::from_rows(&[("a", [1.0, 0.0]), ("b", [0.8, 0.6]), ("c", [0.0, 1.0])])
            .with_subwords(sub)
            .unwrap();
        let r = e.most_similar(&["unseen"], &[], 3, None).unwrap();
        assert_eq!(
            r.iter().map(|n| n.word.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"],
            "an unseen query word excludes nothing"
        );
        assert!((r[0].similarity - 1.0).abs() < 1e-6);
        assert!((e.similarity("unseen", "b").unwrap() - 0.8).abs() < 1e-6);
        let r = e.analogy("zzz", "a", "c", AnalogyMethod::Mul, 1).unwrap();
        assert_eq!(r[0].word, "b");
        assert_eq!(e.doesnt_match(&["xyz", "a", "c"]).unwrap(), "c");
        // Without subwords the same query is an error naming the word.
        let plain = e.clone().without_subwords();
        let err = plain.most_similar(&["unseen"], &[], 3, None).unwrap_err();
        assert!(err.to_string().contains("unseen"), "{err}");
    }
}
