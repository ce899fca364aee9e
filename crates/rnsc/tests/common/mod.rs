//! Runs the rnsc binary in a private home: HOME, XDG dirs, NSC_HOME and NKEYS_PATH all point
//! into one temp directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Nsc {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl Nsc {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn keys(&self) -> PathBuf {
        self.path().join("keys")
    }

    pub fn stores(&self) -> PathBuf {
        self.path().join("data/nats/nsc/stores")
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out: Output = Command::new(env!("CARGO_BIN_EXE_rnsc"))
            .args(args)
            .env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join("config"))
            .env("XDG_DATA_HOME", self.path().join("data"))
            .env("NSC_HOME", self.path().join("nsc"))
            .env("NKEYS_PATH", self.keys())
            .env_remove("NSC_CWD_ONLY")
            .env_remove("NSC_NO_GIT_IGNORE")
            .output()
            .expect("run rnsc");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The `sub` of an account's JWT.
    pub fn account_key(&self, name: &str) -> String {
        let json = self
            .run(&["describe", "account", "-n", name, "--json"])
            .ok();
        let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
        v["sub"].as_str().expect("sub").to_string()
    }

    /// Every file under the temp home with its contents, for "nothing changed" checks.
    pub fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        let mut dirs = vec![self.path().to_path_buf()];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else {
                    files.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
                }
            }
        }
        files.sort();
        files
    }

    /// Operator O with a system account; accounts A, B, C with users ua, ub, uc; A exports
    /// `a.b.c.>` (public) and `private.abc.*` (private); B imports the first as `abc.a.b.c.>`
    /// and the second with an activation for `private.abc.<B>`.
    pub fn walkthrough(&self) -> (String, String, String) {
        self.run(&["add", "operator", "-n", "O", "--sys"]).ok();
        for (acct, user) in [("A", "ua"), ("B", "ub"), ("C", "uc")] {
            self.run(&["add", "account", "-n", acct]).ok();
            self.run(&["add", "user", "-a", acct, "-n", user]).ok();
        }
        let (a, b, c) = (
            self.account_key("A"),
            self.account_key("B"),
            self.account_key("C"),
        );
        self.run(&["add", "export", "-a", "A", "-s", "a.b.c.>"])
            .ok();
        self.run(&[
            "add",
            "import",
            "-a",
            "B",
            "--src-account",
            &a,
            "--remote-subject",
            "a.b.c.>",
            "--local-subject",
            "abc.a.b.c.>",
        ])
        .ok();
        self.run(&[
            "add",
            "export",
            "-a",
            "A",
            "-s",
            "private.abc.*",
            "--private",
        ])
        .ok();
        let act = self.path().join("b.activation.jwt");
        self.run(&[
            "generate",
            "activation",
            "-a",
            "A",
            "--target-account",
            &b,
            "-s",
            &format!("private.abc.{b}"),
            "-o",
            act.to_str().unwrap(),
        ])
        .ok();
        self.run(&[
            "add",
            "import",
            "-a",
            "B",
            "--src-account",
            &a,
            "--token",
            act.to_str().unwrap(),
        ])
        .ok();
        (a, b, c)
    }
}
