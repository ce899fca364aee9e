//! `rnats context ...` in a private XDG_CONFIG_HOME.

mod common;

use common::{ok, run, stderr, unique, Background, Env};

#[test]
fn add_writes_the_original_json_fields_and_selects_the_first() {
    let env = Env::start();
    ok(env.bare(&[
        "context",
        "add",
        "dev",
        "--server",
        "nats://example.net:4222",
        "--user",
        "alice",
        "--password",
        "pw",
        "--description",
        "Dev box",
    ]));
    let dir = env.config.path().join("nats");
    let text = std::fs::read_to_string(dir.join("context/dev.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["url"], "nats://example.net:4222");
    assert_eq!(json["user"], "alice");
    assert_eq!(json["password"], "pw");
    assert_eq!(json["description"], "Dev box");
    for field in [
        "token",
        "creds",
        "nkey",
        "cert",
        "key",
        "ca",
        "inbox_prefix",
        "user_jwt",
    ] {
        assert_eq!(json[field], "", "field {field} present and empty");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("context.txt"))
            .unwrap()
            .trim(),
        "dev"
    );

    let shown = ok(env.bare(&["context", "show", "dev"]));
    assert!(shown.contains("nats://example.net:4222"), "{shown}");
    assert!(!shown.contains("pw\n"), "password must not print: {shown}");
}

#[test]
fn select_ls_and_rm_manage_the_selection() {
    let env = Env::start();
    ok(env.bare(&["context", "add", "one", "--server", "nats://a:1"]));
    ok(env.bare(&[
        "context",
        "add",
        "two",
        "--server",
        "nats://b:2",
        "--description",
        "second",
    ]));
    let listed = ok(env.bare(&["context", "ls"]));
    assert!(listed.contains("one*"), "{listed}");
    assert!(
        listed.contains("two") && listed.contains("second"),
        "{listed}"
    );

    ok(env.bare(&["context", "select", "two"]));
    assert!(ok(env.bare(&["context", "ls"])).contains("two*"));

    ok(env.bare(&["context", "rm", "two"]));
    let listed = ok(env.bare(&["context", "ls"]));
    assert!(!listed.contains("two"), "{listed}");
    assert!(!env.config.path().join("nats/context/two.json").exists());

    let output = run(env.bare(&["context", "select", "missing"]));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output).trim(),
        "nats: error: unknown context \"missing\""
    );
}

#[test]
fn selected_context_supplies_the_server_url() {
    let env = Env::start();
    ok(env.bare(&[
        "context",
        "add",
        "local",
        "--server",
        &env.url(),
        "--select",
    ]));
    let subject = unique("ctx");
    let mut sub = Background::spawn(env.bare(&["sub", &subject, "--count", "1", "--raw"]));
    sub.wait_stderr("Subscribing on");
    ok(env.bare(&["pub", &subject, "via context"]));
    sub.wait_exit(common::WAIT);
    assert_eq!(sub.stdout_lines(), vec!["via context".to_string()]);
}

#[test]
fn unknown_context_flag_is_an_error() {
    let env = Env::start();
    let output = run(env.bare(&["--context", "nope", "pub", "x", "y"]));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output).trim(),
        "nats: error: unknown context \"nope\""
    );
}
