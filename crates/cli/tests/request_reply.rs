//! `rnats req` answered by `rnats reply`.

mod common;

use common::{ok, run, stderr, unique, Background, Env};

#[test]
fn echo_reply_returns_body_and_headers() {
    let env = Env::start();
    let subject = unique("echo");
    let mut service = Background::spawn(env.rnats(&["reply", &subject, "--echo", "--count", "1"]));
    service.wait_stderr("Listening on");

    let out = ok(env.rnats(&["req", &subject, "ping", "-H", "Trace:abc"]));
    assert!(out.contains("Trace: abc"), "{out}");
    assert!(out.contains("ping"), "{out}");

    assert!(service.wait_exit(common::WAIT).success());
    let seen = service.stdout_lines();
    assert!(
        seen.iter()
            .any(|line| line.starts_with(&format!("[#1] Received on {subject:?} with reply"))),
        "{seen:#?}"
    );
}

#[test]
fn fixed_body_is_templated_per_request() {
    let env = Env::start();
    let subject = unique("fixed");
    let mut service = Background::spawn(env.rnats(&[
        "reply",
        &subject,
        "answer {{Count}} to {{Request}}",
        "--count",
        "2",
    ]));
    service.wait_stderr("Listening on");
    assert_eq!(
        ok(env.rnats(&["req", &subject, "one", "--raw"])),
        "answer 1 to one\n"
    );
    assert_eq!(
        ok(env.rnats(&["req", &subject, "two", "--raw"])),
        "answer 2 to two\n"
    );
    assert!(service.wait_exit(common::WAIT).success());
}

#[test]
fn command_output_becomes_the_reply() {
    let env = Env::start();
    let subject = unique("cmd");
    let mut service = Background::spawn(env.rnats(&[
        "reply",
        &subject,
        "--command",
        "tr a-z A-Z",
        "--count",
        "1",
    ]));
    service.wait_stderr("Listening on");
    assert_eq!(
        ok(env.rnats(&["req", &subject, "quiet", "--raw"])),
        "QUIET\n"
    );
    assert!(service.wait_exit(common::WAIT).success());
}

#[test]
fn request_without_responders_fails_with_one_line() {
    let env = Env::start();
    let output = run(env.rnats(&["req", &unique("nobody"), "hello"]));
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    let last = err.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        "nats: error: nats: no responders available for request"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn slow_reply_times_out_with_the_given_duration() {
    let env = Env::start();
    let subject = unique("slow");
    let mut service =
        Background::spawn(env.rnats(&["reply", &subject, "late", "--sleep", "3s", "--count", "1"]));
    service.wait_stderr("Listening on");
    let output = run(env.rnats(&["--timeout", "500ms", "req", &subject, "hi"]));
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert_eq!(
        err.lines().last(),
        Some("nats: error: timeout after 500ms"),
        "{err}"
    );
}

#[test]
fn rtt_reports_a_duration() {
    let env = Env::start();
    let out = ok(env.rnats(&["rtt", "--iterations", "2"]));
    assert!(out.contains(&format!("{}:", env.url())), "{out}");
    assert!(out.contains("s\n") || out.ends_with('s'), "{out}");
}
