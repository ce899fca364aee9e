//! Operator mode beyond the MEMORY resolver: the URL resolver (against an HTTP server run by
//! the test), `$SYS.REQ.CLAIMS.PACK` of the full resolver, `resolver_pinned_accounts`,
//! `default_sentinel`, and what a config reload may change.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use futures::StreamExt;
use nkeys::KeyPair;
use rnats_auth::jwt::{self, Account, Claims, Export, ExportType, Import, Operator};
use rnats_server::Server;
use rnats_test_support::{RawClient, ReferenceServer, TestServer};
use sha2::{Digest, Sha256};

mod common;

use common::operator::{now, Acct, Op};

const WAIT: Duration = Duration::from_secs(3);

/// CONNECT with `jwt` (if any), signing the nonce with `key` (if any), then PING.
fn login(server: &TestServer, key: Option<&KeyPair>, jwt: Option<&str>) -> RawClient {
    login_at(server.addr(), key, jwt)
}

fn login_at(addr: SocketAddr, key: Option<&KeyPair>, jwt: Option<&str>) -> RawClient {
    let mut c = RawClient::connect(addr);
    let nonce = c.info()["nonce"].as_str().unwrap_or_default().to_string();
    let sig = key.map_or(String::new(), |k| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(k.sign(nonce.as_bytes()).unwrap())
    });
    let jwt = jwt.map_or(String::new(), |j| {
        format!(",\"jwt\":\"{j}\",\"sig\":\"{sig}\"")
    });
    c.send(format!("CONNECT {{\"verbose\":false,\"headers\":true{jwt}}}\r\nPING\r\n").as_bytes());
    c
}

/// A user of `acct` logs in and gets a message through.
fn logs_in(server: &TestServer, acct: &Acct) {
    let (key, jwt) = acct.user(|_| {});
    let mut c = login(server, Some(&key), Some(&jwt));
    c.expect(b"PONG\r\n", WAIT);
    c.send(b"SUB x 1\r\nPUB x 2\r\nhi\r\nPING\r\n");
    let got = String::from_utf8_lossy(&c.expect(b"PONG\r\n", WAIT)).into_owned();
    assert!(got.contains("MSG x 1 2\r\nhi"), "{got}");
}

fn refused(mut c: RawClient) {
    let got = String::from_utf8_lossy(&c.drain(Duration::from_millis(500))).into_owned();
    assert!(
        got.contains("-ERR 'Authorization Violation'"),
        "got {got:?}"
    );
    assert!(c.is_closed_within(WAIT));
}

fn user_refused(server: &TestServer, acct: &Acct) {
    let (key, jwt) = acct.user(|_| {});
    refused(login(server, Some(&key), Some(&jwt)));
}

/// Options from config text, on loopback and an ephemeral port (as `TestServer` runs them).
fn options(text: &str) -> rnats_server::Options {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.conf");
    std::fs::write(&path, text).unwrap();
    let mut opts = rnats_server::config::load_file(&path)
        .unwrap_or_else(|e| panic!("invalid config: {e}"))
        .options;
    opts.host = [127, 0, 0, 1].into();
    opts.port = 0;
    opts
}

/// Why a server with this config does not start (rnats-server finds some of these problems
/// when it reads the config, the original when it starts).
async fn start_error(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.conf");
    std::fs::write(&path, text).unwrap();
    let mut opts = match rnats_server::config::load_file(&path) {
        Ok(loaded) => loaded.options,
        Err(e) => return e.to_string(),
    };
    opts.host = [127, 0, 0, 1].into();
    opts.port = 0;
    match Server::start(opts).await {
        Ok(server) => {
            server.shutdown();
            panic!("the server started")
        }
        Err(e) => e.to_string(),
    }
}

/// An HTTP server serving account JWTs at `/jwt/v1/accounts/<key>`, counting requests by path.
struct JwtServer {
    addr: SocketAddr,
    jwts: Arc<Mutex<HashMap<String, String>>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    _thread: std::thread::JoinHandle<()>,
}

