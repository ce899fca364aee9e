//! Publishers write to a subscriber's socket directly when its writer task is idle, so the
//! client holds its socket. A socket must still close when its connection ends, even though
//! other connections remember the client (their match caches).
//!
//! A binary with one test: it counts this process's open descriptors. (Order and
//! exactly-once delivery while direct writes race the writer task: `pubsub.rs`.)

use std::time::{Duration, Instant};

use rnats_test_support::{RawClient, TestServer};

const WAIT: Duration = Duration::from_secs(10);

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

#[test]
fn sockets_close_when_subscribers_leave_while_a_publisher_still_remembers_them() {
    let server = TestServer::start();
    let mut publisher = RawClient::connect(server.addr());
    publisher.send(b"CONNECT {\"verbose\":false}\r\nPING\r\n");
    publisher.expect(b"PONG\r\n", WAIT);
    let before = open_descriptors();

    let mut subscribers: Vec<RawClient> = (0..20)
        .map(|_| {
            let mut sub = RawClient::connect(server.addr());
            sub.send(b"CONNECT {\"verbose\":false}\r\nSUB direct.x 1\r\nPING\r\n");
            sub.expect(b"PONG\r\n", WAIT);
            sub
        })
        .collect();
    // The publisher's match cache now holds all twenty subscriptions.
    publisher.send(b"PUB direct.x 2\r\nhi\r\nPING\r\n");
    publisher.expect(b"PONG\r\n", WAIT);
    for sub in &mut subscribers {
        sub.expect(b"MSG direct.x 1 2\r\nhi\r\n", WAIT);
    }
    drop(subscribers);

    let deadline = Instant::now() + WAIT;
    while open_descriptors() > before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        open_descriptors(),
        before,
        "the server must close the sockets of connections that ended"
    );
}
