//! A consumer that does not read is cut off; everyone else carries on.

use std::time::Duration;

use futures::StreamExt;
use rnats_server::stats::ServerStats;
use rnats_test_support::{Options, RawClient, TestServer};

#[tokio::test]
async fn slow_consumer_is_cut_off_while_a_fast_one_keeps_receiving() {
    let server = TestServer::start_with(Options {
        max_pending: 2 * 1024 * 1024,
        max_payload: 64 * 1024,
        ..Options::ephemeral()
    });
    // The slow one subscribes and then never reads.
    let mut slow = RawClient::connect(server.addr());
    slow.info();
    slow.send(b"CONNECT {\"verbose\":false}\r\nSUB firehose 1\r\nPING\r\n");
    slow.expect(b"PONG\r\n", Duration::from_secs(3));

    let fast = async_nats::connect(server.url()).await.unwrap();
    let mut fast_sub = fast.subscribe("firehose").await.unwrap();
    // A round trip, so the subscription is in place before anyone publishes.
    let _ = fast.request("_sync.nobody", "".into()).await;
    let publisher = async_nats::connect(server.url()).await.unwrap();

    const N: usize = 4000;
    let payload = bytes::Bytes::from(vec![b'x'; 16 * 1024]);
    let receiver = tokio::spawn(async move {
        let mut n = 0;
        while n < N {
            match tokio::time::timeout(Duration::from_secs(10), fast_sub.next()).await {
                Ok(Some(_)) => n += 1,
                _ => break,
            }
        }
        n
    });
    let started = std::time::Instant::now();
    for _ in 0..N {
        publisher
            .publish("firehose", payload.clone())
            .await
            .unwrap();
    }
    publisher.flush().await.unwrap();
    let publish_time = started.elapsed();
    assert_eq!(
        receiver.await.unwrap(),
        N,
        "the fast subscriber got everything"
    );
    assert!(
        publish_time < Duration::from_secs(10),
        "publisher was not held up"
    );
    let stats = &server.server().shared().stats;
    assert_eq!(ServerStats::get(&stats.slow_consumers), 1);
    assert!(slow.is_closed_within(Duration::from_secs(5)));
}
