//! Busy polling after a request: on a single-threaded runtime, the runtime keeps checking
//! its sockets, instead of sleeping, for a short window after a message with a reply
//! subject was delivered.
//!
//! A request's reply, and the requester's next request, usually arrive tens of
//! microseconds later. Sleeping in between costs a wake-up each time, and on a virtual
//! machine the wake-up of an idle core is where request/reply latency's tail comes from.
//! While the window is open a task yields in a loop; the runtime runs it only when it has
//! nothing else to do, and before each run checks its sockets and timers without blocking.
//! Traffic without reply subjects never opens the window, and an idle server sleeps.
//!
//! Only the single-threaded runtime (a server given one CPU) polls: on a multi-threaded
//! one, the worker that yields is not the one blocked on the sockets, so its spinning would
//! buy nothing and take a core from the server's neighbours.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::server::ServerShared;

/// How long the runtime keeps polling after the last request it delivered.
pub const WINDOW: Duration = Duration::from_micros(200);

/// Set to a number of microseconds to change the window (0 turns polling off): for
/// measurements, such as counting the instructions a request takes without the polling.
pub const WINDOW_ENV: &str = "RNATS_BUSY_POLL_US";

#[derive(Debug, Default)]
pub struct BusyPoll {
    /// A request was delivered since the poller last looked.
    requested: AtomicBool,
    /// The poller is asleep: the next request must wake it. (A request that lands just as
    /// the window closes may not reopen it; the one after will.)
    asleep: AtomicBool,
    wake: Notify,
}

/// Starts `server`'s poller, when its runtime is single-threaded and polling is not off.
pub fn start(server: &Arc<ServerShared>) {
    if Handle::current().runtime_flavor() != RuntimeFlavor::CurrentThread {
        return;
    }
    let window = std::env::var(WINDOW_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(WINDOW, Duration::from_micros);
    if window.is_zero() {
        return;
    }
    let poller = server.clone();
    server.tasks.spawn(async move {
        let shutdown = poller.shutdown.clone();
        poller.busy_poll.run(window, shutdown).await;
    });
}

impl BusyPoll {
    /// Notes that a read batch delivered at least one request.
    pub fn request_delivered(&self) {
        // A load, and a store only when the flag is clear: readers on other threads then
        // share the line instead of taking it in turn (with no poller the flag stays set).
        // The swap and the wake only for the first request after a quiet spell.
        if !self.requested.load(Ordering::Relaxed) {
            self.requested.store(true, Ordering::Relaxed);
        }
        if self.asleep.load(Ordering::Relaxed) && self.asleep.swap(false, Ordering::AcqRel) {
            self.wake.notify_one();
        }
    }

    /// Whether the window is open, once the poller runs.
    #[cfg(test)]
    pub fn is_polling(&self) -> bool {
        !self.asleep.load(Ordering::Acquire)
    }

    /// Sleeps until a request, polls until `window` has passed without one, and again,
    /// until `shutdown`.
    pub async fn run(&self, window: Duration, shutdown: CancellationToken) {
        loop {
            self.asleep.store(true, Ordering::Release);
            tokio::select! {
                () = shutdown.cancelled() => return,
                // A wake sent before this wait began is kept by `Notify` as a permit.
                () = self.wake.notified() => {}
            }
            self.requested.store(false, Ordering::Relaxed);
            let mut until = Instant::now() + window;
            loop {
                tokio::task::yield_now().await;
                let now = Instant::now();
                if self.requested.swap(false, Ordering::Relaxed) {
                    until = now + window;
                } else if now >= until {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
