use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use super::BusyPoll;

/// Yields until `cond` holds, for at most `limit`.
async fn until(limit: Duration, cond: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while !cond() {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    true
}

/// A poller with `window` running on this test's (single-threaded) runtime, asleep.
async fn running(window: Duration) -> (Arc<BusyPoll>, CancellationToken) {
    let poll = Arc::new(BusyPoll::default());
    let stop = CancellationToken::new();
    let (p, s) = (poll.clone(), stop.clone());
    tokio::spawn(async move { p.run(window, s).await });
    assert!(until(Duration::from_secs(5), || !poll.is_polling()).await);
    (poll, stop)
}

#[tokio::test]
async fn a_request_opens_the_window_and_a_quiet_spell_closes_it() {
    let (poll, _stop) = running(Duration::from_millis(300)).await;
    poll.request_delivered();
    tokio::task::yield_now().await;
    assert!(poll.is_polling(), "a request opens the window");
    // Requests keep it open past the first window's end.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(600) {
        poll.request_delivered();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(poll.is_polling(), "each request extends the window");
    }
    assert!(
        until(Duration::from_secs(5), || !poll.is_polling()).await,
        "without requests the window closes"
    );
    poll.request_delivered();
    tokio::task::yield_now().await;
    assert!(poll.is_polling(), "and the next request opens it again");
}

#[tokio::test]
async fn while_polling_the_runtime_still_runs_timers_and_sockets() {
    let (poll, _stop) = running(Duration::from_secs(30)).await;
    poll.request_delivered();
    tokio::task::yield_now().await;
    assert!(poll.is_polling());
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(started.elapsed() < Duration::from_secs(5));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let echo = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = [0; 5];
        socket.read_exact(&mut buf).await.unwrap();
        socket.write_all(&buf).await.unwrap();
    });
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    client.write_all(b"hello").await.unwrap();
    let mut back = [0; 5];
    tokio::time::timeout(Duration::from_secs(5), client.read_exact(&mut back))
        .await
        .expect("socket readiness seen while polling")
        .unwrap();
    assert_eq!(&back, b"hello");
    echo.await.unwrap();
    assert!(poll.is_polling(), "the window is still open");
}

#[tokio::test]
async fn shutdown_ends_the_poller_while_it_sleeps() {
    let poll = Arc::new(BusyPoll::default());
    let stop = CancellationToken::new();
    let p = poll.clone();
    let task = tokio::spawn({
        let stop = stop.clone();
        async move { p.run(Duration::from_millis(1), stop).await }
    });
    assert!(until(Duration::from_secs(5), || !poll.is_polling()).await);
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the poller ends on shutdown")
        .unwrap();
}
