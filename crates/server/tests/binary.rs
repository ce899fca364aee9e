//! The `rnats-server` binary as tools launch it: flags, log lines, ports and pid files, signals.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rnats_test_support::RawClient;

const BIN: &str = env!("CARGO_BIN_EXE_rnats-server");

struct Running {
    child: Child,
    dir: tempfile::TempDir,
}

impl Running {
    fn start(extra: &[&str]) -> Self {
        Self::launch(Command::new(BIN), extra)
    }

    /// Under `taskset` on one CPU, where the server picks its single-threaded scheduler;
    /// `None` without `taskset`.
    fn start_on_one_cpu(env: &[(&str, &str)], extra: &[&str]) -> Option<Self> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let allowed = status
            .lines()
            .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?
            .trim()
            .to_string();
        let first = allowed.split([',', '-']).next()?.to_string();
        Command::new("taskset").arg("-V").output().ok()?;
        let mut command = Command::new("taskset");
        command.args(["-c", &first, BIN]).envs(env.iter().copied());
        Some(Self::launch(command, extra))
    }

    fn launch(mut command: Command, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("server.log");
        let child = command
            .args(["-a", "127.0.0.1", "-p", "-1", "--ports_file_dir"])
            .arg(dir.path())
            .arg("-l")
            .arg(&log)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let running = Self { child, dir };
        wait_for(|| running.log().contains("Server is ready"));
        // The ports file is written just after the ready line.
        wait_for(|| running.ports_file().exists());
        running
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    fn ports_file(&self) -> PathBuf {
        self.dir
            .path()
            .join(format!("rnats-server_{}.ports", self.child.id()))
    }

    fn client_url(&self) -> String {
        let ports: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(self.ports_file()).unwrap()).unwrap();
        ports["nats"][0].as_str().unwrap().to_string()
    }

    /// CPU time the server has used (user and system).
    fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        // Linux reports in USER_HZ, 100 per second on every architecture it runs on.
        Duration::from_millis(ticks * 10)
    }

    /// CPU time the server uses over the next `wall`.
    fn cpu_over(&self, wall: Duration) -> Duration {
        let before = self.cpu_time();
        std::thread::sleep(wall);
        self.cpu_time() - before
    }

    fn signal(&self, command: &str) {
        let status = Command::new(BIN)
            .args(["--signal", &format!("{command}={}", self.child.id())])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait_exit(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for(mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A raw client past INFO and CONNECT (not verbose).
fn connected(addr: std::net::SocketAddr) -> RawClient {
    let mut client = RawClient::connect(addr);
    client.info();
    client.send(b"CONNECT {\"verbose\":false}\r\n");
    client
}

/// Sends `ops` and waits until the server has handled them (a PING answered).
fn handled(client: &mut RawClient, ops: &[u8]) {
    client.send(ops);
    client.send(b"PING\r\n");
    client.expect(b"PONG\r\n", Duration::from_secs(5));
}

fn addr_of(url: &str) -> std::net::SocketAddr {
    url.trim_start_matches("nats://").parse().unwrap()
}

#[test]
fn startup_lines_and_ports_file_tell_tools_where_to_connect() {
    let server = Running::start(&[]);
    let log = server.log();
    let listening = log
        .lines()
        .find(|l| l.contains("Listening for client connections on 127.0.0.1:"))
        .expect("listening line");
    assert!(listening.contains("[INF]"), "{listening}");
    // `[pid] yyyy/mm/dd hh:mm:ss.micro [INF] ...`
    assert!(listening.starts_with(&format!("[{}] ", server.child.id())));
    let url = server.client_url();
    let port = url.rsplit(':').next().unwrap();
    assert!(listening.ends_with(port), "{listening} vs {url}");
    let mut c = RawClient::connect(addr_of(&url));
    assert_eq!(c.info()["proto"], 1);
}

#[test]
fn default_log_level_is_quiet_about_connections_and_debug_is_not() {
    let quiet = Running::start(&[]);
    let mut c = RawClient::connect(addr_of(&quiet.client_url()));
    c.info();
    drop(c);
    std::thread::sleep(Duration::from_millis(200));
    assert!(!quiet.log().contains("cid:"), "{}", quiet.log());

    let chatty = Running::start(&["-D"]);
    let mut c = RawClient::connect(addr_of(&chatty.client_url()));
    c.info();
    wait_for(|| chatty.log().contains("Client connection created"));
}

/// With `-V` every op in and out is traced in the original's words, after the connection's
/// tag (its name, account and user); secrets are redacted. The expected lines are what
/// nats-server 2.15.1 logged for the same session.
#[test]
fn trace_shows_the_protocol_as_the_original_does() {
    let server = Running::start(&["-V"]);
    let mut c = RawClient::connect(addr_of(&server.client_url()));
    c.info();
    c.send(
        b"CONNECT {\"verbose\":true,\"headers\":true,\"name\":\"t1\",\"user\":\"u\",\"pass\":\"secret\"}\r\n\
          PING\r\nSUB a 1\r\nSUB q grp 2\r\nPUB a 5\r\nhello\r\nPUB a r.x 7\r\nwo\"rld\n\r\n\
          HPUB a 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPUB  q\t 0\r\n\r\nUNSUB 1\r\nPUB a 1\r\nx\r\n\
          INFO {}\r\n+OK\r\nPONG\r\nbogus\r\n",
    );
    let tag = "\"t1\" - \"$G/user:u\" - ";
    let mut expected = vec![
        r#"<<- [CONNECT {"verbose":true,"headers":true,"name":"t1","user":"u","pass":"[REDACTED]"}]"#.to_string(),
    ];
    for line in [
        "->> [OK]",
        "<<- [PING]",
        "->> [PONG]",
        "<<- [SUB a 1]",
        "->> [OK]",
        "<<- [SUB q grp 2]",
        "->> [OK]",
        "<<- [PUB a 5]",
        r#"<<- MSG_PAYLOAD: ["hello"]"#,
        "->> [OK]",
        "->> [MSG a 1 5]",
        r#"->> MSG_PAYLOAD: ["hello"]"#,
        "<<- [PUB a r.x 7]",
        r#"<<- MSG_PAYLOAD: ["wo\"rld\n"]"#,
        "->> [OK]",
        "->> [MSG a 1 r.x 7]",
        r#"->> MSG_PAYLOAD: ["wo\"rld\n"]"#,
        "<<- [HPUB a 12 14]",
        r#"<<- MSG_PAYLOAD: ["NATS/1.0\r\n\r\nhi"]"#,
        "->> [OK]",
        "->> [HMSG a 1 12 14]",
        r#"->> MSG_PAYLOAD: ["NATS/1.0\r\n\r\nhi"]"#,
        "<<- [PUB q\t 0]",
        "->> [OK]",
        "->> [MSG q 2 0]",
        "<<- [UNSUB 1]",
        "->> [OK]",
        "<-> [DELSUB 1]",
        "<<- [PUB a 1]",
        r#"<<- MSG_PAYLOAD: ["x"]"#,
        "->> [OK]",
        "<<- [PONG]",
        "->> [-ERR Unknown Protocol Operation]",
        "<-> [DELSUB 2]",
    ] {
        expected.push(format!("{tag}{line}"));
    }
    let traced = || -> Vec<String> {
        let log = server.log();
        log.lines()
            .filter(|l| l.contains("[TRC]"))
            .filter_map(|l| l.split_once(" - cid:")?.1.split_once(" - "))
            .map(|(_, rest)| rest.to_string())
            .collect()
    };
    wait_for(|| traced().len() >= expected.len());
    assert_eq!(traced(), expected);
}

/// A client breaking the protocol is logged at the default level, in the original's words.
#[test]
fn protocol_errors_are_logged_as_errors() {
    let server = Running::start(&[]);
    let mut c = connected(addr_of(&server.client_url()));
    handled(&mut c, b"");
    // `i` counts from the start of the read the error was met in: this one.
    c.send(b"bogus\r\n");
    wait_for(|| server.log().contains("[ERR]"));
    let log = server.log();
    let line = log.lines().find(|l| l.contains("[ERR]")).unwrap();
    assert!(
        line.ends_with(r#" - Client parser ERROR, state=0, i=0: proto='"bogus\r"...'"#),
        "{line}"
    );
}

/// Permission violations are logged at the default level in the original's words, and a
/// config with clear-text passwords is warned about at startup.
#[test]
fn permission_violations_are_logged_as_errors() {
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("perm.conf");
    std::fs::write(
        &conf,
        r#"authorization { users [ {user: a, password: p, permissions: {
            publish: {deny: ["secret.>"]}, subscribe: {deny: ["hidden"]} } } ] }"#,
    )
    .unwrap();
    let server = Running::start(&["-c", conf.to_str().unwrap()]);
    assert!(server
        .log()
        .contains("[WRN] Plaintext passwords detected, use nkeys or bcrypt"));
    let mut c = RawClient::connect(addr_of(&server.client_url()));
    c.info();
    c.send(b"CONNECT {\"verbose\":false,\"user\":\"a\",\"pass\":\"p\"}\r\n");
    handled(
        &mut c,
        b"PUB secret.x 1\r\nx\r\nSUB hidden 1\r\nSUB hidden q 2\r\n",
    );
    let expected = [
        r#"[ERR] "#,
        r#" - "$G/user:a" - Publish Violation - Subject "secret.x""#,
        r#" - "$G/user:a" - Subscription Violation - Subject "hidden", SID 1"#,
        r#" - "$G/user:a" - Subscription Violation - Subject "hidden", Queue: "q", SID 2"#,
    ];
    wait_for(|| server.log().matches(expected[0]).count() >= 3);
    let log = server.log();
    let errors: Vec<&str> = log.lines().filter(|l| l.contains(expected[0])).collect();
    assert_eq!(errors.len(), 3, "{log}");
    for (line, end) in errors.iter().zip(&expected[1..]) {
        assert!(line.ends_with(end), "{line}");
    }
}

