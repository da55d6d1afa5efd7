//! Our n-grams and bucket ids equal fastText's (tests/fixtures/fasttext/
//! ngram_buckets.json, written by scripts/fasttext_ngrams.py with the Python
//! `fasttext` package).

use embedpos_tests::fixture;
use embedpos_tokenize::NgramConfig;

#[test]
fn bucket_ids_equal_fasttext() {
    let text = std::fs::read_to_string(fixture("fasttext/ngram_buckets.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cfg = NgramConfig {
        minn: v["minn"].as_u64().unwrap() as usize,
        maxn: v["maxn"].as_u64().unwrap() as usize,
        bucket: v["bucket"].as_u64().unwrap() as u32,
    };
    let words = v["words"].as_object().unwrap();
    assert!(words.len() >= 15);
    let mut non_ascii = 0;
    for (word, expected) in words {
        let expected: Vec<(String, u32)> = expected
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap().to_string(),
                    p[1].as_u64().unwrap() as u32,
                )
            })
            .collect();
        let mut ours = Vec::new();
        cfg.for_each_ngram(word, |g, id| ours.push((g.to_string(), id)));
        assert_eq!(ours, expected, "word {word:?}");
        if !word.is_ascii() {
            non_ascii += 1;
        }
    }
    assert!(non_ascii >= 8);
}
