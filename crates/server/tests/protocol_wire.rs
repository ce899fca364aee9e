//! Raw-TCP tests that pin the exact bytes clients depend on.

use std::time::Duration;

use rnats_test_support::{Options, RawClient, TestServer};

const WAIT: Duration = Duration::from_secs(3);

fn connect(server: &TestServer, connect_json: &str) -> RawClient {
    let mut c = RawClient::connect(server.addr());
    c.info();
    c.send(format!("CONNECT {connect_json}\r\n").as_bytes());
    c
}

#[test]
fn info_has_the_original_fields_and_a_trailing_space() {
    let server = TestServer::start();
    let mut c = RawClient::connect(server.addr());
    let line = c.read_line(WAIT);
    assert!(line.starts_with("INFO {"), "{line}");
    assert!(
        line.ends_with("} "),
        "INFO must end with a space before CRLF: {line:?}"
    );
    let info: serde_json::Value = serde_json::from_str(line[5..].trim_end()).unwrap();
    assert_eq!(info["proto"], 1);
    assert_eq!(info["headers"], true);
    assert_eq!(info["max_payload"], 1048576);
    assert_eq!(info["port"], server.addr().port());
    assert_eq!(info["client_ip"], "127.0.0.1");
    assert!(info["client_id"].as_u64().unwrap() >= 5);
    let id = info["server_id"].as_str().unwrap();
    assert!(id.starts_with('N') && id.len() == 56, "{id}");
}

#[test]
fn empty_connect_is_verbose() {
    let server = TestServer::start();
    let mut c = connect(&server, "{}");
    c.send(b"PING\r\n");
    c.expect(b"+OK\r\nPONG\r\n", WAIT);
}

