//! What an encoding actually does, measured: wavelengths, similarity of
//! positions against their offset, how distinct the position vectors are (in
//! `f64` and in `f32`), the relative-position property, and for the biases how
//! they treat distance. [`analyze`] gathers it all into a [`Report`] that
//! prints as text (`Display`) or serialises to JSON; `plot` draws it.
//!
//! Everything in a report is computed, not asserted: numbers come from the
//! tables and kernels this crate ships, compared with `f64` evaluations.

mod angles;
pub mod bias;
pub mod distinctness;
#[cfg(feature = "plot")]
pub mod plot;
pub mod relative;

use std::fmt;

use rayon::prelude::*;
use serde::Serialize;

pub use bias::{AlibiHead, AlibiReport, BucketSpan, T5Report};
pub use distinctness::{AngleDistinctness, ClosestPair, PrecisionProbe, RunningMin};
pub use relative::RelativeCheck;

use crate::error::{Error, Result};
use crate::rope::Scaling;
use crate::spec::{EncodingSpec, Kind};
use crate::tensor::check_fits;
use angles::Angles;

/// Learned tables are measured on at most this many positions (all pairs).
const LEARNED_CAP: usize = 4096;

/// Wavelengths of an angle encoding, in positions.
#[derive(Debug, Clone, Serialize)]
pub struct Wavelengths {
    /// `2π / ω_i` for every frequency, shortest first.
    pub wavelengths: Vec<f64>,
    /// The shortest (2π for the first pair of an unscaled encoding).
    pub shortest: f64,
    /// The longest.
    pub longest: f64,
    /// How many wavelengths exceed the number of positions analysed: those
    /// columns never complete a period and act as a slowly varying ramp.
    pub longer_than_positions: usize,
}

/// RoPE wavelengths under one scaling.
#[derive(Debug, Clone, Serialize)]
pub struct ScaledWavelengths {
    /// The scaling's name.
    pub scaling: String,
    /// Its attention factor.
    pub attention_factor: f64,
    /// `2π / θ_i`.
    pub wavelengths: Vec<f64>,
}

/// Cosine similarity of the vectors of positions `p` and `p + offset`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct OffsetSimilarity {
    /// `k`.
    pub offset: usize,
    /// The cosine (for angle encodings the same for every `p`; for learned
    /// tables the mean over `p`).
    pub cosine: f64,
}

/// Similarity against offset.
#[derive(Debug, Clone, Serialize)]
pub struct Similarity {
    /// At offsets 1, 2, 4, 8, ... below `N`.
    pub samples: Vec<OffsetSimilarity>,
    /// The lowest over all offsets below `N`.
    pub min: OffsetSimilarity,
    /// The highest over all offsets `1 .. N` (a near-repeat when close to 1).
    pub max: OffsetSimilarity,
}

/// A learned table's distinctness.
#[derive(Debug, Clone, Serialize)]
pub struct LearnedReport {
    /// Positions measured (all pairs).
    pub measured_positions: usize,
    /// The closest pair.
    pub closest: ClosestPair,
    /// Mean distance between neighbouring positions.
    pub mean_adjacent_distance: f64,
}

/// Everything [`analyze`] measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// What was analysed.
    pub spec: EncodingSpec,
    /// Angle encodings: wavelengths.
    pub wavelengths: Option<Wavelengths>,
    /// RoPE: wavelengths under each scaling at the same factor.
    pub scalings: Vec<ScaledWavelengths>,
    /// Tables and RoPE: similarity against offset.
    pub similarity: Option<Similarity>,
    /// Angle encodings: distinctness of positions.
    pub distinctness: Option<AngleDistinctness>,
    /// Learned tables: distinctness.
    pub learned: Option<LearnedReport>,
    /// RoPE and sinusoidal: relative-position property.
    pub relative: Option<RelativeCheck>,
    /// ALiBi: per-head decay.
    pub alibi: Option<AlibiReport>,
    /// T5: bucket spans.
    pub t5: Option<T5Report>,
    /// Plain sentences summarising what was observed.
    pub findings: Vec<String>,
}

