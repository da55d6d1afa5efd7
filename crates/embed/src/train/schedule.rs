//! The learning-rate schedule: linear decay over all epochs × words.

/// Linear decay of the learning rate with training progress.
///
/// With `min_alpha = None` it is word2vec C's
/// `alpha = starting_alpha · (1 − word_count_actual / (iter · train_words + 1))`,
/// floored at `starting_alpha · 1e-4`. With `Some(m)` it is gensim's
/// `alpha − (alpha − m) · progress`, never below `m`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LinearDecay {
    start: f32,
    end: Option<f32>,
    /// `epochs · words + 1`, the denominator of word2vec's progress.
    total: f64,
}

impl LinearDecay {
    /// A schedule from `start` over `epochs` passes of `words` words.
    pub(crate) fn new(start: f32, end: Option<f32>, epochs: usize, words: u64) -> Self {
        LinearDecay {
            start,
            end,
            total: epochs as f64 * words as f64 + 1.0,
        }
    }

    /// The learning rate after `done` words (all threads together).
    pub(crate) fn at(&self, done: u64) -> f32 {
        let progress = (done as f64 / self.total).min(1.0) as f32;
        match self.end {
            None => {
                let a = self.start * (1.0 - progress);
                a.max(self.start * 0.0001)
            }
            Some(m) => (self.start - (self.start - m) * progress).max(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word2vec_schedule_and_floor() {
        let s = LinearDecay::new(0.025, None, 5, 1000);
        assert_eq!(s.at(0), 0.025);
        let mid = s.at(2500);
        assert!((mid - 0.025 * (1.0 - 2500.0 / 5001.0)).abs() < 1e-9);
        assert!((s.at(5000) - 0.025 / 5001.0).abs() < 1e-9);
        assert_eq!(s.at(10_000), 0.025 * 0.0001);
    }

    #[test]
    fn explicit_min_alpha() {
        let s = LinearDecay::new(0.05, Some(0.001), 1, 999);
        assert_eq!(s.at(0), 0.05);
        assert!((s.at(500) - (0.05 - 0.049 * 0.5)).abs() < 1e-6);
        assert_eq!(s.at(5_000), 0.001);
    }
}
