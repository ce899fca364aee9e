//! Reload on SIGHUP: the binary with a config file, a client connected across reloads.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

const BIN: &str = env!("CARGO_BIN_EXE_rnats-server");
const WAIT: Duration = Duration::from_secs(10);

/// The server process; killed on drop.
struct Running {
    child: Child,
    dir: tempfile::TempDir,
}

impl Running {
    fn start(conf_text: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.conf"), conf_text).unwrap();
        let child = Command::new(BIN)
            .current_dir(dir.path())
            .args([
                "-c",
                "s.conf",
                "-p",
                "-1",
                "-l",
                "s.log",
                "--ports_file_dir",
                ".",
            ])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Self { child, dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn url(&self) -> String {
        let path = self.path(&format!("rnats-server_{}.ports", self.child.id()));
        let text = wait_for(|| std::fs::read_to_string(&path).ok(), "ports file");
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        json["nats"][0].as_str().unwrap().to_string()
    }

    fn rewrite(&self, conf_text: &str) {
        std::fs::write(self.path("s.conf"), conf_text).unwrap();
    }

    fn hangup(&self) {
        kill(Pid::from_raw(self.child.id() as i32), Signal::SIGHUP).unwrap();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("s.log")).unwrap_or_default()
    }

    /// Waits until the log holds `needle` `count` times.
    fn wait_log(&self, needle: &str, count: usize) {
        wait_for(
            || (self.log().matches(needle).count() >= count).then_some(()),
            needle,
        );
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for<T>(mut probe: impl FnMut() -> Option<T>, what: &str) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn round_trip(client: &async_nats::Client) {
    use futures::StreamExt;
    let mut sub = client.subscribe("reload.check").await.unwrap();
    client.publish("reload.check", "x".into()).await.unwrap();
    client.flush().await.unwrap();
    let msg = tokio::time::timeout(WAIT, sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&msg.payload[..], b"x");
}

#[tokio::test]
async fn sighup_applies_logging_and_limits_and_keeps_clients() {
    let server = Running::start("port: 4222\nmax_payload: 1MB\n");
    let url = server.url();
    let client = async_nats::connect(&url).await.unwrap();
    round_trip(&client).await;
    assert!(!server.log().contains("[DBG]"));

    // `port` is overridden by `-p -1` again on reload, so it is not a change.
    server.rewrite("port: 4222\nmax_payload: 2KB\ndebug: true\n");
    server.hangup();
    server.wait_log("Reloaded server configuration", 1);
    let log = server.log();
    assert!(log.contains("Reloaded: debug = true"), "{log}");
    assert!(log.contains("Reloaded: max_payload = 2048"), "{log}");

    // The old client is still connected and working.
    round_trip(&client).await;
    assert_eq!(
        client.connection_state(),
        async_nats::connection::State::Connected
    );
    // A new client sees the new limit, and debug lines now show.
    let second = async_nats::connect(&url).await.unwrap();
    assert_eq!(second.server_info().max_payload, 2048);
    server.wait_log("[DBG]", 1);

    // A broken file changes nothing (this time sent as `--signal reload=PID`).
    server.rewrite("port: 4222\nmax_payload: 2KB\ndebug: true\nfoo {\n");
    let sent = Command::new(BIN)
        .arg("--signal")
        .arg(format!("reload={}", server.child.id()))
        .status()
        .unwrap();
    assert!(sent.success());
    server.wait_log("Failed to reload server configuration", 1);
    round_trip(&client).await;

    // A change that needs a restart refuses the whole reload.
    server.rewrite("port: 4222\nmax_payload: 4KB\nserver_name: other\n");
    server.hangup();
    server.wait_log("Failed to reload server configuration", 2);
    let log = server.log();
    assert!(
        log.contains("config reload not supported for server_name"),
        "{log}"
    );
    let third = async_nats::connect(&url).await.unwrap();
    assert_eq!(third.server_info().max_payload, 2048);
    round_trip(&client).await;
    round_trip(&third).await;
}
