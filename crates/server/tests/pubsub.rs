//! Core messaging driven by a real client (async-nats).

use std::collections::HashMap;
use std::time::Duration;

use async_nats::header::HeaderMap;
use futures::StreamExt;
use rnats_test_support::TestServer;

const WAIT: Duration = Duration::from_secs(5);

/// A full round trip through the server: everything this client sent before is processed.
/// (`flush` only empties the client's own buffer.) A request nobody answers comes back as
/// "no responders" once the server has handled it.
async fn sync(client: &async_nats::Client) {
    let _ = client.request("_sync.nobody", "".into()).await;
}

async fn next(sub: &mut async_nats::Subscriber) -> async_nats::Message {
    tokio::time::timeout(WAIT, sub.next())
        .await
        .expect("timed out waiting for a message")
        .expect("subscription ended")
}

#[tokio::test]
async fn publish_subscribe_round_trip() {
    let server = TestServer::start();
    let client = async_nats::connect(server.url()).await.unwrap();
    let mut sub = client.subscribe("greet.joe").await.unwrap();
    client.publish("greet.joe", "hello".into()).await.unwrap();
    let msg = next(&mut sub).await;
    assert_eq!(msg.subject.as_str(), "greet.joe");
    assert_eq!(&msg.payload[..], b"hello");
}

#[tokio::test]
async fn wildcards_match_as_specified() {
    let server = TestServer::start();
    let client = async_nats::connect(server.url()).await.unwrap();
    let mut star = client.subscribe("a.*.c").await.unwrap();
    let mut full = client.subscribe("a.>").await.unwrap();
    client.flush().await.unwrap();
    for subject in ["a.b.c", "a.b", "a.b.c.d", "x.b.c"] {
        client.publish(subject, subject.into()).await.unwrap();
    }
    client.publish("done", "".into()).await.unwrap();
    client.flush().await.unwrap();
    assert_eq!(next(&mut star).await.subject.as_str(), "a.b.c");
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(next(&mut full).await.subject.to_string());
    }
    assert_eq!(got, ["a.b.c", "a.b", "a.b.c.d"]);
    assert!(
        tokio::time::timeout(Duration::from_millis(200), star.next())
            .await
            .is_err(),
        "a.*.c must not match a.b or a.b.c.d"
    );
}