#[test]
fn protocol_1_gets_connect_info_after_first_pong() {
    let server = TestServer::start();
    let mut c = connect(&server, r#"{"verbose":false,"protocol":1}"#);
    c.send(b"PING\r\n");
    assert_eq!(c.read_line(WAIT), "PONG");
    let line = c.read_line(WAIT);
    let info: serde_json::Value =
        serde_json::from_str(line.strip_prefix("INFO ").unwrap()).unwrap();
    assert_eq!(info["connect_info"], true);
    assert_eq!(info["remote_account"], "$G");
    c.send(b"PING\r\n");
    assert_eq!(c.read_line(WAIT), "PONG");
}

#[test]
fn unsub_with_max_stops_after_n() {
    let server = TestServer::start();
    let mut c = connect(&server, r#"{"verbose":false}"#);
    c.send(
        b"SUB foo 1\r\nUNSUB 1 2\r\nPUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nPUB foo 1\r\nc\r\nPING\r\n",
    );
    let got = c.expect(b"PONG\r\n", WAIT);
    assert_eq!(got, b"MSG foo 1 1\r\na\r\nMSG foo 1 1\r\nb\r\nPONG\r\n");
}

/// A max that is not a size ends the subscription at once, as a plain UNSUB does.
#[test]
fn unsub_with_a_max_that_is_not_a_size_ends_the_subscription() {
    let server = TestServer::start();
    let mut c = connect(&server, r#"{"verbose":false}"#);
    c.send(b"SUB foo 1\r\nUNSUB 1 x\r\nPUB foo 1\r\na\r\nPING\r\n");
    assert_eq!(c.expect(b"PONG\r\n", WAIT), b"PONG\r\n");
}

#[test]
fn verbose_acks_every_op() {
    let server = TestServer::start();
    let mut c = connect(&server, r#"{"verbose":true}"#);
    c.send(b"SUB foo 1\r\nPUB foo 2\r\nhi\r\nUNSUB 1\r\nPING\r\n");
    let got = c.expect(b"PONG\r\n", WAIT);
    assert_eq!(
        got,
        b"+OK\r\n+OK\r\n+OK\r\nMSG foo 1 2\r\nhi\r\n+OK\r\nPONG\r\n"
    );
}

#[test]
fn pedantic_wildcard_publish_is_an_error_but_still_delivered() {
    let server = TestServer::start();
    let mut c = connect(&server, r#"{"pedantic":true,"verbose":false}"#);
    c.send(b"SUB > 1\r\nPUB foo.* 2\r\nhi\r\nPING\r\n");
    let got = c.expect(b"PONG\r\n", WAIT);
    assert_eq!(
        got,
        b"-ERR 'Invalid Publish Subject'\r\nMSG foo.* 1 2\r\nhi\r\nPONG\r\n"
    );
}

#[test]
fn invalid_subscription_subject_keeps_the_connection() {
    let server = TestServer::start();
    let mut c = connect(&server, r#"{"verbose":false}"#);
    c.send(b"SUB foo..bar 1\r\nSUB foo.>.bar 2\r\nPING\r\n");
    let got = c.expect(b"PONG\r\n", WAIT);
    assert_eq!(
        got,
        b"-ERR 'Invalid Subject'\r\n-ERR 'Invalid Subject'\r\nPONG\r\n"
    );
}

#[test]
fn headers_are_delivered_as_hmsg_and_stripped_for_old_clients() {
    let server = TestServer::start();
    let mut new = connect(&server, r#"{"verbose":false,"headers":true}"#);
    let mut old = connect(&server, r#"{"verbose":false}"#);
    new.send(b"SUB h 1\r\nPING\r\n");
    new.expect(b"PONG\r\n", WAIT);
    old.send(b"SUB h 9\r\nPING\r\n");
    old.expect(b"PONG\r\n", WAIT);
    new.send(b"HPUB h 18 20\r\nNATS/1.0\r\nA: b\r\n\r\nhi\r\n");
    new.expect(b"HMSG h 1 18 20\r\nNATS/1.0\r\nA: b\r\n\r\nhi\r\n", WAIT);
    old.expect(b"MSG h 9 2\r\nhi\r\n", WAIT);
}

#[test]
fn hpub_without_negotiated_headers_closes_silently() {
    let server = TestServer::start();
    let mut c = connect(&server, r#"{"verbose":false}"#);
    c.send(b"HPUB h 12 12\r\nNATS/1.0\r\n\r\n\r\n");
    assert!(c.is_closed_within(WAIT));
    assert!(c.drain(Duration::ZERO).is_empty());
}

#[test]
fn no_responders_gets_a_503_on_the_requesters_own_subscription() {
    let server = TestServer::start();
    let mut c = connect(
        &server,
        r#"{"verbose":false,"headers":true,"no_responders":true}"#,
    );
    c.send(b"SUB inbox 7\r\nPUB svc inbox 2\r\nhi\r\n");
    c.expect(
        b"HMSG inbox 7 35 35\r\nNATS/1.0 503\r\nNats-Subject: svc\r\n\r\n\r\n",
        WAIT,
    );
}

#[test]
fn no_responders_without_headers_is_refused() {
    let server = TestServer::start();
    let mut c = connect(&server, r#"{"no_responders":true}"#);
    c.expect(b"-ERR 'no responders requires headers support'\r\n", WAIT);
    assert!(c.is_closed_within(WAIT));
}

#[test]
fn echo_false_suppresses_own_messages() {
    let server = TestServer::start();
    let mut c = connect(&server, r#"{"verbose":false,"echo":false}"#);
    let mut other = connect(&server, r#"{"verbose":false}"#);
    c.send(b"SUB e 1\r\nPING\r\n");
    c.expect(b"PONG\r\n", WAIT);
    c.send(b"PUB e 4\r\nself\r\nPING\r\n");
    assert_eq!(c.expect(b"PONG\r\n", WAIT), b"PONG\r\n");
    other.send(b"PUB e 5\r\nother\r\n");
    c.expect(b"MSG e 1 5\r\nother\r\n", WAIT);
}

#[test]
fn garbage_gets_unknown_protocol_operation_and_a_close() {
    let server = TestServer::start();
    let mut c = RawClient::connect(server.addr());
    c.info();
    c.send(b"HELLO WORLD\r\n");
    c.expect(b"-ERR 'Unknown Protocol Operation'\r\n", WAIT);
    assert!(c.is_closed_within(WAIT));
    // The server is unharmed.
    let mut d = connect(&server, r#"{"verbose":false}"#);
    d.send(b"PING\r\n");
    d.expect(b"PONG\r\n", WAIT);
}

#[test]
fn payload_without_crlf_is_unknown_protocol_operation() {
    let server = TestServer::start();
    let mut c = connect(&server, r#"{"verbose":false}"#);
    c.send(b"PUB foo 2\r\nhi\nPING\r\n");
    c.expect(b"-ERR 'Unknown Protocol Operation'\r\n", WAIT);
    assert!(c.is_closed_within(WAIT));
}

/// A PUB without a size, or with one of more than nine digits (malformed, not over the
/// payload limit), is closed silently.
#[test]
fn malformed_pub_closes_without_error() {
    let server = TestServer::start();
    for input in [&b"PUB foo\r\n"[..], b"PUB foo 1234567890\r\n"] {
        let mut c = connect(&server, r#"{"verbose":false}"#);
        c.send(input);
        assert!(c.is_closed_within(WAIT));
        assert!(!String::from_utf8_lossy(&c.drain(Duration::ZERO)).contains("-ERR"));
    }
}

#[test]
fn max_payload_violation_closes() {
    let server = TestServer::start_with(Options {
        max_payload: 16,
        ..Options::ephemeral()
    });
    let mut c = RawClient::connect(server.addr());
    assert_eq!(c.info()["max_payload"], 16);
    c.send(b"CONNECT {\"verbose\":false}\r\nPUB foo 17\r\n");
    c.expect(b"-ERR 'Maximum Payload Violation'\r\n", WAIT);
    assert!(c.is_closed_within(WAIT));
}

#[test]
fn control_line_over_the_limit_closes() {
    let server = TestServer::start_with(Options {
        max_control_line: 32,
        ..Options::ephemeral()
    });
    let mut c = connect(&server, r#"{"verbose":false}"#);
    c.send(format!("SUB {} 1\r\n", "a".repeat(64)).as_bytes());
    c.expect(b"-ERR 'maximum control line exceeded'\r\n", WAIT);
    assert!(c.is_closed_within(WAIT));
}

#[test]
fn invalid_client_protocol_closes() {
    let server = TestServer::start();
    let mut c = connect(&server, r#"{"protocol":2}"#);
    c.expect(b"-ERR 'invalid client protocol'\r\n", WAIT);
    assert!(c.is_closed_within(WAIT));
}

#[test]
fn legacy_account_field_is_an_authorization_violation() {
    let server = TestServer::start();
    let mut c = connect(&server, r#"{"account":"A"}"#);
    c.expect(b"-ERR 'Authorization Violation'\r\n", WAIT);
    assert!(c.is_closed_within(WAIT));
}

#[test]
fn max_connections_sends_info_then_error() {
    let server = TestServer::start_with(Options {
        max_connections: Some(1),
        ..Options::ephemeral()
    });
    let mut first = connect(&server, r#"{"verbose":false}"#);
    first.send(b"PING\r\n");
    first.expect(b"PONG\r\n", WAIT);
    let mut second = RawClient::connect(server.addr());
    second.info();
    second.expect(b"-ERR 'maximum connections exceeded'\r\n", WAIT);
    assert!(second.is_closed_within(WAIT));
}

#[test]
fn max_subscriptions_refuses_the_sub_but_keeps_the_connection() {
    let server = TestServer::start_with(Options {
        max_subscriptions: 1,
        ..Options::ephemeral()
    });
    let mut c = connect(&server, r#"{"verbose":false}"#);
    c.send(b"SUB a 1\r\nSUB b 2\r\nPUB a 1\r\nx\r\nPING\r\n");
    let got = c.expect(b"PONG\r\n", WAIT);
    assert_eq!(
        got,
        b"-ERR 'maximum subscriptions exceeded'\r\nMSG a 1 1\r\nx\r\nPONG\r\n"
    );
}

#[test]
fn subscriptions_with_too_many_tokens_are_refused() {
    let server = TestServer::start_with(Options {
        max_sub_tokens: 3,
        ..Options::ephemeral()
    });
    let mut c = connect(&server, r#"{"verbose":false}"#);
    c.send(b"SUB a.b.c 1\r\nSUB a.b.c.d 2\r\nPUB a.b.c 1\r\nx\r\nPING\r\n");
    let got = c.expect(b"PONG\r\n", WAIT);
    assert_eq!(
        String::from_utf8_lossy(&got),
        "-ERR 'Permissions Violation for Subscription to \"a.b.c.d\", too many tokens'\r\n\
         MSG a.b.c 1 1\r\nx\r\nPONG\r\n"
    );
}

#[test]
fn reserved_reply_prefix_is_a_permissions_violation() {
    let server = TestServer::start();
    let mut c = connect(&server, r#"{"verbose":false}"#);
    c.send(b"SUB x 1\r\nPUB x _R_.abc 1\r\na\r\nPUB _GR_.x 1\r\nb\r\nPING\r\n");
    let got = c.expect(b"PONG\r\n", WAIT);
    assert_eq!(
        String::from_utf8_lossy(&got),
        "-ERR 'Permissions Violation for Publish with Reply of \"_R_.abc\"'\r\n\
         -ERR 'Permissions Violation for Publish to \"_GR_.x\"'\r\nPONG\r\n"
    );
}

#[test]
fn stale_connection_is_pinged_then_dropped() {
    let server = TestServer::start_with(Options {
        ping_interval: Duration::from_millis(200),
        ping_max: 2,
        ..Options::ephemeral()
    });
    let mut c = connect(&server, r#"{"verbose":false}"#);
    let got = c.expect(b"-ERR 'Stale Connection'\r\n", Duration::from_secs(5));
    assert_eq!(got, b"PING\r\nPING\r\n-ERR 'Stale Connection'\r\n");
    assert!(c.is_closed_within(WAIT));
}

#[test]
fn answering_pings_keeps_a_connection_alive() {
    let server = TestServer::start_with(Options {
        ping_interval: Duration::from_millis(100),
        ping_max: 1,
        ..Options::ephemeral()
    });
    let mut c = connect(&server, r#"{"verbose":false}"#);
    for _ in 0..5 {
        c.expect(b"PING\r\n", WAIT);
        c.send(b"PONG\r\n");
    }
    c.send(b"PING\r\n");
    c.expect(b"PONG\r\n", WAIT);
}

#[test]
fn telnet_style_client_works_without_connect() {
    let server = TestServer::start();
    let mut c = RawClient::connect(server.addr());
    c.info();
    c.send(b"sub foo 1\npub foo 3\r\nabc\r\nping\n");
    let got = c.expect(b"PONG\r\n", WAIT);
    assert_eq!(got, b"MSG foo 1 3\r\nabc\r\nPONG\r\n");
}

#[test]
fn queue_group_members_share_messages() {
    let server = TestServer::start();
    let mut a = connect(&server, r#"{"verbose":false}"#);
    let mut b = connect(&server, r#"{"verbose":false}"#);
    a.send(b"SUB work q 1\r\nPING\r\n");
    a.expect(b"PONG\r\n", WAIT);
    b.send(b"SUB work q 1\r\nPING\r\n");
    b.expect(b"PONG\r\n", WAIT);
    let mut p = connect(&server, r#"{"verbose":false}"#);
    for _ in 0..200 {
        p.send(b"PUB work 1\r\nx\r\n");
    }
    p.send(b"PING\r\n");
    p.expect(b"PONG\r\n", WAIT);
    let count = |c: &mut RawClient| {
        let got = c.drain(Duration::from_millis(300));
        got.windows(4).filter(|w| w == b"MSG ").count()
    };
    let (na, nb) = (count(&mut a), count(&mut b));
    assert_eq!(na + nb, 200);
    assert!(na > 0 && nb > 0, "both members should get some: {na} {nb}");
}

/// Ops that arrive a few bytes at a time, with pauses, so that every read empties the socket
/// and the next waits for new data: nothing is lost or delivered early, and a payload that
/// fills several reads arrives whole.
#[test]
fn ops_arriving_in_pieces_are_read_whole() {
    let server = TestServer::start();
    let mut sub = connect(&server, r#"{"verbose":false}"#);
    sub.send(b"SUB pieces 1\r\nPING\r\n");
    sub.expect(b"PONG\r\n", WAIT);
    let mut publisher = connect(&server, r#"{"verbose":false}"#);
    for piece in [
        &b"PU"[..],
        b"B pie",
        b"ces 1",
        b"0\r\n01234",
        b"56789\r",
        b"\n",
    ] {
        publisher.send(piece);
        std::thread::sleep(Duration::from_millis(20));
    }
    sub.expect(b"MSG pieces 1 10\r\n0123456789\r\n", WAIT);

    let payload: Vec<u8> = (0..300_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let mut wire = b"PUB pieces 300000\r\n".to_vec();
    wire.extend_from_slice(&payload);
    wire.extend_from_slice(b"\r\n");
    for piece in wire.chunks(70_000) {
        publisher.send(piece);
        std::thread::sleep(Duration::from_millis(20));
    }
    publisher.send(b"PING\r\n");
    publisher.expect(b"PONG\r\n", WAIT);
    let mut expected = b"MSG pieces 1 300000\r\n".to_vec();
    expected.extend_from_slice(&payload);
    expected.extend_from_slice(b"\r\n");
    let got = sub.expect(&expected, WAIT);
    assert_eq!(got, expected, "nothing else before the message");
}
