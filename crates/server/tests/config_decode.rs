//! Config files decoded into `Options`: every applied option, the unbuilt features kept raw,
//! and errors with `file:line:col`, all collected.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rnats_server::config::{self, ConfigError, Loaded};
use rnats_server::flags::Overrides;
use rnats_server::Options;

/// Writes `text` to `name` in a fresh temp dir and loads it.
fn load(text: &str) -> (Result<Loaded, ConfigError>, tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.conf");
    std::fs::write(&path, text).unwrap();
    (config::load_file(&path), dir, path)
}

fn options(text: &str) -> Options {
    match load(text).0 {
        Ok(loaded) => loaded.options,
        Err(e) => panic!("config refused: {e}"),
    }
}

/// The error lines, with the temp dir stripped so they read `t.conf:L:C: ...`.
fn errors(text: &str) -> Vec<String> {
    let (result, _dir, path) = load(text);
    let dir = path.parent().unwrap().display().to_string() + "/";
    match result {
        Err(e) => e.to_string().lines().map(|l| l.replace(&dir, "")).collect(),
        Ok(_) => panic!("config accepted"),
    }
}

#[test]
fn every_applied_option_reaches_options() {
    let o = options(
        r#"
        host: 127.0.0.1
        port: 4333
        server_name: "n1"
        max_payload: 2KB
        max_control_line: 1024
        max_connections: 10
        max_subscriptions: 7
        max_pending: 10MB
        ping_interval: "30s"
        ping_max: 4
        write_deadline: "3s"
        lame_duck_duration: "45s"
        lame_duck_grace_period: "5s"
        no_header_support: true
        disable_sublist_cache: true
        max_closed_clients: 50
        debug: true
        trace: true
        logtime: false
        logtime_utc: true
        log_file: "/tmp/rnats.log"
        pid_file: "/tmp/rnats.pid"
        ports_file_dir: "/tmp"
        http_port: 8333
        authorization { timeout: 1.5 }
        "#,
    );
    assert_eq!(o.host, IpAddr::from([127, 0, 0, 1]));
    assert_eq!(o.port, 4333);
    assert_eq!(o.server_name.as_deref(), Some("n1"));
    assert_eq!(o.max_payload, 2048);
    assert_eq!(o.max_control_line, 1024);
    assert_eq!(o.max_connections, Some(10));
    assert_eq!(o.max_subscriptions, 7);
    assert_eq!(o.max_pending, 10 * 1024 * 1024);
    assert_eq!(o.ping_interval, Duration::from_secs(30));
    assert_eq!(o.ping_max, 4);
    assert_eq!(o.write_deadline, Duration::from_secs(3));
    assert_eq!(o.lame_duck_duration, Duration::from_secs(45));
    assert_eq!(o.lame_duck_grace_period, Duration::from_secs(5));
    assert!(o.no_header_support && o.disable_sublist_cache);
    assert_eq!(o.max_closed_clients, 50);
    assert!(o.logging.debug && o.logging.trace && !o.logging.logtime && o.logging.logtime_utc);
    assert_eq!(o.logging.file.as_deref(), Some(Path::new("/tmp/rnats.log")));
    assert_eq!(o.pid_file.as_deref(), Some(Path::new("/tmp/rnats.pid")));
    assert_eq!(o.ports_file_dir.as_deref(), Some(Path::new("/tmp")));
    assert_eq!(o.http_port, Some(8333));
    assert_eq!(o.auth_timeout, Duration::from_millis(1500));
}

#[test]
fn aliases_and_case_insensitive_names_are_the_same_option() {
    let o = options("NET: 127.0.0.1\nmax_conn: 3\nmax_subs: 2\nno_sublist_cache: true\nlogfile: x.log\npidfile: x.pid\nmonitor_port: 9000\nMAX_PAYLOAD: 100\n");
    assert_eq!(o.host, IpAddr::from([127, 0, 0, 1]));
    assert_eq!(o.max_connections, Some(3));
    assert_eq!(o.max_subscriptions, 2);
    assert!(o.disable_sublist_cache);
    assert_eq!(o.logging.file.as_deref(), Some(Path::new("x.log")));
    assert_eq!(o.pid_file.as_deref(), Some(Path::new("x.pid")));
    assert_eq!(o.http_port, Some(9000));
    assert_eq!(o.max_payload, 100);
}

