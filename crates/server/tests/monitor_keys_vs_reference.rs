//! Differential test: every monitoring endpoint of rnats-server has the same JSON keys, with
//! the same JSON types, as nats-server 2.15.1's after the same client activity. Values may
//! differ (ids, times, ports, counters of the original's internal clients).
//!
//! The reference binary comes from `shared/reference/install-nats-server.sh` beside the
//! repository (it installs the wheel from the Python package index when missing), or from
//! `$RNATS_REFERENCE_NATS_SERVER`. Without either, the test says so and passes.

mod monitor_http;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use async_nats::ConnectOptions;
use futures::StreamExt;
use monitor_http::{get, wait_for};
use rnats_test_support::{Options, RawClient, TestServer};
use serde_json::Value;

/// What the reference has and rnats leaves out, or cannot fill meaningfully yet: the endpoint
/// (without query) and the path (keys joined with '.', `[]` for array elements). A trailing
/// `*` allows everything that starts so.
const ALLOWED_MISSING: &[(&str, &str)] = &[
    // JetStream feature flags: rnats has no JetStream yet, so `feature_flags` is `{}`.
    ("/varz", "feature_flags.*"),
    // The original measures RTT with a PING sent right after CONNECT; rnats measures it on
    // its ping timer only, so a fresh connection has no `rtt` yet (the key is optional).
    ("/connz", "connections[].rtt"),
    // The original's global account imports the system account's services; rnats has no
    // system account yet, so no imports (the key is optional).
    ("/accountz", "account_detail.imports*"),
];

/// Keys whose children are data, not schema (counts per requested path).
const DYNAMIC_MAPS: &[&str] = &["http_req_stats"];

const ENDPOINTS: &[&str] = &[
    "/varz",
    "/connz?subs=detail",
    "/connz?state=closed&subs=detail",
    "/connz?auth=1",
    "/connz?subs=1&sort=msgs_to",
    "/routez",
    "/gatewayz",
    "/leafz",
    "/subsz",
    "/subsz?subs=1",
    "/subsz?subs=1&test=foo.bar",
    "/accountz",
    "/accountz?acc=$G",
    "/accstatz",
    "/jsz",
    "/healthz",
];

