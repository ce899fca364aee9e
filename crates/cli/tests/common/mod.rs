//! Shared helpers: a server per test, and the real `rnats` binary run in the foreground
//! or in the background with its output collected line by line.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use rnats_test_support::TestServer;

/// How long any single wait in a test may take before it fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// A subject no other test uses, so tests can share a server.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{prefix}.{}.{nanos}.{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A running server plus a private, empty config directory for contexts.
pub struct Env {
    pub server: TestServer,
    pub config: tempfile::TempDir,
}

impl Env {
    pub fn start() -> Self {
        Self {
            server: TestServer::start(),
            config: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A server configured by config text (auth, accounts, …).
    pub fn start_with_config(text: &str) -> Self {
        Self {
            server: TestServer::start_with_config(text),
            config: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// `rnats -s URL ARGS...` with a clean environment.
    pub fn rnats(&self, args: &[&str]) -> Command {
        let mut command = self.bare(args);
        command.arg("-s").arg(self.url());
        command
    }

    /// `rnats ARGS...` with no server flag (for contexts and error cases).
    pub fn bare(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rnats"));
        command
            .args(args)
            .env("XDG_CONFIG_HOME", self.config.path());
        for name in [
            "NATS_URL",
            "NATS_USER",
            "NATS_PASSWORD",
            "NATS_TOKEN",
            "NATS_CREDS",
            "NATS_NKEY",
            "NATS_CERT",
            "NATS_KEY",
            "NATS_CA",
            "NATS_TIMEOUT",
            "NATS_CONTEXT",
        ] {
            command.env_remove(name);
        }
        command.stdin(Stdio::null());
        command
    }
}

/// Runs to completion, failing the test if it takes longer than [`WAIT`].
pub fn run(mut command: Command) -> Output {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rnats");
    let mut background = Background::from_child(child);
    background.wait_exit(WAIT);
    background.into_output()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs and asserts success, returning stdout.
pub fn ok(command: Command) -> String {
    let output = run(command);
    assert!(
        output.status.success(),
        "rnats failed: {:?}\nstdout: {}\nstderr: {}",
        output.status,
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

/// A background `rnats`, killed on drop.
pub struct Background {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    readers: Vec<thread::JoinHandle<()>>,
    status: Option<std::process::ExitStatus>,
}

fn collect(
    stream: impl Read + Send + 'static,
    lines: Arc<Mutex<Vec<String>>>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            lines.lock().unwrap().push(line);
        }
    })
}

impl Background {
    pub fn spawn(mut command: Command) -> Self {
        let child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn rnats");
        Self::from_child(child)
    }

    fn from_child(mut child: Child) -> Self {
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let readers = vec![
            collect(child.stdout.take().unwrap(), stdout.clone()),
            collect(child.stderr.take().unwrap(), stderr.clone()),
        ];
        Self {
            child,
            stdout,
            stderr,
            readers,
            status: None,
        }
    }

    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    fn wait_until(&mut self, what: &str, mut done: impl FnMut(&Self) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !done(self) {
            if Instant::now() > deadline {
                panic!(
                    "timed out waiting for {what}\nstdout: {:#?}\nstderr: {:#?}",
                    self.stdout_lines(),
                    self.stderr_lines()
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for a stderr line containing `text` (e.g. a ready line).
    pub fn wait_stderr(&mut self, text: &str) {
        self.wait_until(&format!("stderr {text:?}"), |me| {
            me.stderr_lines().iter().any(|line| line.contains(text))
        });
    }

    /// Waits until stdout has at least `count` lines.
    pub fn wait_stdout_lines(&mut self, count: usize) {
        self.wait_until(&format!("{count} stdout lines"), |me| {
            me.stdout_lines().len() >= count
        });
    }

    /// Waits for the process to exit.
    pub fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                self.status = Some(status);
                for reader in self.readers.drain(..) {
                    let _ = reader.join();
                }
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "rnats did not exit in time\nstdout: {:#?}\nstderr: {:#?}",
                    self.stdout_lines(),
                    self.stderr_lines()
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// The collected output of an exited process.
    pub fn into_output(mut self) -> Output {
        let status = self.status.take().unwrap_or_else(|| self.wait_exit(WAIT));
        let join = |lines: &Arc<Mutex<Vec<String>>>| {
            let mut text = lines.lock().unwrap().join("\n");
            if !text.is_empty() {
                text.push('\n');
            }
            text.into_bytes()
        };
        Output {
            status,
            stdout: join(&self.stdout),
            stderr: join(&self.stderr),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
