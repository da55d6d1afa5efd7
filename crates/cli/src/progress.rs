//! Progress bars on stderr (indicatif), shown only for jobs longer than a second.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A byte-progress bar fed from a counter polled on a ticker thread.
pub struct ByteProgress {
    bar: ProgressBar,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl ByteProgress {
    /// Starts a bar over `total` bytes (spinner when unknown) reading `get`.
    /// Nothing is drawn when `quiet`, nor during the first second.
    pub fn start(
        label: &str,
        total: Option<u64>,
        quiet: bool,
        get: impl Fn() -> u64 + Send + 'static,
    ) -> Self {
        let bar = match total {
            Some(t) => ProgressBar::with_draw_target(Some(t), ProgressDrawTarget::hidden()),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()),
        };
        let template = if total.is_some() {
            "{msg} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}"
        } else {
            "{msg} [{elapsed_precise}] {spinner} {bytes} {bytes_per_sec}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.set_message(label.to_string());
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let bar = bar.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut shown = false;
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    bar.set_position(get());
                    if !quiet && !shown && started.elapsed() > Duration::from_secs(1) {
                        bar.set_draw_target(ProgressDrawTarget::stderr());
                        shown = true;
                    }
                }
            })
        };
        ByteProgress {
            bar,
            stop,
            ticker: Some(ticker),
        }
    }

    /// Stops and clears the bar.
    pub fn finish(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        self.bar.finish_and_clear();
    }
}

impl Drop for ByteProgress {
    fn drop(&mut self) {
        self.shutdown();
    }
}
