//! The documented export/import walkthrough, run through the rnsc binary.

mod common;

use common::Nsc;

#[test]
fn walkthrough_builds_the_store_as_nsc_lays_it_out() {
    let nsc = Nsc::new();
    let (a, b, _) = nsc.walkthrough();
    let op = nsc.stores().join("O");
    assert!(op.join(".nsc").exists());
    assert!(op.join("O.jwt").exists());
    for (acct, user) in [("A", "ua"), ("B", "ub"), ("C", "uc"), ("SYS", "sys")] {
        assert!(op.join(format!("accounts/{acct}/{acct}.jwt")).exists());
        assert!(op
            .join(format!("accounts/{acct}/users/{user}.jwt"))
            .exists());
        assert!(nsc
            .keys()
            .join(format!("creds/O/{acct}/{user}.creds"))
            .exists());
    }
    let nk = nsc.keys().join(format!("keys/A/{}/{a}.nk", &a[1..3]));
    assert!(nk.exists(), "{}", nk.display());
    assert!(std::fs::read_to_string(nk).unwrap().starts_with("SA"));
    assert!(std::fs::read_to_string(nsc.keys().join(".gitignore"))
        .unwrap()
        .contains("**/*.nk"));

    // B's JWT holds both imports, the private one with its token.
    let json = nsc.run(&["describe", "account", "-n", "B", "--json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let imports = v["nats"]["imports"].as_array().unwrap();
    assert_eq!(imports.len(), 2);
    assert_eq!(imports[0]["subject"], "a.b.c.>");
    assert_eq!(imports[0]["local_subject"], "abc.a.b.c.>");
    assert_eq!(imports[0]["account"], a.as_str());
    assert_eq!(imports[1]["subject"], format!("private.abc.{b}"));
    assert!(imports[1]["token"].as_str().unwrap().starts_with("eyJ"));
}

#[test]
fn describe_account_draws_nsc_tables() {
    let nsc = Nsc::new();
    let (a, b, _) = nsc.walkthrough();
    let out = nsc.run(&["describe", "account", "-n", "A"]).ok().stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("+-") && lines[0].ends_with("-+"));
    assert!(lines[1].contains("Account Details"));
    let row = |label: &str, value: &str| {
        lines.iter().any(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            cells.len() >= 3 && cells[1] == label && cells[2] == value
        })
    };
    assert!(row("Name", "A"), "{out}");
    assert!(row("Account ID", &a), "{out}");
    assert!(row("Max Connections", "Unlimited"));
    assert!(row("Max Leaf Node Connections", "Unlimited"));
    assert!(row("Exports Allows Wildcards", "True"));
    assert!(row("Jetstream", "Disabled"));
    assert!(row("Imports", "None"));
    assert!(out.contains("| Name          | Type   | Subject       | Account Token Position | Public | Revocations | Tracking | Allow Trace |"), "{out}");
    assert!(out.contains("| a.b.c.>       | Stream | a.b.c.>       | -                      | Yes    | 0           | N/A      | N/A         |"));
    assert!(out.contains("| private.abc.* | Stream | private.abc.* | -                      | No     | 0           | N/A      | N/A         |"));

    let out = nsc.run(&["describe", "account", "-n", "B"]).ok().stdout;
    assert!(out.contains("Imports"));
    assert!(
        out.lines().any(|l| l.contains("| a.b.c.>")
            && l.contains("| abc.a.b.c.> |")
            && l.contains("| A ")
            && l.contains("| Yes ")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains(&format!("| private.abc.{b}")) && l.contains("| No ")),
        "{out}"
    );

    let out = nsc.run(&["describe", "operator"]).ok().stdout;
    assert!(out.contains("Operator Details"));
    assert!(out
        .lines()
        .any(|l| l.starts_with("| System Account") && l.contains("/ SYS")));
    assert!(out
        .lines()
        .any(|l| l.starts_with("| Require Signing Keys") && l.contains("false")));

    let out = nsc
        .run(&["describe", "user", "-a", "A", "-n", "ua"])
        .ok()
        .stdout;
    assert!(out
        .lines()
        .any(|l| l.starts_with("| Name") && l.contains("| ua")));
    assert!(out
        .lines()
        .any(|l| l.starts_with("| Issuer ID") && l.contains(&a)));
    assert!(out
        .lines()
        .any(|l| l.starts_with("| Max Subs") && l.contains("Unlimited")));

    // An activation file describes as an activation.
    let act = nsc.path().join("b.activation.jwt");
    let out = nsc
        .run(&["describe", "jwt", "-f", act.to_str().unwrap()])
        .ok()
        .stdout;
    assert!(out.contains("Activation"));
    assert!(out
        .lines()
        .any(|l| l.starts_with("| Import Subject") && l.contains(&format!("private.abc.{b}"))));
    assert!(out
        .lines()
        .any(|l| l.starts_with("| Import Type") && l.contains("Stream")));
}