#[test]
fn unbuilt_feature_flags_are_accepted_and_reported() {
    let server = Running::start(&["-js", "--routes", "nats://127.0.0.1:1"]);
    let log = server.log();
    assert!(
        log.contains("[WRN]") && log.contains("--jetstream"),
        "{log}"
    );
    assert!(log.contains("--routes"), "{log}");
}

/// On one CPU the server runs its single-threaded scheduler: messages, timers (the PING) and
/// signals all still work there.
#[test]
fn on_one_cpu_the_server_serves_and_stops() {
    let Some(mut server) = Running::start_on_one_cpu(&[], &[]) else {
        eprintln!("skipped: no taskset");
        return;
    };
    let threads = std::fs::read_dir(format!("/proc/{}/task", server.child.id()))
        .unwrap()
        .count();
    assert_eq!(threads, 1, "one thread runs everything");
    let addr = addr_of(&server.client_url());
    let mut sub = connected(addr);
    handled(&mut sub, b"SUB one.cpu 1\r\n");
    let mut publisher = connected(addr);
    publisher.send(b"PUB one.cpu 2\r\nhi\r\n");
    sub.expect(b"MSG one.cpu 1 2\r\nhi\r\n", Duration::from_secs(5));
    server.signal("quit");
    assert!(server.wait_exit(Duration::from_secs(10)));
    assert!(!server.ports_file().exists());
}

