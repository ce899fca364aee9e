//! Operator mode, part two: user JWT connect windows (`times`, `times_location`), the account
//! JWT's own limits (`imports`, `exports`, `wildcards`), its subject `mappings`, and account
//! limits lowered while clients are connected (`conn`, `subs`, `payload`).
//!
//! The live-update scenarios also run against the reference nats-server when it is installed,
//! so the expectations are the original's.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine;
use futures::StreamExt;
use nkeys::KeyPair;
use rnats_auth::jwt::{self, Export, ExportType, Import, TimeRange, UserClaims, WeightedMapping};
use rnats_test_support::{RawClient, ReferenceServer, TestServer};

mod common;

use common::operator::{now, Acct, Op};

const WAIT: Duration = Duration::from_secs(3);

/// CONNECT with a user JWT, the nonce signed by `key`, then PING.
fn login(addr: SocketAddr, key: &KeyPair, token: &str) -> RawClient {
    let mut c = RawClient::connect(addr);
    let info = c.info();
    let nonce = info["nonce"].as_str().expect("nonce in INFO").to_string();
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(key.sign(nonce.as_bytes()).unwrap());
    c.send(
        format!("CONNECT {{\"verbose\":false,\"jwt\":\"{token}\",\"sig\":\"{sig}\"}}\r\nPING\r\n")
            .as_bytes(),
    );
    c
}

