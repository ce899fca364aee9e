//! Test helpers: a real rnats-server on an ephemeral port, and raw wire helpers.
//!
//! [`TestServer::start`] runs the server in-process, on its own thread and runtime, so it works
//! from plain `#[test]`s and from any async runtime, and nothing a test does to its own runtime
//! (pausing time, say) reaches the server. Dropping the guard shuts the server down.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use rnats_server::Options;
use rnats_server::Server;

/// A running server; shut down on drop.
pub struct TestServer {
    addr: SocketAddr,
    server: Server,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// A server with default options on 127.0.0.1 and an ephemeral port.
    pub fn start() -> Self {
        Self::start_with(Options::ephemeral())
    }

    /// A server with these options (set `port: 0` for an ephemeral port).
    ///
    /// # Panics
    /// The server does not start.
    pub fn start_with(opts: Options) -> Self {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("rnats-test-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("test runtime");
                runtime.block_on(async move {
                    match Server::start(opts).await {
                        Ok(server) => {
                            let _ = tx.send(Ok(server.clone()));
                            server.wait().await;
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e));
                        }
                    }
                });
            })
            .expect("spawn test server thread");
        let server = rx
            .recv()
            .expect("test server thread ended")
            .expect("test server failed to start");
        Self {
            addr: server.client_addr(),
            server,
            thread: Some(thread),
        }
    }

    /// A server configured by nats-server config text (on loopback and an ephemeral port,
    /// whatever the text says about `listen`).
    ///
    /// # Panics
    /// The config is invalid or the server does not start.
    pub fn start_with_config(text: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("server.conf");
        std::fs::write(&path, text).expect("write config");
        let mut opts = rnats_server::config::load_file(&path)
            .unwrap_or_else(|e| panic!("invalid test config: {e}"))
            .options;
        opts.host = [127, 0, 0, 1].into();
        opts.port = 0;
        Self::start_with(opts)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `nats://127.0.0.1:<port>`
    pub fn url(&self) -> String {
        format!("nats://{}", self.addr)
    }

    pub fn server(&self) -> &Server {
        &self.server
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.shutdown();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A raw TCP client for tests that pin exact bytes.
pub struct RawClient {
    stream: TcpStream,
    buffered: Vec<u8>,
}

impl RawClient {
    /// Connects and reads the server's INFO line (returned by [`RawClient::info`]).
    ///
    /// # Panics
    /// The connection fails.
    pub fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(50)))
            .expect("timeout");
        Self {
            stream,
            buffered: Vec::new(),
        }
    }

    /// Reads the INFO line the server sends first and returns its JSON.
    pub fn info(&mut self) -> serde_json::Value {
        let line = self.read_line(Duration::from_secs(5));
        let json = line
            .strip_prefix("INFO ")
            .unwrap_or_else(|| panic!("expected INFO, got {line:?}"));
        serde_json::from_str(json.trim_end()).expect("INFO JSON")
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    /// Reads until `expected` has arrived in full and returns everything read, or panics with
    /// what arrived when `timeout` passes.
    pub fn expect(&mut self, expected: &[u8], timeout: Duration) -> Vec<u8> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(pos) = find(&self.buffered, expected) {
                let rest = self.buffered.split_off(pos + expected.len());
                return std::mem::replace(&mut self.buffered, rest);
            }
            if Instant::now() > deadline {
                panic!(
                    "expected {:?}, got {:?}",
                    String::from_utf8_lossy(expected),
                    String::from_utf8_lossy(&self.buffered)
                );
            }
            self.fill();
        }
    }

    /// Reads one line (without CRLF).
    pub fn read_line(&mut self, timeout: Duration) -> String {
        let line = self.expect(b"\r\n", timeout);
        String::from_utf8_lossy(&line[..line.len() - 2]).into_owned()
    }

    /// Everything that arrives within `wait`.
    pub fn drain(&mut self, wait: Duration) -> Vec<u8> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            self.fill();
        }
        std::mem::take(&mut self.buffered)
    }

    /// Whether the server closed the connection within `wait` (reading and keeping what arrives).
    pub fn is_closed_within(&mut self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return true,
                Ok(n) => self.buffered.extend_from_slice(&chunk[..n]),
                Err(e) if is_timeout(&e) => {}
                Err(_) => return true,
            }
        }
        false
    }

    fn fill(&mut self) {
        let mut chunk = [0u8; 4096];
        match self.stream.read(&mut chunk) {
            Ok(n) => self.buffered.extend_from_slice(&chunk[..n]),
            Err(e) if is_timeout(&e) => {}
            Err(e) => panic!("read: {e}"),
        }
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The reference nats-server, installed on first use by the workplace's install script
/// (`../shared/reference/install-nats-server.sh`, from the Python package index). `None` when
/// the script is not there; tests that compare against the reference then skip, saying so.
///
/// # Panics
/// The script exists but fails.
pub fn reference_nats_server() -> Option<std::path::PathBuf> {
    static PATH: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/reference/install-nats-server.sh");
        if !script.exists() {
            eprintln!("reference nats-server install script not found; skipping the comparison");
            return None;
        }
        let out = std::process::Command::new("bash")
            .arg(&script)
            .output()
            .expect("run the reference install script");
        assert!(
            out.status.success(),
            "installing the reference nats-server failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Some(std::path::PathBuf::from(path))
    })
    .clone()
}

/// A reference nats-server process on an ephemeral port; killed on drop.
pub struct ReferenceServer {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl ReferenceServer {
    /// Starts the reference server with `config` (config-file text, may be empty).
    /// `None` when the reference is not available.
    ///
    /// # Panics
    /// It does not start.
    pub fn start(config: &str) -> Option<Self> {
        let bin = reference_nats_server()?;
        let dir = tempfile::tempdir().expect("tempdir");
        let conf = dir.path().join("server.conf");
        std::fs::write(&conf, config).expect("write config");
        let child = std::process::Command::new(bin)
            .args(["-a", "127.0.0.1", "-p", "-1", "--ports_file_dir"])
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start reference nats-server");
        let ports = dir.path().join(format!("nats-server_{}.ports", child.id()));
        let deadline = Instant::now() + Duration::from_secs(10);
        let port = loop {
            if let Ok(text) = std::fs::read_to_string(&ports) {
                if let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) {
                    if let Some(url) = json["nats"][0].as_str() {
                        break url
                            .rsplit(':')
                            .next()
                            .and_then(|p| p.parse().ok())
                            .expect("port");
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "reference nats-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Some(Self {
            child,
            port,
            _dir: dir,
        })
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