/// On one CPU, a delivered request (a message with a reply subject) keeps the server
/// polling its sockets for a moment: a long moment here, so the CPU it takes shows. Plain
/// messages do not, and once the moment passes the server is idle again.
#[test]
fn on_one_cpu_a_request_keeps_the_server_polling_for_a_moment() {
    let env = [("RNATS_BUSY_POLL_US", "1000000")];
    let Some(server) = Running::start_on_one_cpu(&env, &[]) else {
        eprintln!("skipped: no taskset");
        return;
    };
    let addr = addr_of(&server.client_url());
    let mut service = connected(addr);
    handled(&mut service, b"SUB svc 1\r\n");
    let mut client = connected(addr);
    client.send(b"PUB svc 5\r\nplain\r\n");
    service.expect(b"MSG svc 1 5\r\nplain\r\n", Duration::from_secs(5));
    let quiet = Duration::from_millis(100);
    let plain = server.cpu_over(Duration::from_millis(500));
    assert!(
        plain <= quiet,
        "a plain message left the server busy: {plain:?}"
    );

    client.send(b"PUB svc _INBOX.a 3\r\nreq\r\n");
    service.expect(b"MSG svc 1 _INBOX.a 3\r\nreq\r\n", Duration::from_secs(5));
    let polling = server.cpu_over(Duration::from_millis(500));
    assert!(
        polling >= Duration::from_millis(150),
        "no polling after a request: {polling:?}"
    );

    std::thread::sleep(Duration::from_millis(700));
    let after = server.cpu_over(Duration::from_millis(500));
    assert!(after <= quiet, "still busy after the window: {after:?}");
}

#[test]
fn signal_quit_shuts_down_and_removes_the_ports_file() {
    let mut server = Running::start(&[]);
    assert!(server.ports_file().exists());
    server.signal("quit");
    assert!(server.wait_exit(Duration::from_secs(10)));
    assert!(!server.ports_file().exists());
}

#[test]
fn lame_duck_tells_clients_and_stops_accepting() {
    let server = Running::start(&[]);
    let addr = addr_of(&server.client_url());
    let mut c = RawClient::connect(addr);
    c.info();
    c.send(b"CONNECT {\"verbose\":false,\"protocol\":1}\r\nPING\r\n");
    c.expect(b"PONG\r\n", Duration::from_secs(5));
    c.read_line(Duration::from_secs(5)); // connect_info INFO
    server.signal("ldm");
    let line = c.read_line(Duration::from_secs(5));
    let info: serde_json::Value =
        serde_json::from_str(line.strip_prefix("INFO ").unwrap()).unwrap();
    assert_eq!(info["ldm"], true);
    wait_for(|| std::net::TcpStream::connect(addr).is_err());
    assert!(server.log().contains("lame duck"));
}

#[test]
fn pid_file_holds_the_pid() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("rnats.pid");
    let server = Running::start(&["-P", pid_file.to_str().unwrap()]);
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert_eq!(pid.trim(), server.child.id().to_string());
    // `--signal` also takes a pid file.
    let status = Command::new(BIN)
        .args(["--signal", &format!("reopen={}", pid_file.display())])
        .status()
        .unwrap();
    assert!(status.success());
    wait_for(|| server.log().contains("File log re-opened"));
}

#[test]
fn version_and_help() {
    let out = Command::new(BIN).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("rnats-server: v"));
    let out = Command::new(BIN).arg("-h").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("--port") && help.contains("--signal"),
        "{help}"
    );
}

#[test]
fn bad_flags_fail_with_one_line() {
    let out = Command::new(BIN).args(["-p", "notaport"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.starts_with("rnats-server: "), "{err}");
}

#[test]
fn port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(BIN)
        .args(["-a", "127.0.0.1", "-p", &port])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Error listening on port"), "{err}");
}
