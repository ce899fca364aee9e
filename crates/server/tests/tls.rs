//! TLS on the client port, driven by async-nats and raw sockets. Certificates are made at test
//! time with rcgen, except in the tests that use nats-server's own test certificates.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::StreamExt;
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, SanType,
};
use rnats_server::config;
use rnats_test_support::{Options, TestServer};

const WAIT: Duration = Duration::from_secs(3);
const CORPUS_CERTS: &str = "../../../shared/corpus/nats-server/test/configs/certs";

/// A CA and the certificates it signs, as PEM files in a temporary directory.
struct Pki {
    dir: tempfile::TempDir,
    ca: Certificate,
    ca_key: KeyPair,
}

struct Leaf {
    cn: &'static str,
    sans: Vec<SanType>,
    client: bool,
    expired: bool,
}

impl Pki {
    fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let ca_key = KeyPair::generate().unwrap();
        let ca = params.self_signed(&ca_key).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        Self { dir, ca, ca_key }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `<name>.pem` and `<name>-key.pem`.
    fn issue(&self, name: &str, leaf: Leaf) {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.subject_alt_names = leaf.sans;
        params.distinguished_name.push(DnType::CommonName, leaf.cn);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "rnats");
        params.extended_key_usages = vec![if leaf.client {
            ExtendedKeyUsagePurpose::ClientAuth
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        if leaf.expired {
            params.not_before = rcgen::date_time_ymd(2001, 1, 1);
            params.not_after = rcgen::date_time_ymd(2002, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca, &self.ca_key).unwrap();
        std::fs::write(self.path(&format!("{name}.pem")), cert.pem()).unwrap();
        std::fs::write(self.path(&format!("{name}-key.pem")), key.serialize_pem()).unwrap();
    }

    fn server(&self) {
        self.issue(
            "server",
            Leaf {
                cn: "localhost",
                sans: vec![
                    SanType::DnsName("localhost".try_into().unwrap()),
                    SanType::IpAddress([127, 0, 0, 1].into()),
                ],
                client: false,
                expired: false,
            },
        );
    }

    fn client(&self, name: &str, cn: &'static str, expired: bool) {
        self.issue(
            name,
            Leaf {
                cn,
                sans: Vec::new(),
                client: true,
                expired,
            },
        );
    }

    /// `tls { ... }` with this PKI's server certificate, plus `extra` keys.
    fn tls_block(&self, extra: &str) -> String {
        format!(
            "tls {{ cert_file: {:?}, key_file: {:?}, ca_file: {:?}, {extra} }}",
            self.path("server.pem"),
            self.path("server-key.pem"),
            self.path("ca.pem"),
        )
    }
}

fn options(text: &str) -> Options {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tls.conf");
    std::fs::write(&path, text).unwrap();
    let mut opts = config::load_file(&path)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .options;
    opts.host = [127, 0, 0, 1].into();
    opts.port = 0;
    opts
}

fn tls_client(pki_dir: &Path) -> async_nats::ConnectOptions {
    async_nats::ConnectOptions::new()
        .require_tls(true)
        .add_root_certificates(pki_dir.join("ca.pem"))
}

/// The plaintext INFO line the server sends first, as JSON.
fn raw_info(addr: std::net::SocketAddr) -> (TcpStream, serde_json::Value) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        assert_eq!(stream.read(&mut byte).unwrap(), 1, "closed before INFO");
        line.push(byte[0]);
    }
    let text = String::from_utf8(line).unwrap();
    let json = text.strip_prefix("INFO ").unwrap().trim_end().to_string();
    (stream, serde_json::from_str(&json).unwrap())
}

async fn round_trip(client: &async_nats::Client, subject: &str) {
    let mut sub = client.subscribe(subject.to_string()).await.unwrap();
    client.flush().await.unwrap();
    client
        .publish(subject.to_string(), "hi".into())
        .await
        .unwrap();
    let msg = tokio::time::timeout(WAIT, sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&msg.payload[..], b"hi");
}

#[tokio::test]
async fn server_auth_only_tls_carries_pub_sub_and_info_says_tls_required() {
    let pki = Pki::new("Test CA");
    pki.server();
    let server = TestServer::start_with(options(&pki.tls_block("")));
    let (_raw, info) = raw_info(server.addr());
    assert_eq!(info["tls_required"], true);
    assert!(info.get("tls_verify").is_none());
    assert!(info.get("tls_available").is_none());
    let client = tls_client(pki.dir.path())
        .connect(server.url())
        .await
        .unwrap();
    round_trip(&client, "tls.plain").await;
}

