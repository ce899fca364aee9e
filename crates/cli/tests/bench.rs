//! Small `rnats bench` runs that count every message.

mod common;

use common::{ok, unique, Background, Env};

#[test]
fn bench_sub_receives_every_message_bench_pub_sends() {
    let env = Env::start();
    let subject = unique("bench");
    let csv = env.config.path().join("sub.csv");
    let mut sub = Background::spawn(env.rnats(&[
        "bench",
        "sub",
        &subject,
        "--msgs",
        "5000",
        "--clients",
        "2",
        "--no-progress",
        "--csv",
        csv.to_str().unwrap(),
    ]));
    sub.wait_stderr("Waiting for 5,000 messages");

    let out = ok(env.rnats(&[
        "bench",
        "pub",
        &subject,
        "--msgs",
        "5000",
        "--clients",
        "3",
        "--size",
        "64",
        "--no-progress",
    ]));
    assert!(out.contains("NATS Pub stats: "), "{out}");
    assert!(
        out.contains("(1,667 msgs)") && out.contains("(1,666 msgs)"),
        "{out}"
    );
    assert!(out.contains(" min ") && out.contains(" stddev "), "{out}");

    assert!(
        sub.wait_exit(common::WAIT).success(),
        "{:#?}",
        sub.stderr_lines()
    );
    let report = sub.stdout_lines().join("\n");
    assert!(report.contains("NATS Sub stats: "), "{report}");
    assert!(
        report.contains("Received 10,000 of 10,000 messages"),
        "{report}"
    );

    let rows = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = rows.lines().collect();
    assert!(lines[0].starts_with("#RunID, ClientID, MsgCount"), "{rows}");
    assert_eq!(lines.len(), 3, "{rows}");
    assert!(
        lines[1..]
            .iter()
            .all(|row| row.split(',').nth(2) == Some("5000")),
        "{rows}"
    );
}

#[test]
fn bench_sub_reports_a_shortfall() {
    let env = Env::start();
    let subject = unique("short");
    let mut sub = Background::spawn(env.rnats(&[
        "bench",
        "sub",
        &subject,
        "--msgs",
        "100",
        "--idle-timeout",
        "300ms",
        "--no-progress",
    ]));
    sub.wait_stderr("Waiting for 100 messages");
    ok(env.rnats(&["bench", "pub", &subject, "--msgs", "60", "--no-progress"]));
    let status = sub.wait_exit(common::WAIT);
    assert_eq!(status.code(), Some(1));
    assert!(sub
        .stdout_lines()
        .join("\n")
        .contains("Received 60 of 100 messages"));
    let err = sub.stderr_lines().join("\n");
    assert!(
        err.contains("nats: error: received fewer than 100 messages (client 0 got 60)"),
        "{err}"
    );
}

#[test]
fn bench_service_requests_are_all_served_with_latency() {
    let env = Env::start();
    let subject = unique("svc");
    let mut serve = Background::spawn(env.rnats(&[
        "bench",
        "service",
        "serve",
        &subject,
        "--msgs",
        "600",
        "--clients",
        "2",
        "--no-progress",
    ]));
    serve.wait_stderr("Serving 600 requests");

    let out = ok(env.rnats(&[
        "bench",
        "service",
        "request",
        &subject,
        "--msgs",
        "600",
        "--clients",
        "3",
        "--no-progress",
    ]));
    assert!(out.contains("NATS Request stats: "), "{out}");
    assert!(
        out.contains("latency: min ") && out.contains("p99 "),
        "{out}"
    );

    assert!(serve.wait_exit(common::WAIT).success());
    let report = serve.stdout_lines().join("\n");
    assert!(report.contains("NATS Serve stats: "), "{report}");
    let served: u64 = serve
        .stdout_lines()
        .iter()
        .filter(|line| line.starts_with(" ["))
        .filter_map(|line| {
            let count = line.rsplit_once('(')?.1.trim_end_matches(" msgs)");
            count.replace(',', "").parse::<u64>().ok()
        })
        .sum();
    assert_eq!(served, 600, "{report}");
}