/// Analyses `spec` over positions `0 .. spec.positions` (the spec's `offset`
/// is ignored: analysis always starts at 0).
pub fn analyze(spec: &EncodingSpec) -> Result<Report> {
    spec.validate()?;
    if spec.positions < 2 {
        return Err(Error::invalid(
            "positions",
            spec.positions,
            "analysis compares positions, so it needs at least 2",
        ));
    }
    check_fits("per-offset curves", &[spec.positions, 4])?;
    let angles = Angles::from_spec(spec)?;
    let mut report = Report {
        spec: spec.clone(),
        wavelengths: None,
        scalings: Vec::new(),
        similarity: None,
        distinctness: None,
        learned: None,
        relative: None,
        alibi: None,
        t5: None,
        findings: Vec::new(),
    };
    if let Some(a) = &angles {
        let wl: Vec<f64> = a
            .inv_freq
            .iter()
            .chain(a.lone_sin.iter())
            .map(|w| std::f64::consts::TAU / w)
            .collect();
        report.wavelengths = Some(Wavelengths {
            shortest: wl.iter().copied().fold(f64::INFINITY, f64::min),
            longest: wl.iter().copied().fold(0.0, f64::max),
            longer_than_positions: wl.iter().filter(|&&l| l > spec.positions as f64).count(),
            wavelengths: wl,
        });
        report.similarity = Some(summarise(&similarity_curve(spec)?));
        report.distinctness = Some(distinctness::angle_distinctness(spec, a)?);
        report.relative = relative::relative_check(spec, a)?;
    }
    if spec.kind == Kind::Rope {
        report.scalings = scaling_comparison(spec)?;
    }
    if spec.kind == Kind::Learned {
        let m = spec.positions.min(LEARNED_CAP);
        let table = spec.learned()?.table(0, m)?;
        let closest = distinctness::brute_force_closest(table.data(), spec.dim);
        let adj: f64 = table
            .data()
            .chunks_exact(spec.dim)
            .zip(table.data().chunks_exact(spec.dim).skip(1))
            .map(|(a, b)| {
                a.iter()
                    .zip(b)
                    .map(|(x, y)| ((x - y) as f64).powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .sum::<f64>()
            / (m - 1) as f64;
        report.similarity = Some(summarise(&similarity_curve(spec)?));
        report.learned = Some(LearnedReport {
            measured_positions: m,
            closest,
            mean_adjacent_distance: adj,
        });
    }
    if spec.kind == Kind::Alibi {
        report.alibi = Some(bias::alibi_report(spec)?);
    }
    if spec.kind == Kind::T5 {
        report.t5 = Some(bias::t5_report(spec)?);
    }
    report.findings = findings(&report);
    Ok(report)
}

/// Cosine similarity of positions `p` and `p + k` for every `k < N`:
/// exact and the same for every `p` for angle encodings (over the paired
/// columns), the mean over `p` for learned tables (measured on at most 4096
/// positions). Empty for bias encodings.
pub fn similarity_curve(spec: &EncodingSpec) -> Result<Vec<f64>> {
    spec.validate()?;
    if let Some(a) = Angles::from_spec(spec)? {
        check_fits("similarity curve", &[spec.positions, 2])?;
        let pairs = a.inv_freq.len().max(1) as f64;
        return Ok(a
            .half_angle_sums(spec.positions)
            .into_iter()
            .map(|s| 1.0 - 2.0 * s / pairs)
            .collect());
    }
    if spec.kind != Kind::Learned {
        return Ok(Vec::new());
    }
    let m = spec.positions.min(LEARNED_CAP);
    let t = spec.learned()?.table(0, m)?;
    let d = spec.dim;
    let rows: Vec<&[f32]> = t.data().chunks_exact(d).collect();
    let norms: Vec<f64> = rows.iter().map(|r| dot(r, r).sqrt()).collect();
    Ok((0..m)
        .into_par_iter()
        .map(|k| {
            let sum: f64 = (0..m - k)
                .map(|p| {
                    dot(rows[p], rows[p + k]) / (norms[p] * norms[p + k]).max(f64::MIN_POSITIVE)
                })
                .sum();
            sum / (m - k) as f64
        })
        .collect())
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum()
}

fn summarise(curve: &[f64]) -> Similarity {
    let at = |k: usize| OffsetSimilarity {
        offset: k,
        cosine: curve[k],
    };
    let mut samples = Vec::new();
    let mut k = 1;
    while k < curve.len() {
        samples.push(at(k));
        k *= 2;
    }
    let pick = |better: fn(f64, f64) -> bool| {
        (1..curve.len()).fold(at(1.min(curve.len() - 1)), |b, k| {
            if better(curve[k], b.cosine) {
                at(k)
            } else {
                b
            }
        })
    };
    Similarity {
        samples,
        min: pick(|x, y| x < y),
        max: pick(|x, y| x > y),
    }
}

/// The extension factor and trained length that [`scaling_comparison`] uses:
/// the spec's factor (8 when its scaling has none) and trained length (when
/// its scaling has one).
pub(crate) fn comparison_settings(spec: &EncodingSpec) -> (f64, Option<usize>) {
    let factor = match spec.scaling {
        Scaling::None => 8.0,
        s => s.factor(),
    };
    let l0 = match spec.scaling {
        Scaling::DynamicNtk {
            original_max_positions,
            ..
        } => Some(original_max_positions),
        Scaling::Yarn(y) => Some(y.original_max_positions),
        Scaling::Llama3(l) => Some(l.original_max_positions),
        _ => None,
    };
    (factor, l0)
}

/// RoPE wavelengths under every scaling at the spec's factor (8 when the spec
/// has none) and trained length (its own, or 4096; dynamic NTK evaluated at
/// `factor × trained length`).
pub fn scaling_comparison(spec: &EncodingSpec) -> Result<Vec<ScaledWavelengths>> {
    let (factor, l0) = comparison_settings(spec);
    let mut out = Vec::new();
    for name in ["none", "linear", "ntk", "yarn", "llama3"] {
        let scaling = Scaling::from_name(name, factor, l0)?;
        let s = EncodingSpec {
            scaling,
            ..spec.clone()
        };
        let rope = s.rope()?;
        let len = (factor * l0.unwrap_or(4096) as f64) as usize;
        let f = rope.frequencies(len);
        out.push(ScaledWavelengths {
            scaling: if name == "none" {
                "none".into()
            } else {
                format!("{name} x{factor}")
            },
            attention_factor: f.attention_factor,
            wavelengths: f
                .inv_freq
                .iter()
                .map(|w| std::f64::consts::TAU / w)
                .collect(),
        });
    }
    Ok(out)
}

fn findings(r: &Report) -> Vec<String> {
    let mut out = Vec::new();
    let n = r.spec.positions;
    if let Some(d) = &r.distinctness {
        if let Some(c) = d.running_min.last() {
            if c.offset == 1 {
                out.push(format!(
                    "Exact (f64): all positions 0..{n} are distinct, and no offset up to {} brings two positions \
                     closer than neighbours ({:.4} apart): no periodic repetition is observed. The frequencies \
                     are incommensurate, so there is no exact period at any length.",
                    c.up_to, d.adjacent_distance
                ));
            } else {
                out.push(format!(
                    "Exact (f64): all positions 0..{n} are distinct. The closest pair is {} apart at distance {:.4} \
                     ({:.1}% of the neighbour distance {:.4}): a near-repeat, not a repeat (the frequencies are \
                     incommensurate, so no offset gives distance 0); see the running minimum for how it shrinks \
                     with N.",
                    c.offset,
                    c.distance,
                    100.0 * c.distance / d.adjacent_distance,
                    d.adjacent_distance
                ));
            }
        }
        out.push(format!(
            "f32 table (angles in f64): rows are within {:.1e} of exact, the closest measured pair ({} and {}) is \
             {:.6} apart{} against {:.6} in an f64 table: {}.",
            d.f32_table.noise,
            d.f32_table.first,
            d.f32_table.second,
            d.f32_table.distance,
            if d.f32_table.exhaustive { " (exact search)" } else { " (search capped)" },
            d.f64_table.distance,
            if d.f32_table.distance > 10.0 * d.f32_table.noise {
                format!(
                    "storing in f32 does not reduce the distinctness of the {} measured positions",
                    d.measured_positions
                )
            } else {
                "f32 rounding is as large as the closest distance: positions are no longer reliably distinct".into()
            }
        ));
        out.push(format!(
            "f32 angles (position.float() * inv_freq): rows drift up to {:.1e} from exact within 0..{}; {}; at \
             positions 2^24 and 2^24+1 the rows are {}, while this crate's f32 rows there are {:.4} apart. Worst \
             f32-table error at any probed position up to 2^24: {:.1e}.",
            d.f32_angles.noise,
            d.measured_positions,
            match d.f32_angles_inaccurate_from {
                Some(p) => format!("the error passes 1e-5 from position {p} on"),
                None => "the error stays below 1e-5 at every probe".into(),
            },
            if d.f32_angles_collide_at_2_24 { "identical" } else { "still different" },
            d.f32_table_distance_at_2_24,
            d.f32_table_worst_probe_error
        ));
    }
    if let Some(w) = &r.wavelengths {
        out.push(format!(
            "Wavelengths run from {:.2} to {:.0} positions; {} of {} exceed N = {n}.",
            w.shortest,
            w.longest,
            w.longer_than_positions,
            w.wavelengths.len()
        ));
    }
    if let Some(c) = &r.relative {
        out.push(format!(
            "Relative-offset property over {} samples: largest deviation {:.1e} with f32 values, {:.1e} in f64.",
            c.samples, c.max_deviation_f32, c.max_deviation_f64
        ));
    }
    if let Some(l) = &r.learned {
        out.push(format!(
            "Learned (random init): closest pair {} and {} at {:.4}, neighbours {:.4} apart on average; an \
             untrained table has no notion of distance.",
            l.closest.first, l.closest.second, l.closest.distance, l.mean_adjacent_distance
        ));
    }
    if let Some(a) = &r.alibi {
        let windows = a.heads.iter().map(|h| h.negligible_distance);
        let (lo, hi) = windows.fold((f64::INFINITY, 0.0f64), |(l, h), w| (l.min(w), h.max(w)));
        out.push(format!(
            "ALiBi: head windows (weight < 1e-6) range from {lo:.0} to {hi:.0} positions; {}.",
            match a.f32_first_repeat {
                Some((h, k)) => format!("in f32, head {h} stops telling distances apart at {k}"),
                None =>
                    format!("in f32 every distance below {n} keeps a distinct bias in every head"),
            }
        ));
    }
    if let Some(t) = &r.t5 {
        out.push(format!(
            "T5: distances below {} get a bucket each; {}.",
            t.exact_below,
            match t.saturates_from {
                Some(d) => format!("from distance {d} on all share the last bucket, so such positions are indistinguishable"),
                None => format!("the last bucket is not reached below {n}"),
            }
        ));
    }
    out
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.spec;
        writeln!(
            f,
            "{} encoding, dim {}, positions 0..{}",
            s.kind.name(),
            s.dim,
            s.positions
        )?;
        if let Some(w) = &self.wavelengths {
            writeln!(f, "\nwavelengths ({} frequencies):", w.wavelengths.len())?;
            writeln!(
                f,
                "  shortest {:.3}, longest {:.1}, longer than N: {}",
                w.shortest, w.longest, w.longer_than_positions
            )?;
        }
        for sw in &self.scalings {
            let (a, b) = (sw.wavelengths.first(), sw.wavelengths.last());
            if let (Some(a), Some(b)) = (a, b) {
                writeln!(
                    f,
                    "  {:<14} wavelengths {:>8.2} .. {:>12.1}, attention factor {:.4}",
                    sw.scaling, a, b, sw.attention_factor
                )?;
            }
        }
        if let Some(sim) = &self.similarity {
            writeln!(f, "\ncosine similarity of p and p+k:")?;
            for x in &sim.samples {
                writeln!(f, "  k = {:>8}: {:+.4}", x.offset, x.cosine)?;
            }
            writeln!(
                f,
                "  lowest {:+.4} at k = {}, highest {:+.4} at k = {}",
                sim.min.cosine, sim.min.offset, sim.max.cosine, sim.max.offset
            )?;
        }
        if let Some(d) = &self.distinctness {
            writeln!(
                f,
                "\ndistinctness (neighbour distance {:.5}):",
                d.adjacent_distance
            )?;
            writeln!(f, "  exact closest offset within 0..=n:")?;
            for r in &d.running_min {
                writeln!(
                    f,
                    "    n = {:>9}: distance {:.6} at offset {}",
                    r.up_to, r.distance, r.offset
                )?;
            }
            writeln!(
                f,
                "  closest pair among the first {} positions:",
                d.measured_positions
            )?;
            for (name, c) in [
                ("f64 table", &d.f64_table),
                ("f32 table", &d.f32_table),
                ("f32 angles", &d.f32_angles),
            ] {
                writeln!(
                    f,
                    "    {name:<10}: {:.6} between {} and {} (noise {:.1e}, {} offsets checked{})",
                    c.distance,
                    c.first,
                    c.second,
                    c.noise,
                    c.offsets_checked,
                    if c.exhaustive {
                        ", exact".to_string()
                    } else {
                        format!(", every pair >= {:.6}", c.guaranteed_at_least)
                    }
                )?;
            }
            writeln!(f, "  max abs error of one row at large positions:")?;
            writeln!(
                f,
                "    {:>10}  {:>12}  {:>12}",
                "position", "f32 table", "f32 angles"
            )?;
            for p in &d.probes {
                writeln!(
                    f,
                    "    {:>10}  {:>12.2e}  {:>12.2e}",
                    p.position, p.error_f32_table, p.error_f32_angles
                )?;
            }
        }
        if let Some(c) = &self.relative {
            writeln!(f, "\nrelative-position check: {}", c.property)?;
            writeln!(
                f,
                "  {} samples: f32 {:.2e}, f64 {:.2e}",
                c.samples, c.max_deviation_f32, c.max_deviation_f64
            )?;
        }
        if let Some(l) = &self.learned {
            writeln!(
                f,
                "\nlearned table, {} positions: closest pair {} and {} at {:.5}; mean neighbour distance {:.5}",
                l.measured_positions, l.closest.first, l.closest.second, l.closest.distance, l.mean_adjacent_distance
            )?;
        }
        if let Some(a) = &self.alibi {
            writeln!(
                f,
                "\n{:>5} {:>12} {:>14} {:>14} {:>14}",
                "head", "slope", "half weight", "weight<1e-6", "bias at N-1"
            )?;
            for h in &a.heads {
                writeln!(
                    f,
                    "{:>5} {:>12.6} {:>14.1} {:>14.1} {:>14.3}",
                    h.head, h.slope, h.half_weight_distance, h.negligible_distance, h.bias_at_last
                )?;
            }
        }
        if let Some(t) = &self.t5 {
            writeln!(
                f,
                "\nT5 buckets ({}):",
                if t.bidirectional {
                    "bidirectional"
                } else {
                    "causal"
                }
            )?;
            for (name, spans) in [
                ("keys before/at the query", &t.past),
                ("keys after the query", &t.future),
            ] {
                if spans.is_empty() {
                    continue;
                }
                writeln!(f, "  {name}:")?;
                for sp in spans {
                    writeln!(
                        f,
                        "    bucket {:>3}: distances {} ..= {}",
                        sp.bucket, sp.from, sp.to
                    )?;
                }
            }
        }
        writeln!(f, "\nfindings:")?;
        for x in &self.findings {
            writeln!(f, "  - {x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_analyses_and_prints() {
        for spec in crate::spec::small_spec_of_every_kind(300) {
            let kind = spec.kind;
            let r = analyze(&spec).unwrap();
            let text = r.to_string();
            assert!(text.contains("findings"), "{kind:?}");
            assert!(!r.findings.is_empty(), "{kind:?}");
            serde_json::to_string(&r).unwrap();
        }
    }

    #[test]
    fn sinusoidal_similarity_is_the_mean_cosine_of_the_offset_angles() {
        let mut specs = crate::spec::small_spec_of_every_kind(100);
        let spec = specs.find(|s| s.kind == Kind::Sinusoidal).unwrap();
        let c = similarity_curve(&spec).unwrap();
        let w = spec.sinusoidal().unwrap().inv_freq().to_vec();
        assert_eq!(w.len(), spec.dim / 2);
        let want: f64 = w.iter().map(|w| (37.0 * w).cos()).sum::<f64>() / w.len() as f64;
        assert!((c[37] - want).abs() < 1e-12);
        assert!((c[0] - 1.0).abs() < 1e-15);
    }

    #[test]
    fn too_few_positions_is_an_error() {
        for positions in [0, 1] {
            let e = analyze(&EncodingSpec {
                positions,
                ..Default::default()
            });
            let e = e.unwrap_err().to_string();
            assert!(e.starts_with(&format!("positions = {positions} ")), "{e}");
        }
    }

    #[test]
    fn t5_report_saturates_at_max_distance() {
        let spec = EncodingSpec {
            kind: Kind::T5,
            positions: 300,
            ..Default::default()
        };
        let t = analyze(&spec).unwrap().t5.unwrap();
        assert_eq!(t.exact_below, 8);
        assert!(t.saturates_from.unwrap() <= 128);
        assert_eq!(t.past[0].from, 0);
    }
}
