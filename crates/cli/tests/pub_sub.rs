//! `rnats pub` and `rnats sub` against a real server.

mod common;

use common::{ok, unique, Background, Env};

#[test]
fn published_headers_and_templates_arrive_at_subscriber() {
    let env = Env::start();
    let subject = unique("pubsub");
    let mut sub = Background::spawn(env.rnats(&["sub", &subject, "--count", "3"]));
    sub.wait_stderr("Subscribing on");

    ok(env.rnats(&[
        "pub",
        &subject,
        "n={{Count}} id={{ID}} ts={{TimeStamp}}",
        "-H",
        "X-Seq:{{Count}}",
        "-H",
        "X-Fixed: yes",
        "--count",
        "3",
    ]));

    sub.wait_exit(common::WAIT);
    let out = sub.stdout_lines();
    for n in 1..=3 {
        let header = format!("[#{n}] Received on {subject:?}");
        let at = out
            .iter()
            .position(|line| *line == header)
            .unwrap_or_else(|| panic!("missing {header:?} in {out:#?}"));
        let block = &out[at + 1..at + 5];
        assert!(block.contains(&format!("X-Seq: {n}")), "{block:#?}");
        assert!(block.contains(&"X-Fixed: yes".to_string()), "{block:#?}");
        let body = &block[3];
        assert!(body.starts_with(&format!("n={n} id=")), "{body}");
        assert!(body.contains(" ts=20"), "{body}");
    }
}

#[test]
fn raw_prints_only_bodies_and_body_comes_from_stdin() {
    let env = Env::start();
    let subject = unique("raw");
    let mut sub = Background::spawn(env.rnats(&["sub", &subject, "--count", "1", "--raw"]));
    sub.wait_stderr("Subscribing on");

    let mut publish = env.rnats(&["pub", &subject]);
    publish.stdin(std::process::Stdio::piped());
    publish.stdout(std::process::Stdio::piped());
    publish.stderr(std::process::Stdio::piped());
    let mut child = publish.spawn().expect("spawn pub");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"from stdin").unwrap();
    }
    assert!(child.wait_with_output().unwrap().status.success());

    sub.wait_exit(common::WAIT);
    assert_eq!(sub.stdout_lines(), vec!["from stdin".to_string()]);
}

#[test]
fn headers_only_hides_the_body() {
    let env = Env::start();
    let subject = unique("hdrs");
    let mut sub =
        Background::spawn(env.rnats(&["sub", &subject, "--count", "1", "--headers-only"]));
    sub.wait_stderr("Subscribing on");
    ok(env.rnats(&["pub", &subject, "secret body", "-H", "k:v"]));
    sub.wait_exit(common::WAIT);
    let out = sub.stdout_lines().join("\n");
    assert!(out.contains("k: v"), "{out}");
    assert!(!out.contains("secret body"), "{out}");
}

#[test]
fn translate_pipes_bodies_through_a_command() {
    let env = Env::start();
    let subject = unique("translate");
    let mut sub = Background::spawn(env.rnats(&[
        "sub",
        &subject,
        "--count",
        "1",
        "--raw",
        "--translate",
        "tr a-z A-Z",
    ]));
    sub.wait_stderr("Subscribing on");
    ok(env.rnats(&["pub", &subject, "shout"]));
    sub.wait_exit(common::WAIT);
    assert_eq!(sub.stdout_lines(), vec!["SHOUT".to_string()]);
}

#[test]
fn queue_subscribers_split_the_messages() {
    let env = Env::start();
    let subject = unique("queue");
    let mut first = Background::spawn(env.rnats(&["sub", &subject, "--queue", "workers", "--raw"]));
    let mut second =
        Background::spawn(env.rnats(&["sub", &subject, "--queue", "workers", "--raw"]));
    first.wait_stderr("Subscribing on");
    second.wait_stderr("Subscribing on");

    ok(env.rnats(&["pub", &subject, "m{{Count}}", "--count", "40"]));

    let deadline = std::time::Instant::now() + common::WAIT;
    while first.stdout_lines().len() + second.stdout_lines().len() < 40 {
        assert!(std::time::Instant::now() < deadline, "messages lost");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let (a, b) = (first.stdout_lines(), second.stdout_lines());
    assert_eq!(
        a.len() + b.len(),
        40,
        "each message goes to exactly one member"
    );
    assert!(
        !a.is_empty() && !b.is_empty(),
        "both members got work: {} / {}",
        a.len(),
        b.len()
    );
    let mut all: Vec<String> = a.into_iter().chain(b).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 40);
}

#[test]
fn sub_count_stops_after_that_many_messages() {
    let env = Env::start();
    let subject = unique("count");
    let mut sub = Background::spawn(env.rnats(&["sub", &subject, "--count", "2", "--raw"]));
    sub.wait_stderr("Subscribing on");
    ok(env.rnats(&["pub", &subject, "x{{Count}}", "--count", "5"]));
    assert!(sub.wait_exit(common::WAIT).success());
    assert_eq!(sub.stdout_lines(), vec!["x1".to_string(), "x2".to_string()]);
}