#[tokio::test]
async fn queue_group_delivers_each_message_exactly_once() {
    let server = TestServer::start();
    let client = async_nats::connect(server.url()).await.unwrap();
    let mut members = Vec::new();
    for _ in 0..4 {
        members.push(
            client
                .queue_subscribe("jobs", "workers".into())
                .await
                .unwrap(),
        );
    }
    let mut plain = client.subscribe("jobs").await.unwrap();
    sync(&client).await;
    let publisher = async_nats::connect(server.url()).await.unwrap();
    const N: usize = 2000;
    for i in 0..N {
        publisher
            .publish("jobs", i.to_string().into())
            .await
            .unwrap();
    }
    publisher.flush().await.unwrap();
    for _ in 0..N {
        next(&mut plain).await;
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut per_member = Vec::new();
    for member in &mut members {
        let mut n = 0;
        while let Ok(Some(msg)) =
            tokio::time::timeout(Duration::from_millis(300), member.next()).await
        {
            *seen
                .entry(String::from_utf8_lossy(&msg.payload).into_owned())
                .or_default() += 1;
            n += 1;
        }
        per_member.push(n);
    }
    assert_eq!(seen.len(), N, "every message delivered to the group");
    assert!(seen.values().all(|&c| c == 1), "no message delivered twice");
    assert!(per_member.iter().all(|&n| n > 0), "spread: {per_member:?}");
}

#[tokio::test]
async fn request_reply() {
    let server = TestServer::start();
    let service = async_nats::connect(server.url()).await.unwrap();
    let mut requests = service.subscribe("svc.echo").await.unwrap();
    sync(&service).await;
    tokio::spawn(async move {
        while let Some(req) = requests.next().await {
            let reply = req.reply.unwrap();
            let mut body = b"echo: ".to_vec();
            body.extend_from_slice(&req.payload);
            service.publish(reply, body.into()).await.unwrap();
        }
    });
    let client = async_nats::connect(server.url()).await.unwrap();
    for i in 0..20 {
        let resp = client
            .request("svc.echo", format!("{i}").into())
            .await
            .unwrap();
        assert_eq!(resp.payload, format!("echo: {i}").as_bytes());
    }
}

#[tokio::test]
async fn headers_arrive_intact() {
    let server = TestServer::start();
    let client = async_nats::connect(server.url()).await.unwrap();
    let mut sub = client.subscribe("h").await.unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("Trace-Id", "abc123");
    headers.append("Multi", "one");
    headers.append("Multi", "two");
    client
        .publish_with_headers("h", headers, "body".into())
        .await
        .unwrap();
    let msg = next(&mut sub).await;
    let got = msg.headers.expect("headers");
    assert_eq!(got.get("Trace-Id").map(|v| v.as_str()), Some("abc123"));
    let multi: Vec<&str> = got.get_all("Multi").map(|v| v.as_str()).collect();
    assert_eq!(multi, ["one", "two"]);
    assert_eq!(&msg.payload[..], b"body");
}

#[tokio::test]
async fn request_without_responders_fails_fast() {
    let server = TestServer::start();
    let client = async_nats::connect(server.url()).await.unwrap();
    let started = std::time::Instant::now();
    let err = client.request("nobody.home", "".into()).await.unwrap_err();
    assert_eq!(err.kind(), async_nats::RequestErrorKind::NoResponders);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn unsubscribe_after_n_messages() {
    let server = TestServer::start();
    let client = async_nats::connect(server.url()).await.unwrap();
    let mut sub = client.subscribe("n").await.unwrap();
    sub.unsubscribe_after(3).await.unwrap();
    for i in 0..10 {
        client.publish("n", i.to_string().into()).await.unwrap();
    }
    client.flush().await.unwrap();
    let mut got = Vec::new();
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_millis(500), sub.next()).await {
        got.push(String::from_utf8_lossy(&msg.payload).into_owned());
    }
    assert_eq!(got, ["0", "1", "2"]);
}

#[tokio::test]
async fn echo_off_suppresses_own_messages_only() {
    let server = TestServer::start();
    let quiet = async_nats::ConnectOptions::new()
        .no_echo()
        .connect(server.url())
        .await
        .unwrap();
    let other = async_nats::connect(server.url()).await.unwrap();
    let mut sub = quiet.subscribe("e").await.unwrap();
    quiet.publish("e", "mine".into()).await.unwrap();
    sync(&quiet).await;
    other.publish("e", "theirs".into()).await.unwrap();
    assert_eq!(&next(&mut sub).await.payload[..], b"theirs");
}

#[tokio::test]
async fn large_payload_round_trips() {
    let server = TestServer::start();
    let client = async_nats::connect(server.url()).await.unwrap();
    let mut sub = client.subscribe("big").await.unwrap();
    let payload: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    client.publish("big", payload.clone().into()).await.unwrap();
    assert_eq!(next(&mut sub).await.payload.to_vec(), payload);
}

#[tokio::test]
async fn publish_over_max_payload_is_refused_by_the_client() {
    let server = TestServer::start();
    let client = async_nats::connect(server.url()).await.unwrap();
    assert_eq!(client.server_info().max_payload, 1024 * 1024);
    let too_big = vec![0u8; 1024 * 1024 + 1];
    assert!(client.publish("big", too_big.into()).await.is_err());
}

/// Publishers write to a subscriber's socket directly when its writer task is idle; racing
/// the writer task must not reorder, lose or repeat anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_publishers_keep_their_order_and_lose_nothing() {
    const PUBLISHERS: usize = 4;
    const EACH: usize = 20_000;
    let server = TestServer::start();
    let subscriber = async_nats::connect(server.url()).await.unwrap();
    let mut sub = subscriber.subscribe("direct.order").await.unwrap();
    subscriber.flush().await.unwrap();

    let mut tasks = Vec::new();
    for p in 0..PUBLISHERS {
        let client = async_nats::connect(server.url()).await.unwrap();
        tasks.push(tokio::spawn(async move {
            for seq in 0..EACH {
                client
                    .publish("direct.order", format!("{p} {seq}").into())
                    .await
                    .unwrap();
            }
            client.flush().await.unwrap();
        }));
    }
    let mut next_seq: HashMap<usize, usize> = HashMap::new();
    for _ in 0..PUBLISHERS * EACH {
        let msg = tokio::time::timeout(Duration::from_secs(10), sub.next())
            .await
            .expect("timed out waiting for a message")
            .expect("subscription ended");
        let text = std::str::from_utf8(&msg.payload).unwrap();
        let (p, seq) = text.split_once(' ').unwrap();
        let (p, seq): (usize, usize) = (p.parse().unwrap(), seq.parse().unwrap());
        let expected = next_seq.entry(p).or_insert(0);
        assert_eq!(seq, *expected, "publisher {p}'s messages out of order");
        *expected += 1;
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert!(next_seq.values().all(|&n| n == EACH));
    assert!(
        tokio::time::timeout(Duration::from_millis(200), sub.next())
            .await
            .is_err(),
        "no message may arrive twice"
    );
}
