//! Training and held-out data, and the batches drawn from them.
//!
//! A batch depends only on the seed and the step number, never on what came
//! before, so a resumed run draws exactly the batches the uninterrupted run
//! would have drawn.

use embedpos_base::{splitmix64, SplitMix64};

use crate::error::{Error, Result};

/// One labelled sequence for classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// Its token ids (in the model's vocabulary, specials included).
    pub ids: Vec<u32>,
    /// Its class.
    pub label: u32,
}

/// What a model trains or is evaluated on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dataset {
    /// A token stream for a language model: batches are contiguous windows
    /// of it (documents may be joined with `[EOS]`).
    Tokens(Vec<u32>),
    /// Labelled sequences for a classifier.
    Examples(Vec<Example>),
}

impl Dataset {
    /// Number of tokens (stream) or examples.
    pub fn len(&self) -> usize {
        match self {
            Dataset::Tokens(t) => t.len(),
            Dataset::Examples(e) => e.len(),
        }
    }

    /// True when there is nothing to train on.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Splits off a held-out part of about `fraction` of the data: the end
    /// of a token stream (one contiguous piece, so no window straddles the
    /// two), or examples chosen by a shuffle seeded with `seed`. Returns
    /// `(train, held_out)`.
    pub fn split(self, fraction: f64, seed: u64) -> Result<(Dataset, Dataset)> {
        if !(0.0..1.0).contains(&fraction) {
            return Err(Error::config(
                "eval_fraction",
                fraction,
                "it must be in [0, 1) (0.1 holds out a tenth)",
            ));
        }
        let held = ((self.len() as f64) * fraction).round() as usize;
        Ok(match self {
            Dataset::Tokens(mut t) => {
                let eval = t.split_off(t.len() - held);
                (Dataset::Tokens(t), Dataset::Tokens(eval))
            }
            Dataset::Examples(mut e) => {
                shuffle(&mut e, seed);
                let eval = e.split_off(e.len() - held);
                (Dataset::Examples(e), Dataset::Examples(eval))
            }
        })
    }
}

/// Fisher–Yates with a splitmix64 stream.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut g = SplitMix64::new(seed);
    for i in (1..items.len()).rev() {
        items.swap(i, g.below(i + 1));
    }
}

/// The id sequences of one batch and, for a classifier, their labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawBatch {
    pub(crate) seqs: Vec<Vec<u32>>,
    pub(crate) labels: Option<Vec<u32>>,
}

impl RawBatch {
    /// Number of real tokens.
    pub(crate) fn tokens(&self) -> usize {
        self.seqs.iter().map(Vec::len).sum()
    }
}

/// Draws the training batches of a dataset.
#[derive(Debug)]
pub(crate) struct Sampler<'a> {
    data: &'a Dataset,
    batch_size: usize,
    window: usize,
    seed: u64,
    /// The epoch whose order `order` holds (classification).
    epoch: Option<(u64, Vec<usize>)>,
}

impl<'a> Sampler<'a> {
    /// `window`: tokens per language-model window.
    pub(crate) fn new(
        data: &'a Dataset,
        batch_size: usize,
        window: usize,
        seed: u64,
    ) -> Result<Self> {
        match data {
            Dataset::Tokens(t) if t.len() < 2 => {
                return Err(Error::Data(format!(
                    "the training stream has {} token(s); a language model needs at least 2",
                    t.len()
                )))
            }
            Dataset::Examples(e) if e.is_empty() => {
                return Err(Error::Data("there is no training example".into()))
            }
            _ => {}
        }
        Ok(Sampler {
            data,
            batch_size,
            window,
            seed,
            epoch: None,
        })
    }

