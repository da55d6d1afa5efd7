//! Property tests: every readable format gives back exactly what was written,
//! and the sniffer recognises every format it can read.

use super::Format;
use crate::Embeddings;
use embedpos_tokenize::Vocab;
use proptest::prelude::*;

/// Words a whitespace-separated format can hold: non-empty, no ASCII
/// whitespace, any other Unicode.
fn word() -> impl Strategy<Value = String> {
    "[^\\s]{1,12}".prop_filter("no ASCII whitespace", |w| {
        !w.is_empty() && !w.bytes().any(|b| b.is_ascii_whitespace())
    })
}

/// Any finite `f32`, subnormals and `-0.0` included.
fn value() -> impl Strategy<Value = f32> {
    any::<u32>()
        .prop_map(f32::from_bits)
        .prop_filter("finite", |v| v.is_finite())
}

fn embeddings(min_rows: usize) -> impl Strategy<Value = Embeddings> {
    (
        proptest::collection::hash_set(word(), min_rows..20),
        1usize..9,
    )
        .prop_flat_map(|(words, dim)| {
            let words: Vec<String> = words.into_iter().collect();
            let n = words.len();
            proptest::collection::vec(value(), n * dim).prop_map(move |m| {
                let counts = (0..n as u64).map(|i| n as u64 - i).collect();
                Embeddings::new(Vocab::from_ordered(words.clone(), counts).unwrap(), dim, m)
                    .unwrap()
            })
        })
}

fn round_trip(e: &Embeddings, format: Format, sniff: bool) -> Embeddings {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v");
    e.save(&p, format).unwrap();
    Embeddings::load(&p, (!sniff).then_some(format)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn readable_formats_round_trip_bit_for_bit(e in embeddings(0)) {
        for f in [Format::Word2VecText, Format::Word2VecBinary, Format::Native] {
            prop_assert_eq!(&round_trip(&e, f, false), &e, "{}", f);
        }
    }

    #[test]
    fn glove_round_trips(e in embeddings(1)) {
        prop_assert_eq!(&round_trip(&e, Format::GloveText, false), &e);
    }

    /// With ordinary values (not raw bit patterns, which can spell digits)
    /// the sniffer tells every readable format apart.
    #[test]
    fn sniffing_finds_the_format(
        words in proptest::collection::hash_set(word(), 1..10),
        dim in 2usize..6,
        seed in any::<u64>(),
    ) {
        let words: Vec<String> = words.into_iter().collect();
        let n = words.len();
        let m = (0..n * dim).map(|i| ((i as u64 ^ seed) % 1000) as f32 / 37.0 - 13.0).collect();
        let counts = (0..n as u64).map(|i| n as u64 - i).collect();
        let e = Embeddings::new(Vocab::from_ordered(words, counts).unwrap(), dim, m).unwrap();
        for f in [Format::Word2VecText, Format::Word2VecBinary, Format::GloveText, Format::Native] {
            prop_assert_eq!(&round_trip(&e, f, true), &e, "{}", f);
        }
    }

    /// Native files keep subword rows and n-gram settings bit for bit, read
    /// into memory or mapped, and unseen words get the same vectors after
    /// the round trip; the other readable formats drop the subwords.
    #[test]
    fn native_round_trips_subwords(
        e in embeddings(0),
        minn in 1usize..4,
        extra in 0usize..3,
        bucket in 1u32..40,
        seed in any::<u32>(),
    ) {
        use crate::Subwords;
        use embedpos_tokenize::NgramConfig;
        let cfg = NgramConfig { minn, maxn: minn + extra, bucket };
        let dim = e.dim();
        let rows = (0..bucket as usize * dim)
            .map(|i| f32::from_bits((i as u32).wrapping_mul(2_654_435_761) ^ seed))
            .map(|v| if v.is_finite() { v } else { 0.5 })
            .collect();
        let e = e.with_subwords(Subwords::new(cfg, dim, rows).unwrap()).unwrap();
        let back = round_trip(&e, Format::Native, true);
        prop_assert_eq!(&back, &e);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.epv");
        e.save(&p, Format::Native).unwrap();
        let mapped = crate::io::mapped::load_mmap(&p).unwrap();
        prop_assert_eq!(&mapped, &e);
        for w in ["unseen", "ab", "日本語"] {
            let got = back.word_vector(w).ok().map(|v| v.into_owned());
            let want = e.word_vector(w).ok().map(|v| v.into_owned());
            prop_assert_eq!(got, want);
        }
        let text = round_trip(&e, Format::Word2VecText, false);
        prop_assert!(text.subwords().is_none());
        prop_assert_eq!(text.matrix(), e.matrix());
    }

    #[test]
    fn exports_hold_the_matrix(e in embeddings(0)) {
        let dir = tempfile::tempdir().unwrap();
        let le: Vec<u8> = e.matrix().iter().flat_map(|v| v.to_le_bytes()).collect();
        let npy = dir.path().join("m.npy");
        e.save(&npy, Format::Npy).unwrap();
        let bytes = std::fs::read(&npy).unwrap();
        let h = embedpos_base::npy::header_f32(&[e.len(), e.dim()]);
        prop_assert_eq!(&bytes[..h.len()], &h[..]);
        prop_assert_eq!(&bytes[h.len()..], &le[..]);
        let st = dir.path().join("m.safetensors");
        e.save(&st, Format::Safetensors).unwrap();
        let bytes = std::fs::read(&st).unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        prop_assert_eq!(&bytes[8 + n..], &le[..]);
    }
}

#[test]
fn words_with_whitespace_are_refused_before_writing() {
    let vocab = Vocab::from_ordered(vec!["new york".into()], vec![1]).unwrap();
    let e = Embeddings::new(vocab, 1, vec![1.0]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for f in [
        Format::Word2VecText,
        Format::Word2VecBinary,
        Format::GloveText,
    ] {
        let p = dir.path().join("v");
        let err = e.save(&p, f).unwrap_err().to_string();
        assert!(
            err.contains("\"new york\"") && err.contains(".epv"),
            "{err}"
        );
        assert!(!p.exists());
    }
    let p = dir.path().join("v.epv");
    e.save(&p, Format::Native).unwrap();
    assert_eq!(Embeddings::load(&p, None).unwrap(), e);
}
