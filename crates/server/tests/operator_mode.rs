//! Operator mode: user JWTs against account JWTs signed by a trusted operator, the MEMORY and
//! full resolvers, exports/imports with activations, and live updates over
//! `$SYS.REQ.CLAIMS.UPDATE`.

use std::time::Duration;

use base64::Engine;
use futures::StreamExt;
use nkeys::KeyPair;
use rnats_auth::jwt::{self, Export, ExportType, Import};
use rnats_test_support::{RawClient, TestServer};

mod common;

use common::operator::{now, Acct, Op};

const WAIT: Duration = Duration::from_secs(3);

fn export(subject: &str, token_req: bool) -> Export {
    Export {
        subject: subject.into(),
        export_type: ExportType::Stream,
        token_req,
        ..Export::default()
    }
}

fn import(from: &Acct, subject: &str, local: &str, token: &str) -> Import {
    Import {
        subject: subject.into(),
        account: from.public(),
        local_subject: local.into(),
        import_type: ExportType::Stream,
        token: token.into(),
        ..Import::default()
    }
}

/// CONNECT with a user JWT, signing the nonce with `key` (or not, with `None`).
fn login(server: &TestServer, key: Option<&KeyPair>, jwt: &str) -> RawClient {
    let mut c = RawClient::connect(server.addr());
    let info = c.info();
    let nonce = info["nonce"].as_str().expect("nonce in INFO").to_string();
    let sig = key.map_or(String::new(), |k| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(k.sign(nonce.as_bytes()).unwrap())
    });
    c.send(
        format!(
            "CONNECT {{\"verbose\":false,\"headers\":true,\"jwt\":\"{jwt}\",\"sig\":\"{sig}\"}}\r\nPING\r\n"
        )
        .as_bytes(),
    );
    c
}

fn refused(mut c: RawClient, error: &str) {
    let got = String::from_utf8_lossy(&c.drain(Duration::from_millis(500))).into_owned();
    assert!(got.contains(&format!("-ERR '{error}'")), "got {got:?}");
    assert!(c.is_closed_within(WAIT));
}

async fn connect(server: &TestServer, creds: &str) -> async_nats::Client {
    async_nats::ConnectOptions::with_credentials(creds)
        .unwrap()
        .connect(server.url())
        .await
        .expect("connect with creds")
}