    /// The batch of step `step` (from 0): `batch_size` windows at starts
    /// hashed from (seed, step, row), or the next `batch_size` examples of
    /// the epochs' seeded orders.
    pub(crate) fn batch(&mut self, step: u64) -> RawBatch {
        match self.data {
            Dataset::Tokens(t) => {
                let w = self.window.min(t.len());
                let starts = t.len() - w + 1;
                let key = splitmix64(self.seed ^ splitmix64(step));
                let seqs = (0..self.batch_size)
                    .map(|i| {
                        let h = splitmix64(key ^ (i as u64 + 1));
                        let s = (((h >> 11) as u128 * starts as u128) >> 53) as usize;
                        t[s..s + w].to_vec()
                    })
                    .collect();
                RawBatch { seqs, labels: None }
            }
            Dataset::Examples(e) => {
                let n = e.len() as u64;
                let mut seqs = Vec::with_capacity(self.batch_size);
                let mut labels = Vec::with_capacity(self.batch_size);
                for i in 0..self.batch_size as u64 {
                    let k = step * self.batch_size as u64 + i;
                    let epoch = k / n;
                    if self.epoch.as_ref().map(|(e, _)| *e) != Some(epoch) {
                        let mut order: Vec<usize> = (0..e.len()).collect();
                        shuffle(&mut order, splitmix64(self.seed ^ splitmix64(epoch)));
                        self.epoch = Some((epoch, order));
                    }
                    let idx = self.epoch.as_ref().map_or(0, |(_, o)| o[(k % n) as usize]);
                    seqs.push(e[idx].ids.clone());
                    labels.push(e[idx].label);
                }
                RawBatch {
                    seqs,
                    labels: Some(labels),
                }
            }
        }
    }
}

/// The held-out batches: consecutive windows of the stream that overlap by
/// one token (so every token after the first is a target once), or the
/// examples in order; at most `max_batches` batches.
pub(crate) fn eval_batches(
    data: &Dataset,
    batch_size: usize,
    window: usize,
    max_batches: usize,
) -> Vec<RawBatch> {
    let limit = batch_size * max_batches;
    match data {
        Dataset::Tokens(t) => {
            let w = window.min(t.len()).max(2);
            let mut seqs = Vec::new();
            let mut s = 0;
            while s + 1 < t.len() && seqs.len() < limit {
                let end = (s + w).min(t.len());
                seqs.push(t[s..end].to_vec());
                s = end - 1;
            }
            seqs.chunks(batch_size)
                .map(|c| RawBatch {
                    seqs: c.to_vec(),
                    labels: None,
                })
                .collect()
        }
        Dataset::Examples(e) => e[..e.len().min(limit)]
            .chunks(batch_size)
            .map(|c| RawBatch {
                seqs: c.iter().map(|x| x.ids.clone()).collect(),
                labels: Some(c.iter().map(|x| x.label).collect()),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_contiguous_and_depend_on_the_step_only() {
        let data = Dataset::Tokens((0..100).collect());
        let mut a = Sampler::new(&data, 4, 8, 7).unwrap();
        let b5 = a.batch(5);
        for s in &b5.seqs {
            assert_eq!(s.len(), 8);
            assert!(s.windows(2).all(|w| w[1] == w[0] + 1));
        }
        let mut fresh = Sampler::new(&data, 4, 8, 7).unwrap();
        assert_eq!(fresh.batch(5), b5);
        assert_ne!(a.batch(6), b5);
        assert!(Sampler::new(&Dataset::Tokens(vec![1]), 4, 8, 0).is_err());
    }

    #[test]
    fn examples_cover_each_epoch_once() {
        let ex: Vec<Example> = (0..10)
            .map(|i| Example {
                ids: vec![i],
                label: i % 2,
            })
            .collect();
        let data = Dataset::Examples(ex);
        let mut s = Sampler::new(&data, 5, 0, 1).unwrap();
        let mut seen: Vec<u32> = (0..2)
            .flat_map(|st| s.batch(st).seqs)
            .map(|v| v[0])
            .collect();
        seen.sort();
        assert_eq!(seen, (0..10).collect::<Vec<u32>>());
        // a later step computed first gives the same batch
        let mut t = Sampler::new(&data, 5, 0, 1).unwrap();
        let late = t.batch(3);
        assert_eq!(s.batch(3), late);
    }

    #[test]
    fn eval_windows_overlap_by_one_token_and_split_holds_out_the_end() {
        let data = Dataset::Tokens((0..10).collect());
        let b = eval_batches(&data, 2, 4, 10);
        let seqs: Vec<Vec<u32>> = b.into_iter().flat_map(|b| b.seqs).collect();
        assert_eq!(seqs, [vec![0, 1, 2, 3], vec![3, 4, 5, 6], vec![6, 7, 8, 9]]);
        let (train, eval) = data.split(0.2, 0).unwrap();
        assert_eq!(train, Dataset::Tokens((0..8).collect()));
        assert_eq!(eval, Dataset::Tokens(vec![8, 9]));
    }
}
