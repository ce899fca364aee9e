//! Accounts: isolation, stream and service exports/imports, driven over the wire.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt;
use rnats_server::config;
use rnats_test_support::{Options, RawClient, TestServer};

const WAIT: Duration = Duration::from_secs(3);

const ACCOUNTS: &str = r#"
accounts {
  A: {
    users: [ {user: a, password: x} ]
    exports: [
      {stream: "pub.>"}
      {stream: "priv.>", accounts: [B]}
      {service: "svc.echo"}
    ]
  }
  B: {
    users: [ {user: b, password: x} ]
    imports: [
      {stream: {account: A, subject: "pub.>"}, prefix: "from_a"}
      {stream: {account: A, subject: "priv.>"}}
      {service: {account: A, subject: "svc.echo"}, to: "echo"}
    ]
  }
  C: {
    users: [ {user: c, password: x} ]
    imports: [ {stream: {account: A, subject: "pub.>"}} ]
  }
}
"#;

fn load(text: &str) -> Result<Options, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.conf");
    std::fs::write(&path, text).unwrap();
    let mut opts = config::load_file(&path).map_err(|e| e.to_string())?.options;
    opts.host = [127, 0, 0, 1].into();
    opts.port = 0;
    Ok(opts)
}

fn login(server: &TestServer, user: &str) -> RawClient {
    let mut c = RawClient::connect(server.addr());
    c.info();
    c.send(
        format!("CONNECT {{\"verbose\":false,\"user\":\"{user}\",\"pass\":\"x\"}}\r\nPING\r\n")
            .as_bytes(),
    );
    c.expect(b"PONG\r\n", WAIT);
    c
}

/// Parses `MSG <subject> <sid> <len>\r\n<payload>\r\n` frames into (subject, payload).
fn frames(bytes: &[u8]) -> BTreeSet<(String, String)> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = BTreeSet::new();
    let mut lines = text.split("\r\n");
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("MSG ") {
            let subject = rest.split(' ').next().unwrap().to_string();
            out.insert((subject, lines.next().unwrap_or("").to_string()));
        }
    }
    out
}

/// Every (publisher account, subject) delivers exactly where the config says.
#[test]
fn isolation_matrix() {
    let server = TestServer::start_with(load(ACCOUNTS).unwrap());
    let users = ["a", "b", "c"];
    let mut subscribers: Vec<RawClient> = users
        .iter()
        .map(|u| {
            let mut c = login(&server, u);
            c.send(b"SUB > 1\r\nPING\r\n");
            c.expect(b"PONG\r\n", WAIT);
            c
        })
        .collect();
    for user in users {
        let mut publisher = login(&server, user);
        for subject in ["pub.x", "priv.x", "local.x"] {
            let payload = format!("{user}:{subject}");
            publisher.send(format!("PUB {subject} {}\r\n{payload}\r\n", payload.len()).as_bytes());
        }
        publisher.send(b"PING\r\n");
        publisher.expect(b"PONG\r\n", WAIT);
    }
    let received: Vec<BTreeSet<(String, String)>> = subscribers
        .iter_mut()
        .map(|c| {
            c.send(b"PING\r\n");
            frames(&c.expect(b"PONG\r\n", WAIT))
        })
        .collect();
    let set = |items: &[(&str, &str)]| -> BTreeSet<(String, String)> {
        items
            .iter()
            .map(|(s, p)| (s.to_string(), p.to_string()))
            .collect()
    };
    // A sees only its own messages.
    assert_eq!(
        received[0],
        set(&[
            ("pub.x", "a:pub.x"),
            ("priv.x", "a:priv.x"),
            ("local.x", "a:local.x")
        ])
    );
    // B sees its own, A's public stream under its prefix, and A's private stream.
    assert_eq!(
        received[1],
        set(&[
            ("from_a.pub.x", "a:pub.x"),
            ("priv.x", "a:priv.x"),
            ("pub.x", "b:pub.x"),
            ("priv.x", "b:priv.x"),
            ("local.x", "b:local.x"),
        ])
    );
    // C sees its own and A's public stream, not the private one.
    assert_eq!(
        received[2],
        set(&[
            ("pub.x", "a:pub.x"),
            ("pub.x", "c:pub.x"),
            ("priv.x", "c:priv.x"),
            ("local.x", "c:local.x"),
        ])
    );
}

#[tokio::test]
async fn service_import_routes_each_reply_to_its_own_requester() {
    let server = TestServer::start_with(load(ACCOUNTS).unwrap());
    let url = server.url();
    let service = async_nats::ConnectOptions::with_user_and_password("a".into(), "x".into())
        .connect(&url)
        .await
        .unwrap();
    let mut requests = service.subscribe("svc.echo").await.unwrap();
    let _ = service.request("_sync", "".into()).await;
    let seen_replies = tokio::spawn(async move {
        let mut replies = Vec::new();
        while let Some(req) = requests.next().await {
            let reply = req.reply.unwrap();
            replies.push(reply.to_string());
            service.publish(reply, req.payload).await.unwrap();
            if replies.len() == 64 {
                // Dropping the client would drop replies still in its buffer.
                service.flush().await.unwrap();
                break;
            }
        }
        replies
    });
    let mut tasks = Vec::new();
    for i in 0..64 {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let client = async_nats::ConnectOptions::with_user_and_password("b".into(), "x".into())
                .connect(url)
                .await
                .unwrap();
            let body = format!("request {i}");
            let reply = client.request("echo", body.clone().into()).await.unwrap();
            assert_eq!(String::from_utf8_lossy(&reply.payload), body);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let replies = tokio::time::timeout(WAIT, seen_replies)
        .await
        .unwrap()
        .unwrap();
    assert!(
        replies.iter().all(|r| r.starts_with("_R_.")),
        "the requester's inbox must not leak into the exporting account: {replies:?}"
    );
}

#[tokio::test]
async fn service_import_without_responders_is_no_responders() {
    let server = TestServer::start_with(load(ACCOUNTS).unwrap());
    let client = async_nats::ConnectOptions::with_user_and_password("b".into(), "x".into())
        .connect(server.url())
        .await
        .unwrap();
    let err = client.request("echo", "".into()).await.unwrap_err();
    assert_eq!(err.kind(), async_nats::RequestErrorKind::NoResponders);
}

#[test]
fn importing_what_was_not_exported_is_a_startup_error() {
    let bad = r#"
accounts {
  A: { users: [ {user: a, password: x} ], exports: [ {stream: "priv.>", accounts: [B]} ] }
  C: { users: [ {user: c, password: x} ], imports: [ {stream: {account: A, subject: "priv.>"}} ] }
}
"#;
    let err = load(bad).unwrap_err();
    assert!(err.contains("accounts.conf:"), "{err}");
    let not_exported = r#"
accounts {
  A: { users: [ {user: a, password: x} ] }
  B: { users: [ {user: b, password: x} ], imports: [ {service: {account: A, subject: "nothing"}} ] }
}
"#;
    assert!(load(not_exported).is_err());
}
