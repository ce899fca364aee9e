//! The walkthrough end to end against rnats-server: rnsc builds the operator, the
//! accounts, the exports/imports and the activation, writes the `--nats-resolver` config, and
//! pushes the accounts; real clients then check what is delivered, and a revocation pushed
//! later cuts a connected user off.

mod common;

use std::time::Duration;

use common::Nsc;
use futures::StreamExt;
use rnats_test_support::TestServer;

async fn connect(url: &str, creds: std::path::PathBuf) -> async_nats::Client {
    async_nats::ConnectOptions::with_credentials_file(creds)
        .await
        .expect("read creds")
        .connect(url)
        .await
        .expect("connect with rnsc creds")
}

async fn next(sub: &mut async_nats::Subscriber) -> Option<async_nats::Message> {
    tokio::time::timeout(Duration::from_millis(1000), sub.next())
        .await
        .ok()
        .flatten()
}

#[tokio::test]
async fn walkthrough_against_rnats_server_with_the_nats_resolver() {
    let nsc = Nsc::new();
    let (a, b, _) = nsc.walkthrough();
    let jwt_dir = nsc.path().join("jwt");
    let config = nsc
        .run(&["generate", "config", "--nats-resolver"])
        .ok()
        .stdout
        .replace("dir: './jwt'", &format!("dir: '{}'", jwt_dir.display()));
    let server = TestServer::start_with_config(&config);
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
    assert!(pushed.stderr.contains("jwt updated"), "{}", pushed.stderr);
    assert!(
        pushed.stderr.contains("pushed to a total of 1 nats-server"),
        "{}",
        pushed.stderr
    );
    assert!(jwt_dir.join(format!("{a}.jwt")).exists());
    assert!(jwt_dir.join(format!("{b}.jwt")).exists());

    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let ua =
        async_nats::ConnectOptions::with_credentials_file(nsc.keys().join("creds/O/A/ua.creds"))
            .await
            .unwrap()
            .event_callback(move |event| {
                let tx = events_tx.clone();
                async move {
                    let _ = tx.send(event);
                }
            })
            .connect(&url)
            .await
            .expect("A's user connects after the push");
    let ub = connect(&url, nsc.keys().join("creds/O/B/ub.creds")).await;
    let uc = connect(&url, nsc.keys().join("creds/O/C/uc.creds")).await;
    let mut b_public = ub.subscribe("abc.a.b.c.>").await.unwrap();
    let mut b_private = ub.subscribe(format!("private.abc.{b}")).await.unwrap();
    let mut c_any = uc.subscribe(">").await.unwrap();
    ub.flush().await.unwrap();
    uc.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;

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
    if let Some(m) = next(&mut c_any).await {
        panic!("C received {} without an import", m.subject);
    }

    // Pull brings the server's copy back.
    let r = nsc.run(&["pull", "-a", "B", "-u", &url]).ok();
    assert!(r.stderr.contains("pulled \"B\""), "{}", r.stderr);

    // Revoke A's user and push A: the connected user is cut off.
    nsc.run(&["revocations", "add-user", "-a", "A", "-n", "ua"])
        .ok();
    let pushed = nsc.run(&["push", "-a", "A", "-u", &url]).ok();
    assert!(pushed.stderr.contains("jwt updated"), "{}", pushed.stderr);
    let cut = tokio::time::timeout(Duration::from_secs(3), async {
        while let Some(event) = events.recv().await {
            if matches!(event, async_nats::Event::Disconnected) {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(cut, "revoked user still connected");
    // And cannot come back.
    let again =
        async_nats::ConnectOptions::with_credentials_file(nsc.keys().join("creds/O/A/ua.creds"))
            .await
            .unwrap()
            .connect(&url)
            .await;
    assert!(again.is_err(), "revoked user logged in again");
}