/// The reference server, killed on drop.
struct Reference {
    child: Child,
    client_url: String,
    monitor: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for Reference {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn reference_binary() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("RNATS_REFERENCE_NATS_SERVER") {
        return Some(bin.into());
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = [
        repo.join("../shared/reference/install-nats-server.sh"),
        PathBuf::from("/work/shared/reference/install-nats-server.sh"),
    ]
    .into_iter()
    .find(|p| p.exists())?;
    let out = Command::new("bash")
        .arg(&script)
        .stderr(Stdio::inherit())
        .output()
        .expect("run install-nats-server.sh");
    assert!(out.status.success(), "{} failed", script.display());
    let path = String::from_utf8(out.stdout).expect("UTF-8 path");
    Some(PathBuf::from(path.trim()))
}

fn start_reference(bin: &Path) -> Reference {
    let dir = tempfile::tempdir().expect("temp dir");
    let child = Command::new(bin)
        .args([
            "-a",
            "127.0.0.1",
            "-p",
            "-1",
            "-m",
            "-1",
            "--ports_file_dir",
        ])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start reference nats-server");
    let ports_file = dir.path().join(format!("nats-server_{}.ports", child.id()));
    let deadline = Instant::now() + Duration::from_secs(10);
    let ports: Value = loop {
        if let Ok(text) = std::fs::read_to_string(&ports_file) {
            if let Ok(v) = serde_json::from_str(&text) {
                break v;
            }
        }
        assert!(Instant::now() < deadline, "no ports file from nats-server");
        std::thread::sleep(Duration::from_millis(20));
    };
    let client_url = ports["nats"][0].as_str().expect("nats url").to_owned();
    let monitor = ports["monitoring"][0]
        .as_str()
        .and_then(|u| u.strip_prefix("http://"))
        .and_then(|a| a.parse().ok())
        .expect("monitoring address");
    Reference {
        child,
        client_url,
        monitor,
        _dir: dir,
    }
}

/// Two clients with plain and queue subscriptions and some traffic, plus a third that
/// subscribes and leaves (for the closed ring). Returns the clients to keep them open.
async fn activity(url: &str, monitor: SocketAddr) -> Vec<async_nats::Client> {
    let connect = |name: &'static str| {
        let url = url.to_owned();
        async move {
            ConnectOptions::new()
                .name(name)
                .connect(url)
                .await
                .expect("connect")
        }
    };
    let alice = connect("alice").await;
    let mut wild = alice.subscribe("foo.*").await.unwrap();
    let _queue = alice.queue_subscribe("bar", "q".into()).await.unwrap();
    alice.flush().await.unwrap();
    let bob = connect("bob").await;
    let mut exact = bob.subscribe("foo.bar").await.unwrap();
    bob.flush().await.unwrap();
    wait_for(monitor, "/connz", |v| {
        v["connections"].as_array().is_some_and(|c| {
            c.iter()
                .any(|c| c["name"] == "bob" && c["subscriptions"] == 1)
        })
    });
    for _ in 0..10 {
        bob.publish("foo.bar", "hello".into()).await.unwrap();
    }
    bob.flush().await.unwrap();
    for _ in 0..10 {
        wild.next().await.unwrap();
        exact.next().await.unwrap();
    }
    // A raw client, so it leaves with its subscription (async-nats would UNSUB first).
    let addr: SocketAddr = url
        .trim_start_matches("nats://")
        .parse()
        .expect("client address");
    let mut carol = RawClient::connect(addr);
    carol.info();
    carol.send(
        b"CONNECT {\"name\":\"carol\",\"lang\":\"raw\",\"version\":\"1\"}\r\nSUB x 1\r\nPING\r\n",
    );
    carol.expect(b"PONG\r\n", Duration::from_secs(5));
    drop(carol);
    wait_for(monitor, "/connz?state=closed", |v| {
        v["num_connections"] == 1
    });
    std::mem::forget(wild);
    std::mem::forget(exact);
    vec![alice, bob]
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// All the object elements of an array merged into one (first value of each key wins), so
/// optional keys seen on any element count.
fn merged_elements(items: &[Value]) -> Option<Value> {
    let mut merged = serde_json::Map::new();
    let mut other = None;
    for item in items {
        match item {
            Value::Object(map) => {
                for (k, v) in map {
                    merged.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            v => {
                other.get_or_insert_with(|| v.clone());
            }
        }
    }
    if merged.is_empty() {
        other
    } else {
        Some(Value::Object(merged))
    }
}

fn allowed(endpoint: &str, path: &str) -> bool {
    let endpoint = endpoint.split('?').next().unwrap_or(endpoint);
    ALLOWED_MISSING
        .iter()
        .filter(|(e, _)| *e == endpoint)
        .any(|(_, allowed)| match allowed.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == *allowed,
        })
}

/// Compares the shape of `ours` against `reference`, collecting differences.
fn compare(
    endpoint: &str,
    path: &str,
    reference: &Value,
    ours: &Value,
    problems: &mut Vec<String>,
) {
    if type_name(reference) != type_name(ours) {
        problems.push(format!(
            "{endpoint}: {path}: reference is {}, rnats is {}",
            type_name(reference),
            type_name(ours)
        ));
        return;
    }
    match (reference, ours) {
        (Value::Object(r), Value::Object(o)) => {
            if DYNAMIC_MAPS.contains(&path) {
                return;
            }
            let keys: BTreeMap<&String, ()> = r.keys().chain(o.keys()).map(|k| (k, ())).collect();
            for key in keys.keys() {
                let child = if path.is_empty() {
                    (*key).clone()
                } else {
                    format!("{path}.{key}")
                };
                match (r.get(*key), o.get(*key)) {
                    (Some(rv), Some(ov)) => compare(endpoint, &child, rv, ov, problems),
                    (Some(_), None) if allowed(endpoint, &child) => {}
                    (Some(_), None) => problems.push(format!("{endpoint}: {child}: missing")),
                    (None, Some(_)) => {
                        problems.push(format!("{endpoint}: {child}: not in the reference"));
                    }
                    (None, None) => {}
                }
            }
        }
        (Value::Array(r), Value::Array(o)) => {
            if let (Some(rv), Some(ov)) = (merged_elements(r), merged_elements(o)) {
                compare(endpoint, &format!("{path}[]"), &rv, &ov, problems);
            } else if !r.is_empty() && !allowed(endpoint, &format!("{path}[].*")) {
                problems.push(format!("{endpoint}: {path}: rnats has no elements"));
            }
        }
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitoring_json_has_the_references_keys_and_types() {
    let Some(bin) = reference_binary() else {
        eprintln!("skipped: no reference nats-server (shared/reference/install-nats-server.sh)");
        return;
    };
    let reference = start_reference(&bin);
    let rnats = TestServer::start_with(Options {
        http_port: Some(0),
        ..Options::ephemeral()
    });
    let rnats_monitor = rnats.server().monitor_addr().expect("monitoring on");

    let _ref_clients = activity(&reference.client_url, reference.monitor).await;
    let _our_clients = activity(&rnats.url(), rnats_monitor).await;

    let mut problems = Vec::new();
    let mut compared = 0;
    for endpoint in ENDPOINTS {
        let theirs = get(reference.monitor, endpoint);
        let ours = get(rnats_monitor, endpoint);
        assert_eq!(theirs.status, 200, "reference {endpoint}: {}", theirs.body);
        assert_eq!(ours.status, theirs.status, "{endpoint}: {}", ours.body);
        assert_eq!(
            ours.header("content-type"),
            theirs.header("content-type"),
            "{endpoint} content type"
        );
        compare(endpoint, "", &theirs.json(), &ours.json(), &mut problems);
        compared += 1;
    }
    // The same bad requests fail the same way.
    for bad in [
        "/connz?sort=bogus",
        "/connz?sort=stop",
        "/connz?state=bogus",
        "/subsz?subs=1&test=foo.*",
    ] {
        let theirs = get(reference.monitor, bad);
        let ours = get(rnats_monitor, bad);
        assert_eq!(
            (ours.status, ours.body.trim()),
            (theirs.status, theirs.body.trim()),
            "{bad}"
        );
    }
    assert!(
        problems.is_empty(),
        "monitoring JSON differs from nats-server 2.15.1:\n  {}",
        problems.join("\n  ")
    );
    eprintln!(
        "{compared} endpoints match the reference's keys and types ({} allow-listed paths)",
        ALLOWED_MISSING.len()
    );
}
