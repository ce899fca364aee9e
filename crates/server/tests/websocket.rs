//! The WebSocket listener: async-nats over ws:// talking to a TCP client, the upgrade checks,
//! and websocket-only auth.

use std::io::{Read, Write};
use std::time::Duration;

use futures::StreamExt;
use rnats_server::config;
use rnats_test_support::{Options, TestServer};

const WAIT: Duration = Duration::from_secs(3);

fn options(text: &str) -> Options {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.conf");
    std::fs::write(&path, text).unwrap();
    let mut opts = config::load_file(&path)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .options;
    opts.host = [127, 0, 0, 1].into();
    opts.port = 0;
    opts
}

/// async-nats's `flush` does not wait for the server: wait until it has the subscription.
async fn wait_for_subscription(server: &TestServer, subject: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while tokio::time::Instant::now() < deadline {
        let found = server.server().shared().clients().iter().any(|c| {
            c.subscriptions
                .lock()
                .values()
                .any(|s| &s.subject[..] == subject.as_bytes())
        });
        if found {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no subscription to {subject}");
}

fn ws_url(server: &TestServer) -> String {
    format!("ws://{}", server.server().websocket_addr().unwrap())
}

#[tokio::test]
async fn websocket_and_tcp_clients_exchange_messages() {
    let server = TestServer::start_with(options(
        "websocket { host: 127.0.0.1, port: -1, no_tls: true }",
    ));
    let ws = async_nats::connect(ws_url(&server)).await.unwrap();
    let tcp = async_nats::connect(server.url()).await.unwrap();

    let mut on_ws = ws.subscribe("to.ws").await.unwrap();
    let mut on_tcp = tcp.subscribe("to.tcp").await.unwrap();
    wait_for_subscription(&server, "to.ws").await;
    wait_for_subscription(&server, "to.tcp").await;

    tcp.publish("to.ws", "from tcp".into()).await.unwrap();
    ws.publish("to.tcp", "from ws".into()).await.unwrap();
    ws.flush().await.unwrap();
    let got = tokio::time::timeout(WAIT, on_ws.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&got.payload[..], b"from tcp");
    let got = tokio::time::timeout(WAIT, on_tcp.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&got.payload[..], b"from ws");

    // Request/reply across the two, with a payload bigger than one small frame.
    let big = vec![b'x'; 200_000];
    let mut service = ws.subscribe("svc").await.unwrap();
    ws.flush().await.unwrap();
    wait_for_subscription(&server, "svc").await;
    let responder = ws.clone();
    tokio::spawn(async move {
        if let Some(req) = service.next().await {
            let reply = req.reply.unwrap();
            responder.publish(reply, req.payload).await.unwrap();
            responder.flush().await.unwrap();
        }
    });
    let answer = tokio::time::timeout(WAIT, tcp.request("svc", big.clone().into()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answer.payload.len(), big.len());
}

/// Sends an upgrade request by hand; returns the response head.
fn upgrade(addr: std::net::SocketAddr, extra_headers: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    write!(
        s,
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extra_headers}\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && s.read(&mut byte).unwrap_or(0) == 1 {
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

#[tokio::test]
async fn upgrade_is_checked_and_origins_are_enforced() {
    let server = TestServer::start_with(options(
        r#"websocket { host: 127.0.0.1, port: -1, no_tls: true, allowed_origins: ["https://app.example.com"] }"#,
    ));
    let addr = server.server().websocket_addr().unwrap();
    let ok = upgrade(addr, "");
    assert!(ok.starts_with("HTTP/1.1 101 Switching Protocols"), "{ok}");
    assert!(
        ok.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        "{ok}"
    );
    let allowed = upgrade(addr, "Origin: https://app.example.com\r\n");
    assert!(allowed.starts_with("HTTP/1.1 101"), "{allowed}");
    let refused = upgrade(addr, "Origin: https://evil.example.com\r\n");
    assert!(refused.starts_with("HTTP/1.1 403 Forbidden"), "{refused}");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s.write_all(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut response = String::new();
    let _ = s.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 405"), "{response}");
}

#[tokio::test]
async fn websocket_block_auth_overrides_and_connection_types_apply() {
    let server = TestServer::start_with(options(
        r#"
        websocket { host: 127.0.0.1, port: -1, no_tls: true, authorization { token: "ws-secret" } }
        "#,
    ));
    async_nats::ConnectOptions::with_token("ws-secret".into())
        .connect(ws_url(&server))
        .await
        .unwrap();
    let refused = async_nats::ConnectOptions::new()
        .connect(ws_url(&server))
        .await;
    assert!(
        refused.is_err(),
        "websocket clients need the websocket token"
    );
    // The client port is not affected by the websocket block's auth.
    async_nats::connect(server.url()).await.unwrap();

    let server = TestServer::start_with(options(
        r#"
        websocket { host: 127.0.0.1, port: -1, no_tls: true }
        authorization { users: [
            {user: tcp, password: p, allowed_connection_types: ["STANDARD"]},
            {user: web, password: p, allowed_connection_types: ["WEBSOCKET"]}
        ] }
        "#,
    ));
    let as_user =
        |u: &str| async_nats::ConnectOptions::with_user_and_password(u.into(), "p".into());
    as_user("web").connect(ws_url(&server)).await.unwrap();
    as_user("tcp").connect(server.url()).await.unwrap();
    assert!(as_user("tcp").connect(ws_url(&server)).await.is_err());
    assert!(as_user("web").connect(server.url()).await.is_err());
}

#[test]
fn websocket_without_tls_or_no_tls_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.conf");
    std::fs::write(&path, "websocket { port: -1 }").unwrap();
    let opts = config::load_file(&path).unwrap().options;
    assert_eq!(
        opts.validate().unwrap_err(),
        "websocket requires TLS configuration"
    );
}
