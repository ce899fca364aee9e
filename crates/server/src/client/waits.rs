//! The connection task's long-lived waits: close, shutdown, security changes and timers.
//!
//! Each wakes the task once in a long while, yet a `select!` polls every branch on every
//! wake-up, and a poll of a cancellation or watch wait takes its notifier's lock (a timer's
//! poll checks the timer wheel). At one wake-up per request that was a fifth of the server's
//! instructions in request/reply. [`gated`] polls such a wait once, to register the task's
//! waker, and afterwards only when a cheap check says it may have finished.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;

use tokio::sync::watch;
use tokio::time::Sleep;

/// Polls `wait` the first time (`*polled` false) and afterwards only while `may_be_done(wait)`.
///
/// The first poll leaves the task's waker with the wait's notifier (a cancellation token, a
/// watch channel, the timer wheel), where it stays until the wait completes; a connection
/// task's waker never changes, so polls skipped in between would only have registered it
/// again. `may_be_done` must turn true no later than the wait's notifier wakes the task, and
/// stay true until the wait has completed; set `*polled` back to false when `wait` is
/// replaced or reset.
pub fn gated<'a, F: Future + ?Sized>(
    mut wait: Pin<&'a mut F>,
    polled: &'a mut bool,
    may_be_done: impl Fn(&F) -> bool + 'a,
) -> impl Future<Output = F::Output> + 'a {
    poll_fn(move |cx| {
        if *polled && !may_be_done(wait.as_ref().get_ref()) {
            return Poll::Pending;
        }
        *polled = true;
        wait.as_mut().poll(cx)
    })
}

/// Waits for a timer that may not be armed (then never).
pub async fn armed(timer: &mut Option<Pin<Box<Sleep>>>) {
    match timer {
        Some(sleep) => sleep.as_mut().await,
        None => std::future::pending().await,
    }
}

/// Waits for the next security change (reload, account push) and hands the receiver back for
/// the wait after; never completes once the server has stopped sending changes.
pub async fn next_change(mut changes: watch::Receiver<u64>) -> watch::Receiver<u64> {
    if changes.changed().await.is_err() {
        std::future::pending::<()>().await;
    }
    changes
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::pin::pin;
    use std::task::{Context, Waker};
    use std::time::Duration;

    use tokio_util::sync::CancellationToken;

    use super::*;

    /// Pending until `done`, counting its polls.
    struct Counted<'a> {
        polls: &'a Cell<u32>,
        done: &'a Cell<bool>,
    }

    impl Future for Counted<'_> {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut std::task::Context<'_>) -> Poll<()> {
            self.polls.set(self.polls.get() + 1);
            if self.done.get() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }
    }

    #[test]
    fn a_gated_wait_is_polled_once_then_only_when_it_may_be_done() {
        let (polls, done, may_be_done) = (Cell::new(0), Cell::new(false), Cell::new(false));
        let mut wait = pin!(Counted {
            polls: &polls,
            done: &done,
        });
        let mut polled = false;
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..3 {
            let gate = pin!(gated(wait.as_mut(), &mut polled, |_| may_be_done.get()));
            assert!(gate.poll(&mut cx).is_pending());
        }
        assert_eq!(polls.get(), 1, "registered once, then left alone");
        may_be_done.set(true);
        {
            let gate = pin!(gated(wait.as_mut(), &mut polled, |_| may_be_done.get()));
            assert!(
                gate.poll(&mut cx).is_pending(),
                "polled while it may be done"
            );
        }
        assert_eq!(polls.get(), 2);
        done.set(true);
        let gate = pin!(gated(wait.as_mut(), &mut polled, |_| may_be_done.get()));
        assert!(gate.poll(&mut cx).is_ready());
    }

    /// A token that another task cancels in 30 ms.
    fn cancelled_soon() -> CancellationToken {
        let token = CancellationToken::new();
        let canceller = token.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            canceller.cancel();
        });
        token
    }

    /// The connection task's shape: a loop of `select!` woken often by other work, the
    /// cancellation registered once and then checked through the token.
    #[tokio::test]
    async fn a_gated_cancellation_ends_a_busy_select_loop() {
        let token = cancelled_soon();
        let mut cancelled = pin!(token.cancelled());
        let mut polled = false;
        let mut other_wakes = 0u32;
        let finished = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                tokio::select! {
                    biased;
                    () = gated(cancelled.as_mut(), &mut polled, |_| token.is_cancelled()) => break,
                    () = tokio::task::yield_now() => other_wakes += 1,
                }
            }
        })
        .await;
        assert!(finished.is_ok(), "the cancellation was seen");
        assert!(other_wakes > 0);
    }

    /// Nothing else wakes the task: the waker registered by the first poll must.
    #[tokio::test]
    async fn a_gated_cancellation_wakes_an_idle_task() {
        let token = cancelled_soon();
        let mut cancelled = pin!(token.cancelled());
        let mut polled = false;
        let idle = tokio::time::timeout(
            Duration::from_secs(5),
            gated(cancelled.as_mut(), &mut polled, |_| token.is_cancelled()),
        );
        assert!(idle.await.is_ok());
    }

    #[tokio::test]
    async fn a_gated_timer_fires_and_fires_again_after_a_reset() {
        let mut timer = pin!(tokio::time::sleep(Duration::from_millis(20)));
        let mut polled = false;
        for _ in 0..3 {
            let fired = tokio::time::timeout(
                Duration::from_secs(5),
                gated(timer.as_mut(), &mut polled, |sleep| sleep.is_elapsed()),
            );
            assert!(fired.await.is_ok());
            timer
                .as_mut()
                .reset(tokio::time::Instant::now() + Duration::from_millis(20));
            polled = false;
        }
    }
}
