//! How distinct the position vectors are: the closest pair among positions
//! `0 .. N`, in exact (`f64`) arithmetic and in the `f32` tables people store,
//! and how precision decays at large positions.
//!
//! For angle encodings the distance between positions `p` and `p + k` over
//! the paired columns is the same for every `p` (`2 · scale · sqrt(Σ sin²(kω/2))`,
//! computed per offset in `f64`). That gives a lower bound `L(k)` on every
//! pair `k` apart, so the closest pair is found exactly without visiting all
//! `N²/2` pairs: offsets are visited in increasing `L(k)`, every pair at that
//! offset is measured, and the search stops once `L(k) − 2δ` exceeds the best
//! distance found, `δ` being the largest measured distance between a stored
//! row and its exact value (so no unvisited pair can be closer).

use rayon::prelude::*;
use serde::Serialize;

use super::angles::Angles;
use crate::error::Result;
use crate::spec::{EncodingSpec, Kind};

/// Values kept in memory per table when measuring (`f64` table: 128 MiB).
const MEASURE_BUDGET: usize = 1 << 24;
/// Offsets measured before giving up on exhaustiveness.
const MAX_OFFSETS: usize = 64;
/// The accuracy the project requires of `f32` tables.
pub const ACCURACY_BAR: f64 = 1e-5;

/// The closest pair of positions found.
#[derive(Debug, Clone, Serialize)]
pub struct ClosestPair {
    /// Euclidean distance between their vectors.
    pub distance: f64,
    /// The smaller position.
    pub first: usize,
    /// The larger position.
    pub second: usize,
    /// Offsets whose pairs were all measured.
    pub offsets_checked: usize,
    /// True when no unmeasured pair can be closer (see module docs).
    pub exhaustive: bool,
    /// Every pair is at least this far apart (equals `distance` when exhaustive).
    pub guaranteed_at_least: f64,
    /// Largest distance between a row and its exact value (`δ`).
    pub noise: f64,
}

/// The smallest distance between positions `k` apart for some `k <= up_to`.
#[derive(Debug, Clone, Serialize)]
pub struct RunningMin {
    /// Positions `0 ..= up_to` considered.
    pub up_to: usize,
    /// The smallest distance.
    pub distance: f64,
    /// At this offset.
    pub offset: usize,
}

/// Error of one row at a large position.
#[derive(Debug, Clone, Serialize)]
pub struct PrecisionProbe {
    /// The position.
    pub position: usize,
    /// Largest absolute error of the stored `f32` row (angles in `f64`).
    pub error_f32_table: f64,
    /// Largest absolute error when the angle is computed in `f32`.
    pub error_f32_angles: f64,
}

/// Distinctness of an angle encoding (sinusoidal, RoPE).
#[derive(Debug, Clone, Serialize)]
pub struct AngleDistinctness {
    /// `N`: positions covered by the offset formula.
    pub positions: usize,
    /// Positions whose rows were materialised and measured (`<= N`).
    pub measured_positions: usize,
    /// Distance between neighbouring positions (paired columns, exact).
    pub adjacent_distance: f64,
    /// Exact closest offset within growing prefixes `0 ..= 10^j` and `N`.
    pub running_min: Vec<RunningMin>,
    /// Closest pair in a table computed in `f64`.
    pub f64_table: ClosestPair,
    /// Closest pair in the `f32` table this crate stores (angles in `f64`).
    pub f32_table: ClosestPair,
    /// Closest pair in an `f32` table whose angles were computed in `f32`.
    pub f32_angles: ClosestPair,
    /// Row errors at large positions.
    pub probes: Vec<PrecisionProbe>,
    /// First probed power of two where `f32` angles miss the accuracy bar
    /// (1e-5); `None` if none up to 2^24.
    pub f32_angles_inaccurate_from: Option<usize>,
    /// Largest error of the stored `f32` rows over all probes.
    pub f32_table_worst_probe_error: f64,
    /// Whether `f32` angles give identical rows for positions 2^24 and 2^24+1.
    pub f32_angles_collide_at_2_24: bool,
    /// Distance between the stored `f32` rows of 2^24 and 2^24+1.
    pub f32_table_distance_at_2_24: f64,
}