/// async-nats' `flush` does not wait for the server to have run the SUBs: give it a moment.
async fn settle(clients: &[&async_nats::Client]) {
    for c in clients {
        c.flush().await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
}

async fn next(sub: &mut async_nats::Subscriber) -> Option<async_nats::Message> {
    tokio::time::timeout(Duration::from_millis(1000), sub.next())
        .await
        .ok()
        .flatten()
}

#[tokio::test]
async fn creds_user_connects_and_pubsubs() {
    let op = Op::new();
    let mut a = Acct::new("A");
    let a_jwt = op.sign(&mut a);
    let server = TestServer::start_with_config(&op.memory_config(&[&a_jwt]));
    let mut raw = RawClient::connect(server.addr());
    let info = raw.info();
    assert_eq!(info["auth_required"], true);
    assert_eq!(info["nonce"].as_str().unwrap().len(), 15);

    let (key, jwt) = a.user(|_| {});
    let mut r = login(&server, Some(&key), &jwt);
    r.expect(b"PONG\r\n", WAIT);
    r.send(b"SUB x 1\r\nPUB x 2\r\nhi\r\nPING\r\n");
    let got = String::from_utf8_lossy(&r.expect(b"PONG\r\n", WAIT)).into_owned();
    assert!(got.contains("MSG x 1 2"), "{got}");
    let (key2, jwt2) = a.user(|_| {});
    let mut r2 = login(&server, Some(&key2), &jwt2);
    r2.expect(b"PONG\r\n", WAIT);
    r2.send(b"PUB x 2\r\nho\r\nPING\r\n");
    r2.expect(b"PONG\r\n", WAIT);
    let got = String::from_utf8_lossy(&r.expect(b"ho\r\n", WAIT)).into_owned();
    assert!(got.contains("MSG x 1 2"), "{got}");
    let c1 = connect(&server, &a.creds()).await;
    let c2 = connect(&server, &a.creds()).await;
    let mut sub = c1.subscribe("hello.>").await.unwrap();
    settle(&[&c1]).await;
    c2.publish("hello.world", "hi".into()).await.unwrap();
    c2.flush().await.unwrap();
    let m = next(&mut sub).await.expect("message in the account");
    assert_eq!(&m.payload[..], b"hi");
}

#[test]
fn bad_users_are_refused() {
    let op = Op::new();
    let mut a = Acct::new("A");
    let (revoked_key, revoked_jwt) = a.user(|_| {});
    let revoked_sub = jwt::decode_user(&revoked_jwt).unwrap().sub;
    a.claims.nats.revocations.insert(revoked_sub, now() + 10);
    let a_jwt = op.sign(&mut a);
    let server = TestServer::start_with_config(&op.memory_config(&[&a_jwt]));

    // A good one first.
    let (key, good) = a.user(|_| {});
    let mut c = login(&server, Some(&key), &good);
    c.expect(b"PONG\r\n", WAIT);

    // Signature by another key.
    refused(
        login(&server, Some(&KeyPair::new_user()), &good),
        "Authorization Violation",
    );
    // No signature, not a bearer token.
    refused(login(&server, None, &good), "Authorization Violation");
    // Expired.
    let (key, expired) = a.user(|u| u.exp = now() - 10);
    refused(
        login(&server, Some(&key), &expired),
        "Authorization Violation",
    );
    // Revoked.
    refused(
        login(&server, Some(&revoked_key), &revoked_jwt),
        "Authorization Violation",
    );
    // An account the server does not know.
    let stranger = Acct::new("X");
    let (key, jwt) = stranger.user(|_| {});
    refused(login(&server, Some(&key), &jwt), "Authorization Violation");
    // No JWT at all.
    let mut c = RawClient::connect(server.addr());
    c.info();
    c.send(b"CONNECT {\"verbose\":false}\r\nPING\r\n");
    refused(c, "Authorization Violation");
    // A bearer token needs no signature.
    let (_, bearer) = a.user(|u| u.nats.limits.bearer_token = true);
    let mut c = login(&server, None, &bearer);
    c.expect(b"PONG\r\n", WAIT);
    // Connection types.
    let (key, ws_only) = a.user(|u| {
        u.nats.limits.allowed_connection_types = vec!["WEBSOCKET".into()];
    });
    refused(
        login(&server, Some(&key), &ws_only),
        "Authorization Violation",
    );
    // Source networks.
    let (key, elsewhere) = a.user(|u| u.nats.limits.src = vec!["10.0.0.0/8".into()]);
    refused(
        login(&server, Some(&key), &elsewhere),
        "Authorization Violation",
    );
}

#[test]
fn account_and_user_limits() {
    let op = Op::new();
    let mut a = Acct::new("A");
    a.claims.nats.limits.conn = 2;
    a.claims.nats.limits.subs = 2;
    a.claims.nats.limits.payload = 8;
    let a_jwt = op.sign(&mut a);
    let server = TestServer::start_with_config(&op.memory_config(&[&a_jwt]));

    let (k1, u1) = a.user(|_| {});
    let mut c1 = login(&server, Some(&k1), &u1);
    c1.expect(b"PONG\r\n", WAIT);
    let (k2, u2) = a.user(|_| {});
    let mut c2 = login(&server, Some(&k2), &u2);
    c2.expect(b"PONG\r\n", WAIT);
    let (k3, u3) = a.user(|_| {});
    refused(
        login(&server, Some(&k3), &u3),
        "maximum account active connections exceeded",
    );

    c1.send(b"SUB a 1\r\nSUB b 2\r\nSUB c 3\r\nPING\r\n");
    let got = c1.expect(b"PONG\r\n", WAIT);
    assert!(
        String::from_utf8_lossy(&got).contains("-ERR 'maximum subscriptions exceeded'"),
        "{}",
        String::from_utf8_lossy(&got)
    );

    c2.send(b"PUB x 8\r\n12345678\r\nPING\r\n");
    c2.expect(b"PONG\r\n", WAIT);
    c2.send(b"PUB x 9\r\n123456789\r\n");
    refused(c2, "Maximum Payload Violation");

    // A user limit lower than the account's wins.
    drop(c1);
    std::thread::sleep(Duration::from_millis(200));
    let (k4, u4) = a.user(|u| u.nats.limits.subs = 1);
    let mut c4 = login(&server, Some(&k4), &u4);
    c4.send(b"SUB a 1\r\nSUB b 2\r\nPING\r\n");
    let got = String::from_utf8_lossy(&c4.drain(Duration::from_millis(500))).into_owned();
    assert!(got.contains("maximum subscriptions exceeded"), "{got}");
}

#[test]
fn user_permissions_from_the_jwt() {
    let op = Op::new();
    let mut a = Acct::new("A");
    let a_jwt = op.sign(&mut a);
    let server = TestServer::start_with_config(&op.memory_config(&[&a_jwt]));
    let (key, jwt) = a.user(|u| {
        u.nats.limits.publish.allow = vec!["ok.>".into()];
        u.nats.limits.subscribe.deny = vec!["secret".into()];
    });
    let mut c = login(&server, Some(&key), &jwt);
    c.expect(b"PONG\r\n", WAIT);
    c.send(b"PUB no 0\r\n\r\nSUB secret 1\r\nPUB ok.x 0\r\n\r\nPING\r\n");
    let got = String::from_utf8_lossy(&c.expect(b"PONG\r\n", WAIT)).into_owned();
    assert!(
        got.contains("Permissions Violation for Publish to \"no\""),
        "{got}"
    );
    assert!(
        got.contains("Permissions Violation for Subscription to \"secret\""),
        "{got}"
    );
    assert!(!got.contains("ok.x"), "{got}");
}

/// A exports `pub.>` publicly and `priv.>` privately; B imports both (the private one with an
/// activation); C imports the private one without a token.
fn exporting(op: &Op) -> (Acct, Acct, Acct, Vec<String>) {
    let mut a = Acct::new("A");
    let mut b = Acct::new("B");
    let mut c = Acct::new("C");
    a.claims.nats.exports = vec![export("pub.>", false), export("priv.>", true)];
    let token = a.activation(&b.public(), "priv.>");
    b.claims.nats.imports = vec![
        import(&a, "pub.>", "from_a.pub.>", ""),
        import(&a, "priv.>", "", &token),
    ];
    c.claims.nats.imports = vec![import(&a, "priv.>", "", "")];
    let jwts = vec![op.sign(&mut a), op.sign(&mut b), op.sign(&mut c)];
    (a, b, c, jwts)
}

#[tokio::test]
async fn public_and_private_stream_imports() {
    let op = Op::new();
    let (a, b, c, jwts) = exporting(&op);
    let refs: Vec<&str> = jwts.iter().map(String::as_str).collect();
    let server = TestServer::start_with_config(&op.memory_config(&refs));
    let ua = connect(&server, &a.creds()).await;
    let ub = connect(&server, &b.creds()).await;
    let uc = connect(&server, &c.creds()).await;
    let mut b_pub = ub.subscribe("from_a.pub.>").await.unwrap();
    let mut b_priv = ub.subscribe("priv.>").await.unwrap();
    let mut c_any = uc.subscribe(">").await.unwrap();
    settle(&[&ub, &uc]).await;
    ua.publish("pub.x", "1".into()).await.unwrap();
    ua.publish("priv.y", "2".into()).await.unwrap();
    ua.flush().await.unwrap();
    assert_eq!(
        next(&mut b_pub).await.unwrap().subject.as_str(),
        "from_a.pub.x"
    );
    assert_eq!(next(&mut b_priv).await.unwrap().subject.as_str(), "priv.y");
    if let Some(m) = next(&mut c_any).await {
        panic!("C received {} without an activation", m.subject);
    }
}

async fn push(sys: &async_nats::Client, jwt: &str) -> serde_json::Value {
    let reply = sys
        .request("$SYS.REQ.CLAIMS.UPDATE", jwt.to_string().into())
        .await
        .expect("claims update reply");
    serde_json::from_slice(&reply.payload).unwrap()
}

#[tokio::test]
async fn claims_update_adds_an_import_and_revokes_a_user_live() {
    let op = Op::new();
    let mut a = Acct::new("A");
    let mut b = Acct::new("B");
    a.claims.nats.exports = vec![export("news.>", false)];
    let a_jwt = op.sign(&mut a);
    let b_jwt = op.sign(&mut b);
    let server = TestServer::start_with_config(&op.memory_config(&[&a_jwt, &b_jwt]));
    let sys = connect(&server, &op.sys.creds()).await;
    let ua = connect(&server, &a.creds()).await;
    let ub = connect(&server, &b.creds()).await;
    let mut b_news = ub.subscribe("news.>").await.unwrap();
    settle(&[&ub]).await;
    ua.publish("news.1", "before".into()).await.unwrap();
    ua.flush().await.unwrap();
    assert!(next(&mut b_news).await.is_none(), "no import yet");

    // Push B with the import: delivery starts without reconnecting.
    b.claims.nats.imports = vec![import(&a, "news.>", "", "")];
    let b_jwt = op.sign(&mut b);
    let reply = push(&sys, &b_jwt).await;
    assert_eq!(reply["data"]["code"], 200, "{reply}");
    assert_eq!(reply["data"]["message"], "jwt updated");
    assert_eq!(reply["data"]["account"], b.public().as_str());
    assert!(reply["server"]["name"].as_str().is_some());
    ua.publish("news.2", "after".into()).await.unwrap();
    ua.flush().await.unwrap();
    assert_eq!(
        &next(&mut b_news).await.expect("import live").payload[..],
        b"after"
    );

    // LOOKUP returns what was pushed; LIST has the accounts.
    let lookup = sys
        .request(
            format!("$SYS.REQ.ACCOUNT.{}.CLAIMS.LOOKUP", b.public()),
            "".into(),
        )
        .await
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&lookup.payload), b_jwt);
    let list = sys
        .request("$SYS.REQ.CLAIMS.LIST", "".into())
        .await
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&list.payload).unwrap();
    assert!(list["data"].as_array().unwrap().len() >= 3, "{list}");

    // A subject mismatch on the per-account subject.
    let reply = sys
        .request(
            format!("$SYS.REQ.ACCOUNT.{}.CLAIMS.UPDATE", a.public()),
            b_jwt.clone().into(),
        )
        .await
        .unwrap();
    let reply: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(
        reply["error"]["description"],
        "jwt update resulted in error - subject does not match jwt content"
    );

    // Revoke a connected raw user of B: it is cut off at once.
    let (key, jwt) = b.user(|_| {});
    let mut victim = login(&server, Some(&key), &jwt);
    victim.expect(b"PONG\r\n", WAIT);
    let user = jwt::decode_user(&jwt).unwrap().sub;
    b.claims.nats.revocations.insert(user, now() + 5);
    let reply = push(&sys, &op.sign(&mut b)).await;
    assert_eq!(reply["data"]["message"], "jwt updated");
    refused(victim, "User Authentication Revoked");
    // The other user of B is still there.
    ub.flush().await.expect("unrevoked user still connected");
}

