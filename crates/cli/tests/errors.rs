//! Failures print one `nats: error: ...` line and exit 1, never a panic.

mod common;

use common::{run, stderr, Env};

fn assert_one_error_line(output: &std::process::Output, expected_start: &str) {
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let err = stderr(output);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line only: {err}");
    assert!(lines[0].starts_with(expected_start), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

#[test]
fn refused_connection_is_one_line() {
    let env = Env::start();
    // Port 1 on loopback: nothing listens there.
    let output = run(env.bare(&["-s", "nats://127.0.0.1:1", "pub", "x", "y"]));
    assert_one_error_line(
        &output,
        "nats: error: could not connect to nats://127.0.0.1:1",
    );
}

#[test]
fn wrong_credentials_are_one_authorization_violation_line() {
    let env = Env::start_with_config("authorization { user: bob, password: s3cret }");
    let url = env.url();
    let output = run(env.bare(&[
        "-s",
        &url,
        "--user",
        "bob",
        "--password",
        "wrong",
        "pub",
        "x",
        "y",
    ]));
    assert_one_error_line(&output, "nats: error: authorization violation");
    let output = run(env.bare(&["-s", &url, "pub", "x", "y"]));
    assert_one_error_line(&output, "nats: error: authorization violation");
    let ok = run(env.bare(&[
        "-s",
        &url,
        "--user",
        "bob",
        "--password",
        "s3cret",
        "pub",
        "x",
        "y",
    ]));
    assert!(ok.status.success(), "{ok:?}");
}

#[test]
fn malformed_url_is_one_line() {
    let env = Env::start();
    let output = run(env.bare(&["-s", "nats://bad host", "pub", "x", "y"]));
    assert_one_error_line(
        &output,
        "nats: error: invalid server URL \"nats://bad host\"",
    );
}

#[test]
fn bad_duration_is_one_line() {
    let env = Env::start();
    let output = run(env.rnats(&["--timeout", "soon", "pub", "x", "y"]));
    assert_one_error_line(&output, "nats: error: invalid value 'soon' for '--timeout");
}

#[test]
fn missing_argument_is_one_line() {
    let env = Env::start();
    let output = run(env.rnats(&["pub"]));
    assert_one_error_line(
        &output,
        "nats: error: the following required arguments were not provided",
    );
}

#[test]
fn bad_header_is_one_line() {
    let env = Env::start();
    let output = run(env.rnats(&["pub", "x", "y", "-H", "no-colon"]));
    assert_one_error_line(&output, "nats: error: invalid header \"no-colon\"");
}
