//! GloVe training: weighted least squares by AdaGrad, Hogwild threads over
//! the shuffled non-zero entries (GloVe C's `glove`).
//!
//! Pennington, Socher & Manning (2014), "GloVe: Global Vectors for Word
//! Representation", eq. 8, minimise over the non-zero entries of `X`
//!
//! ```text
//! J = Σ_{X_ij > 0} f(X_ij) (w_iᵀ w̃_j + b_i + b̃_j − log X_ij)²,
//! f(x) = (x / x_max)^α if x < x_max, else 1
//! ```
//!
//! with AdaGrad (Duchi, Hazan & Singer 2011). For one entry, with
//! `δ = w_iᵀw̃_j + b_i + b̃_j − log X_ij`, the gradient of `½ f δ²` is
//! `f δ w̃_j` for `w_i`, `f δ w_i` for `w̃_j` and `f δ` for both biases. As
//! GloVe C does, each vector component `θ` keeps `G_θ`, the sum of its
//! squared *scaled* gradients `(η g)²` starting at 1, and steps
//! `θ ← θ − η g / √G_θ` before `G_θ += (η g)²`; so the first step is exactly
//! `η g`. Components of `f δ · w` are clipped to `±grad_clip` first. The two
//! biases follow GloVe C 1.2 (the release the reference numbers come from)
//! to the letter: `b ← b − f δ / √G_b`, `G_b += (f δ)²`, without η and
//! without clipping, which makes them converge faster than the vectors.
//! The reported cost is GloVe C's: `Σ ½ f δ²` over an epoch divided by the
//! number of entries.
//!
//! Parameters start uniform in `[−0.5, 0.5) / dim` (biases included), as in
//! GloVe C. Each word's vector, bias and their `G` sums share one row of a
//! [`Hogwild`] matrix, so one entry touches two contiguous rows; word rows
//! and context rows are two matrices, which is what the Hogwild contract
//! asks (a mutable row of one matrix never coexists with another slice of
//! the same matrix in one thread).

use super::config::{GloveConfig, GloveOutput};
use super::record::{Entry, RecordReader, RECORD_BYTES};
use super::shuffle::{fisher_yates, Shuffled};
use crate::error::{Error, Result};
use crate::kernels::{Kernels, Task};
use crate::train::hogwild::Hogwild;
use crate::train::observer::{EpochEnd, Finish, Observer, Progress, ProgressUnit};
use crate::train::rng::{splitmix64, SplitMix64};
use crate::train::threads::{self, REPORT_INTERVAL};
use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Entries between two reports of a thread.
const BLOCK: usize = 1 << 14;
/// Entries between the one being trained and the one whose rows are
/// prefetched.
const PREFETCH_AHEAD: usize = 4;

/// Floats per half row: the vector and its bias, padded to 8 lanes.
pub(crate) fn stride(dim: usize) -> usize {
    (dim + 1).div_ceil(8) * 8
}

/// Word and context parameters with their AdaGrad sums.
///
/// Row layout (both matrices): `[v_0 … v_{d−1}, b, pad… | G_0 − 1 … G_{d−1} − 1, G_b − 1, pad…]`,
/// each half `stride(dim)` floats.
///
/// The sums are stored minus their starting value 1: a squared scaled
/// gradient is often below 10⁻⁷, which added to 1 in `f32` would vanish
/// (GloVe C sums in `f64`), while added to the running excess it keeps
/// `f32`'s relative precision.
pub(crate) struct Params {
    words: Hogwild,
    contexts: Hogwild,
    dim: usize,
    stride: usize,
    vocab_len: usize,
}