#[test]
fn list_keys_and_accounts_show_every_entity() {
    let nsc = Nsc::new();
    let (a, _, _) = nsc.walkthrough();
    let out = nsc.run(&["list", "keys"]).ok().stdout;
    assert!(out.contains("| Entity | Key"));
    assert!(
        out.lines().any(|l| l.starts_with("|  A ")
            && l.contains(&a)
            && l.trim_end().ends_with("| *      |")),
        "{out}"
    );
    assert!(out.lines().any(|l| l.starts_with("|   ua ")));
    let out = nsc.run(&["list", "accounts"]).ok().stdout;
    for n in ["A", "B", "C", "SYS"] {
        assert!(
            out.lines().any(|l| l.starts_with(&format!("| {n} "))),
            "{out}"
        );
    }
}

#[test]
fn mem_resolver_config_preloads_every_account_sorted_by_key() {
    let nsc = Nsc::new();
    let (a, b, c) = nsc.walkthrough();
    let out = nsc
        .run(&["generate", "config", "--mem-resolver"])
        .ok()
        .stdout;
    assert!(out.starts_with("// Operator \"O\"\noperator: eyJ"), "{out}");
    assert!(out.contains("\nresolver: MEMORY\n\nresolver_preload: {\n"));
    let sys = out
        .lines()
        .find_map(|l| l.strip_prefix("system_account: "))
        .expect("system_account line");
    assert!(sys.starts_with('A'));
    let mut keys: Vec<&str> = out
        .lines()
        .filter_map(|l| l.trim().split_once(": eyJ").map(|(k, _)| k))
        .filter(|k| k.starts_with('A'))
        .collect();
    assert_eq!(keys.len(), 4);
    assert!(keys.windows(2).all(|w| w[0] < w[1]));
    keys.sort();
    for k in [a.as_str(), b.as_str(), c.as_str(), sys] {
        assert!(keys.contains(&k));
    }
    assert!(out.contains("  // Account \"B\"\n"));
    assert!(out.ends_with("}\n"));

    let nats = nsc
        .run(&["generate", "config", "--nats-resolver"])
        .ok()
        .stdout;
    assert!(nats.contains("# Operator named O\noperator: eyJ"));
    assert!(nats.contains("    type: full\n"));
    assert!(nats.contains(&format!("resolver_preload: {{\n\t{sys}: eyJ")));
}

#[test]
fn creds_generated_match_the_stored_ones() {
    let nsc = Nsc::new();
    nsc.walkthrough();
    let out = nsc
        .run(&["generate", "creds", "-a", "A", "-n", "ua"])
        .ok()
        .stdout;
    let stored = std::fs::read_to_string(nsc.keys().join("creds/O/A/ua.creds")).unwrap();
    assert_eq!(out, stored);
    assert!(out.starts_with("-----BEGIN NATS USER JWT-----\neyJ"));
    assert!(out.contains("-----BEGIN USER NKEY SEED-----\nSU"));
}