impl JwtServer {
    fn start(accounts: &[&Acct]) -> Self {
        let jwts: HashMap<String, String> = accounts
            .iter()
            .map(|a| (a.public(), a.jwt.clone()))
            .collect();
        let jwts = Arc::new(Mutex::new(jwts));
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (j, h) = (jwts.clone(), hits.clone());
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
                    let (jwts, hits) = (j.clone(), h.clone());
                    async move {
                        let path = uri.path().to_string();
                        *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
                        let key = path.strip_prefix("/jwt/v1/accounts/").unwrap_or("-");
                        if key.is_empty() {
                            return (axum::http::StatusCode::OK, String::new());
                        }
                        match jwts.lock().unwrap().get(key) {
                            Some(jwt) => (axum::http::StatusCode::OK, jwt.clone()),
                            None => (axum::http::StatusCode::NOT_FOUND, "no such account".into()),
                        }
                    }
                });
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        Self {
            addr,
            jwts,
            hits,
            _thread: thread,
        }
    }

    /// `resolver: URL(...)` for this server, without the trailing `/` (the server adds it).
    fn resolver(&self) -> String {
        format!("resolver: URL(\"http://{}/jwt/v1/accounts\")", self.addr)
    }

    fn hits(&self, acct: &Acct) -> usize {
        let path = format!("/jwt/v1/accounts/{}", acct.public());
        self.hits.lock().unwrap().get(&path).copied().unwrap_or(0)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_resolver_fetches_an_account_when_its_first_user_connects() {
    let op = Op::new();
    let a = op.account("A");
    let unknown = op.account("UNKNOWN");
    let http = JwtServer::start(&[&op.sys, &a]);
    let server = TestServer::start_with_config(&op.config(&http.resolver()));
    // At startup: the base URL is checked and the system account fetched.
    assert_eq!(http.hits.lock().unwrap().get("/jwt/v1/accounts/"), Some(&1));
    assert_eq!(http.hits(&op.sys), 1);
    assert_eq!(http.hits(&a), 0);

    // A user of A (which the server does not have yet) connects: A is fetched once.
    let c1 = async_nats::ConnectOptions::with_credentials(&a.creds())
        .unwrap()
        .connect(server.url())
        .await
        .expect("user of the fetched account connects");
    let c2 = async_nats::ConnectOptions::with_credentials(&a.creds())
        .unwrap()
        .connect(server.url())
        .await
        .unwrap();
    assert_eq!(http.hits(&a), 1, "a fetched account is kept");
    let mut sub = c2.subscribe("greet").await.unwrap();
    c2.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    c1.publish("greet", "hello".into()).await.unwrap();
    let msg = tokio::time::timeout(WAIT, sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&msg.payload[..], b"hello");

    // An account the URL does not serve: refused, and asked for again next time.
    user_refused(&server, &unknown);
    user_refused(&server, &unknown);
    assert_eq!(http.hits(&unknown), 2);

    // Once the URL serves it, its users get in.
    http.jwts
        .lock()
        .unwrap()
        .insert(unknown.public(), unknown.jwt.clone());
    logs_in(&server, &unknown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_resolver_account_jwt_must_be_trusted_and_match() {
    let op = Op::new();
    let other = Op::new();
    let a = op.account("A");
    // Served under A's key, but signed by an operator the server does not trust.
    let mut forged = Claims::<Account>::new(a.public());
    let forged = jwt::encode(&mut forged, &other.key, now()).unwrap();
    let http = JwtServer::start(&[&op.sys]);
    http.jwts.lock().unwrap().insert(a.public(), forged);
    let server = TestServer::start_with_config(&op.config(&http.resolver()));
    user_refused(&server, &a);
    // Served under the wrong key.
    let b = op.account("B");
    http.jwts.lock().unwrap().insert(a.public(), b.jwt.clone());
    user_refused(&server, &a);
    http.jwts.lock().unwrap().insert(a.public(), a.jwt.clone());
    logs_in(&server, &a);
}

#[tokio::test]
async fn url_resolver_that_does_not_answer_stops_the_start() {
    let op = Op::new();
    // Nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let text = op.config(&format!(
        "resolver: URL(http://127.0.0.1:{port}/jwt/v1/accounts/)"
    ));
    let error = start_error(&text).await;
    assert!(
        error.starts_with(&format!(
            "could not fetch <\"http://127.0.0.1:{port}/jwt/v1/accounts/\">: "
        )),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_resolver_takes_no_preloads() {
    let op = Op::new();
    let http = JwtServer::start(&[&op.sys]);
    let text = op.config(&format!(
        "{}\nresolver_preload: {{ {}: \"{}\" }}",
        http.resolver(),
        op.sys.public(),
        op.sys.jwt
    ));
    assert_eq!(
        start_error(&text).await,
        "resolver preloads only available for writeable resolver types MEM/DIR/CACHE_DIR"
    );
}

/// The raw messages answering `PUB $SYS.REQ.CLAIMS.PACK` with `hash`, up to the empty one.
fn pack(sys: &mut RawClient, hash: &[u8]) -> Vec<String> {
    sys.send(format!("PUB $SYS.REQ.CLAIMS.PACK pack.reply {}\r\n", hash.len()).as_bytes());
    sys.send(hash);
    sys.send(b"\r\nPING\r\n");
    let got =
        String::from_utf8_lossy(&sys.expect(b"MSG pack.reply 1 0\r\n\r\n", WAIT)).into_owned();
    let mut messages = Vec::new();
    let mut rest = got.as_str();
    while let Some(at) = rest.find("MSG pack.reply 1 ") {
        rest = &rest[at + "MSG pack.reply 1 ".len()..];
        let (len, body) = rest.split_once("\r\n").unwrap();
        let len: usize = len.trim().parse().unwrap();
        messages.push(body[..len].to_string());
        rest = &body[len..];
    }
    messages
}

#[test]
fn claims_pack_sends_every_jwt_unless_the_hashes_match() {
    let op = Op::new();
    let a = op.account("A");
    let b = op.account("B");
    let dir = tempfile::tempdir().unwrap();
    let text = op.config(&format!(
        "resolver: {{ type: full, dir: '{}' }}\nresolver_preload: {{ {}: \"{}\", {}: \"{}\", {}: \"{}\" }}",
        dir.path().display(),
        op.sys.public(),
        op.sys.jwt,
        a.public(),
        a.jwt,
        b.public(),
        b.jwt
    ));
    let server = TestServer::start_with_config(&text);
    let (key, jwt) = op.sys.user(|_| {});
    let mut sys = login(&server, Some(&key), Some(&jwt));
    sys.send(b"SUB pack.reply 1\r\n");
    sys.expect(b"PONG\r\n", WAIT);

    // A requester with an empty store (all-zero hash) gets every JWT, one per message, in
    // key order, then an empty message.
    let messages = pack(&mut sys, &[0u8; 32]);
    let mut expected: Vec<String> = [&op.sys, &a, &b]
        .iter()
        .map(|acct| format!("{}|{}", acct.public(), acct.jwt))
        .collect();
    expected.sort();
    expected.push(String::new());
    assert_eq!(messages, expected);

    // The same store hash (XOR of the SHA-256 of every JWT): one empty message.
    let mut hash = [0u8; 32];
    for acct in [&op.sys, &a, &b] {
        for (h, d) in hash.iter_mut().zip(Sha256::digest(acct.jwt.as_bytes())) {
            *h ^= d;
        }
    }
    assert_eq!(pack(&mut sys, &hash), vec![String::new()]);
}

#[test]
fn claims_pack_is_only_answered_by_the_full_resolver() {
    let op = Op::new();
    let server = TestServer::start_with_config(&op.memory(&[], ""));
    let (key, jwt) = op.sys.user(|_| {});
    let mut sys = login(&server, Some(&key), Some(&jwt));
    sys.send(b"SUB pack.reply 1\r\nPUB $SYS.REQ.CLAIMS.PACK pack.reply 0\r\n\r\nPING\r\n");
    sys.expect(b"PONG\r\n", WAIT);
    sys.send(b"PING\r\n");
    let got = String::from_utf8_lossy(&sys.expect(b"PONG\r\n", WAIT)).into_owned();
    assert!(!got.contains("MSG pack.reply"), "{got}");
}

#[test]
fn pinned_accounts_alone_and_the_system_account_log_users_in() {
    let op = Op::new();
    let a = op.account("A");
    let b = op.account("B");
    let server = TestServer::start_with_config(&op.memory(
        &[&a, &b],
        &format!("resolver_pinned_accounts: [{}]", a.public()),
    ));
    logs_in(&server, &a);
    logs_in(&server, &op.sys);
    let varz = |expected: &str| {
        let (key, jwt) = op.sys.user(|_| {});
        let mut sys = login(&server, Some(&key), Some(&jwt));
        sys.send(b"SUB v 1\r\nPUB $SYS.REQ.SERVER.PING.VARZ v 0\r\n\r\n");
        let got = String::from_utf8_lossy(&sys.expect(b"}}\r\n", WAIT)).into_owned();
        assert_eq!(
            got.contains("pinned_account_fails"),
            !expected.is_empty(),
            "{got}"
        );
        assert!(got.contains(expected), "{got}");
    };
    // varz counts the refusals (and leaves the count out while it is 0).
    varz("");
    user_refused(&server, &b);
    user_refused(&server, &b);
    varz("\"pinned_account_fails\":2");
}

#[tokio::test]
async fn pinned_accounts_must_be_account_keys() {
    let op = Op::new();
    let (user, _) = op.sys.user(|_| {});
    let text = op.memory(
        &[],
        &format!("resolver_pinned_accounts: [{}]", user.public_key()),
    );
    assert_eq!(
        start_error(&text).await,
        format!(
            "pinned account key \"{}\" is not a valid public account nkey",
            user.public_key()
        )
    );
}

#[test]
fn default_sentinel_logs_in_clients_without_a_jwt() {
    let op = Op::new();
    let a = op.account("A");
    let b = op.account("B");
    let sentinel = a.bearer();
    let server = TestServer::start_with_config(
        &op.memory(&[&a, &b], &format!("default_sentinel: \"{sentinel}\"")),
    );
    // INFO still asks for auth and carries a nonce.
    let mut c = RawClient::connect(server.addr());
    let info = c.info();
    assert_eq!(info["auth_required"], true);
    assert!(info["nonce"].is_string());
    drop(c);
    // No JWT (even with a user and password): the sentinel, in account A.
    let mut anon = login(&server, None, None);
    anon.expect(b"PONG\r\n", WAIT);
    anon.send(b"SUB x 1\r\nPING\r\n");
    anon.expect(b"PONG\r\n", WAIT);
    let (key, jwt) = a.user(|_| {});
    let mut user_a = login(&server, Some(&key), Some(&jwt));
    user_a.expect(b"PONG\r\n", WAIT);
    user_a.send(b"PUB x 2\r\nhi\r\nPING\r\n");
    user_a.expect(b"PONG\r\n", WAIT);
    anon.expect(b"MSG x 1 2\r\nhi\r\n", WAIT);
    let mut with_pass = RawClient::connect(server.addr());
    with_pass.info();
    with_pass.send(b"CONNECT {\"user\":\"u\",\"pass\":\"p\"}\r\nPING\r\n");
    with_pass.expect(b"PONG\r\n", WAIT);
    // A client with its own JWT is that user, not the sentinel.
    logs_in(&server, &b);
    // Without CONNECT there is no login at all.
    let mut silent = RawClient::connect(server.addr());
    silent.info();
    silent.send(b"PING\r\n");
    refused(silent);
}

#[tokio::test]
async fn default_sentinel_must_be_a_bearer_user_jwt_in_operator_mode() {
    let op = Op::new();
    let a = op.account("A");
    let (_, not_bearer) = a.user(|_| {});
    let text = op.memory(&[&a], &format!("default_sentinel: \"{not_bearer}\""));
    assert_eq!(
        start_error(&text).await,
        "default sentinel must be a bearer token"
    );
    let text = op.memory(&[&a], "default_sentinel: \"nope\"");
    assert_eq!(start_error(&text).await, "default sentinel JWT not valid");
    let text = format!("default_sentinel: \"{}\"", a.bearer());
    assert_eq!(
        start_error(&text).await,
        "default sentinel requires operators and accounts"
    );
}

#[test]
fn reload_applies_preloads_pins_and_sentinel() {
    let op = Op::new();
    let a = op.account("A");
    let b = op.account("B");
    let server = TestServer::start_with_config(&op.memory(&[&a], ""));
    user_refused(&server, &b);
    let (akey, ajwt) = a.user(|_| {});
    let mut user_a = login(&server, Some(&akey), Some(&ajwt));
    user_a.expect(b"PONG\r\n", WAIT);

    // A new preload: B's users get in; A's connection stays.
    server
        .server()
        .reload(options(&op.memory(&[&a, &b], "")))
        .unwrap();
    logs_in(&server, &b);
    user_a.send(b"PING\r\n");
    user_a.expect(b"PONG\r\n", WAIT);

    // A preload removed: B's users are refused again.
    server
        .server()
        .reload(options(&op.memory(&[&a], "")))
        .unwrap();
    user_refused(&server, &b);

    // Pinned accounts and the default sentinel apply at once.
    let rest = format!(
        "resolver_pinned_accounts: [{}]\ndefault_sentinel: \"{}\"",
        b.public(),
        b.bearer()
    );
    server
        .server()
        .reload(options(&op.memory(&[&a, &b], &rest)))
        .unwrap();
    user_refused(&server, &a);
    let mut anon = login(&server, None, None);
    anon.expect(b"PONG\r\n", WAIT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_may_switch_the_resolver_to_a_url() {
    let op = Op::new();
    let a = op.account("A");
    let http = JwtServer::start(&[&op.sys, &a]);
    let server = TestServer::start_with_config(&op.memory(&[], ""));
    user_refused(&server, &a);
    server
        .server()
        .reload(options(&op.config(&http.resolver())))
        .unwrap();
    logs_in(&server, &a);
    assert_eq!(http.hits(&a), 1);
    // Reloading again keeps what was fetched.
    server
        .server()
        .reload(options(
            &op.config(&format!("{}\ndebug: true", http.resolver())),
        ))
        .unwrap();
    logs_in(&server, &a);
    assert_eq!(http.hits(&a), 1);
}

#[test]
fn reload_refuses_operator_changes() {
    let op = Op::new();
    let a = op.account("A");
    let server = TestServer::start_with_config(&op.memory(&[&a], ""));

    // The operator JWT names the system account: the config cannot name another.
    let moved = op.memory(&[&a], "").replace(
        &format!("system_account: {}", op.sys.public()),
        &format!("system_account: {}", a.public()),
    );
    let error = start_error_sync(&moved);
    assert!(
        error.contains("system_account in config and operator JWT must be identical"),
        "{error}"
    );

    // Another operator (with the same system account).
    let key = KeyPair::new_operator();
    let mut other = Claims::<Operator>::new(key.public_key());
    other.name = "O2".into();
    other.nats.system_account = op.sys.public();
    let other_jwt = jwt::encode(&mut other, &key, now()).unwrap();
    let text = op.memory(&[&a], "").replace(&op.jwt, &other_jwt);
    let error = server
        .server()
        .reload(options(&text))
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("config reload not supported for TrustedOperators: old=[{"),
        "{error}"
    );
    assert!(error.contains(&key.public_key()), "{error}");

    // Nothing changed: A's users still log in.
    logs_in(&server, &a);
}

fn start_error_sync(text: &str) -> String {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(start_error(text))
}

#[test]
fn reload_refuses_a_system_account_change() {
    let conf = |sys: &str| format!("accounts {{ A {{}}, S {{}} }}\nsystem_account: {sys}\n");
    let server = TestServer::start_with_config(&conf("A"));
    let error = server
        .server()
        .reload(options(&conf("S")))
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "config reload not supported for SystemAccount: old=A, new=S"
    );
}

/// Whether a client logging in at `addr` (as a new user of `acct`, or with no JWT) gets in.
fn gets_in(addr: SocketAddr, acct: Option<&Acct>) -> bool {
    let user = acct.map(|a| a.user(|_| {}));
    let mut c = login_at(
        addr,
        user.as_ref().map(|(k, _)| k),
        user.as_ref().map(|(_, j)| j.as_str()),
    );
    let got = String::from_utf8_lossy(&c.drain(Duration::from_millis(700))).into_owned();
    got.contains("PONG") && !got.contains("-ERR")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_resolver_pins_and_sentinel_as_the_reference_does() {
    let op = Op::new();
    let pinned = op.account("PINNED");
    let other = op.account("OTHER");
    let unknown = op.account("UNKNOWN");
    let http = JwtServer::start(&[&op.sys, &pinned, &other]);
    let text = op.config(&format!(
        "{}\nresolver_pinned_accounts: [{}, {}]\ndefault_sentinel: \"{}\"",
        http.resolver(),
        pinned.public(),
        unknown.public(),
        pinned.bearer()
    ));
    let Some(reference) = ReferenceServer::start(&text) else {
        return;
    };
    let reference_addr: SocketAddr = reference
        .url()
        .trim_start_matches("nats://")
        .parse()
        .unwrap();
    let ours = TestServer::start_with_config(&text);
    let outcomes = |addr: SocketAddr| {
        [
            gets_in(addr, Some(&pinned)),
            gets_in(addr, Some(&other)),
            gets_in(addr, Some(&unknown)),
            gets_in(addr, Some(&op.sys)),
            gets_in(addr, None),
        ]
    };
    let expected = outcomes(reference_addr);
    assert_eq!(expected, [true, false, false, true, true]);
    assert_eq!(outcomes(ours.addr()), expected);
    // Neither asked the URL for the account that is not pinned.
    assert_eq!(http.hits(&other), 0);
    // Each fetched the pinned account once, and the unknown one at every try.
    assert_eq!(http.hits(&pinned), 2);
    assert_eq!(http.hits(&unknown), 2);
}

/// `PUB subject` with `payload` from `sys`; the reply's text.
fn request(sys: &mut RawClient, subject: &str, payload: &str) -> String {
    sys.send(format!("PUB {subject} upd.reply {}\r\n{payload}\r\n", payload.len()).as_bytes());
    let got = sys.expect(b"}}\r\n", WAIT);
    String::from_utf8_lossy(&got).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_resolver_takes_updates_of_accounts_it_fetched() {
    let op = Op::new();
    let mut a = op.account("A");
    let b = op.account("B");
    let http = JwtServer::start(&[&op.sys, &a, &b]);
    let server = TestServer::start_with_config(&op.config(&http.resolver()));
    logs_in(&server, &a);
    let (key, jwt) = op.sys.user(|_| {});
    let mut sys = login(&server, Some(&key), Some(&jwt));
    sys.send(b"SUB upd.reply 1\r\n");
    sys.expect(b"PONG\r\n", WAIT);

    // B was never fetched: its update is skipped.
    let got = request(
        &mut sys,
        &format!("$SYS.REQ.ACCOUNT.{}.CLAIMS.UPDATE", b.public()),
        &b.jwt,
    );
    assert!(got.contains("\"message\":\"jwt update skipped\""), "{got}");

    // A was: an update revoking every user applies to new logins at once.
    a.claims.nats.revocations.insert("*".into(), now() + 1);
    let revoked = jwt::encode(&mut a.claims, &op.key, now()).unwrap();
    let got = request(
        &mut sys,
        &format!("$SYS.REQ.ACCOUNT.{}.CLAIMS.UPDATE", a.public()),
        &revoked,
    );
    assert!(got.contains("\"message\":\"jwt updated\""), "{got}");
    user_refused(&server, &a);
    assert_eq!(http.hits(&a), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_resolver_fetches_the_accounts_an_account_imports_from() {
    let op = Op::new();
    let mut exporter = Acct::new("EXP");
    exporter.claims.nats.exports.push(Export {
        subject: "news.>".into(),
        export_type: ExportType::Stream,
        ..Export::default()
    });
    exporter.jwt = jwt::encode(&mut exporter.claims, &op.key, now()).unwrap();
    let mut importer = Acct::new("IMP");
    importer.claims.nats.imports.push(Import {
        subject: "news.>".into(),
        account: exporter.public(),
        import_type: ExportType::Stream,
        ..Import::default()
    });
    importer.jwt = jwt::encode(&mut importer.claims, &op.key, now()).unwrap();
    let http = JwtServer::start(&[&op.sys, &exporter, &importer]);
    let text = op.config(&http.resolver());
    // The importer's user connects: both accounts are fetched, and the import works. The
    // reference first (when available), then rnats-server, each against the same URL.
    let reference = ReferenceServer::start(&text);
    let ours = TestServer::start_with_config(&text);
    let mut addrs: Vec<SocketAddr> = reference
        .iter()
        .map(|r| r.url().trim_start_matches("nats://").parse().unwrap())
        .collect();
    addrs.push(ours.addr());
    for (n, addr) in addrs.into_iter().enumerate() {
        let (key, jwt) = importer.user(|_| {});
        let mut sub = login_at(addr, Some(&key), Some(&jwt));
        sub.send(b"SUB news.> 1\r\nPING\r\n");
        sub.expect(b"PONG\r\nPONG\r\n", WAIT);
        assert_eq!(http.hits(&importer), n + 1);
        assert_eq!(http.hits(&exporter), n + 1);
        let (key, jwt) = exporter.user(|_| {});
        let mut publisher = login_at(addr, Some(&key), Some(&jwt));
        publisher.send(b"PUB news.today 2\r\nhi\r\nPING\r\n");
        publisher.expect(b"PONG\r\nPONG\r\n", WAIT);
        sub.expect(b"MSG news.today 1 2\r\nhi\r\n", WAIT);
        assert_eq!(http.hits(&exporter), n + 1);
    }
}

/// An HTTPS server (certificate from a test CA, written to `<dir>/ca.pem`) answering
/// `GET /jwt/v1/accounts/<key>` from `jwts`, and `200` for the base URL.
fn https_jwt_server(dir: &std::path::Path, jwts: HashMap<String, String>) -> SocketAddr {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, SanType};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "resolver test CA");
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.subject_alt_names = vec![SanType::IpAddress([127, 0, 0, 1].into())];
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(cert.der().to_vec())],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    continue;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&request).into_owned();
                let path = line.split(' ').nth(1).unwrap_or("").to_string();
                let key = path.strip_prefix("/jwt/v1/accounts/").unwrap_or("-");
                let (status, body) = match jwts.get(key) {
                    Some(jwt) => ("200 OK", jwt.clone()),
                    None if key.is_empty() => ("200 OK", String::new()),
                    None => ("404 Not Found", String::new()),
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            }
        });
    });
    addr
}

#[test]
fn url_resolver_over_https_trusts_the_resolver_tls_ca() {
    let op = Op::new();
    let a = op.account("A");
    let dir = tempfile::tempdir().unwrap();
    let jwts = [&op.sys, &a]
        .iter()
        .map(|acct| (acct.public(), acct.jwt.clone()))
        .collect();
    let addr = https_jwt_server(dir.path(), jwts);
    let server = TestServer::start_with_config(&op.config(&format!(
        "resolver: URL(\"https://{addr}/jwt/v1/accounts/\")\nresolver_tls {{ ca_file: '{}' }}",
        dir.path().join("ca.pem").display()
    )));
    logs_in(&server, &a);
    // Without the CA the certificate is not trusted: the server does not start.
    let text = op.config(&format!(
        "resolver: URL(\"https://{addr}/jwt/v1/accounts/\")"
    ));
    let error = start_error_sync(&text);
    assert!(
        error.starts_with(&format!(
            "could not fetch <\"https://{addr}/jwt/v1/accounts/\">: "
        )),
        "{error}"
    );
}