#[test]
fn listen_and_http_take_a_port_or_host_and_port() {
    let o = options("listen: \"127.0.0.1:4555\"\nhttp: \"127.0.0.1:8555\"\n");
    assert_eq!((o.host, o.port), (IpAddr::from([127, 0, 0, 1]), 4555));
    assert_eq!(o.http_host, Some(IpAddr::from([127, 0, 0, 1])));
    assert_eq!(o.http_port, Some(8555));
    let o = options("listen: 4556\nhttp: 8556\n");
    assert_eq!(o.port, 4556);
    assert_eq!(o.http_port, Some(8556));
    // -1 picks a random port; 0 means the default, as in the original.
    assert_eq!(options("port: -1\n").port, 0);
    assert_eq!(options("port: 0\n").port, 4222);
    assert_eq!(options("listen: \"[::1]:4557\"\n").port, 4557);
    assert_eq!(
        errors("listen: \"1.2.3.4\"\n"),
        ["t.conf:1:0: could not parse address string \"1.2.3.4\""]
    );
}

#[test]
fn max_connections_zero_refuses_every_client() {
    assert_eq!(options("max_connections: 0\n").max_connections, Some(0));
}

#[test]
fn integer_ping_interval_is_seconds_with_the_originals_warning() {
    let (loaded, _dir, _) = load("port: 4222\nping_interval: 30\n");
    let loaded = loaded.unwrap();
    assert_eq!(loaded.options.ping_interval, Duration::from_secs(30));
    assert_eq!(loaded.warnings.len(), 1);
    assert!(loaded.warnings[0].to_string().ends_with(
        "t.conf:2:1: invalid use of field \"ping_interval\": ping_interval should be converted to a duration"
    ));
}

#[test]
fn lame_duck_duration_below_thirty_seconds_is_refused_in_the_originals_words() {
    assert_eq!(
        errors("lame_duck_duration: \"10s\"\n"),
        ["t.conf:1:0: invalid lame_duck_duration of 10s, minimum is 30 seconds"]
    );
}

#[test]
fn unknown_key_is_an_error_with_its_location() {
    assert_eq!(
        errors("port: 4222\n  foo: 1\n"),
        ["t.conf:2:3: unknown field \"foo\""]
    );
}

#[test]
fn wrong_types_name_the_option_and_the_value() {
    assert_eq!(
        errors("port: 4222\nwrite_deadline: \"abc\"\n"),
        ["t.conf:2:1: write_deadline: expected a duration such as \"2m\" or \"30s\", got \"abc\" (time: invalid duration \"abc\")"]
    );
    assert_eq!(
        errors("port: 4222\nmax_payload: \"big\"\n"),
        ["t.conf:2:1: max_payload: expected an integer, got \"big\""]
    );
    assert_eq!(
        errors("port: 4222\ndebug: 5\n"),
        ["t.conf:2:1: debug: expected a boolean, got 5"]
    );
}

#[test]
fn every_error_is_reported_at_once_warnings_first() {
    let lines = errors(
        "port: 4222\nfoo: 1\nmax_payload: \"x\"\nping_interval: 5\nserver_name: \"a b\"\nbar { }\n",
    );
    assert_eq!(
        lines,
        [
            "t.conf:4:1: invalid use of field \"ping_interval\": ping_interval should be converted to a duration",
            "t.conf:2:1: unknown field \"foo\"",
            "t.conf:3:1: max_payload: expected an integer, got \"x\"",
            "t.conf:6:1: unknown field \"bar\"",
            "t.conf:5:1: server name cannot contain spaces",
        ]
    );
}

#[test]
fn max_payload_above_max_pending_is_refused_in_the_originals_words() {
    assert_eq!(
        errors("port: 4222\nmax_payload: 1MB\nmax_pending: 1M\n"),
        ["t.conf:2:1: max_payload (1048576) cannot be higher than max_pending (1000000)"]
    );
}

#[test]
fn variables_used_are_not_options_but_unused_ones_are_unknown() {
    let o = options("PAY = 2KB\nmax_payload: $PAY\n");
    assert_eq!(o.max_payload, 2048);
    assert_eq!(
        errors("port: 4222\nUNUSED = 1\n"),
        ["t.conf:2:1: unknown field \"UNUSED\""]
    );
}