#[test]
fn edits_resign_and_show_up_in_describe() {
    let nsc = Nsc::new();
    nsc.walkthrough();
    nsc.run(&[
        "edit",
        "account",
        "-n",
        "A",
        "--conns",
        "10",
        "--payload",
        "1000000",
        "--sk",
        "generate",
    ])
    .ok();
    let out = nsc.run(&["describe", "account", "-n", "A"]).ok().stdout;
    assert!(out
        .lines()
        .any(|l| l.starts_with("| Max Connections") && l.contains("| 10 ")));
    assert!(out.contains("1.0 MB (1000000 bytes)"));
    assert!(out.lines().any(|l| l.starts_with("| Signing Keys")));
    nsc.run(&[
        "edit",
        "user",
        "-a",
        "A",
        "-n",
        "ua",
        "--allow-pub",
        "a.>",
        "--deny-sub",
        "secret.>",
    ])
    .ok();
    let out = nsc
        .run(&["describe", "user", "-a", "A", "-n", "ua"])
        .ok()
        .stdout;
    assert!(out
        .lines()
        .any(|l| l.starts_with("| Pub Allow") && l.contains("a.>")));
    assert!(out
        .lines()
        .any(|l| l.starts_with("| Sub Deny") && l.contains("secret.>")));
    nsc.run(&[
        "edit",
        "operator",
        "--service-url",
        "nats://127.0.0.1:4222",
        "--sk",
        "generate",
    ])
    .ok();
    let out = nsc.run(&["describe", "operator"]).ok().stdout;
    assert!(out
        .lines()
        .any(|l| l.starts_with("| Operator Service URLs") && l.contains("nats://127.0.0.1:4222")));
    assert!(out
        .lines()
        .any(|l| l.starts_with("| Signing Keys") && l.contains("| O")));
}

#[test]
fn revocations_and_deletes() {
    let nsc = Nsc::new();
    nsc.walkthrough();
    nsc.run(&["revocations", "add-user", "-a", "A", "-n", "ua"])
        .ok();
    let out = nsc
        .run(&["revocations", "list-users", "-a", "A"])
        .ok()
        .stdout;
    assert!(out.contains("Revoked Users for A"));
    assert!(out.contains("| Public Key"));
    assert_eq!(out.lines().filter(|l| l.starts_with("| U")).count(), 1);
    nsc.run(&["delete", "import", "-a", "B", "-s", "abc.a.b.c.>"])
        .ok();
    nsc.run(&["delete", "export", "-a", "A", "-s", "a.b.c.>"])
        .ok();
    nsc.run(&["delete", "user", "-a", "C", "-n", "uc"]).ok();
    nsc.run(&["delete", "account", "-n", "C"]).ok();
    assert!(!nsc.stores().join("O/accounts/C").exists());
    let out = nsc.run(&["list", "accounts"]).ok().stdout;
    assert!(!out.lines().any(|l| l.starts_with("| C ")));
}

#[test]
fn init_creates_operator_system_account_and_a_first_user() {
    let nsc = Nsc::new();
    let r = nsc.run(&["init", "-n", "demo"]).ok();
    assert!(r.stderr.contains("all jobs succeeded"));
    let out = nsc.run(&["list", "accounts"]).ok().stdout;
    assert!(out.lines().any(|l| l.starts_with("| demo ")));
    assert!(out.lines().any(|l| l.starts_with("| SYS ")));
    assert!(nsc.keys().join("creds/demo/demo/demo.creds").exists());
    assert!(nsc.keys().join("creds/demo/SYS/sys.creds").exists());
    let env = nsc.run(&["env"]).ok().stdout;
    assert!(env.contains("NSC Environment"));
    assert!(env
        .lines()
        .any(|l| l.starts_with("| Current Operator") && l.contains("demo")));
}

