//! The committed fixtures are exactly what `cargo xtask fixtures` generates.

use embedpos_tests::fixture;
use embedpos_tokenize::synthetic::{PlantedCorpus, DEFAULT_SEED, DEFAULT_TOKENS};

#[test]
fn planted_corpus_regenerates_byte_for_byte() {
    let planted = PlantedCorpus::new(DEFAULT_SEED);
    let mut a = Vec::new();
    planted.write_corpus(&mut a, DEFAULT_TOKENS).unwrap();
    let mut b = Vec::new();
    PlantedCorpus::new(DEFAULT_SEED)
        .write_corpus(&mut b, DEFAULT_TOKENS)
        .unwrap();
    assert!(a == b, "two generations differ");
    let committed = std::fs::read(fixture("planted/corpus.txt")).unwrap();
    assert!(
        a == committed,
        "tests/fixtures/planted/corpus.txt is stale: run `cargo xtask fixtures`"
    );
    let questions = std::fs::read_to_string(fixture("planted/analogies.txt")).unwrap();
    assert_eq!(planted.analogies(), questions);
    let tokens = std::str::from_utf8(&a).unwrap().split_whitespace().count();
    assert!((1_000_000..1_010_000).contains(&tokens), "{tokens} tokens");
}
