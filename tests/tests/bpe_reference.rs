//! Byte-level BPE against its references: the ids Python tiktoken gives for
//! r50k_base and cl100k_base, and a tokenizer HF tokenizers trained
//! (tests/fixtures/bpe, written by `cargo xtask fixtures`).

use embedpos_tests::fixture;
use embedpos_tokenize::bpe::{Bpe, BpeTrainConfig, BpeTrainer, Pattern};
use embedpos_tokenize::CorpusReader;
use proptest::prelude::*;
use serde_json::Value;
use std::sync::OnceLock;

fn r50k() -> &'static Bpe {
    static M: OnceLock<Bpe> = OnceLock::new();
    M.get_or_init(|| Bpe::r50k_base(fixture("bpe/r50k_base.tiktoken.gz")).unwrap())
}

fn cl100k() -> &'static Bpe {
    static M: OnceLock<Bpe> = OnceLock::new();
    M.get_or_init(|| Bpe::cl100k_base(fixture("bpe/cl100k_base.tiktoken.gz")).unwrap())
}

fn hf_trained() -> &'static Bpe {
    static M: OnceLock<Bpe> = OnceLock::new();
    M.get_or_init(|| Bpe::from_tokenizer_json(fixture("bpe/hf_trained/tokenizer.json")).unwrap())
}

/// Our trainer's model of the HF fixture corpus, trained once.
fn ours_trained() -> &'static Bpe {
    static M: OnceLock<Bpe> = OnceLock::new();
    M.get_or_init(|| train_on_fixture(2))
}

fn json(rel: &str) -> Value {
    let text = std::fs::read_to_string(fixture(rel)).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn texts(v: &Value) -> Vec<String> {
    v["texts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}

fn ids(v: &Value) -> Vec<Vec<u32>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l.as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_u64().unwrap() as u32)
                .collect()
        })
        .collect()
}

/// Our ids equal tiktoken's, with and without special tokens, and decode
/// gives the text back.
fn check_tiktoken(name: &str, bpe: &Bpe) {
    let expected = json("bpe/expected_ids.json");
    let texts = texts(&expected);
    let enc = ids(&expected[name]["encode"]);
    let ord = ids(&expected[name]["encode_ordinary"]);
    let pat = expected[name]["pat_str"].as_str().unwrap();
    assert_eq!(
        &Pattern::from_regex(pat),
        bpe.pattern(),
        "{name}: the fixture was made with another pattern"
    );
    for (i, t) in texts.iter().enumerate() {
        assert_eq!(bpe.encode(t), enc[i], "{name} encode {t:?}");
        assert_eq!(
            bpe.encode_ordinary(t),
            ord[i],
            "{name} encode_ordinary {t:?}"
        );
        assert_eq!(
            bpe.decode(&enc[i]).unwrap(),
            t.as_bytes(),
            "{name} decode {t:?}"
        );
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    assert_eq!(bpe.encode_batch(&refs, 2), enc, "{name} encode_batch");
}

#[test]
fn r50k_ids_equal_tiktoken() {
    check_tiktoken("r50k_base", r50k());
    assert_eq!(r50k().encode("hello world"), [31373, 995]);
    assert_eq!(r50k().vocab_size(), 50257);
}

#[test]
fn cl100k_ids_equal_tiktoken() {
    check_tiktoken("cl100k_base", cl100k());
    assert_eq!(cl100k().vocab_size(), 100277);
    assert!(cl100k().decode(&[100261]).is_err(), "a gap in the id space");
}

#[test]
fn hf_trained_tokenizer_encodes_as_hf_and_survives_a_round_trip() {
    let expected = json("bpe/hf_trained/expected_ids.json");
    let texts = texts(&expected);
    let want = ids(&expected["ids"]);
    let bpe = hf_trained();
    for (t, w) in texts.iter().zip(&want) {
        assert_eq!(&bpe.encode(t), w, "{t:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokenizer.json");
    bpe.save_tokenizer_json(&path).unwrap();
    let back = Bpe::from_tokenizer_json(&path).unwrap();
    for (t, w) in texts.iter().zip(&want) {
        assert_eq!(&back.encode(t), w, "re-read: {t:?}");
    }
    assert_eq!(back.merges(), bpe.merges());
    assert_eq!(back.token_strings(), bpe.token_strings());
}

fn train_on_fixture(threads: usize) -> Bpe {
    let cfg = BpeTrainConfig {
        vocab_size: 600,
        special_tokens: vec!["<|endoftext|>".into()],
        pattern: Pattern::Gpt2,
        threads,
        ..Default::default()
    };
    let mut reader = CorpusReader::open(&[fixture("bpe/hf_trained/corpus.txt")]).unwrap();
    BpeTrainer::new(cfg).train(&mut reader, &mut ()).unwrap().0
}

#[test]
fn our_trainer_learns_hfs_merges() {
    let ours = train_on_fixture(1);
    let hf = hf_trained();
    assert_eq!(
        ours.token_strings(),
        hf.token_strings(),
        "the vocabularies differ"
    );
    assert_eq!(ours.merges(), hf.merges(), "the merges differ");
}

#[test]
fn training_does_not_depend_on_the_thread_count() {
    let one = train_on_fixture(1);
    let two = train_on_fixture(2);
    let three = train_on_fixture(3);
    assert_eq!(one.merges(), two.merges());
    assert_eq!(one.merges(), three.merges());
    assert_eq!(one.token_strings(), three.token_strings());
}

#[test]
fn tiktoken_models_written_as_tokenizer_json_encode_the_same() {
    let expected = json("bpe/expected_ids.json");
    let texts = texts(&expected);
    let dir = tempfile::tempdir().unwrap();
    for (name, bpe) in [("r50k", r50k()), ("cl100k", cl100k())] {
        let path = dir.path().join(format!("{name}.json"));
        bpe.save_tokenizer_json(&path).unwrap();
        let back = Bpe::from_tokenizer_json(&path).unwrap();
        assert!(back.ignore_merges());
        assert_eq!(back.pattern(), bpe.pattern());
        for t in &texts {
            assert_eq!(back.encode(t), bpe.encode(t), "{name} {t:?}");
        }
    }
}

fn text() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        " ",
        "  ",
        "\n",
        "\r\n",
        "\t",
        "the",
        "The",
        " cat",
        "'s",
        "'LL",
        "123456",
        "٣",
        "中文",
        "😀",
        "👨‍👩‍👧",
        "e\u{301}",
        "!?",
        "<|endoftext|>",
        "\u{FFFD}",
        "\0",
        "ſ",
    ]);
    prop::collection::vec(
        prop_oneof![3 => atoms.prop_map(String::from), 1 => any::<String>()],
        0..12,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn decode_of_encode_is_the_text(t in text()) {
        for bpe in [r50k(), cl100k(), hf_trained(), ours_trained()] {
            prop_assert_eq!(bpe.decode(&bpe.encode(&t)).unwrap(), t.as_bytes());
            prop_assert_eq!(bpe.decode(&bpe.encode_ordinary(&t)).unwrap(), t.as_bytes());
        }
    }

    #[test]
    fn arbitrary_bytes_survive_encode_bytes(b in prop::collection::vec(any::<u8>(), 0..64)) {
        for bpe in [r50k(), cl100k(), hf_trained(), ours_trained()] {
            prop_assert_eq!(bpe.decode(&bpe.encode_bytes(&b)).unwrap(), b.clone());
        }
    }
}
