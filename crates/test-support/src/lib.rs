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
