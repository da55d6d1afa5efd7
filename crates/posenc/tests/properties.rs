//! Properties that must hold for all inputs (proptest).

use embedpos_posenc::{
    alibi_slopes, Layout, Pairing, Rope, RopeConfig, Scaling, Sinusoidal, SinusoidalConfig,
    Spacing, T5Config, YarnConfig,
};
use proptest::prelude::*;

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum()
}

fn norm(a: &[f32]) -> f64 {
    dot(a, a).sqrt()
}

fn rotated(cache: &embedpos_posenc::RopeCache, v: &[f32], p: usize) -> Vec<f32> {
    let mut out = v.to_vec();
    cache.apply(&mut out, 1, p).unwrap();
    out
}

fn vector(len: usize) -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec(-4.0f32..4.0, len)
}

fn pairing() -> impl Strategy<Value = Pairing> {
    prop_oneof![Just(Pairing::HalfSplit), Just(Pairing::Interleaved)]
}

fn scaling() -> impl Strategy<Value = Scaling> {
    prop_oneof![
        Just(Scaling::None),
        (1.0f64..16.0).prop_map(|factor| Scaling::Linear { factor }),
        (1.0f64..16.0).prop_map(|factor| Scaling::Yarn(YarnConfig::new(factor, 512))),
    ]
}

const MAX_POS: usize = 8192;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn rope_preserves_norms(
        pairing in pairing(),
        half in 1usize..33,
        q in vector(64),
        m in 0usize..MAX_POS,
    ) {
        let rope = Rope::new(RopeConfig { pairing, rotary_dim: Some(2 * half), ..RopeConfig::new(64) }).unwrap();
        let cache = rope.cache(MAX_POS).unwrap();
        let r = rotated(&cache, &q, m);
        prop_assert!((norm(&r) - norm(&q)).abs() <= 1e-5 * norm(&q).max(1e-3));
    }

    #[test]
    fn rope_scores_depend_only_on_the_offset(
        pairing in pairing(),
        scaling in scaling(),
        q in vector(32),
        k in vector(32),
        m in 0usize..MAX_POS / 2,
        n in 0usize..MAX_POS / 2,
        t in 0usize..MAX_POS / 2,
    ) {
        let rope = Rope::new(RopeConfig { pairing, scaling, ..RopeConfig::new(32) }).unwrap();
        let cache = rope.cache(MAX_POS).unwrap();
        let af2 = cache.attention_factor().powi(2);
        let a = dot(&rotated(&cache, &q, m), &rotated(&cache, &k, n));
        let b = dot(&rotated(&cache, &q, m + t), &rotated(&cache, &k, n + t));
        prop_assert!((a - b).abs() <= 1e-5 * af2 * norm(&q) * norm(&k), "{a} vs {b}");
    }

    #[test]
    fn pairings_agree_after_permuting_dimensions(
        half in 1usize..17,
        extra in 0usize..4,
        q in vector(40),
        k in vector(40),
        m in 0usize..MAX_POS,
        n in 0usize..MAX_POS,
    ) {
        let r = 2 * half;
        let head_dim = r + extra;
        let (q, k) = (&q[..head_dim], &k[..head_dim]);
        let make = |pairing| Rope::new(RopeConfig { pairing, rotary_dim: Some(r), ..RopeConfig::new(head_dim) })
            .unwrap()
            .cache(MAX_POS)
            .unwrap();
        let (neox, gptj) = (make(Pairing::HalfSplit), make(Pairing::Interleaved));
        // dimension 2i of the interleaved layout is dimension i of the half-split
        // one, 2i+1 is i + r/2; the rest stay in place
        let permute = |v: &[f32]| {
            let mut out = v.to_vec();
            for i in 0..half {
                out[i] = v[2 * i];
                out[i + half] = v[2 * i + 1];
            }
            out
        };
        let s_gptj = dot(&rotated(&gptj, q, m), &rotated(&gptj, k, n));
        let s_neox = dot(&rotated(&neox, &permute(q), m), &rotated(&neox, &permute(k), n));
        prop_assert!((s_gptj - s_neox).abs() <= 1e-9 * (1.0 + s_gptj.abs()), "{s_gptj} vs {s_neox}");
        // and the rotated vectors themselves are the permutation of each other
        prop_assert_eq!(permute(&rotated(&gptj, q, m)), rotated(&neox, &permute(q), m));
    }

    #[test]
    fn sinusoidal_offset_is_a_fixed_rotation_per_pair(
        d in 2usize..96,
        concatenated in any::<bool>(),
        t2t in any::<bool>(),
        p in 0usize..200_000,
        k in 0usize..50_000,
    ) {
        let s = Sinusoidal::new(SinusoidalConfig {
            layout: if concatenated { Layout::Concatenated } else { Layout::Interleaved },
            spacing: if t2t { Spacing::Tensor2Tensor } else { Spacing::Paper },
            ..SinusoidalConfig::new(d)
        }).unwrap();
        let a = s.table(p, 1).unwrap();
        let b = s.table(p + k, 1).unwrap();
        for (i, (sc, cc)) in s.pair_columns().into_iter().enumerate() {
            let Some(cc) = cc else { continue };
            // [sin, cos](p + k) = [[cos kω, sin kω], [-sin kω, cos kω]] [sin, cos](p)
            let (sk, ck) = (k as f64 * s.inv_freq()[i]).sin_cos();
            let (sp, cp) = (a.data()[sc] as f64, a.data()[cc] as f64);
            let want_sin = sp * ck + cp * sk;
            let want_cos = cp * ck - sp * sk;
            prop_assert!((b.data()[sc] as f64 - want_sin).abs() < 3e-7);
            prop_assert!((b.data()[cc] as f64 - want_cos).abs() < 3e-7);
        }
    }

    #[test]
    fn t5_buckets_are_monotone_in_distance_and_in_range(
        bidirectional in any::<bool>(),
        num_buckets in 4usize..80,
        extra in 0usize..500,
        sign in prop_oneof![Just(-1i64), Just(1i64)],
    ) {
        let cfg = T5Config { num_buckets, max_distance: num_buckets + extra, bidirectional };
        cfg.validate().unwrap();
        let mut last = None;
        for dist in 0..(cfg.max_distance as i64 * 2 + 10) {
            let b = cfg.bucket(sign * dist);
            prop_assert!(b < num_buckets);
            if let Some(prev) = last {
                prop_assert!(b >= prev, "bucket fell from {prev} to {b} at distance {dist}");
            }
            // dist 0 lies in the lower half; compare within one direction only
            if dist > 0 {
                last = Some(b);
            }
        }
    }
}

#[test]
fn alibi_slopes_are_positive_and_decreasing_within_each_power_of_two_block() {
    for n in 1..=64usize {
        let s = alibi_slopes(n).unwrap();
        assert_eq!(s.len(), n);
        assert!(s.iter().all(|&m| m > 0.0 && m < 1.0), "{n}: {s:?}");
        let block = 1usize << n.ilog2();
        assert!(s[..block].windows(2).all(|w| w[0] > w[1]), "{n}: {s:?}");
        assert!(s[block..].windows(2).all(|w| w[0] > w[1]), "{n}: {s:?}");
    }
}
