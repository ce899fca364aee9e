//! Progress bars on stderr, one per client; hidden with `--no-progress` or when stderr
//! is not a terminal, so piped and test output stays clean.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Update bars every this many messages: a bar update per message costs throughput.
pub(crate) const TICK: u64 = 1024;

pub(crate) struct Progress {
    multi: MultiProgress,
    enabled: bool,
}

impl Progress {
    pub(crate) fn new(no_progress: bool) -> Self {
        let enabled = !no_progress && std::io::stderr().is_terminal();
        let target = if enabled {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Self {
            multi: MultiProgress::with_draw_target(target),
            enabled,
        }
    }

    /// A bar counting to `total`.
    pub(crate) fn bar(&self, total: u64) -> ProgressBar {
        if !self.enabled {
            return ProgressBar::hidden();
        }
        let bar = self.multi.add(ProgressBar::new(total));
        let style = ProgressStyle::with_template(
            "{elapsed:>4} [{bar:40}] {pos:>10}/{len:10} {per_sec:>14}",
        )
        .map(|style| style.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar
    }

    /// Removes the bars before the report prints.
    pub(crate) fn clear(&self) {
        let _ = self.multi.clear();
    }
}
