//! `--threads`: how many worker threads every command uses, decided once.

use crate::CliResult;

/// The value parser of `--threads`: a count of at least 1 (leaving the
/// option out means every core).
pub fn parse(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1 (leave --threads out to use every core)".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("{e}; give a whole number of threads")),
    }
}

/// The number of worker threads: `requested`, or every core rayon sees
/// (`RAYON_NUM_THREADS` when set, else the available parallelism).
pub fn resolve(requested: Option<usize>) -> usize {
    requested.unwrap_or_else(rayon::current_num_threads)
}

/// Builds rayon's global pool with `requested` threads, so that the
/// library code that runs on rayon (queries, evaluation, attention) uses as
/// many threads as the trainers are given. Without a request rayon's own
/// default (every core) stays.
pub fn init(requested: Option<usize>) -> CliResult {
    if let Some(n) = requested {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| {
                format!("cannot start {n} worker threads: {e}; give fewer with --threads")
            })?;
    }
    Ok(())
}