#[tokio::test]
async fn plain_client_on_tls_port_is_dropped_and_others_are_unaffected() {
    let pki = Pki::new("Test CA");
    pki.server();
    let server = TestServer::start_with(options(&pki.tls_block("timeout: 0.5")));
    let good = tls_client(pki.dir.path())
        .connect(server.url())
        .await
        .unwrap();
    // A plaintext client sends CONNECT after INFO: the handshake fails, the socket closes.
    let (mut raw, _) = raw_info(server.addr());
    raw.write_all(b"CONNECT {}\r\nPING\r\n").unwrap();
    let mut rest = Vec::new();
    let _ = raw.read_to_end(&mut rest);
    assert!(!rest.windows(4).any(|w| w == b"PONG"), "{rest:?}");
    // A silent client is dropped when the handshake times out; nothing reaches it in clear.
    let (mut silent, _) = raw_info(server.addr());
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let _ = silent.read_to_end(&mut rest);
    assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
    assert!(started.elapsed() < Duration::from_secs(2));
    round_trip(&good, "still.fine").await;
}

#[tokio::test]
async fn mutual_tls_needs_a_client_certificate_from_the_ca() {
    let pki = Pki::new("Test CA");
    pki.server();
    pki.client("client", "alice", false);
    pki.client("expired", "old", true);
    let other = Pki::new("Other CA");
    other.client("stranger", "mallory", false);
    let server = TestServer::start_with(options(&pki.tls_block("verify: true")));
    let (_raw, info) = raw_info(server.addr());
    assert_eq!(info["tls_verify"], true);

    let with_cert = |dir: &Path, name: &str| {
        tls_client(pki.dir.path())
            .add_client_certificate(
                dir.join(format!("{name}.pem")),
                dir.join(format!("{name}-key.pem")),
            )
            .max_reconnects(0)
            .retry_on_initial_connect()
    };
    let ok = with_cert(pki.dir.path(), "client")
        .connect(server.url())
        .await
        .unwrap();
    round_trip(&ok, "mtls").await;

    for (dir, name) in [(pki.dir.path(), "expired"), (other.dir.path(), "stranger")] {
        let refused = tokio::time::timeout(
            WAIT,
            tls_client(pki.dir.path())
                .add_client_certificate(
                    dir.join(format!("{name}.pem")),
                    dir.join(format!("{name}-key.pem")),
                )
                .connect(server.url()),
        )
        .await
        .unwrap();
        assert!(refused.is_err(), "{name} should be refused");
    }
    let no_cert = tls_client(pki.dir.path()).connect(server.url()).await;
    assert!(
        no_cert.is_err(),
        "a client without a certificate should be refused"
    );
}

