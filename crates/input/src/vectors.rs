//! Token embeddings from static vectors (`embedpos_embed::Embeddings`, any
//! format it loads).

use embedpos_embed::Embeddings;
use embedpos_tokenize::Vocab;

use crate::error::Result;
use crate::real::Real;
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

/// The vector of one token. `Embeddings` has no subword lookup yet (the
/// fastText issue adds it); when it does, a token it lacks but can build from
/// its character n-grams is returned here as [`VectorLookup::Subword`], and
/// everything downstream (the init report, the `[UNK]` mean) already counts it.
fn lookup<'a>(emb: &'a Embeddings, token: &str) -> VectorLookup<'a> {
    match emb.vector(token) {
        Some(v) => VectorLookup::Found(v),
        None => VectorLookup::Missing,
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
}