impl Params {
    /// GloVe C's initialisation: values uniform in `[−0.5, 0.5) / dim`,
    /// squared-gradient sums 1 (stored as `G − 1 = 0`).
    pub(crate) fn init(vocab_len: usize, dim: usize, seed: u64) -> Params {
        let s = stride(dim);
        let mut rng = SplitMix64::new(seed);
        let mut matrix = || {
            let mut m = vec![0f32; vocab_len * 2 * s];
            for row in m.chunks_exact_mut(2 * s) {
                let (v, g) = row.split_at_mut(s);
                for x in &mut v[..=dim] {
                    let u = (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
                    *x = (u - 0.5) / dim as f32;
                }
                g[..=dim].fill(0.0);
            }
            Hogwild::new(m, 2 * s)
        };
        let words = matrix();
        let contexts = matrix();
        Params {
            words,
            contexts,
            dim,
            stride: s,
            vocab_len,
        }
    }

    /// The output vectors, `vocab_len × dim`: `w_i + w̃_i` or `w_i`.
    pub(crate) fn into_vectors(self, output: GloveOutput) -> Vec<f32> {
        let (d, s) = (self.dim, self.stride);
        let words = self.words.into_inner();
        let contexts = match output {
            GloveOutput::WordPlusContext => Some(self.contexts.into_inner()),
            GloveOutput::Word => None,
        };
        let mut out = Vec::with_capacity(self.vocab_len * d);
        for i in 0..self.vocab_len {
            let w = &words[i * 2 * s..i * 2 * s + d];
            match &contexts {
                Some(c) => {
                    let c = &c[i * 2 * s..i * 2 * s + d];
                    out.extend(w.iter().zip(c).map(|(a, b)| a + b));
                }
                None => out.extend_from_slice(w),
            }
        }
        out
    }
}

/// The constants of one step.
#[derive(Debug, Clone, Copy)]
struct Hyper {
    dim: usize,
    stride: usize,
    x_max: f32,
    ln_x_max: f32,
    alpha: f32,
    eta: f32,
    clip: f32,
}

/// One AdaGrad step on entry `x = X_ij` with word row `w` and context row
/// `c`; returns the entry's cost `½ f(x) δ²` (0 when it is not finite and
/// the step is skipped, as GloVe C 1.2 does).
#[inline(always)]
fn step<K: Kernels>(w: &mut [f32], c: &mut [f32], x: f32, h: &Hyper) -> f32 {
    let (d, s) = (h.dim, h.stride);
    let (wv, wg) = w.split_at_mut(s);
    let (cv, cg) = c.split_at_mut(s);
    let ln_x = x.ln();
    // One 8-lane accumulator: GloVe's rows are short.
    let diff = K::dot_acc::<1>(&wv[..d], &cv[..d]) + wv[d] + cv[d] - ln_x;
    let fx = if x < h.x_max {
        (h.alpha * (ln_x - h.ln_x_max)).exp()
    } else {
        1.0
    };
    let fdiff = fx * diff;
    let cost = 0.5 * fdiff * diff;
    if !cost.is_finite() {
        return 0.0;
    }
    let (eta, clip) = (h.eta, h.clip);
    for (((a, b), ga), gb) in wv[..d]
        .iter_mut()
        .zip(cv[..d].iter_mut())
        .zip(wg[..d].iter_mut())
        .zip(cg[..d].iter_mut())
    {
        // Both gradients from the values before this step.
        let t1 = (fdiff * *b).clamp(-clip, clip) * eta;
        let t2 = (fdiff * *a).clamp(-clip, clip) * eta;
        *a -= t1 / (1.0 + *ga).sqrt();
        *b -= t2 / (1.0 + *gb).sqrt();
        *ga = K::madd(t1, t1, *ga);
        *gb = K::madd(t2, t2, *gb);
    }
    // The biases as GloVe C (1.2) steps them: the unscaled gradient `f δ`,
    // neither multiplied by η nor clipped, and its square summed into G.
    wv[d] -= fdiff / (1.0 + wg[d]).sqrt();
    cv[d] -= fdiff / (1.0 + cg[d]).sqrt();
    wg[d] += fdiff * fdiff;
    cg[d] += fdiff * fdiff;
    cost
}

/// Where one thread's entries are.
enum Part<'a> {
    Memory(&'a mut [Entry]),
    Disk {
        path: &'a Path,
        start: u64,
        len: u64,
    },
}

/// What the threads of one epoch share with the observing thread.
struct EpochShared {
    done: AtomicU64,
    /// Per thread: the cost so far (`f64` bits).
    cost: Vec<AtomicU64>,
    stop: AtomicBool,
}

/// One thread's epoch.
struct EpochTask<'a> {
    id: usize,
    params: &'a Params,
    part: Part<'a>,
    hyper: Hyper,
    shared: &'a EpochShared,
    /// Reshuffle the thread's entries with this seed before the epoch.
    reshuffle: Option<u64>,
}

