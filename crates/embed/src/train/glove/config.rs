//! The GloVe configuration: `Default` is GloVe C's defaults.

use crate::error::Result;
use crate::train::config::ensure;
use embedpos_tokenize::Tokenizer;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Which vectors [`GloVe`](crate::train::GloVe) returns (GloVe C's `-model`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GloveOutput {
    /// `w_i + w̃_i`, the sum of the word and context vectors (`-model 2`, the
    /// default). Pennington et al. (2014, §4.2) report that the sum is
    /// slightly better than either alone, as the two sets differ only by
    /// their random initialisation when `X` is symmetric.
    #[default]
    WordPlusContext,
    /// The word vectors `w_i` only (`-model 1`).
    Word,
}

/// Settings of GloVe co-occurrence counting and training.
///
/// `Default` is GloVe C's defaults (`cooccur`, `shuffle` and `glove`): 50
/// dimensions, a symmetric window of 15 weighted by `1/distance`,
/// `x_max = 100`, `α = 0.75`, `η = 0.05`, 25 epochs, gradient components
/// clipped at 100, 8 threads, 4 GB of memory for counting, and words seen
/// at least 5 times (GloVe's `demo.sh`; `vocab_count` alone keeps every
/// word). Two differences: the seed is fixed (GloVe C seeds its shuffle from
/// the clock), so runs are reproducible; and temporary files go to the
/// system temporary folder instead of the working directory.
///
/// ```
/// use embedpos_embed::train::GloveConfig;
/// let cfg = GloveConfig { dim: 100, window: 10, x_max: 10.0, epochs: 15, ..Default::default() };
/// assert!(cfg.validate().is_ok());
/// assert!(GloveConfig { x_max: 0.0, ..cfg }.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GloveConfig {
    /// Words seen fewer times are dropped (`vocab_count -min-count`; 5 as in
    /// GloVe's demo).
    pub min_count: u64,
    /// Keep at most this many words, the most frequent (`-max-vocab`;
    /// `None`: no limit).
    pub max_vocab: Option<usize>,
    /// How lines are normalised and split into words (default: split on
    /// whitespace, as GloVe C).
    pub tokenizer: Tokenizer,
    /// Vector dimension (`-vector-size`, 50).
    pub dim: usize,
    /// Context window: words counted on each side (`-window-size`, 15).
    pub window: usize,
    /// Count both sides of a word (`-symmetric 1`, the default); `false`
    /// counts each pair once as (left word, right word), GloVe C's
    /// `-symmetric 0`.
    pub symmetric: bool,
    /// Weight a pair `d` words apart by `1/d` (`-distance-weighting 1`, the
    /// default); `false` counts every pair as 1.
    pub distance_weighting: bool,
    /// The count at which the weight `f(x) = min(1, (x/x_max)^α)` saturates
    /// (`-x-max`, 100).
    pub x_max: f64,
    /// The exponent `α` of the weighting function (`-alpha`, 0.75).
    pub alpha: f64,
    /// The AdaGrad learning rate `η` (`-eta`, 0.05).
    pub eta: f64,
    /// Passes over the non-zero entries (`-iter`, 25).
    pub epochs: usize,
    /// Each gradient component is clipped to `±grad_clip` before the update
    /// (GloVe C 1.2's `grad_clip_value`, 100): a guard against divergence
    /// that never acts in a healthy run.
    pub grad_clip: f64,
    /// Shuffle each thread's share of the entries again before every epoch
    /// after the first. This holds the entries in memory during training,
    /// which is done when they fit beside the parameters in
    /// [`memory_gb`](Self::memory_gb); otherwise training streams them in
    /// one order as without this setting. GloVe C shuffles
    /// once and repeats that order every epoch (`false`, the default);
    /// random reshuffling is the textbook form of SGD and tends to converge
    /// a little further in the same number of epochs. It costs one in-place
    /// permutation per thread and epoch.
    pub reshuffle: bool,
    /// Which vectors to return (`-model`, word + context).
    pub output: GloveOutput,
    /// Memory budget in GB (2³⁰ bytes) for the whole run (`-memory`, 4.0):
    /// counting plans its tables in half of it and spills sorted runs to
    /// temporary files beyond; the shuffle holds at most 90 % of it in
    /// entries (beyond, GloVe C's external shuffle through temporary files);
    /// training streams the shuffled entries from a temporary file, as GloVe
    /// C does, and holds only the parameters (`2 V (dim + 1)` values and
    /// their squared-gradient sums), which come on top when they alone
    /// exceed the budget.
    pub memory_gb: f64,
    /// Worker threads for counting and training (`-threads`, 8).
    pub threads: usize,
    /// Seed of the initial vectors and of the shuffle.
    pub seed: u64,
    /// Folder for temporary files (`None`: the system temporary folder).
    pub temp_dir: Option<PathBuf>,
}

