//! Running the training threads while the observer watches: every trainer
//! hands its per-thread tasks to [`run`], which starts them on scoped
//! threads with the best kernels of the CPU, wakes the calling thread — the
//! one the [`Observer`](super::Observer) lives on — to report, and joins
//! them, keeping the first error and passing a worker's panic on.

use crate::error::Result;
use crate::kernels::{self, Task};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{ScopedJoinHandle, Thread};
use std::time::Duration;

/// How often the observer hears about progress while the workers run.
pub(crate) const REPORT_INTERVAL: Duration = Duration::from_millis(100);

/// Runs each of `tasks` on its own scoped thread ([`kernels::dispatch`]
/// picks the kernels) and calls `watch` on this thread until all have
/// returned: after every wake-up — a worker returning, a worker calling
/// `unpark` on this thread (to report an epoch end, say), or
/// [`REPORT_INTERVAL`] passing — with `false`, and once more with `true`
/// after the last worker has returned. `watch` keeps its own clock for
/// periodic reports.
///
/// Returns the outputs in thread order, or the first error in thread order;
/// a worker's panic is resumed here once every worker has stopped (see
/// [`join_all`]).
pub(crate) fn run<T, O>(tasks: Vec<T>, mut watch: impl FnMut(bool)) -> Result<Vec<O>>
where
    T: Task<Output = Result<O>> + Send,
    O: Send,
{
    let ended = Ended {
        count: AtomicUsize::new(0),
        watcher: std::thread::current(),
    };
    let n = tasks.len();
    std::thread::scope(|s| {
        let handles: Vec<_> = tasks
            .into_iter()
            .map(|task| {
                let ended = &ended;
                s.spawn(move || {
                    let _end = EndOnDrop(ended);
                    kernels::dispatch(task)
                })
            })
            .collect();
        loop {
            let done = ended.count.load(Ordering::Acquire) == n;
            watch(done);
            if done {
                break;
            }
            std::thread::park_timeout(REPORT_INTERVAL);
        }
        join_all(handles)
    })
}

/// Joins scoped threads in order: their outputs, or the first error in
/// thread order; a thread's panic is resumed here (after the threads before
/// it have been joined).
pub(crate) fn join_all<O>(handles: Vec<ScopedJoinHandle<'_, Result<O>>>) -> Result<Vec<O>> {
    let mut outputs = Vec::with_capacity(handles.len());
    let mut first_error = None;
    for h in handles {
        match h.join() {
            Ok(Ok(o)) => outputs.push(o),
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(outputs),
    }
}

/// Workers that have ended, and the thread to wake when one does.
struct Ended {
    count: AtomicUsize,
    watcher: Thread,
}

/// Counts a worker as ended and wakes the watching thread, whether the
/// worker returns or panics.
struct EndOnDrop<'a>(&'a Ended);

impl Drop for EndOnDrop<'_> {
    fn drop(&mut self) {
        self.0.count.fetch_add(1, Ordering::Release);
        self.0.watcher.unpark();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::kernels::Kernels;

    struct Job(usize);

    impl Task for Job {
        type Output = Result<usize>;
        fn run<K: Kernels>(self) -> Result<usize> {
            match self.0 {
                1 | 3 => Err(Error::Config(format!("job {}", self.0))),
                n => Ok(n * 10),
            }
        }
    }

    #[test]
    fn outputs_in_order_the_first_error_and_a_last_watch_when_done() {
        let mut calls = Vec::new();
        let out = run(vec![Job(0), Job(2), Job(4)], |done| calls.push(done)).unwrap();
        assert_eq!(out, [0, 20, 40]);
        assert_eq!(calls.last(), Some(&true));
        assert_eq!(calls.iter().filter(|&&d| d).count(), 1);
        let e = run((0..5).map(Job).collect(), |_| {}).unwrap_err();
        assert!(e.to_string().contains("job 1"), "{e}");
    }

    #[test]
    #[should_panic(expected = "worker panicked")]
    fn a_worker_panic_reaches_the_caller() {
        struct Panics;
        impl Task for Panics {
            type Output = Result<()>;
            fn run<K: Kernels>(self) -> Result<()> {
                panic!("worker panicked")
            }
        }
        let _ = run(vec![Panics], |_| {});
    }
}
