//! Token embeddings from static vectors (`embedpos_embed::Embeddings`, any
//! format it loads).

use embedpos_embed::Embeddings;
use embedpos_tokenize::Vocab;

use crate::error::Result;
use crate::real::Real;
use crate::special::SPECIAL_TOKENS;
use crate::token_embedding::{TokenEmbedding, VectorLookup};

/// A token embedding for `vocab` (default: the vectors' own vocabulary, in
/// its order) with rows from `emb`, initialised as
/// [`TokenEmbedding::from_lookup`] documents; `seed` draws the rows of tokens
/// the vectors lack. [`TokenEmbedding::report`] says how many there were.
pub fn embedding_from_vectors<T: Real>(
    emb: &Embeddings,
    vocab: Option<&Vocab>,
    seed: u64,
) -> Result<TokenEmbedding<T>> {
    let vocab = vocab.unwrap_or(emb.vocab());
    TokenEmbedding::from_lookup(vocab, emb.dim(), |token| lookup(emb, token), seed)
}

/// The vector of one token: its row when the vectors have it; else, when
/// the vectors carry fastText subwords, the mean of its char n-gram rows
/// ([`VectorLookup::Subword`], counted as such in the init report); else
/// [`VectorLookup::Missing`]. The special tokens (`[UNK]`, ...) never take
/// subword vectors: their rows are set as [`TokenEmbedding::from_lookup`]
/// documents.
fn lookup<'a>(emb: &'a Embeddings, token: &str) -> VectorLookup<'a> {
    if let Some(v) = emb.vector(token) {
        return VectorLookup::Found(v);
    }
    if emb.subwords().is_none() || SPECIAL_TOKENS.contains(&token) {
        return VectorLookup::Missing;
    }
    match emb.word_vector(token) {
        Ok(v) => VectorLookup::Subword(v.into_owned()),
        Err(_) => VectorLookup::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::special::UNK;

    #[test]
    fn rows_follow_the_vectors_and_a_given_vocabulary() {
        let words = ["the", "cat"].map(String::from).to_vec();
        let emb = Embeddings::new(
            Vocab::from_ordered(words, vec![2, 1]).unwrap(),
            2,
            vec![1.0, 2.0, 3.0, 4.0],
        )
        .unwrap();
        let e = embedding_from_vectors::<f32>(&emb, None, 0).unwrap();
        assert_eq!(e.len(), 6);
        assert_eq!(e.token_row("cat"), [3.0, 4.0]);
        assert_eq!(e.row(UNK), Some(&[2.0, 3.0][..]));
        let mine = Vocab::from_ordered(vec!["cat".into(), "dog".into()], vec![1, 1]).unwrap();
        let e = embedding_from_vectors::<f32>(&emb, Some(&mine), 0).unwrap();
        assert_eq!(e.vocab().id("cat"), Some(4));
        assert_eq!(e.report().missing, 1);
        assert_eq!(e.report().missing_examples, ["dog"]);
    }

    #[test]
    fn unseen_tokens_take_subword_vectors() {
        use embedpos_embed::Subwords;
        use embedpos_tokenize::NgramConfig;
        let emb = Embeddings::new(
            Vocab::from_ordered(vec!["the".into()], vec![1]).unwrap(),
            2,
            vec![1.0, 2.0],
        )
        .unwrap();
        let cfg = NgramConfig {
            minn: 3,
            maxn: 3,
            bucket: 2,
        };
        let emb = emb
            .with_subwords(Subwords::new(cfg, 2, vec![0.5, 0.5, 0.5, 0.5]).unwrap())
            .unwrap();
        let mine =
            Vocab::from_ordered(vec!["the".into(), "cats".into(), "a".into()], vec![1, 1, 1])
                .unwrap();
        let e = embedding_from_vectors::<f32>(&emb, Some(&mine), 0).unwrap();
        assert_eq!(e.token_row("the"), [1.0, 2.0]);
        assert_eq!(e.token_row("cats"), [0.5, 0.5]);
        // "a" is "<a>", itself a 3-gram: it gets a subword vector too.
        assert_eq!(e.report().from_subwords, 2);
        assert_eq!(e.report().missing, 0);
        assert_eq!(e.report().from_vectors, 1);
    }
}