#[test]
fn auth_sections_are_kept_raw_and_unbuilt_features_noticed_once_each() {
    let (loaded, _dir, _) = load(
        r#"
        port: 4222
        authorization { users: [ {user: a, password: b} ], timeout: 3 }
        accounts { A: { users: [ {user: x, password: y} ] }, SYS: {} }
        no_auth_user: a
        system_account: SYS
        mappings { "foo": "bar" }
        jetstream { store_dir: "/tmp/js" }
        cluster { name: c, listen: "127.0.0.1:6222" }
        leafnodes { port: 7422 }
        websocket { port: 8080, no_tls: true }
        "#,
    );
    let loaded = loaded.unwrap();
    let noticed: Vec<&str> = loaded.notices.iter().map(|n| n.option).collect();
    assert_eq!(
        noticed,
        [
            // authorization, accounts, no_auth_user, system_account and mappings are
            // applied by the security layer from `options.raw`, so they are not noticed.
            // websocket is built: decoded into typed options, not noticed.
            "jetstream",
            "cluster",
            "leafnodes",
        ]
    );
    let ws = loaded.options.websocket.as_ref().unwrap();
    assert_eq!((ws.port, ws.no_tls), (8080, true));
    assert!(loaded.notices[0]
        .to_string()
        .contains("option \"jetstream\" is not supported yet by rnats-server; ignoring it"));
    let raw = &loaded.options.raw;
    let auth = raw.authorization.as_ref().and_then(|v| v.as_map()).unwrap();
    assert!(auth.get("users").is_some());
    assert_eq!(loaded.options.auth_timeout, Duration::from_secs(3));
    assert!(raw.accounts.as_ref().and_then(|v| v.as_map()).is_some());
    assert_eq!(
        raw.no_auth_user.as_ref().and_then(|v| v.as_str()),
        Some("a")
    );
    assert_eq!(
        raw.system_account.as_ref().and_then(|v| v.as_str()),
        Some("SYS")
    );
    assert!(raw.mappings.is_some());
    assert_eq!(raw.unsupported.len(), 3);
    // Secrets never print.
    let debug = format!("{:?}", loaded.options);
    assert!(
        !debug.contains("password") && !debug.contains("\"b\""),
        "{debug}"
    );
}

#[test]
fn missing_tls_certificate_is_refused_like_the_original() {
    assert_eq!(
        errors("port: 4222\ntls {\n  cert_file: \"./nope-cert.pem\"\n  key_file: \"./nope-key.pem\"\n}\n"),
        ["t.conf:2:1: error parsing X509 certificate/key pair: open ./nope-cert.pem: no such file or directory"]
    );
    assert_eq!(
        errors("port: 4222\ntls {\n  cipher_suites: [\"BAD\"]\n}\n"),
        ["t.conf:3:3: unrecognized cipher BAD"]
    );
}

#[test]
fn authorization_user_and_token_together_are_refused() {
    assert_eq!(
        errors("authorization {\n  user: a\n  password: b\n  token: c\n}\n"),
        ["t.conf:4:3: Cannot have a user/pass and token"]
    );
}

#[test]
fn flags_override_the_file() {
    let mut o = options("port: 4333\nserver_name: file\ndebug: true\nmax_payload: 100\n");
    let flags = Overrides {
        port: Some(0),
        server_name: Some("flag".into()),
        debug: Some(false),
        ..Overrides::default()
    };
    flags.apply(&mut o);
    assert_eq!(o.port, 0);
    assert_eq!(o.server_name.as_deref(), Some("flag"));
    assert!(!o.logging.debug);
    // What the flags leave alone comes from the file.
    assert_eq!(o.max_payload, 100);
}

#[test]
fn digest_matches_the_reference_for_a_known_file() {
    // `nats-server -t` prints this digest for a file holding just `port: 4222`.
    let (loaded, _dir, _) = load("port: 4222\n");
    assert_eq!(
        loaded.unwrap().digest,
        "797533ebd0dfba7d34a0f9337ecf147e442871f48ddfd07ed751575a5737267e"
    );
}