impl EpochTask<'_> {
    #[inline(always)]
    fn block<K: Kernels>(&self, entries: &[Entry], cost: &mut f64) -> Result<()> {
        let v = self.params.vocab_len as u32;
        let mut c = 0f64;
        for (i, e) in entries.iter().enumerate() {
            // The rows of an entry a few steps ahead, so their memory is on
            // its way while this one trains (ids are checked when used).
            if let Some(next) = entries.get(i + PREFETCH_AHEAD) {
                if next.row < v && next.col < v {
                    self.params.words.prefetch(next.row as usize);
                    self.params.contexts.prefetch(next.col as usize);
                }
            }
            if e.row >= v || e.col >= v {
                return Err(Error::Config(format!(
                    "a co-occurrence entry names word {} or {} but the vocabulary has {v} words",
                    e.row, e.col
                )));
            }
            let w = self.params.words.row_mut(e.row as usize);
            let ctx = self.params.contexts.row_mut(e.col as usize);
            c += step::<K>(w, ctx, e.value, &self.hyper) as f64;
        }
        *cost += c;
        self.shared
            .done
            .fetch_add(entries.len() as u64, Ordering::Relaxed);
        self.shared.cost[self.id].store(cost.to_bits(), Ordering::Relaxed);
        Ok(())
    }
}

impl Task for EpochTask<'_> {
    type Output = Result<f64>;

    #[inline(always)]
    fn run<K: Kernels>(mut self) -> Result<f64> {
        let mut cost = 0f64;
        let part = std::mem::replace(&mut self.part, Part::Memory(&mut []));
        match part {
            Part::Memory(entries) => {
                if let Some(seed) = self.reshuffle {
                    fisher_yates(entries, &mut SplitMix64::new(seed));
                }
                for chunk in entries.chunks(BLOCK) {
                    self.block::<K>(chunk, &mut cost)?;
                    if self.shared.stop.load(Ordering::Relaxed) {
                        break;
                    }
                }
            }
            Part::Disk { path, start, len } => {
                let io = |e| Error::io(path, e);
                let mut f = File::open(path).map_err(io)?;
                f.seek(SeekFrom::Start(start * RECORD_BYTES as u64))
                    .map_err(io)?;
                let mut r = RecordReader::new(f, len, 1 << 20);
                let mut buf = Vec::with_capacity(BLOCK);
                loop {
                    buf.clear();
                    if r.read_into(&mut buf, BLOCK).map_err(io)? == 0 {
                        break;
                    }
                    self.block::<K>(&buf, &mut cost)?;
                    if self.shared.stop.load(Ordering::Relaxed) {
                        break;
                    }
                }
            }
        }
        Ok(cost)
    }
}

/// The entries of each thread: equal, contiguous shares of the shuffled
/// order (threads start equally spaced in it, as in GloVe C).
fn split(set: &mut Shuffled, threads: usize) -> Vec<Part<'_>> {
    let n = set.len();
    let bounds = |t: usize| n * t as u64 / threads as u64;
    match set {
        Shuffled::Memory(v) => {
            let mut rest: &mut [Entry] = v;
            (0..threads)
                .map(|t| {
                    let len = (bounds(t + 1) - bounds(t)) as usize;
                    let (head, tail) = std::mem::take(&mut rest).split_at_mut(len);
                    rest = tail;
                    Part::Memory(head)
                })
                .collect()
        }
        Shuffled::Disk(run) => (0..threads)
            .map(|t| Part::Disk {
                path: run.path(),
                start: bounds(t),
                len: bounds(t + 1) - bounds(t),
            })
            .collect(),
    }
}

/// How training went.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Trained {
    pub epochs_done: usize,
    pub stopped: bool,
    /// The cost of the last finished epoch.
    pub last_cost: f64,
    pub elapsed: Duration,
}

