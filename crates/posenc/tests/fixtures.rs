//! Comparisons with the independent f64 reference in
//! `tests/fixtures/make_fixtures.py` (pure Python, from the papers and HF's
//! formulas). Tolerances:
//!
//! * sinusoidal tables (f32 output): absolute 1e-7 up to position 10^6
//!   (the project requires 1e-5; f32 rounding alone is 6e-8);
//! * RoPE frequencies and attention factors (f64): relative 1e-12;
//! * RoPE applied to a vector (f32 cache and arithmetic): absolute 2e-6 per
//!   unit of the vector's largest entry;
//! * ALiBi slopes (f64): relative 1e-14;
//! * T5 buckets: exact.

use embedpos_posenc::{alibi_slopes, Rope, RopeConfig, Sinusoidal, SinusoidalConfig, T5Config};
use serde::Deserialize;

fn load<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[derive(Deserialize)]
struct Cases<T> {
    cases: Vec<T>,
}

#[derive(Deserialize)]
struct SinCase {
    config: SinusoidalConfig,
    positions: Vec<usize>,
    rows: Vec<Vec<f64>>,
}

#[test]
fn sinusoidal_tables_match_the_reference() {
    let cases: Cases<SinCase> = load("sinusoidal.json");
    let mut worst = 0.0f64;
    for c in &cases.cases {
        let s = Sinusoidal::new(c.config).unwrap();
        for (&p, want) in c.positions.iter().zip(&c.rows) {
            // through the fast block path, starting a few rows before p so that
            // p is reached by rotation, not only by an anchor
            let start = p.saturating_sub(5);
            let t = s.table(start, p - start + 1).unwrap();
            let got = t.row(p - start).unwrap();
            assert_eq!(got.len(), want.len(), "{:?}", c.config);
            for (g, w) in got.iter().zip(want) {
                let e = (*g as f64 - w).abs();
                worst = worst.max(e);
                assert!(e <= 1e-7, "{:?} position {p}: {g} vs {w}", c.config);
            }
        }
    }
    eprintln!("sinusoidal: worst abs error {worst:.2e}");
}

#[derive(Deserialize)]
struct FreqCase {
    name: String,
    config: RopeConfig,
    seq_len: usize,
    inv_freq: Vec<f64>,
    attention_factor: f64,
}

#[test]
fn rope_frequencies_match_hf_formulas() {
    let cases: Cases<FreqCase> = load("rope_freqs.json");
    assert!(cases.cases.len() > 40);
    for c in &cases.cases {
        let rope = Rope::new(c.config).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        let f = rope.frequencies(c.seq_len);
        assert_eq!(f.inv_freq.len(), c.inv_freq.len(), "{}", c.name);
        for (i, (g, w)) in f.inv_freq.iter().zip(&c.inv_freq).enumerate() {
            assert!(
                (g - w).abs() <= 1e-12 * w.abs(),
                "{} pair {i}: {g} vs {w}",
                c.name
            );
        }
        let (g, w) = (f.attention_factor, c.attention_factor);
        assert!(
            (g - w).abs() <= 1e-12 * w,
            "{}: attention factor {g} vs {w}",
            c.name
        );
    }
}

#[derive(Deserialize)]
struct ApplyCase {
    config: RopeConfig,
    x: Vec<f32>,
    positions: Vec<usize>,
    out: Vec<Vec<f64>>,
}

#[test]
fn rope_rotation_matches_the_reference() {
    let cases: Cases<ApplyCase> = load("rope_apply.json");
    for c in &cases.cases {
        let rope = Rope::new(c.config).unwrap();
        let cache = rope.cache(c.positions.iter().max().unwrap() + 1).unwrap();
        let scale = c.x.iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64;
        for (&p, want) in c.positions.iter().zip(&c.out) {
            let mut v = c.x.clone();
            cache.apply(&mut v, 1, p).unwrap();
            for (g, w) in v.iter().zip(want) {
                assert!(
                    (*g as f64 - w).abs() <= 2e-6 * scale,
                    "{:?} p={p}: {g} vs {w}",
                    c.config
                );
            }
        }
    }
}

#[derive(Deserialize)]
struct AlibiFixture {
    slopes: std::collections::BTreeMap<String, Vec<f64>>,
}

#[test]
fn alibi_slopes_match_the_reference_for_1_to_64_heads() {
    let f: AlibiFixture = load("alibi.json");
    assert_eq!(f.slopes.len(), 64);
    for (n, want) in &f.slopes {
        let got = alibi_slopes(n.parse().unwrap()).unwrap();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= 1e-14 * w, "{n} heads: {g} vs {w}");
        }
    }
}

#[derive(Deserialize)]
struct T5Case {
    config: T5Config,
    relative_positions: Vec<i64>,
    buckets: Vec<usize>,
}

#[test]
fn t5_buckets_match_the_reference_exactly() {
    let cases: Cases<T5Case> = load("t5.json");
    for c in &cases.cases {
        c.config.validate().unwrap();
        for (&rp, &want) in c.relative_positions.iter().zip(&c.buckets) {
            assert_eq!(
                c.config.bucket(rp),
                want,
                "{:?} relative position {rp}",
                c.config
            );
        }
    }
}