fn connected(addr: SocketAddr, acct: &Acct, edit: impl FnOnce(&mut UserClaims)) -> RawClient {
    let (key, token) = acct.user(edit);
    let mut c = login(addr, &key, &token);
    c.expect(b"PONG\r\n", WAIT);
    c
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The client got `-ERR '<error>'` and was closed.
fn cut_off(c: &mut RawClient, error: &str) {
    let line = format!("-ERR '{error}'\r\n");
    c.expect(line.as_bytes(), WAIT);
    assert!(c.is_closed_within(WAIT), "still open after {line:?}");
}

/// The client is still served.
fn alive(c: &mut RawClient) {
    c.send(b"PING\r\n");
    let got = text(&c.expect(b"PONG\r\n", WAIT));
    assert!(!got.contains("-ERR"), "{got}");
}

fn refused(addr: SocketAddr, acct: &Acct, edit: impl FnOnce(&mut UserClaims)) {
    let (key, token) = acct.user(edit);
    let mut c = login(addr, &key, &token);
    cut_off(&mut c, "Authorization Violation");
}

fn addr_of(url: &str) -> SocketAddr {
    url.trim_start_matches("nats://").parse().unwrap()
}

async fn next(sub: &mut async_nats::Subscriber) -> Option<async_nats::Message> {
    tokio::time::timeout(Duration::from_secs(2), sub.next())
        .await
        .ok()
        .flatten()
}

async fn push(sys_creds: &str, url: &str, token: &str) -> serde_json::Value {
    let sys = async_nats::ConnectOptions::with_credentials(sys_creds)
        .unwrap()
        .connect(url)
        .await
        .expect("system user connects");
    let sub = jwt::decode_account(token).unwrap().sub;
    let reply = sys
        .request(
            format!("$SYS.REQ.ACCOUNT.{sub}.CLAIMS.UPDATE"),
            token.to_string().into(),
        )
        .await
        .expect("claims update reply");
    serde_json::from_slice(&reply.payload).unwrap()
}

/// `HH:MM:SS` of `secs` seconds after local midnight (wrapping).
fn clock(secs: i64) -> String {
    let s = secs.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// A fixed-offset zone in which it is now between 11:00 and 13:00, so windows a couple of
/// hours around "now" never touch midnight; with the local seconds-of-day now.
fn zone_near_noon() -> (String, i64) {
    let utc = now();
    let hour = utc.rem_euclid(86_400) / 3600;
    let offset = 12 - hour; // UTC+offset, within -11..=12
                            // `Etc/GMT-5` is UTC+5: the sign is reversed in these names.
    let name = match offset {
        0 => "Etc/GMT".to_string(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    };
    (name, (utc + offset * 3600).rem_euclid(86_400))
}

fn window(zone: &str, start: i64, end: i64) -> impl FnOnce(&mut UserClaims) {
    let zone = zone.to_string();
    move |u: &mut UserClaims| {
        u.nats.limits.times = vec![TimeRange {
            start: clock(start),
            end: clock(end),
        }];
        u.nats.limits.locale = zone;
    }
}

#[test]
fn times_windows_admit_refuse_and_cut_off_at_the_end() {
    let op = Op::new();
    let mut a = Acct::new("A");
    let server = TestServer::start_with_config(&op.memory_config(&[&op.sign(&mut a)]));
    times_windows(&a, server.addr());
}

#[test]
fn times_windows_match_the_reference() {
    let op = Op::new();
    let mut a = Acct::new("A");
    let Some(reference) = ReferenceServer::start(&op.memory_config(&[&op.sign(&mut a)])) else {
        eprintln!("reference nats-server not available; skipping");
        return;
    };
    times_windows(&a, addr_of(&reference.url()));
}

fn times_windows(a: &Acct, addr: SocketAddr) {
    let (zone, local) = zone_near_noon();

    // Later today: refused at CONNECT, as the original does.
    refused(addr, a, window(&zone, local + 3600, local + 7200));
    // Earlier today: refused.
    refused(addr, a, window(&zone, local - 7200, local - 3600));
    // A zone that does not exist: refused.
    refused(
        addr,
        a,
        window("Mars/Olympus_Mons", local - 60, local + 3600),
    );
    // The same clock times in a zone where they are not now: refused.
    let elsewhere = if zone == "Etc/GMT-6" {
        "Etc/GMT+6"
    } else {
        "Etc/GMT-6"
    };
    refused(addr, a, window(elsewhere, local - 60, local + 60));

    // Inside a window that crosses midnight (start after end): in, and stays in.
    let mut overnight = connected(addr, a, window(&zone, local - 3600, local - 7200));
    // Inside a window ending in two seconds: in, then cut off when it ends.
    let mut ending = connected(addr, a, window(&zone, local - 3600, local + 2));
    ending.expect(
        b"-ERR 'User Authentication Expired'\r\n",
        Duration::from_secs(5),
    );
    assert!(ending.is_closed_within(WAIT));
    alive(&mut overnight);

    // A JWT expiring before its window ends is cut off at `exp`.
    let mut short = connected(addr, a, |u| {
        window(&zone, local - 3600, local + 3600)(u);
        u.exp = now() + 1;
    });
    short.expect(
        b"-ERR 'User Authentication Expired'\r\n",
        Duration::from_secs(4),
    );
}

fn export(subject: &str) -> Export {
    Export {
        subject: subject.into(),
        export_type: ExportType::Stream,
        ..Export::default()
    }
}

/// B (plain), EXP (exports `a.>` and `b`), and four accounts judged by their own limits:
/// TME (two exports, one allowed), TMI (one import, none allowed), WILD (a wildcard export,
/// wildcards off, exports limited) and WILDOK (the same with exports unlimited, which the Go
/// library does not check for wildcards).
fn own_limit_accounts() -> [Acct; 6] {
    let b = Acct::new("B");
    let mut exporter = Acct::new("EXP");
    exporter.claims.nats.exports = vec![export("a.>"), export("b")];
    let mut too_many_exports = Acct::new("TME");
    too_many_exports.claims.nats.exports = vec![export("x"), export("y")];
    too_many_exports.claims.nats.limits.exports = 1;
    let mut too_many_imports = Acct::new("TMI");
    too_many_imports.claims.nats.imports = vec![Import {
        subject: "b".into(),
        account: exporter.public(),
        import_type: ExportType::Stream,
        ..Import::default()
    }];
    too_many_imports.claims.nats.limits.imports = 0;
    let mut wild = Acct::new("WILD");
    wild.claims.nats.exports = vec![export("w.*")];
    wild.claims.nats.limits.wildcards = false;
    wild.claims.nats.limits.exports = 5;
    let mut wild_unlimited = Acct::new("WILDOK");
    wild_unlimited.claims.nats.exports = vec![export("w.*")];
    wild_unlimited.claims.nats.limits.wildcards = false;
    [
        b,
        exporter,
        too_many_exports,
        too_many_imports,
        wild,
        wild_unlimited,
    ]
}

/// The MEMORY config, or with `dir` a `full` resolver there.
fn own_limits_config(op: &Op, accounts: &mut [Acct; 6], dir: Option<&std::path::Path>) -> String {
    let tokens: Vec<String> = accounts.iter_mut().map(|a| op.sign(a)).collect();
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let config = op.memory_config(&refs);
    match dir {
        None => config,
        Some(dir) => config.replace(
            "resolver: MEMORY",
            &format!("resolver: {{ type: full, dir: '{}' }}", dir.display()),
        ),
    }
}

/// What a push of a JWT over its import limit is answered with: the MEMORY resolver goes
/// through the account update, the `full` resolver validates first (and the Go library
/// reports the import limit twice).
const MEMORY_VALIDATION: &str = "jwt update resulted in error - account validation failed";
const FULL_VALIDATION: &str = "jwt validation failed - validation errors: [the account contains more imports than allowed by the operator the account contains more imports than allowed by the operator]";

async fn own_limits(op: &Op, accounts: &mut [Acct; 6], url: &str, push_error: &str) {
    let addr = addr_of(url);
    let [b, exporter, too_many_exports, too_many_imports, wild, wild_unlimited] = accounts;
    alive(&mut connected(addr, exporter, |_| {}));
    alive(&mut connected(addr, wild_unlimited, |_| {}));
    for bad in [&*too_many_exports, &*too_many_imports, &*wild] {
        refused(addr, bad, |_| {});
    }

    // A push of such a JWT is answered with the validation errors and not applied. (B must be
    // in use first: the original's MEMORY resolver skips pushes of accounts it has not loaded.)
    let mut b_user = connected(addr, b, |_| {});
    b.claims.nats.imports = too_many_imports.claims.nats.imports.clone();
    b.claims.nats.limits.imports = 0;
    let reply = push(&op.sys.creds(), url, &op.sign(b)).await;
    assert_eq!(reply["error"]["description"], push_error, "{reply}");
    alive(&mut b_user);
    alive(&mut connected(addr, b, |_| {}));
}

#[tokio::test]
async fn account_jwts_over_their_own_limits_are_refused() {
    let op = Op::new();
    let mut accounts = own_limit_accounts();
    let server = TestServer::start_with_config(&own_limits_config(&op, &mut accounts, None));
    own_limits(&op, &mut accounts, &server.url(), MEMORY_VALIDATION).await;
    let dir = tempfile::tempdir().unwrap();
    let mut accounts = own_limit_accounts();
    let config = own_limits_config(&op, &mut accounts, Some(dir.path()));
    let server = TestServer::start_with_config(&config);
    own_limits(&op, &mut accounts, &server.url(), FULL_VALIDATION).await;
}

#[tokio::test]
async fn account_jwts_over_their_own_limits_match_the_reference() {
    let op = Op::new();
    let mut accounts = own_limit_accounts();
    let Some(reference) = ReferenceServer::start(&own_limits_config(&op, &mut accounts, None))
    else {
        eprintln!("reference nats-server not available; skipping");
        return;
    };
    own_limits(&op, &mut accounts, &reference.url(), MEMORY_VALIDATION).await;
    let dir = tempfile::tempdir().unwrap();
    let mut accounts = own_limit_accounts();
    let config = own_limits_config(&op, &mut accounts, Some(dir.path()));
    let reference = ReferenceServer::start(&config).unwrap();
    own_limits(&op, &mut accounts, &reference.url(), FULL_VALIDATION).await;
}

fn dest(subject: &str, weight: u8) -> WeightedMapping {
    WeightedMapping {
        subject: subject.into(),
        weight,
        cluster: String::new(),
    }
}

/// A maps `orders.*` (weight 0, meaning 100) and splits `split` 50/50; OTHER has no mappings.
fn mapping_accounts(op: &Op) -> (Acct, Acct, String) {
    let mut a = Acct::new("A");
    let mut other = Acct::new("OTHER");
    a.claims.nats.mappings.insert(
        "orders.*".into(),
        vec![dest("new.orders.{{wildcard(1)}}", 0)],
    );
    a.claims
        .nats
        .mappings
        .insert("split".into(), vec![dest("left", 50), dest("right", 50)]);
    let tokens = [op.sign(&mut a), op.sign(&mut other)];
    let config = op.memory_config(&[&tokens[0], &tokens[1]]);
    (a, other, config)
}

#[tokio::test]
async fn account_jwt_mappings_map_the_accounts_subjects() {
    let op = Op::new();
    let (mut a, other, config) = mapping_accounts(&op);
    let server = TestServer::start_with_config(&config);
    jwt_mappings(&op, &mut a, &other, &server.url()).await;
}

#[tokio::test]
async fn account_jwt_mappings_match_the_reference() {
    let op = Op::new();
    let (mut a, other, config) = mapping_accounts(&op);
    let Some(reference) = ReferenceServer::start(&config) else {
        eprintln!("reference nats-server not available; skipping");
        return;
    };
    jwt_mappings(&op, &mut a, &other, &reference.url()).await;
}

async fn jwt_mappings(op: &Op, a: &mut Acct, other: &Acct, url: &str) {
    let connect = |acct: &Acct| {
        let creds = acct.creds();
        let url = url.to_string();
        async move {
            async_nats::ConnectOptions::with_credentials(&creds)
                .unwrap()
                .connect(url)
                .await
                .unwrap()
        }
    };
    let c = connect(a).await;
    let mut mapped = c.subscribe("new.orders.>").await.unwrap();
    let mut halves = c.subscribe("left").await.unwrap();
    let mut right = c.subscribe("right").await.unwrap();
    c.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    c.publish("orders.eu", "1".into()).await.unwrap();
    for _ in 0..40 {
        c.publish("split", "x".into()).await.unwrap();
    }
    c.flush().await.unwrap();
    assert_eq!(
        next(&mut mapped).await.unwrap().subject.as_str(),
        "new.orders.eu"
    );
    assert!(next(&mut halves).await.is_some(), "some of 40 go left");
    assert!(next(&mut right).await.is_some(), "some of 40 go right");

    // Another account has no mappings: its subjects stay as published.
    let o = connect(other).await;
    let mut plain = o.subscribe("orders.*").await.unwrap();
    o.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    o.publish("orders.us", "2".into()).await.unwrap();
    assert_eq!(
        next(&mut plain).await.unwrap().subject.as_str(),
        "orders.us"
    );

    // A pushed JWT with a new mapping takes effect for connected users.
    a.claims.nats.mappings.clear();
    a.claims
        .nats
        .mappings
        .insert("orders.*".into(), vec![dest("v2.{{wildcard(1)}}", 100)]);
    let reply = push(&op.sys.creds(), url, &op.sign(a)).await;
    assert_eq!(reply["data"]["message"], "jwt updated", "{reply}");
    let mut v2 = c.subscribe("v2.*").await.unwrap();
    c.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    c.publish("orders.ap", "3".into()).await.unwrap();
    assert_eq!(next(&mut v2).await.unwrap().subject.as_str(), "v2.ap");
}

/// The scenario for one server: three users of A connect one after the other, with 2, 1 and 0
/// subscriptions; A's JWT is pushed with `conn: 2`, then with `subs: 1`, then `payload: 4`.
async fn lowered_limits(op: &Op, a: &mut Acct, url: &str) {
    let addr = addr_of(url);
    let sys_creds = op.sys.creds();
    let mut first = connected(addr, a, |_| {});
    first.send(b"SUB s1 1\r\nSUB s2 2\r\nPING\r\n");
    first.expect(b"PONG\r\n", WAIT);
    std::thread::sleep(Duration::from_millis(20));
    let mut second = connected(addr, a, |_| {});
    second.send(b"SUB s1 1\r\nPING\r\n");
    second.expect(b"PONG\r\n", WAIT);
    std::thread::sleep(Duration::from_millis(20));
    let mut third = connected(addr, a, |_| {});

    // conn 2: the newest goes.
    a.claims.nats.limits.conn = 2;
    let reply = push(&sys_creds, url, &op.sign(a)).await;
    assert_eq!(reply["data"]["message"], "jwt updated", "{reply}");
    cut_off(&mut third, "maximum account active connections exceeded");
    alive(&mut first);
    alive(&mut second);

    // A new connection is refused while two are in.
    let (key, token) = a.user(|_| {});
    cut_off(
        &mut login(addr, &key, &token),
        "maximum account active connections exceeded",
    );

    // subs 1: both connections hold at least one subscription (the original checks "at or
    // over"), both go.
    a.claims.nats.limits.subs = 1;
    let reply = push(&sys_creds, url, &op.sign(a)).await;
    assert_eq!(reply["data"]["message"], "jwt updated", "{reply}");
    cut_off(&mut first, "maximum subscriptions exceeded");
    cut_off(&mut second, "maximum subscriptions exceeded");

    // payload 4: applies to the next message.
    let mut fifth = connected(addr, a, |_| {});
    fifth.send(b"PUB x 4\r\n1234\r\nPING\r\n");
    fifth.expect(b"PONG\r\n", WAIT);
    a.claims.nats.limits.payload = 3;
    let reply = push(&sys_creds, url, &op.sign(a)).await;
    assert_eq!(reply["data"]["message"], "jwt updated", "{reply}");
    std::thread::sleep(Duration::from_millis(200));
    fifth.send(b"PUB x 4\r\n1234\r\n");
    cut_off(&mut fifth, "Maximum Payload Violation");
}

#[tokio::test]
async fn lowered_account_limits_apply_to_connected_clients() {
    let op = Op::new();
    let mut a = Acct::new("A");
    let server = TestServer::start_with_config(&op.memory_config(&[&op.sign(&mut a)]));
    lowered_limits(&op, &mut a, &server.url()).await;
}

#[tokio::test]
async fn lowered_account_limits_match_the_reference() {
    let op = Op::new();
    let mut a = Acct::new("A");
    let Some(reference) = ReferenceServer::start(&op.memory_config(&[&op.sign(&mut a)])) else {
        eprintln!("reference nats-server not available; skipping");
        return;
    };
    lowered_limits(&op, &mut a, &reference.url()).await;
}

/// A user JWT allowing no subscriptions at all (`subs: 0`) is cut off as soon as it is in:
/// the original applies "at or over the limit" when it binds the user.
fn no_subscriptions_allowed(a: &Acct, addr: SocketAddr) {
    let (key, token) = a.user(|u| u.nats.limits.subs = 0);
    cut_off(
        &mut login(addr, &key, &token),
        "maximum subscriptions exceeded",
    );
    alive(&mut connected(addr, a, |u| u.nats.limits.subs = 1));
}

#[test]
fn a_user_without_subscriptions_is_cut_off() {
    let op = Op::new();
    let mut a = Acct::new("A");
    let server = TestServer::start_with_config(&op.memory_config(&[&op.sign(&mut a)]));
    no_subscriptions_allowed(&a, server.addr());
    let Some(reference) = ReferenceServer::start(&op.memory_config(&[&op.sign(&mut a)])) else {
        eprintln!("reference nats-server not available; skipping");
        return;
    };
    no_subscriptions_allowed(&a, addr_of(&reference.url()));
}