#[tokio::test]
async fn full_resolver_persists_pushes_and_reloads_them() {
    let op = Op::new();
    let mut a = Acct::new("A");
    let a_jwt = op.sign(&mut a);
    let dir = tempfile::tempdir().unwrap();
    let jwt_dir = dir.path().join("jwt");
    let config = format!(
        "operator: \"{}\"\nsystem_account: {}\nresolver: {{ type: full, dir: '{}', allow_delete: true, interval: \"2m\" }}\nresolver_preload: {{ {}: \"{}\" }}\n",
        op.jwt,
        op.sys.public(),
        jwt_dir.display(),
        op.sys.public(),
        op.sys_jwt(),
    );
    {
        let server = TestServer::start_with_config(&config);
        let sys = connect(&server, &op.sys.creds()).await;
        // A is unknown until pushed.
        assert!(async_nats::ConnectOptions::with_credentials(&a.creds())
            .unwrap()
            .connect(server.url())
            .await
            .is_err());
        let reply = push(&sys, &a_jwt).await;
        assert_eq!(reply["data"]["message"], "jwt updated", "{reply}");
        assert!(jwt_dir.join(format!("{}.jwt", a.public())).exists());
        assert!(jwt_dir.join(format!("{}.jwt", op.sys.public())).exists());
        let ua = connect(&server, &a.creds()).await;
        ua.flush().await.unwrap();
    }
    // A new server on the same directory knows A.
    let server = TestServer::start_with_config(&config);
    let ua = connect(&server, &a.creds()).await;
    ua.flush().await.unwrap();
}

