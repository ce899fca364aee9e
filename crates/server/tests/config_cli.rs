//! The binary with config files: `-t`, and flags winning over the file.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_rnats-server");

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `rnats-server -t -c NAME` in `dir`.
fn test_config(dir: &Path, name: &str) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .args(["-t", "-c", name])
        .output()
        .unwrap()
}

#[test]
fn dash_t_prints_the_digest_of_a_valid_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.conf", "port: 4222\n");
    let out = test_config(dir.path(), "ok.conf");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "rnats-server: configuration file ok.conf is valid (sha256:797533ebd0dfba7d34a0f9337ecf147e442871f48ddfd07ed751575a5737267e)"
    );
}

#[test]
fn dash_t_fails_with_every_error_and_its_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad.conf",
        "port: 4222\nfoo: 1\nmax_payload: \"x\"\n",
    );
    let out = test_config(dir.path(), "bad.conf");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.conf:2:1: unknown field \"foo\""), "{err}");
    assert!(
        err.contains("bad.conf:3:1: max_payload: expected an integer"),
        "{err}"
    );
}

#[test]
fn dash_t_fails_on_the_originals_warnings_too() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "w.conf", "ping_interval: 30\n");
    let out = test_config(dir.path(), "w.conf");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "w.conf:1:0: invalid use of field \"ping_interval\": ping_interval should be converted to a duration"
    ));
}

#[test]
fn dash_t_accepts_unbuilt_features_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "js.conf",
        "jetstream { store_dir: \"/tmp/x\" }\n",
    );
    let out = test_config(dir.path(), "js.conf");
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("option \"jetstream\" is not supported yet by rnats-server; ignoring it"),
        "{err}"
    );
}

#[test]
fn dash_t_needs_a_config_file() {
    let out = Command::new(BIN).arg("-t").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("must specify [-c, --config] option to check configuration file syntax"));
}

#[test]
fn a_broken_file_stops_startup_with_its_errors() {
    let dir = tempfile::tempdir().unwrap();
    let conf = write(dir.path(), "bad.conf", "port: -1\nfoo: 1\n");
    let out = Command::new(BIN).arg("-c").arg(&conf).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(":2:1: unknown field \"foo\""));
}

/// Kills the child on drop, so a failed test leaves no server behind.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for `<exe>_<pid>.ports` and returns the client URL in it.
fn client_url(dir: &Path, pid: u32) -> String {
    let path = dir.join(format!("rnats-server_{pid}.ports"));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(text) = std::fs::read_to_string(&path) {
            if let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) {
                return json["nats"][0].as_str().unwrap().to_string();
            }
        }
        assert!(
            Instant::now() < deadline,
            "no ports file {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn flags_win_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // The file asks for a fixed port and no ports file; the flags ask for a random port and
    // a ports file. The flags win.
    let conf = write(
        dir.path(),
        "s.conf",
        "port: 4\nserver_name: from_file\nmax_payload: 1234\n",
    );
    let child = Command::new(BIN)
        .arg("-c")
        .arg(&conf)
        .args(["-p", "-1", "-n", "from_flag", "--ports_file_dir"])
        .arg(dir.path())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Running(child);
    let url = client_url(dir.path(), server.0.id());
    let addr = url.trim_start_matches("nats://");
    assert!(!addr.ends_with(":4"), "{addr}");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(&mut stream), &mut line).unwrap();
    let info: serde_json::Value =
        serde_json::from_str(line.trim_start_matches("INFO ").trim()).unwrap();
    assert_eq!(info["server_name"], "from_flag");
    // Not given as a flag: comes from the file.
    assert_eq!(info["max_payload"], 1234);
}
