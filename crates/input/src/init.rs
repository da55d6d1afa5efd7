//! Seeded parameter initialisation. Every draw comes from a `StdRng` seeded
//! with a documented seed, so the same config builds the same layer (with the
//! same `rand` version).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::real::Real;

/// A generator for one parameter: the layer seed mixed with a per-parameter
/// salt, so adding a parameter never shifts the draws of another.
pub fn rng(seed: u64, salt: u64) -> StdRng {
    StdRng::seed_from_u64(splitmix64(seed ^ splitmix64(salt)))
}

/// Fills `out` with N(0, std²) samples (Box–Muller in `f64`).
pub fn fill_normal<T: Real>(out: &mut [T], std: f64, rng: &mut StdRng) {
    for pair in out.chunks_mut(2) {
        // 1 - U lies in (0, 1], so ln() stays finite
        let u1: f64 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random::<f64>();
        let r = (-2.0 * u1.ln()).sqrt() * std;
        let (s, c) = (std::f64::consts::TAU * u2).sin_cos();
        pair[0] = T::from_f64(r * c);
        if let Some(x) = pair.get_mut(1) {
            *x = T::from_f64(r * s);
        }
    }
}

/// Fills `out` with U(−bound, bound) samples.
pub fn fill_uniform<T: Real>(out: &mut [T], bound: f64, rng: &mut StdRng) {
    for x in out {
        *x = T::from_f64((2.0 * rng.random::<f64>() - 1.0) * bound);
    }
}

pub(crate) use embedpos_base::splitmix64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_has_the_asked_statistics_and_is_seeded() {
        let mut a = vec![0.0f64; 20_001];
        fill_normal(&mut a, 0.5, &mut rng(1, 2));
        let n = a.len() as f64;
        let mean = a.iter().sum::<f64>() / n;
        let sd = (a.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        assert!(mean.abs() < 0.02 && (sd - 0.5).abs() < 0.02, "{mean} {sd}");
        let mut b = vec![0.0f64; 20_001];
        fill_normal(&mut b, 0.5, &mut rng(1, 2));
        assert_eq!(a, b);
        fill_normal(&mut b, 0.5, &mut rng(1, 3));
        assert_ne!(a, b);
    }

    #[test]
    fn uniform_stays_in_bounds() {
        let mut a = vec![0.0f32; 1000];
        fill_uniform(&mut a, 0.25, &mut rng(0, 0));
        assert!(a.iter().all(|x| x.abs() <= 0.25));
    }
}