/// Analyses an angle encoding over `N = spec.positions` positions.
pub(crate) fn angle_distinctness(spec: &EncodingSpec, a: &Angles) -> Result<AngleDistinctness> {
    let n = spec.positions;
    let w = a.width();
    let sums = a.half_angle_sums(n);
    let lower: Vec<f64> = sums.iter().map(|s| 2.0 * a.scale * s.sqrt()).collect();

    let mut running_min = Vec::new();
    let (mut best, mut best_k) = (f64::INFINITY, 0);
    let mut checkpoint = 10;
    for (k, &d) in lower.iter().enumerate().skip(1) {
        if d < best {
            best = d;
            best_k = k;
        }
        if k == checkpoint || k == n - 1 {
            running_min.push(RunningMin {
                up_to: k,
                distance: best,
                offset: best_k,
            });
            checkpoint = checkpoint.saturating_mul(10);
        }
    }

    // materialise the first m rows three ways
    let m = n.min((MEASURE_BUDGET / w.max(1)).max(2));
    let mut t64 = vec![0.0f64; m * w];
    t64.par_chunks_mut(w)
        .enumerate()
        .for_each(|(p, r)| a.row_f64(p, r));
    let t32 = stored_f32(spec, a, m)?;
    let mut t32a = vec![0.0f32; m * w];
    t32a.par_chunks_mut(w)
        .enumerate()
        .for_each(|(p, r)| a.row_f32_angles(p, r));
    let noise = |t: &[f32]| -> f64 {
        t.par_chunks(w)
            .zip(t64.par_chunks(w))
            .map(|(x, y)| dist2(x, y).sqrt())
            .reduce(|| 0.0, f64::max)
    };
    let f64_noise = 1e-12 * a.scale.max(1.0) * (w as f64).sqrt();
    let f64_table = closest_pair(&t64, w, m, &lower, f64_noise);
    let f32_table = closest_pair(&t32, w, m, &lower, noise(&t32));
    let f32_angles = closest_pair(&t32a, w, m, &lower, noise(&t32a));

    let mut probes = Vec::new();
    let mut positions: Vec<usize> = (4..=24).map(|e| 1usize << e).collect();
    positions.extend([1_000, 10_000, 100_000, 1_000_000, 10_000_000]);
    positions.sort_unstable();
    let (mut r64, mut r32, mut r32a) = (vec![0.0; w], vec![0.0f32; w], vec![0.0f32; w]);
    for &p in &positions {
        a.row_f64(p, &mut r64);
        stored_row(spec, a, p, &mut r32)?;
        a.row_f32_angles(p, &mut r32a);
        probes.push(PrecisionProbe {
            position: p,
            error_f32_table: max_abs(&r32, &r64),
            error_f32_angles: max_abs(&r32a, &r64),
        });
    }
    let f32_angles_inaccurate_from = probes
        .iter()
        .filter(|p| p.position.is_power_of_two())
        .find(|p| p.error_f32_angles > ACCURACY_BAR)
        .map(|p| p.position);
    let f32_table_worst_probe_error = probes.iter().map(|p| p.error_f32_table).fold(0.0, f64::max);
    let big = 1usize << 24;
    let (mut x, mut y) = (vec![0.0f32; w], vec![0.0f32; w]);
    a.row_f32_angles(big, &mut x);
    a.row_f32_angles(big + 1, &mut y);
    let collide = x == y;
    stored_row(spec, a, big, &mut x)?;
    stored_row(spec, a, big + 1, &mut y)?;

    Ok(AngleDistinctness {
        positions: n,
        measured_positions: m,
        adjacent_distance: lower.get(1).copied().unwrap_or(0.0),
        running_min,
        f64_table,
        f32_table,
        f32_angles,
        probes,
        f32_angles_inaccurate_from,
        f32_table_worst_probe_error,
        f32_angles_collide_at_2_24: collide,
        f32_table_distance_at_2_24: dist2(&x, &y).sqrt(),
    })
}

/// The first `m` rows of the `f32` table this crate produces, in canonical
/// column order: the real sinusoidal table, or RoPE cos/sin as `RopeCache`
/// computes them (`f64` angle, rounded once).
fn stored_f32(spec: &EncodingSpec, a: &Angles, m: usize) -> Result<Vec<f32>> {
    let w = a.width();
    let mut out = vec![0.0f32; m * w];
    match spec.kind {
        Kind::Sinusoidal => {
            let s = spec.sinusoidal()?;
            let t = s.table(0, m)?;
            let cols = canonical_columns(&s);
            for (o, row) in out.chunks_exact_mut(w).zip(t.rows()) {
                for (o, &c) in o.iter_mut().zip(&cols) {
                    *o = row[c];
                }
            }
        }
        _ => {
            let mut r = vec![0.0; w];
            for (p, o) in out.chunks_exact_mut(w).enumerate() {
                a.row_f64(p, &mut r);
                for (o, v) in o.iter_mut().zip(&r) {
                    *o = *v as f32;
                }
            }
        }
    }
    Ok(out)
}

fn stored_row(spec: &EncodingSpec, a: &Angles, p: usize, out: &mut [f32]) -> Result<()> {
    if spec.kind == Kind::Sinusoidal {
        let s = spec.sinusoidal()?;
        let t = s.table(p, 1)?;
        for (o, &c) in out.iter_mut().zip(&canonical_columns(&s)) {
            *o = t.data()[c];
        }
    } else {
        let mut r = vec![0.0; out.len()];
        a.row_f64(p, &mut r);
        for (o, v) in out.iter_mut().zip(&r) {
            *o = *v as f32;
        }
    }
    Ok(())
}

/// Table columns in canonical order: paired sins, paired cosines, lone sin.
fn canonical_columns(s: &crate::Sinusoidal) -> Vec<usize> {
    let pc = s.pair_columns();
    let mut cols: Vec<usize> = pc
        .iter()
        .filter(|(_, c)| c.is_some())
        .map(|(s, _)| *s)
        .collect();
    cols.extend(pc.iter().filter_map(|(_, c)| *c));
    cols.extend(pc.iter().filter(|(_, c)| c.is_none()).map(|(s, _)| *s));
    cols
}