/// Trains on the shuffled entries; reports to `observer` on this thread.
pub(crate) fn train(
    set: &mut Shuffled,
    vocab_len: usize,
    cfg: &GloveConfig,
    observer: &mut dyn Observer,
) -> Result<(Params, Trained)> {
    let params = Params::init(vocab_len, cfg.dim, cfg.seed);
    let hyper = Hyper {
        dim: cfg.dim,
        stride: params.stride,
        x_max: cfg.x_max as f32,
        ln_x_max: (cfg.x_max as f32).ln(),
        alpha: cfg.alpha as f32,
        eta: cfg.eta as f32,
        clip: cfg.grad_clip as f32,
    };
    let n = set.len();
    let threads = (cfg.threads as u64).clamp(1, n.max(1)) as usize;
    let start = Instant::now();
    let mut trained = Trained {
        epochs_done: 0,
        stopped: false,
        last_cost: f64::NAN,
        elapsed: Duration::ZERO,
    };
    for epoch in 0..cfg.epochs {
        let shared = EpochShared {
            done: AtomicU64::new(0),
            cost: (0..threads).map(|_| AtomicU64::new(0)).collect(),
            stop: AtomicBool::new(false),
        };
        let progress = |done: u64, cost: f64| Progress {
            epoch,
            epochs: cfg.epochs,
            unit: ProgressUnit::Entries,
            done: epoch as u64 * n + done,
            total: n * cfg.epochs as u64,
            lr: cfg.eta as f32,
            loss: if done == 0 {
                f64::NAN
            } else {
                cost / done as f64
            },
            elapsed: start.elapsed(),
        };
        let tasks = split(&mut *set, threads)
            .into_iter()
            .enumerate()
            .map(|(t, part)| EpochTask {
                id: t,
                params: &params,
                part,
                hyper,
                shared: &shared,
                reshuffle: (cfg.reshuffle && epoch > 0)
                    .then(|| splitmix64(cfg.seed ^ ((epoch as u64) << 32 | t as u64))),
            })
            .collect();
        let mut stopped = false;
        let mut last = Instant::now();
        let costs = threads::run(tasks, |done| {
            if !done && !stopped && last.elapsed() >= REPORT_INTERVAL {
                let cost = shared
                    .cost
                    .iter()
                    .map(|c| f64::from_bits(c.load(Ordering::Relaxed)))
                    .sum();
                let p = progress(shared.done.load(Ordering::Relaxed), cost);
                if observer.on_progress(&p).is_break() {
                    stopped = true;
                    shared.stop.store(true, Ordering::Relaxed);
                }
                last = Instant::now();
            }
        })?;
        let cost = costs.iter().fold(0f64, |total, c| total + c);
        if stopped {
            trained.stopped = true;
            break;
        }
        trained.epochs_done = epoch + 1;
        trained.last_cost = cost / n.max(1) as f64;
        let end = EpochEnd {
            epoch,
            loss: trained.last_cost,
            pairs: n,
            unit: ProgressUnit::Entries,
            done: n,
            elapsed: start.elapsed(),
        };
        let mut p = progress(n, cost);
        p.loss = trained.last_cost;
        if observer.on_progress(&p).is_break() || observer.on_epoch_end(&end).is_break() {
            trained.stopped = epoch + 1 < cfg.epochs;
            break;
        }
    }
    trained.elapsed = start.elapsed();
    observer.on_finish(&Finish {
        unit: ProgressUnit::Entries,
        done: trained.epochs_done as u64 * n,
        epochs_done: trained.epochs_done,
        elapsed: trained.elapsed,
        stopped: trained.stopped,
    });
    Ok((params, trained))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::Portable;

    /// The step against the formulas in f64, for one entry.
    #[test]
    fn one_step_matches_the_formulas_in_f64() {
        let dim = 5;
        let s = stride(dim);
        let mut w: Vec<f32> = vec![0.0; 2 * s];
        let mut c: Vec<f32> = vec![0.0; 2 * s];
        for k in 0..=dim {
            w[k] = 0.1 * (k as f32 + 1.0);
            c[k] = -0.05 * k as f32 + 0.02;
            // G − 1 is stored: G = 1 + k for words, 2 for contexts.
            w[s + k] = k as f32;
            c[s + k] = 1.0;
        }
        let (w0, c0) = (w.clone(), c.clone());
        let h = Hyper {
            dim,
            stride: s,
            x_max: 10.0,
            ln_x_max: 10f32.ln(),
            alpha: 0.75,
            eta: 0.05,
            clip: 100.0,
        };
        let x = 3.0f32;
        let cost = step::<Portable>(&mut w, &mut c, x, &h);
        // In f64 with G itself (the stored excess plus 1) in the G slots.
        let f64v = |v: &[f32]| {
            v.iter()
                .enumerate()
                .map(|(i, &a)| a as f64 + if i >= s { 1.0 } else { 0.0 })
                .collect::<Vec<_>>()
        };
        let (w0, c0) = (f64v(&w0), f64v(&c0));
        let dot: f64 = (0..dim).map(|k| w0[k] * c0[k]).sum();
        let delta = dot + w0[dim] + c0[dim] - (x as f64).ln();
        let f = (x as f64 / 10.0).powf(0.75);
        assert!((cost as f64 - 0.5 * f * delta * delta).abs() < 1e-6);
        for k in 0..dim {
            let g1 = 0.05 * f * delta * c0[k];
            let g2 = 0.05 * f * delta * w0[k];
            assert!((w[k] as f64 - (w0[k] - g1 / w0[s + k].sqrt())).abs() < 1e-6);
            assert!((c[k] as f64 - (c0[k] - g2 / c0[s + k].sqrt())).abs() < 1e-6);
            assert!((w[s + k] as f64 + 1.0 - (w0[s + k] + g1 * g1)).abs() < 1e-6);
        }
        let gb = f * delta;
        assert!((w[dim] as f64 - (w0[dim] - gb / w0[s + dim].sqrt())).abs() < 1e-6);
        assert!((c[s + dim] as f64 + 1.0 - (c0[s + dim] + gb * gb)).abs() < 1e-6);
    }

    /// Training from the shuffled file gives, bit for bit, what training
    /// from the same entries in memory gives (one thread, one seed), over
    /// more entries than one block of a thread and for several threads'
    /// shares.
    #[test]
    fn streamed_entries_train_exactly_as_entries_in_memory() {
        use super::super::spill::{Run, SpillDir};
        let vocab_len = 40;
        let mut rng = SplitMix64::new(5);
        let entries: Vec<Entry> = (0..3 * BLOCK + 17)
            .map(|_| Entry {
                row: rng.below(vocab_len) as u32,
                col: rng.below(vocab_len) as u32,
                value: 0.1 + rng.below(1000) as f32 / 37.0,
            })
            .collect();
        let dir = SpillDir::create(None).unwrap();
        for threads in [1, 3] {
            let cfg = GloveConfig {
                dim: 12,
                epochs: 3,
                threads,
                seed: 7,
                ..Default::default()
            };
            let mut memory = Shuffled::Memory(entries.clone());
            let mut disk = Shuffled::Disk(Run::write(&dir, &entries).unwrap());
            let (a, ta) = train(&mut memory, vocab_len, &cfg, &mut ()).unwrap();
            let (b, tb) = train(&mut disk, vocab_len, &cfg, &mut ()).unwrap();
            assert_eq!(ta.epochs_done, 3);
            if threads == 1 {
                assert_eq!(ta.last_cost.to_bits(), tb.last_cost.to_bits());
                assert_eq!(a.words.into_inner(), b.words.into_inner());
                assert_eq!(a.contexts.into_inner(), b.contexts.into_inner());
            } else {
                // Hogwild: the same work, in an order timing decides.
                assert!((ta.last_cost - tb.last_cost).abs() < 0.05 * ta.last_cost);
            }
        }
    }

    #[test]
    fn output_sums_word_and_context_rows() {
        let p = Params::init(3, 4, 9);
        let s = p.stride;
        let words = p.words.row(1)[..4].to_vec();
        let ctx = p.contexts.row(1)[..4].to_vec();
        assert!(words.iter().all(|&v| v.abs() <= 0.125));
        assert_eq!(p.words.row(1)[s], 0.0);
        let out = p.into_vectors(GloveOutput::WordPlusContext);
        assert_eq!(out.len(), 12);
        for k in 0..4 {
            assert_eq!(out[4 + k], words[k] + ctx[k]);
        }
    }
}