/// Each mistake: exit 1, one line on stderr, nothing on disk changed.
#[test]
fn user_mistakes_fail_with_one_line_and_change_nothing() {
    let nsc = Nsc::new();
    let missing = nsc.run(&["add", "account", "-n", "X"]);
    assert_eq!(missing.code, 1);
    assert_eq!(missing.stderr.lines().count(), 1, "{}", missing.stderr);
    assert!(missing.stderr.contains("no operator"), "{}", missing.stderr);

    let (a, b, c) = nsc.walkthrough();
    let expired = nsc.path().join("expired.jwt");
    nsc.run(&[
        "generate",
        "activation",
        "-a",
        "A",
        "--target-account",
        &c,
        "-s",
        &format!("private.abc.{c}"),
        "--expiry",
        "2020-01-01",
        "-o",
        expired.to_str().unwrap(),
    ])
    .ok();
    let before = nsc.snapshot();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "add".into(),
                "user".into(),
                "-a".into(),
                "NOPE".into(),
                "-n".into(),
                "x".into(),
            ],
            "not found",
        ),
        (
            vec![
                "add".into(),
                "import".into(),
                "-a".into(),
                "B".into(),
                "--src-account".into(),
                "AXXXX".into(),
                "--remote-subject".into(),
                "a.b".into(),
            ],
            "not an account public key",
        ),
        (
            vec![
                "add".into(),
                "import".into(),
                "-a".into(),
                "B".into(),
                "--src-account".into(),
                a.clone(),
                "--remote-subject".into(),
                "x.y".into(),
            ],
            "not covered",
        ),
        (
            vec![
                "add".into(),
                "import".into(),
                "-a".into(),
                "A".into(),
                "--src-account".into(),
                a.clone(),
                "--remote-subject".into(),
                "a.b.c.d".into(),
            ],
            "export issuer is this account",
        ),
        (
            vec![
                "add".into(),
                "import".into(),
                "-a".into(),
                "C".into(),
                "--src-account".into(),
                a.clone(),
                "--remote-subject".into(),
                format!("private.abc.{c}"),
            ],
            "activation token is required",
        ),
        (
            vec![
                "add".into(),
                "import".into(),
                "-a".into(),
                "C".into(),
                "--token".into(),
                expired.to_str().unwrap().into(),
            ],
            "expired",
        ),
        (
            vec![
                "add".into(),
                "import".into(),
                "-a".into(),
                "C".into(),
                "--token".into(),
                nsc.path().join("b.activation.jwt").to_str().unwrap().into(),
            ],
            "is for account",
        ),
        (
            vec![
                "generate".into(),
                "activation".into(),
                "-a".into(),
                "A".into(),
                "--target-account".into(),
                b.clone(),
                "-s".into(),
                "nothing.here".into(),
            ],
            "not covered",
        ),
        (
            vec![
                "generate".into(),
                "activation".into(),
                "-a".into(),
                "A".into(),
                "--target-account".into(),
                "UBAD".into(),
                "-s".into(),
                "private.abc.x".into(),
            ],
            "not a valid account public key",
        ),
        (
            vec![
                "add".into(),
                "export".into(),
                "-a".into(),
                "A".into(),
                "-s".into(),
                "a.b.c.d".into(),
            ],
            "already exports",
        ),
        (
            vec!["add".into(), "account".into(), "-n".into(), "A".into()],
            "already exists",
        ),
        (
            vec![
                "edit".into(),
                "account".into(),
                "-n".into(),
                "A".into(),
                "--sk".into(),
                "UNOTAKEY".into(),
            ],
            "not a valid account public key",
        ),
        (
            vec![
                "describe".into(),
                "user".into(),
                "-a".into(),
                "A".into(),
                "-n".into(),
                "ghost".into(),
            ],
            "not found",
        ),
        (
            vec![
                "delete".into(),
                "export".into(),
                "-a".into(),
                "A".into(),
                "-s".into(),
                "no.such".into(),
            ],
            "no export",
        ),
    ];
    for (args, reason) in cases {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = nsc.run(&argv);
        assert_eq!(r.code, 1, "{argv:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{argv:?}: {}", r.stderr);
        assert!(r.stderr.contains(reason), "{argv:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{argv:?}: {}", r.stdout);
        assert!(nsc.snapshot() == before, "{argv:?} changed files");
    }
}

#[test]
fn every_command_has_help() {
    let nsc = Nsc::new();
    for cmd in [
        vec!["--help"],
        vec!["init", "--help"],
        vec!["add", "export", "--help"],
        vec!["add", "import", "--help"],
        vec!["edit", "account", "--help"],
        vec!["describe", "--help"],
        vec!["generate", "config", "--help"],
        vec!["push", "--help"],
        vec!["revocations", "add-user", "--help"],
        vec!["tool", "sub", "--help"],
    ] {
        let r = nsc.run(&cmd).ok();
        assert!(r.stdout.contains("Usage: rnsc"), "{cmd:?}: {}", r.stdout);
    }
}