fn dist2<T: Copy + Into<f64>, U: Copy + Into<f64>>(x: &[T], y: &[U]) -> f64 {
    x.iter()
        .zip(y)
        .map(|(a, b)| {
            let d = (*a).into() - (*b).into();
            d * d
        })
        .sum()
}

fn max_abs(x: &[f32], y: &[f64]) -> f64 {
    x.iter()
        .zip(y)
        .map(|(a, b)| (*a as f64 - b).abs())
        .fold(0.0, f64::max)
}

/// Exact closest pair among the `m` rows of `rows` (width `w`), visiting
/// offsets in increasing lower bound (see module docs).
fn closest_pair<T: Copy + Into<f64> + Sync>(
    rows: &[T],
    w: usize,
    m: usize,
    lower: &[f64],
    noise: f64,
) -> ClosestPair {
    let mut order: Vec<usize> = (1..m).collect();
    order.sort_by(|&x, &y| lower[x].total_cmp(&lower[y]));
    let (mut best, mut first, mut second) = (f64::INFINITY, 0, 0);
    let mut checked = 0;
    let mut guaranteed = f64::INFINITY;
    for &k in &order {
        let bound = lower[k] - 2.0 * noise;
        if bound > best {
            break;
        }
        if checked == MAX_OFFSETS {
            guaranteed = bound.max(0.0);
            break;
        }
        checked += 1;
        let (d2, p) = (0..m - k)
            .into_par_iter()
            .map(|p| {
                (
                    dist2(
                        &rows[p * w..(p + 1) * w],
                        &rows[(p + k) * w..(p + k + 1) * w],
                    ),
                    p,
                )
            })
            .min_by(|x, y| x.0.total_cmp(&y.0))
            .unwrap_or((f64::INFINITY, 0));
        if d2.sqrt() < best {
            best = d2.sqrt();
            first = p;
            second = p + k;
        }
    }
    let exhaustive = guaranteed.is_infinite();
    ClosestPair {
        distance: best,
        first,
        second,
        offsets_checked: checked,
        exhaustive,
        guaranteed_at_least: if exhaustive {
            best
        } else {
            guaranteed.min(best)
        },
        noise,
    }
}

/// Brute-force closest pair of any table `[m, w]` (learned tables).
pub(crate) fn brute_force_closest(rows: &[f32], w: usize) -> ClosestPair {
    let m = rows.len() / w.max(1);
    let (d2, first, second) = (0..m)
        .into_par_iter()
        .map(|p| {
            let r = &rows[p * w..(p + 1) * w];
            (p + 1..m)
                .map(|q| (dist2(r, &rows[q * w..(q + 1) * w]), p, q))
                .min_by(|x, y| x.0.total_cmp(&y.0))
                .unwrap_or((f64::INFINITY, p, p))
        })
        .min_by(|x, y| x.0.total_cmp(&y.0))
        .unwrap_or((f64::INFINITY, 0, 0));
    ClosestPair {
        distance: d2.sqrt(),
        first,
        second,
        offsets_checked: m.saturating_sub(1),
        exhaustive: true,
        guaranteed_at_least: d2.sqrt(),
        noise: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruned_search_finds_the_brute_force_closest_pair() {
        for (kind, dim, positions) in [
            (Kind::Sinusoidal, 8, 3000),
            (Kind::Sinusoidal, 7, 500),
            (Kind::Rope, 4, 2000),
        ] {
            let spec = EncodingSpec {
                kind,
                dim,
                positions,
                base: 50.0,
                ..Default::default()
            };
            let a = Angles::from_spec(&spec).unwrap().unwrap();
            let d = angle_distinctness(&spec, &a).unwrap();
            let t32 = stored_f32(&spec, &a, positions).unwrap();
            let brute = brute_force_closest(&t32, a.width());
            assert!(d.f32_table.exhaustive);
            assert!(
                (d.f32_table.distance - brute.distance).abs() < 1e-12,
                "{kind:?} {d:?} {brute:?}"
            );
            assert!((d.f64_table.distance - d.f32_table.distance).abs() < 1e-5);
            assert!(d.f32_angles_collide_at_2_24);
            assert!(d.f32_table_distance_at_2_24 > 0.1);
        }
    }

    #[test]
    fn stored_rope_rows_are_what_the_cache_holds() {
        let spec = EncodingSpec {
            kind: Kind::Rope,
            dim: 8,
            positions: 50,
            ..Default::default()
        };
        let a = Angles::from_spec(&spec).unwrap().unwrap();
        let rows = stored_f32(&spec, &a, 50).unwrap();
        let cache = spec.rope().unwrap().cache(50).unwrap();
        for p in 0..50 {
            assert_eq!(&rows[p * 8..p * 8 + 4], &cache.sin()[p * 4..p * 4 + 4]);
            assert_eq!(&rows[p * 8 + 4..p * 8 + 8], &cache.cos()[p * 4..p * 4 + 4]);
        }
    }
}
