//! Every command answers --help with its usage and flags.

mod common;

use common::{ok, Env};

#[test]
fn every_command_has_help() {
    let env = Env::start();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &[],
            &[
                "pub", "sub", "req", "reply", "rtt", "context", "bench", "--server",
            ],
        ),
        (
            &["pub"],
            &[
                "--count",
                "--header",
                "--reply",
                "--force-stdin",
                "{{Count}}",
            ],
        ),
        (
            &["sub"],
            &[
                "--queue",
                "--count",
                "--headers-only",
                "--raw",
                "--translate",
            ],
        ),
        (&["req"], &["--header", "--raw", "--timeout"]),
        (&["reply"], &["--echo", "--command", "--queue", "--count"]),
        (&["rtt"], &["--iterations"]),
        (&["context"], &["add", "select", "ls", "rm", "show"]),
        (&["context", "add"], &["--description", "--select"]),
        (&["bench"], &["pub", "sub", "service"]),
        (
            &["bench", "pub"],
            &["--clients", "--msgs", "--size", "--no-progress", "--csv"],
        ),
        (
            &["bench", "sub"],
            &["--clients", "--msgs", "--idle-timeout"],
        ),
        (&["bench", "service"], &["request", "serve"]),
        (
            &["bench", "service", "request"],
            &["--clients", "--msgs", "--size"],
        ),
        (&["bench", "service", "serve"], &["--clients", "--msgs"]),
    ];
    for (command, expected) in cases {
        let mut args = command.to_vec();
        args.push("--help");
        let out = ok(env.bare(&args));
        assert!(out.contains("Usage: rnats"), "{command:?}: {out}");
        for flag in *expected {
            assert!(out.contains(flag), "{command:?} help lacks {flag}: {out}");
        }
    }
}
