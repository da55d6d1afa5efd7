//! What the attention-bias encodings do with distance: ALiBi's per-head decay
//! and T5's bucket boundaries.

use serde::Serialize;

use crate::alibi::alibi_slopes;
use crate::error::Result;
use crate::spec::EncodingSpec;

/// One ALiBi head.
#[derive(Debug, Clone, Serialize)]
pub struct AlibiHead {
    /// Head index.
    pub head: usize,
    /// Slope `m`.
    pub slope: f64,
    /// Distance at which the bias halves a key's softmax weight (`ln 2 / m`).
    pub half_weight_distance: f64,
    /// Distance past which the weight is scaled by less than 1e-6
    /// (`ln 10^6 / m`): the head's effective window.
    pub negligible_distance: f64,
    /// The bias at the largest distance analysed, `−m (N − 1)`.
    pub bias_at_last: f64,
}

/// ALiBi over `N` positions.
#[derive(Debug, Clone, Serialize)]
pub struct AlibiReport {
    /// Per head.
    pub heads: Vec<AlibiHead>,
    /// First (head, distance) where the `f32` bias equals the one at the
    /// previous distance (distances no longer told apart); `None` if all
    /// distances below `N` stay distinct.
    pub f32_first_repeat: Option<(usize, usize)>,
}

/// A run of distances sharing one T5 bucket.
#[derive(Debug, Clone, Serialize)]
pub struct BucketSpan {
    /// The bucket.
    pub bucket: usize,
    /// Smallest distance in it.
    pub from: usize,
    /// Largest distance in it (within the analysed range).
    pub to: usize,
}

/// T5 bucketing over distances `0 .. N`.
#[derive(Debug, Clone, Serialize)]
pub struct T5Report {
    /// Encoder (true) or decoder bucketing.
    pub bidirectional: bool,
    /// Buckets of keys at or before the query (`key − query = −distance`).
    pub past: Vec<BucketSpan>,
    /// Buckets of keys after the query (bidirectional only).
    pub future: Vec<BucketSpan>,
    /// Distances below this each get their own bucket.
    pub exact_below: usize,
    /// From this distance on, every distance shares the last bucket: the
    /// model cannot tell such positions apart. `None` if not reached below `N`.
    pub saturates_from: Option<usize>,
}

pub(crate) fn alibi_report(spec: &EncodingSpec) -> Result<AlibiReport> {
    let n = spec.positions;
    let slopes = alibi_slopes(spec.heads)?;
    let mut first_repeat = None;
    for (h, &m) in slopes.iter().enumerate() {
        let mut prev = 0.0f32;
        for k in 1..n {
            let b = (-m * k as f64) as f32;
            if b == prev {
                first_repeat = match first_repeat {
                    Some((_, d)) if d <= k => first_repeat,
                    _ => Some((h, k)),
                };
                break;
            }
            prev = b;
        }
    }
    Ok(AlibiReport {
        heads: slopes
            .iter()
            .enumerate()
            .map(|(head, &m)| AlibiHead {
                head,
                slope: m,
                half_weight_distance: std::f64::consts::LN_2 / m,
                negligible_distance: 1e6f64.ln() / m,
                bias_at_last: -m * (n - 1) as f64,
            })
            .collect(),
        f32_first_repeat: first_repeat,
    })
}

pub(crate) fn t5_report(spec: &EncodingSpec) -> Result<T5Report> {
    let cfg = spec.t5_config();
    cfg.validate()?;
    let n = spec.positions;
    let spans = |sign: i64| -> Vec<BucketSpan> {
        let mut out: Vec<BucketSpan> = Vec::new();
        let start = if sign > 0 { 1 } else { 0 };
        for d in start..n {
            let b = cfg.bucket(sign * d as i64);
            match out.last_mut() {
                Some(s) if s.bucket == b => s.to = d,
                _ => out.push(BucketSpan {
                    bucket: b,
                    from: d,
                    to: d,
                }),
            }
        }
        out
    };
    let past = spans(-1);
    let future = if cfg.bidirectional {
        spans(1)
    } else {
        Vec::new()
    };
    let half = if cfg.bidirectional {
        cfg.num_buckets / 2
    } else {
        cfg.num_buckets
    };
    let last = half - 1;
    let saturates_from = past.iter().find(|s| s.bucket == last).map(|s| s.from);
    Ok(T5Report {
        bidirectional: cfg.bidirectional,
        past,
        future,
        exact_below: half / 2,
        saturates_from,
    })
}
