//! Parse every `*.conf` of nats-server's own test suite (a read-only copy in
//! the shared corpus) and check none panics and nearly all parse. Skips when
//! the corpus is not there.

use std::path::{Path, PathBuf};

const CORPUS: &str = "../../../shared/corpus/nats-server";

/// Files nats-server v2.15.1 also refuses at the syntax level (checked with
/// `nats-server -t -c FILE` run in the file's directory), with a part of
/// the message both give. The other 44 files it refuses fail for semantic
/// reasons (unknown fields, missing certificates), which is not this
/// crate's business. Anything else failing to parse is a regression.
const EXPECTED_FAILURES: &[(&str, &str)] = &[
    (
        "server/configs/malformed_cluster_address.conf",
        ":3:21: Expected a map value terminator \",\" or a map terminator \"}\", but got 'f' instead.",
    ),
    (
        "server/configs/malformed_listen_address.conf",
        ":2:19: Expected a top-level value to end with a new line, comment or EOF, but got 'f' instead.",
    ),
    (
        "server/configs/reload/invalid.conf",
        ":2:7: Expected value but found new line",
    ),
    (
        "server/configs/reload/reload.conf",
        ":1:10: error parsing include file 'platform.conf', open ",
    ),
];

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

#[test]
fn every_reference_config_parses_without_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS);
    if !root.is_dir() {
        eprintln!("skipping: no corpus at {}", root.display());
        return;
    }
    let mut files = Vec::new();
    conf_files(&root, &mut files);
    files.sort();
    assert!(!files.is_empty(), "corpus has no .conf files");

    let mut unexpected = Vec::new();
    let mut failed = 0;
    for file in &files {
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        let result = std::panic::catch_unwind(|| rnats_conf::parse_file(file));
        match result {
            Err(_) => unexpected.push(format!("{rel}: PANIC")),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                failed += 1;
                eprintln!("{rel}: {e}");
                let text = e.to_string();
                if !EXPECTED_FAILURES
                    .iter()
                    .any(|(f, m)| *f == rel && text.contains(m))
                {
                    unexpected.push(format!("{rel}: {e}"));
                }
            }
        }
    }
    eprintln!(
        "{} files, {} parsed, {} refused",
        files.len(),
        files.len() - failed,
        failed
    );
    assert_eq!(
        failed,
        EXPECTED_FAILURES.len(),
        "an expected failure now parses"
    );
    assert!(
        unexpected.is_empty(),
        "unexpected results:\n{}",
        unexpected.join("\n")
    );
}

/// `tests/reference_digests.txt` holds, for each corpus file that
/// nats-server v2.15.1 accepts, the digest its `-t` printed. Ours must be
/// the same: that checks the whole tree (every value, type and number),
/// not just that parsing succeeded.
#[test]
fn digests_match_the_reference_server() {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS);
    if !root.is_dir() {
        eprintln!("skipping: no corpus at {}", root.display());
        return;
    }
    let list = include_str!("reference_digests.txt");
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for line in list.lines().filter(|l| !l.trim().is_empty()) {
        let Some((rel, expected)) = line.split_once(' ') else {
            continue;
        };
        let tree = match rnats_conf::parse_file(&root.join(rel)) {
            Ok(t) => t,
            Err(e) => {
                mismatches.push(format!("{rel}: {e}"));
                continue;
            }
        };
        let hash = Sha256::digest(rnats_conf::to_reference_json(&tree).as_bytes());
        let mut ours = String::from("sha256:");
        for byte in hash {
            let _ = write!(ours, "{byte:02x}");
        }
        checked += 1;
        if ours != expected {
            mismatches.push(format!("{rel}: {ours} != {expected}"));
        }
    }
    eprintln!("{checked} digests checked");
    assert!(
        mismatches.is_empty(),
        "digest mismatches:\n{}",
        mismatches.join("\n")
    );
}
