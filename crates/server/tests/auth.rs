//! Authentication and permissions from a config file, driven by real clients.

use std::time::Duration;

use futures::StreamExt;
use rnats_server::config;
use rnats_test_support::{Options, RawClient, TestServer};

const WAIT: Duration = Duration::from_secs(3);

/// Options from config text, on loopback and an ephemeral port.
fn options(text: &str) -> Options {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.conf");
    std::fs::write(&path, text).unwrap();
    let mut opts = config::load_file(&path).unwrap().options;
    opts.host = [127, 0, 0, 1].into();
    opts.port = 0;
    opts
}

fn start(text: &str) -> TestServer {
    TestServer::start_with(options(text))
}

async fn refused(opts: async_nats::ConnectOptions, url: &str) -> String {
    match opts.connect(url).await {
        Ok(_) => panic!("connection should have been refused"),
        Err(e) => e.to_string().to_lowercase(),
    }
}

#[tokio::test]
async fn token_auth() {
    let server = start("authorization { token: s3cr3t }");
    let info = RawClient::connect(server.addr()).info();
    assert_eq!(info["auth_required"], true);
    async_nats::ConnectOptions::with_token("s3cr3t".into())
        .connect(server.url())
        .await
        .unwrap();
    let err = refused(
        async_nats::ConnectOptions::with_token("nope".into()),
        &server.url(),
    )
    .await;
    assert!(err.contains("authorization violation"), "{err}");
    let err = refused(async_nats::ConnectOptions::new(), &server.url()).await;
    assert!(err.contains("authorization violation"), "{err}");
}

#[tokio::test]
async fn user_password_plain_and_bcrypt() {
    let hash = bcrypt::hash("b-pass", 4).unwrap();
    let server = start(&format!(
        "authorization {{ users: [ {{user: alice, password: a-pass}}, {{user: bob, password: \"{hash}\"}} ] }}"
    ));
    for (user, pass) in [("alice", "a-pass"), ("bob", "b-pass")] {
        async_nats::ConnectOptions::with_user_and_password(user.into(), pass.into())
            .connect(server.url())
            .await
            .unwrap_or_else(|e| panic!("{user}: {e}"));
    }
    for (user, pass) in [("alice", "b-pass"), ("bob", hash.as_str()), ("carol", "x")] {
        let opts = async_nats::ConnectOptions::with_user_and_password(user.into(), pass.into());
        let err = refused(opts, &server.url()).await;
        assert!(err.contains("authorization violation"), "{user}: {err}");
    }
}

#[tokio::test]
async fn nkey_users_sign_the_nonce() {
    let user = nkeys::KeyPair::new_user();
    let other = nkeys::KeyPair::new_user();
    let server = start(&format!(
        "authorization {{ users: [ {{nkey: {}}} ] }}",
        user.public_key()
    ));
    let info = RawClient::connect(server.addr()).info();
    assert_eq!(info["nonce"].as_str().unwrap().len(), 15);
    async_nats::ConnectOptions::with_nkey(user.seed().unwrap())
        .connect(server.url())
        .await
        .unwrap();
    let err = refused(
        async_nats::ConnectOptions::with_nkey(other.seed().unwrap()),
        &server.url(),
    )
    .await;
    assert!(err.contains("authorization violation"), "{err}");
}

#[test]
fn auth_required_means_connect_first_and_in_time() {
    let server = start("authorization { token: t, timeout: 0.3 }");
    let mut c = RawClient::connect(server.addr());
    c.info();
    c.send(b"SUB foo 1\r\n");
    c.expect(b"-ERR 'Authorization Violation'\r\n", WAIT);
    assert!(c.is_closed_within(WAIT));

    let mut slow = RawClient::connect(server.addr());
    slow.info();
    slow.expect(b"-ERR 'Authentication Timeout'\r\n", WAIT);
    assert!(slow.is_closed_within(WAIT));

    let mut good = RawClient::connect(server.addr());
    good.info();
    good.send(b"CONNECT {\"verbose\":false,\"auth_token\":\"t\"}\r\nPING\r\n");
    good.expect(b"PONG\r\n", WAIT);
    std::thread::sleep(Duration::from_millis(500));
    good.send(b"PING\r\n");
    good.expect(b"PONG\r\n", WAIT);
}

#[test]
fn no_auth_user_binds_clients_without_credentials() {
    let server = start(
        "authorization { users: [ {user: guest, password: x, permissions: {publish: \"public.>\"}} ] }\n\
         no_auth_user: guest",
    );
    let mut c = RawClient::connect(server.addr());
    assert!(c.info().get("auth_required").is_none());
    c.send(b"CONNECT {\"verbose\":false}\r\nSUB public.x 1\r\nPUB public.x 2\r\nok\r\nPUB secret 2\r\nno\r\nPING\r\n");
    let got = c.expect(b"PONG\r\n", WAIT);
    assert_eq!(
        String::from_utf8_lossy(&got),
        "MSG public.x 1 2\r\nok\r\n-ERR 'Permissions Violation for Publish to \"secret\"'\r\nPONG\r\n"
    );
}