#[test]
fn operator_mode_refuses_config_users_and_accounts() {
    let op = Op::new();
    let base = op.memory_config(&[]);
    for (extra, error) in [
        (
            "accounts { X { users: [ {user: x, password: y} ] } }",
            "operators do not allow Accounts to be configured directly",
        ),
        (
            "authorization { users: [ {user: x, password: y} ] }",
            "operators do not allow users to be configured directly",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.conf");
        std::fs::write(&path, format!("{base}\n{extra}\n")).unwrap();
        let e = rnats_server::config::load_file(&path)
            .unwrap_err()
            .to_string();
        assert!(e.contains(error), "{e}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.conf");
    std::fs::write(&path, format!("operator: \"{}\"\n", op.jwt)).unwrap();
    let e = rnats_server::config::load_file(&path)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("operators require an account resolver to be configured"),
        "{e}"
    );
}

/// A user JWT that expires while connected: the connection is cut at `exp` with
/// `User Authentication Expired` (close reason `Authentication Expired`).
#[test]
fn user_jwt_expiring_while_connected_closes_the_connection() {
    let op = Op::new();
    let mut a = Acct::new("A");
    let a_jwt = op.sign(&mut a);
    let server = TestServer::start_with_config(&op.memory_config(&[&a_jwt]));
    let (key, jwt) = a.user(|u| u.exp = now() + 1);
    let mut c = login(&server, Some(&key), &jwt);
    c.expect(b"PONG\r\n", WAIT);
    let got = String::from_utf8_lossy(&c.expect(
        b"-ERR 'User Authentication Expired'\r\n",
        Duration::from_secs(4),
    ))
    .into_owned();
    assert!(!got.contains("-ERR 'Authorization Violation'"), "{got}");
    assert!(c.is_closed_within(WAIT));
    // A user without `exp` stays connected past that moment.
    let (key, jwt) = a.user(|_| {});
    let mut c = login(&server, Some(&key), &jwt);
    c.expect(b"PONG\r\n", WAIT);
    std::thread::sleep(Duration::from_millis(1200));
    c.send(b"PING\r\n");
    c.expect(b"PONG\r\n", WAIT);
}
