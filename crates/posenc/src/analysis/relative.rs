//! Checks of the relative-position properties, measured on the real outputs.
//!
//! * RoPE: `⟨R(m) q, R(n) k⟩` depends only on `m − n`. Random `q`, `k`
//!   (seeded), random `m`, `n` and shift `t`; the scores at `(m, n)` and
//!   `(m + t, n + t)` are compared, rotated by this crate's `f32` cache and
//!   kernel, and by a direct `f64` rotation.
//! * Sinusoidal: `PE(p + k)` is `PE(p)` rotated by `k ω_i` within each
//!   (sin, cos) pair; compared on the stored `f32` table and in `f64`.

use rand::{rngs::StdRng, Rng, SeedableRng};
use serde::Serialize;

use super::angles::Angles;
use crate::error::Result;
use crate::spec::{EncodingSpec, Kind};

const SAMPLES: usize = 2000;

/// Largest deviation from the relative-position identity.
#[derive(Debug, Clone, Serialize)]
pub struct RelativeCheck {
    /// What was checked.
    pub property: String,
    /// Random (position, offset, shift) triples tried.
    pub samples: usize,
    /// Positions drawn from `0 .. positions`.
    pub positions: usize,
    /// Largest deviation with the stored `f32` values (relative to
    /// `|q| |k|` for RoPE, absolute per value for sinusoidal).
    pub max_deviation_f32: f64,
    /// The same in `f64` arithmetic.
    pub max_deviation_f64: f64,
}

/// Runs the check for RoPE or sinusoidal specs.
pub(crate) fn relative_check(spec: &EncodingSpec, a: &Angles) -> Result<Option<RelativeCheck>> {
    let n = spec.positions;
    let mut rng = StdRng::seed_from_u64(spec.seed ^ 0x5eed);
    Ok(match spec.kind {
        Kind::Rope => {
            let rope = spec.rope()?;
            let cache = rope.cache(n)?;
            let d = spec.dim;
            let r = rope.rotary_dim();
            let pairing = rope.config().pairing;
            let (mut dev32, mut dev64) = (0.0f64, 0.0f64);
            for _ in 0..SAMPLES {
                let q: Vec<f32> = (0..d).map(|_| rng.random_range(-1.0..1.0)).collect();
                let k: Vec<f32> = (0..d).map(|_| rng.random_range(-1.0..1.0)).collect();
                let half = n.div_ceil(2);
                let (m, nn) = (rng.random_range(0..half), rng.random_range(0..half));
                let t = rng.random_range(0..=n - 1 - m.max(nn));
                let norm = (dot32(&q, &q) * dot32(&k, &k)).sqrt() * a.scale * a.scale;
                let s32 = |mm: usize, pp: usize| -> f64 {
                    let (mut qq, mut kk) = (q.clone(), k.clone());
                    // positions are in range by construction
                    let _ = cache.apply_positions(&mut qq, 1, &[mm]);
                    let _ = cache.apply_positions(&mut kk, 1, &[pp]);
                    dot32(&qq, &kk)
                };
                let s64 = |mm: usize, pp: usize| -> f64 {
                    dot64(
                        &rotate64(&q, mm, a, pairing, r),
                        &rotate64(&k, pp, a, pairing, r),
                    )
                };
                dev32 = dev32.max((s32(m, nn) - s32(m + t, nn + t)).abs() / norm);
                dev64 = dev64.max((s64(m, nn) - s64(m + t, nn + t)).abs() / norm);
            }
            Some(RelativeCheck {
                property: "<R(m)q, R(n)k> = <R(m+t)q, R(n+t)k>, deviation / (|q||k| scale^2)"
                    .into(),
                samples: SAMPLES,
                positions: n,
                max_deviation_f32: dev32,
                max_deviation_f64: dev64,
            })
        }
        Kind::Sinusoidal => {
            let s = spec.sinusoidal()?;
            let pairs: Vec<(usize, usize)> = s
                .pair_columns()
                .into_iter()
                .filter_map(|(sc, cc)| cc.map(|c| (sc, c)))
                .collect();
            let (mut dev32, mut dev64) = (0.0f64, 0.0f64);
            for _ in 0..SAMPLES {
                let p = rng.random_range(0..n);
                let k = rng.random_range(0..n - p);
                let (rp, rk) = (s.table(p, 1)?, s.table(p + k, 1)?);
                let (ep, ek) = (s.row_f64(p)?, s.row_f64(p + k)?);
                for (i, &(sc, cc)) in pairs.iter().enumerate() {
                    let (sk, ck) = (k as f64 * a.inv_freq[i]).sin_cos();
                    let rot = |sp: f64, cp: f64| (sp * ck + cp * sk, cp * ck - sp * sk);
                    let (ws, wc) = rot(rp.data()[sc] as f64, rp.data()[cc] as f64);
                    dev32 = dev32
                        .max((rk.data()[sc] as f64 - ws).abs())
                        .max((rk.data()[cc] as f64 - wc).abs());
                    let (ws, wc) = rot(ep[sc], ep[cc]);
                    dev64 = dev64.max((ek[sc] - ws).abs()).max((ek[cc] - wc).abs());
                }
            }
            Some(RelativeCheck {
                property: "PE(p+k) = rotation by k*w_i of PE(p) in each (sin, cos) pair, max abs deviation".into(),
                samples: SAMPLES,
                positions: n,
                max_deviation_f32: dev32,
                max_deviation_f64: dev64,
            })
        }
        _ => None,
    })
}

fn dot32(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum()
}

fn dot64(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn rotate64(v: &[f32], p: usize, a: &Angles, pairing: crate::Pairing, r: usize) -> Vec<f64> {
    let mut out: Vec<f64> = v.iter().map(|&x| x as f64).collect();
    for (i, w) in a.inv_freq.iter().enumerate() {
        let (x, y) = pairing.pair(i, r);
        let (s, c) = (p as f64 * w).sin_cos();
        let (s, c) = (a.scale * s, a.scale * c);
        out[x] = v[x] as f64 * c - v[y] as f64 * s;
        out[y] = v[y] as f64 * c + v[x] as f64 * s;
    }
    out
}
