//! rnsc's JWTs, creds and configs against the reference nats-server.

mod common;

use std::time::Duration;

use common::Nsc;
use futures::StreamExt;
use rnats_test_support::ReferenceServer;

async fn connect(url: &str, creds: std::path::PathBuf) -> async_nats::Client {
    async_nats::ConnectOptions::with_credentials_file(creds)
        .await
        .expect("read creds")
        .connect(url)
        .await
        .expect("connect with rnsc creds")
}

async fn next(sub: &mut async_nats::Subscriber) -> Option<async_nats::Message> {
    tokio::time::timeout(Duration::from_millis(700), sub.next())
        .await
        .ok()
        .flatten()
}

/// Publishes from A and checks what B and C receive, with the server configured from
/// `server_config`.
async fn check_routing(nsc: &Nsc, url: &str, b: &str) {
    let ua = connect(url, nsc.keys().join("creds/O/A/ua.creds")).await;
    let ub = connect(url, nsc.keys().join("creds/O/B/ub.creds")).await;
    let uc = connect(url, nsc.keys().join("creds/O/C/uc.creds")).await;

    let mut b_public = ub.subscribe("abc.a.b.c.>").await.unwrap();
    let mut b_private = ub.subscribe(format!("private.abc.{b}")).await.unwrap();
    let mut c_any = uc.subscribe(">").await.unwrap();
    ub.flush().await.unwrap();
    uc.flush().await.unwrap();
    // Give the server a moment to set up the import's shadow subscriptions.
    tokio::time::sleep(Duration::from_millis(100)).await;

    ua.publish("a.b.c.hello", "public".into()).await.unwrap();
    ua.publish(format!("private.abc.{b}"), "private".into())
        .await
        .unwrap();
    ua.flush().await.unwrap();

    let m = next(&mut b_public).await.expect("B gets A's stream export");
    assert_eq!(m.subject.as_str(), "abc.a.b.c.hello");
    assert_eq!(&m.payload[..], b"public");
    let m = next(&mut b_private)
        .await
        .expect("B gets A's private export");
    assert_eq!(m.subject.as_str(), format!("private.abc.{b}"));
    assert_eq!(&m.payload[..], b"private");
    if let Some(m) = next(&mut c_any).await {
        panic!("C received {} without an import", m.subject);
    }
}

#[tokio::test]
async fn reference_server_routes_imports_with_rnsc_mem_resolver_config() {
    let nsc = Nsc::new();
    let (_, b, _) = nsc.walkthrough();
    let config = nsc
        .run(&["generate", "config", "--mem-resolver"])
        .ok()
        .stdout;
    let Some(server) = ReferenceServer::start(&config) else {
        eprintln!("reference nats-server not available; skipping");
        return;
    };
    check_routing(&nsc, &server.url(), &b).await;

    // C cannot subscribe its way into the private export under A's subject either.
    let uc = connect(&server.url(), nsc.keys().join("creds/O/C/uc.creds")).await;
    let mut sub = uc.subscribe("private.abc.>").await.unwrap();
    uc.flush().await.unwrap();
    let ua = connect(&server.url(), nsc.keys().join("creds/O/A/ua.creds")).await;
    ua.publish(format!("private.abc.{b}"), "x".into())
        .await
        .unwrap();
    ua.flush().await.unwrap();
    assert!(next(&mut sub).await.is_none());
}

#[tokio::test]
async fn push_and_pull_against_the_reference_nats_resolver() {
    let nsc = Nsc::new();
    let (a, b, _) = nsc.walkthrough();
    let jwt_dir = nsc.path().join("jwt");
    let config = nsc
        .run(&["generate", "config", "--nats-resolver"])
        .ok()
        .stdout
        .replace("dir: './jwt'", &format!("dir: '{}'", jwt_dir.display()));
    let Some(server) = ReferenceServer::start(&config) else {
        eprintln!("reference nats-server not available; skipping");
        return;
    };
    let url = server.url();
    // Only SYS is preloaded: A's user cannot log in before the push.
    let refused =
        async_nats::ConnectOptions::with_credentials_file(nsc.keys().join("creds/O/A/ua.creds"))
            .await
            .unwrap()
            .connect(&url)
            .await;
    assert!(refused.is_err(), "A's user logged in before A was pushed");

    let pushed = nsc.run(&["push", "-A", "-u", &url]).ok();
    assert!(
        pushed.stderr.contains("pushed \"A\" to nats-server"),
        "{}",
        pushed.stderr
    );
    assert!(pushed.stderr.contains("jwt updated"), "{}", pushed.stderr);
    assert!(pushed.stderr.contains("pushed to a total of 1 nats-server"));
    assert!(jwt_dir.join(format!("{a}.jwt")).exists());
    assert!(jwt_dir.join(format!("{b}.jwt")).exists());

    check_routing(&nsc, &url, &b).await;

    // Pull brings the server's copy back.
    let before = std::fs::read_to_string(nsc.stores().join("O/accounts/A/A.jwt")).unwrap();
    std::fs::remove_file(nsc.stores().join("O/accounts/A/A.jwt")).unwrap();
    let r = nsc.run(&["pull", "-a", "B", "-u", &url]).ok();
    assert!(r.stderr.contains("pulled \"B\""), "{}", r.stderr);
    let r = nsc.run(&["pull", "-A", "-u", &url]).ok();
    assert!(r.stderr.contains("pulled \"A\""), "{}", r.stderr);
    let after = std::fs::read_to_string(nsc.stores().join("O/accounts/A/A.jwt")).unwrap();
    assert_eq!(before, after);
}

#[tokio::test]
async fn tool_pub_and_sub_use_the_users_creds() {
    let nsc = Nsc::new();
    nsc.walkthrough();
    let config = nsc
        .run(&["generate", "config", "--mem-resolver"])
        .ok()
        .stdout;
    let Some(server) = ReferenceServer::start(&config) else {
        eprintln!("reference nats-server not available; skipping");
        return;
    };
    let url = server.url();
    let ub = connect(&url, nsc.keys().join("creds/O/B/ub.creds")).await;
    let mut sub = ub.subscribe("abc.a.b.c.>").await.unwrap();
    ub.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = nsc
        .run(&[
            "pub",
            "--nats",
            &url,
            "-a",
            "A",
            "-u",
            "ua",
            "a.b.c.hello",
            "world",
        ])
        .ok();
    assert!(
        r.stdout.contains("Published [a.b.c.hello] : 'world'"),
        "{}",
        r.stdout
    );
    let m = next(&mut sub).await.expect("message from rnsc pub");
    assert_eq!(m.subject.as_str(), "abc.a.b.c.hello");
    assert_eq!(&m.payload[..], b"world");
}
