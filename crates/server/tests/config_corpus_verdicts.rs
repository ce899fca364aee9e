//! Differential test: for every `.conf` of the nats-server corpus, `rnats-server -t -c FILE`
//! (run from the file's own folder, as relative paths in the files expect) accepts or rejects
//! exactly when the reference nats-server 2.15.1 does.
//!
//! The reference is installed by `/work/shared/reference/install-nats-server.sh` (cached in
//! `~/.cache/nats-reference`) and its verdicts are computed here, not hard-coded. Skipped
//! when the corpus or the install script is absent.

use std::path::{Path, PathBuf};
use std::process::Command;

const CORPUS: &str = "/work/shared/corpus/nats-server";
const INSTALL: &str = "/work/shared/reference/install-nats-server.sh";
const BIN: &str = env!("CARGO_BIN_EXE_rnats-server");

/// Files (relative to the corpus) whose verdict rnats-server may not match, each with the
/// reason. Empty today: every verdict matches. A mismatch belongs here only when it comes
/// from a semantic check of a feature rnats-server does not have yet (e.g. parsing
/// certificates or JWTs rather than checking that the files exist).
const ALLOWED_MISMATCHES: &[(&str, &str)] = &[];

fn conf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            conf_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "conf") {
            out.push(path);
        }
    }
}

/// Exit status and combined output of `bin -t -c FILE`, run in the file's folder.
fn verdict(bin: &str, file: &Path) -> (bool, String) {
    let out = Command::new(bin)
        .current_dir(file.parent().unwrap())
        .arg("-t")
        .arg("-c")
        .arg(file.file_name().unwrap())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    (out.status.success(), text)
}

fn reference_binary() -> Option<String> {
    if !Path::new(INSTALL).exists() {
        return None;
    }
    let out = Command::new("bash")
        .arg(INSTALL)
        .output()
        .expect("run the reference install script");
    assert!(
        out.status.success(),
        "installing the reference nats-server failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Some(path)
}

#[test]
fn corpus_verdicts_match_the_reference_server() {
    let mut files = Vec::new();
    conf_files(Path::new(CORPUS), &mut files);
    if files.is_empty() {
        eprintln!("skipped: no corpus at {CORPUS}");
        return;
    }
    let Some(reference) = reference_binary() else {
        eprintln!("skipped: no reference install script at {INSTALL}");
        return;
    };
    files.sort();
    let (mut accepted, mut rejected, mut allowed) = (0, 0, 0);
    let mut mismatches = Vec::new();
    for file in &files {
        let name = file.strip_prefix(CORPUS).unwrap().display().to_string();
        let name = name.trim_start_matches('/').to_string();
        let (theirs, their_text) = verdict(&reference, file);
        let (ours, our_text) = verdict(BIN, file);
        if theirs {
            accepted += 1;
        } else {
            rejected += 1;
        }
        if !ours {
            // A rejection must say where: `file:line` or the original's parse error text.
            assert!(
                our_text.contains(".conf:") || our_text.contains("include"),
                "{name}: error without a location: {our_text}"
            );
        }
        if theirs != ours {
            if ALLOWED_MISMATCHES.iter().any(|(f, _)| *f == name) {
                allowed += 1;
            } else {
                mismatches.push(format!(
                    "{name}: reference {}, rnats {}\n  reference: {}\n  rnats: {}",
                    if theirs { "accepts" } else { "rejects" },
                    if ours { "accepts" } else { "rejects" },
                    their_text.trim(),
                    our_text.trim()
                ));
            }
        }
    }
    eprintln!(
        "{} files: reference accepts {accepted}, rejects {rejected}; {} allow-listed mismatches",
        files.len(),
        allowed
    );
    assert!(
        mismatches.is_empty(),
        "verdicts differ:\n{}",
        mismatches.join("\n")
    );
}