impl Default for GloveConfig {
    fn default() -> Self {
        GloveConfig {
            min_count: 5,
            max_vocab: None,
            tokenizer: Tokenizer::default(),
            dim: 50,
            window: 15,
            symmetric: true,
            distance_weighting: true,
            x_max: 100.0,
            alpha: 0.75,
            eta: 0.05,
            epochs: 25,
            grad_clip: 100.0,
            reshuffle: false,
            output: GloveOutput::WordPlusContext,
            memory_gb: 4.0,
            threads: 8,
            seed: 1,
            temp_dir: None,
        }
    }
}

impl GloveConfig {
    /// Rejects settings that cannot work, saying which and why.
    pub fn validate(&self) -> Result<()> {
        ensure(self.max_vocab != Some(0), || {
            "max_vocab 0 keeps no word; leave it unset for no limit".into()
        })?;
        ensure(self.dim > 0, || "dim must be at least 1".into())?;
        ensure(self.window > 0, || {
            "window 0 counts no pair: give a window of at least 1 word (GloVe C uses 15, its demo 10)"
                .into()
        })?;
        ensure(u32::try_from(self.window).is_ok(), || {
            format!("window {} is too large", self.window)
        })?;
        positive(
            "x_max",
            self.x_max,
            "GloVe C uses 100, 10 for small corpora",
        )?;
        ensure(self.alpha.is_finite() && self.alpha >= 0.0, || {
            format!(
                "alpha must be a number ≥ 0 (it is {}); the paper uses 0.75",
                self.alpha
            )
        })?;
        positive("eta", self.eta, "GloVe C uses 0.05")?;
        ensure(self.epochs > 0, || "epochs must be at least 1".into())?;
        ensure(self.grad_clip > 0.0, || {
            format!("grad_clip must be positive (it is {})", self.grad_clip)
        })?;
        positive(
            "memory_gb",
            self.memory_gb,
            "the memory budget is in GB (GloVe C uses 4)",
        )?;
        ensure(self.threads > 0, || "threads must be at least 1".into())
    }

    /// The memory budget in bytes.
    pub fn memory_bytes(&self) -> u64 {
        (self.memory_gb * (1u64 << 30) as f64) as u64
    }
}

/// `Ok` when `value` is a positive number (finite); else an error that
/// names `setting` and adds `advice`.
fn positive(setting: &str, value: f64, advice: &str) -> Result<()> {
    ensure(value.is_finite() && value > 0.0, || {
        format!("{setting} must be a positive number (it is {value}); {advice}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_glove_c_and_bad_values_are_named() {
        let d = GloveConfig::default();
        assert_eq!((d.dim, d.window, d.epochs), (50, 15, 25));
        assert_eq!((d.x_max, d.alpha, d.eta), (100.0, 0.75, 0.05));
        d.validate().unwrap();
        for (cfg, word) in [
            (
                GloveConfig {
                    x_max: 0.0,
                    ..d.clone()
                },
                "x_max",
            ),
            (
                GloveConfig {
                    x_max: -3.0,
                    ..d.clone()
                },
                "x_max",
            ),
            (
                GloveConfig {
                    x_max: f64::NAN,
                    ..d.clone()
                },
                "x_max",
            ),
            (
                GloveConfig {
                    window: 0,
                    ..d.clone()
                },
                "window",
            ),
            (
                GloveConfig {
                    eta: 0.0,
                    ..d.clone()
                },
                "eta",
            ),
            (
                GloveConfig {
                    memory_gb: 0.0,
                    ..d.clone()
                },
                "memory",
            ),
            (
                GloveConfig {
                    threads: 0,
                    ..d.clone()
                },
                "threads",
            ),
        ] {
            let e = cfg.validate().unwrap_err().to_string();
            assert!(e.contains(word), "{e}");
        }
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<GloveConfig>(&json).unwrap(), d);
    }
}