#[tokio::test]
async fn verify_and_map_binds_the_certificate_subject_to_a_user_and_its_permissions() {
    let pki = Pki::new("Test CA");
    pki.server();
    pki.client("alice", "alice", false);
    pki.client("nobody", "nobody", false);
    let conf = format!(
        "{}\nauthorization {{ users: [ {{user: \"CN=alice,O=rnats\", permissions: {{publish: \"allowed.>\", subscribe: [\"allowed.>\", \"_INBOX.>\"]}} }} ] }}",
        pki.tls_block("verify_and_map: true")
    );
    let server = TestServer::start_with(options(&conf));
    let (errors_tx, mut errors) = tokio::sync::mpsc::unbounded_channel();
    let alice = tls_client(pki.dir.path())
        .add_client_certificate(pki.path("alice.pem"), pki.path("alice-key.pem"))
        .event_callback(move |event| {
            let errors_tx = errors_tx.clone();
            async move {
                if let async_nats::Event::ServerError(e) = event {
                    let _ = errors_tx.send(e.to_string());
                }
            }
        })
        .connect(server.url())
        .await
        .unwrap();
    round_trip(&alice, "allowed.one").await;
    alice.publish("denied", "x".into()).await.unwrap();
    alice.flush().await.unwrap();
    let error = tokio::time::timeout(WAIT, errors.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(
        error
            .to_lowercase()
            .contains("permissions violation for publish to \"denied\""),
        "{error}"
    );

    let refused = tls_client(pki.dir.path())
        .add_client_certificate(pki.path("nobody.pem"), pki.path("nobody-key.pem"))
        .connect(server.url())
        .await;
    let err = match refused {
        Ok(_) => panic!("unmapped certificate must be refused"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.to_lowercase().contains("authorization violation"),
        "{err}"
    );
}

#[tokio::test]
async fn handshake_first_sends_info_inside_tls() {
    let pki = Pki::new("Test CA");
    pki.server();
    let server = TestServer::start_with(options(&pki.tls_block("handshake_first: true")));
    // Nothing comes in clear: the server waits for the client's handshake.
    let mut raw = TcpStream::connect(server.addr()).unwrap();
    raw.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut byte = [0u8; 1];
    assert!(raw.read(&mut byte).is_err(), "no plaintext INFO expected");
    let client = tls_client(pki.dir.path())
        .tls_first()
        .connect(server.url())
        .await
        .unwrap();
    round_trip(&client, "first").await;
}

#[tokio::test]
async fn allow_non_tls_lets_the_client_choose() {
    let pki = Pki::new("Test CA");
    pki.server();
    let conf = format!("{}\nallow_non_tls: true", pki.tls_block(""));
    let server = TestServer::start_with(options(&conf));
    let (_raw, info) = raw_info(server.addr());
    assert_eq!(info["tls_available"], true);
    assert!(info.get("tls_required").is_none());
    let secure = tls_client(pki.dir.path())
        .connect(server.url())
        .await
        .unwrap();
    let plain = async_nats::connect(server.url()).await.unwrap();
    let mut sub = plain.subscribe("mixed").await.unwrap();
    // async-nats's flush does not wait for the server: wait until it has the subscription.
    let deadline = std::time::Instant::now() + WAIT;
    while !server
        .server()
        .shared()
        .clients()
        .iter()
        .any(|c| !c.subscriptions.lock().is_empty())
    {
        assert!(std::time::Instant::now() < deadline, "no subscription");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    secure.publish("mixed", "over tls".into()).await.unwrap();
    let msg = tokio::time::timeout(WAIT, sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&msg.payload[..], b"over tls");
}

#[tokio::test]
async fn nats_server_test_certificates_with_verify_and_map_by_email() {
    let certs = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS_CERTS);
    if !certs.join("ca.pem").exists() {
        eprintln!(
            "skipping: corpus certificates not found at {}",
            certs.display()
        );
        return;
    }
    let conf = format!(
        "tls {{ cert_file: {:?}, key_file: {:?}, ca_file: {:?}, verify_and_map: true }}\n\
         authorization {{ users: [ {{user: \"derek@nats.io\", permissions: {{publish: \"derek.>\", subscribe: \"derek.>\"}} }} ] }}",
        certs.join("server-cert.pem"),
        certs.join("server-key.pem"),
        certs.join("ca.pem"),
    );
    let server = TestServer::start_with(options(&conf));
    let client = async_nats::ConnectOptions::new()
        .require_tls(true)
        .add_root_certificates(certs.join("ca.pem"))
        .add_client_certificate(certs.join("client-cert.pem"), certs.join("client-key.pem"))
        .connect(server.url())
        .await
        .unwrap();
    round_trip(&client, "derek.hello").await;
    let connz = server.server().shared().clients();
    assert_eq!(connz.len(), 1);
    assert_eq!(connz[0].meta.lock().user, "derek@nats.io");
}

#[tokio::test]
async fn missing_certificate_file_is_a_startup_error_naming_it() {
    let opts = Options {
        tls: Some(rnats_server::tls::TlsOptions {
            cert_file: Some("/nonexistent/server.pem".into()),
            key_file: Some("/nonexistent/server-key.pem".into()),
            ..Default::default()
        }),
        ..Options::ephemeral()
    };
    let err = rnats_server::Server::start(opts)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("/nonexistent/server.pem"), "{err}");
}

#[tokio::test]
async fn reload_reads_the_certificates_again_for_new_connections() {
    let old = Pki::new("Old CA");
    old.server();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::copy(old.path("server.pem"), &cert).unwrap();
    std::fs::copy(old.path("server-key.pem"), &key).unwrap();
    let conf = format!("tls {{ cert_file: {cert:?}, key_file: {key:?} }}");
    let server = TestServer::start_with(options(&conf));
    let before = tls_client(old.dir.path())
        .connect(server.url())
        .await
        .unwrap();

    let new = Pki::new("New CA");
    new.server();
    std::fs::copy(new.path("server.pem"), &cert).unwrap();
    std::fs::copy(new.path("server-key.pem"), &key).unwrap();
    server.server().reload(options(&conf)).unwrap();

    tls_client(new.dir.path())
        .connect(server.url())
        .await
        .unwrap();
    let stale = tls_client(old.dir.path()).connect(server.url()).await;
    assert!(stale.is_err(), "the old certificate should be gone");
    round_trip(&before, "kept").await;
}