const PERMISSIONS: &str = r#"
authorization {
  users: [
    {user: svc, password: x, permissions: {
        publish: {allow: ["orders.>"], deny: ["orders.secret"]},
        subscribe: {allow: ["orders.*", "jobs workers"], deny: ["orders.hidden"]}
    }}
    {user: responder, password: x, permissions: {
        subscribe: "requests", publish: {deny: ">"}, allow_responses: true
    }}
    {user: admin, password: x}
  ]
}
"#;

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

#[test]
fn publish_and_subscribe_permissions_answer_with_the_original_errors() {
    let server = start(PERMISSIONS);
    let mut c = login(&server, "svc");
    c.send(
        b"PUB orders.new 1\r\na\r\nPUB orders.secret 1\r\nb\r\nPUB payments 1\r\nc\r\n\
          SUB orders.hidden 1\r\nSUB jobs other 2\r\nSUB jobs workers 3\r\nSUB payments 4\r\nPING\r\n",
    );
    let got = c.expect(b"PONG\r\n", WAIT);
    assert_eq!(
        String::from_utf8_lossy(&got),
        "-ERR 'Permissions Violation for Publish to \"orders.secret\"'\r\n\
         -ERR 'Permissions Violation for Publish to \"payments\"'\r\n\
         -ERR 'Permissions Violation for Subscription to \"orders.hidden\"'\r\n\
         -ERR 'Permissions Violation for Subscription to \"jobs\" using queue \"other\"'\r\n\
         -ERR 'Permissions Violation for Subscription to \"payments\"'\r\n\
         PONG\r\n"
    );
}

#[test]
fn wildcard_subscription_does_not_deliver_denied_subjects() {
    let server = start(PERMISSIONS);
    let mut c = login(&server, "svc");
    c.send(b"SUB orders.* 1\r\nPING\r\n");
    c.expect(b"PONG\r\n", WAIT);
    let mut admin = login(&server, "admin");
    admin.send(b"PUB orders.hidden 1\r\nh\r\nPUB orders.open 1\r\no\r\nPING\r\n");
    admin.expect(b"PONG\r\n", WAIT);
    c.send(b"PING\r\n");
    let got = c.expect(b"PONG\r\n", WAIT);
    assert_eq!(got, b"MSG orders.open 1 1\r\no\r\nPONG\r\n");
}

#[test]
fn allow_responses_lets_a_responder_answer_once() {
    let server = start(PERMISSIONS);
    let mut responder = login(&server, "responder");
    responder.send(b"SUB requests 1\r\nPING\r\n");
    responder.expect(b"PONG\r\n", WAIT);
    let mut admin = login(&server, "admin");
    admin.send(b"SUB inbox.1 9\r\nPUB requests inbox.1 3\r\nreq\r\nPING\r\n");
    admin.expect(b"PONG\r\n", WAIT);
    responder.expect(b"MSG requests 1 inbox.1 3\r\nreq\r\n", WAIT);
    responder
        .send(b"PUB inbox.1 3\r\nrep\r\nPUB inbox.1 3\r\nagn\r\nPUB elsewhere 1\r\nx\r\nPING\r\n");
    let got = responder.expect(b"PONG\r\n", WAIT);
    assert_eq!(
        String::from_utf8_lossy(&got),
        "-ERR 'Permissions Violation for Publish to \"inbox.1\"'\r\n\
         -ERR 'Permissions Violation for Publish to \"elsewhere\"'\r\nPONG\r\n"
    );
    admin.expect(b"MSG inbox.1 9 3\r\nrep\r\n", WAIT);
}

#[tokio::test]
async fn reload_takes_permissions_away_from_a_connected_client() {
    let before = "authorization { users: [ {user: u, password: p} ] }";
    let after = "authorization { users: [ {user: u, password: p, permissions: {publish: \"allowed\", subscribe: \"allowed\"}} ] }";
    let server = start(before);
    let client = async_nats::ConnectOptions::with_user_and_password("u".into(), "p".into())
        .connect(server.url())
        .await
        .unwrap();
    let mut sub = client.subscribe("news").await.unwrap();
    client.publish("news", "one".into()).await.unwrap();
    assert_eq!(
        &tokio::time::timeout(WAIT, sub.next())
            .await
            .unwrap()
            .unwrap()
            .payload[..],
        b"one"
    );

    server.server().reload(options(after)).unwrap();
    // The next thing the client sends makes its reader re-check: the subscription is gone.
    client.publish("news", "two".into()).await.unwrap();
    client.flush().await.unwrap();
    let next = tokio::time::timeout(Duration::from_millis(500), sub.next()).await;
    assert!(
        !matches!(next, Ok(Some(_))),
        "a subscription whose permission was removed must not deliver"
    );
    let mut allowed = client.subscribe("allowed").await.unwrap();
    client.publish("allowed", "yes".into()).await.unwrap();
    assert_eq!(
        &tokio::time::timeout(WAIT, allowed.next())
            .await
            .unwrap()
            .unwrap()
            .payload[..],
        b"yes"
    );
}

#[tokio::test]
async fn reload_removing_a_user_disconnects_it() {
    let server =
        start("authorization { users: [ {user: a, password: x}, {user: b, password: x} ] }");
    let mut a = login(&server, "a");
    server
        .server()
        .reload(options(
            "authorization { users: [ {user: b, password: x} ] }",
        ))
        .unwrap();
    a.send(b"PING\r\n");
    a.expect(b"-ERR 'Authorization Violation'\r\n", WAIT);
    assert!(a.is_closed_within(WAIT));
}
