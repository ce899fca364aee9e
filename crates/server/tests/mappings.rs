//! Subject mappings applied to publishes, compared with the reference server.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use rnats_server::mappings::Mappings;
use rnats_test_support::{ReferenceServer, TestServer};

fn mappings(text: &str) -> Mappings {
    let map = rnats_conf::parse_str(text, Path::new("test.conf")).unwrap();
    Mappings::decode(map.get("mappings").unwrap()).unwrap()
}

/// A round trip through the server on this connection: once our own message comes back, all
/// that was published before it has been routed.
async fn sync(client: &async_nats::Client) {
    let inbox = client.new_inbox();
    let mut sub = client.subscribe(inbox.clone()).await.unwrap();
    client.publish(inbox, "".into()).await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(5), sub.next()).await;
}

/// Publishes `subjects` and collects (payload → subject received) on `filter`.
async fn route_all(url: &str, filter: &str, subjects: &[String]) -> HashMap<String, String> {
    let client = async_nats::connect(url).await.unwrap();
    let mut sub = client.subscribe(filter.to_string()).await.unwrap();
    sync(&client).await;
    for s in subjects {
        client.publish(s.clone(), s.clone().into()).await.unwrap();
    }
    sync(&client).await;
    let mut got = HashMap::new();
    while got.len() < subjects.len() {
        match tokio::time::timeout(Duration::from_secs(5), sub.next()).await {
            Ok(Some(m)) if m.subject.starts_with("_INBOX.") => {}
            Ok(Some(m)) => {
                got.insert(
                    String::from_utf8_lossy(&m.payload).into_owned(),
                    m.subject.to_string(),
                );
            }
            _ => break,
        }
    }
    got
}

#[tokio::test]
async fn wildcard_mapping_renames_the_subject() {
    let server = TestServer::start();
    server.server().shared().global.set_mappings(mappings(
        r#"mappings { "orders.*.*": "new.{{wildcard(2)}}.{{wildcard(1)}}" }"#,
    ));
    let got = route_all(
        &server.url(),
        ">",
        &["orders.eu.42".into(), "other.x".into()],
    )
    .await;
    assert_eq!(got["orders.eu.42"], "new.42.eu");
    assert_eq!(got["other.x"], "other.x");
}

#[tokio::test]
async fn weighted_mapping_splits_within_tolerance() {
    let server = TestServer::start();
    server.server().shared().global.set_mappings(mappings(
        r#"mappings { "w": [ {destination: "w.a", weight: 30%}, {destination: "w.b", weight: 50%} ] }"#,
    ));
    let client = async_nats::connect(server.url()).await.unwrap();
    let mut sub = client.subscribe("w.>").await.unwrap();
    let mut rest = client.subscribe("w").await.unwrap();
    sync(&client).await;
    const N: usize = 10_000;
    for _ in 0..N {
        client.publish("w", "".into()).await.unwrap();
    }
    sync(&client).await;
    let mut counts: HashMap<String, usize> = HashMap::new();
    while counts.values().sum::<usize>() < N {
        tokio::select! {
            Some(m) = sub.next() => *counts.entry(m.subject.to_string()).or_default() += 1,
            Some(m) = rest.next() => *counts.entry(m.subject.to_string()).or_default() += 1,
            () = tokio::time::sleep(Duration::from_secs(5)) => break,
        }
    }
    let share = |k: &str| *counts.get(k).unwrap_or(&0) as f64 / N as f64;
    assert_eq!(counts.values().sum::<usize>(), N, "{counts:?}");
    assert!((share("w.a") - 0.3).abs() < 0.03, "{counts:?}");
    assert!((share("w.b") - 0.5).abs() < 0.03, "{counts:?}");
    assert!((share("w") - 0.2).abs() < 0.03, "{counts:?}");
}

/// The same 10,000 subjects land in the same partitions as with nats-server.
#[tokio::test]
async fn partitions_match_the_reference_server() {
    let config =
        r#"mappings { "part.*.*": "p.{{partition(16,1,2)}}.{{wildcard(1)}}.{{wildcard(2)}}" }"#;
    let Some(reference) = ReferenceServer::start(config) else {
        return;
    };
    let server = TestServer::start();
    server
        .server()
        .shared()
        .global
        .set_mappings(mappings(config));
    let subjects: Vec<String> = (0..10_000)
        .map(|i| format!("part.{}.{}", i % 137, i))
        .collect();
    let ours = route_all(&server.url(), "p.>", &subjects).await;
    let theirs = route_all(&reference.url(), "p.>", &subjects).await;
    assert_eq!(ours.len(), subjects.len());
    assert_eq!(theirs.len(), subjects.len());
    let differing = subjects.iter().filter(|s| ours[*s] != theirs[*s]).count();
    assert_eq!(differing, 0, "subjects routed differently from nats-server");
}
