//! The syntax corpus: each `tests/corpus/NAME.conf` has either `NAME.json`,
//! the expected tree without spans, or `NAME.err`, the start of the
//! expected error after the file name (`line:col: message`).
//!
//! The JSON rendering: maps are objects, arrays arrays, strings strings,
//! integers and floats numbers (a float always has a fraction part, so
//! `1.0` and `1` differ), datetimes `{"datetime": "..."}`.
//!
//! Run with `RNATS_CONF_BLESS=1` to (re)write missing `.json` files from
//! the current output; review them before committing.

use std::path::{Path, PathBuf};

use rnats_conf::{Map, Value, ValueKind};
use serde_json::{json, Value as Json};

fn render_map(map: &Map) -> Json {
    let mut obj = serde_json::Map::new();
    for entry in map {
        obj.insert(entry.key.name.clone(), render(&entry.value));
    }
    Json::Object(obj)
}

fn render(value: &Value) -> Json {
    match &value.kind {
        ValueKind::Bool(b) => json!(b),
        ValueKind::Int(i) => json!(i),
        ValueKind::Float(x) => json!(x),
        ValueKind::Str(s) => json!(s),
        ValueKind::Datetime(d) => json!({ "datetime": d.to_string() }),
        ValueKind::Array(items) => Json::Array(items.iter().map(render).collect()),
        ValueKind::Map(m) => render_map(m),
    }
}

fn corpus_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "conf"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn corpus_files_give_the_expected_trees_and_errors() {
    let bless = std::env::var_os("RNATS_CONF_BLESS").is_some();
    let files = corpus_files();
    assert!(files.len() >= 10, "corpus missing");
    let mut problems = Vec::new();
    for conf in &files {
        let name = conf
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let json_path = conf.with_extension("json");
        let err_path = conf.with_extension("err");
        let result = rnats_conf::parse_file(conf);
        if let Ok(expected) = std::fs::read_to_string(&err_path) {
            let expected = expected.trim_end_matches('\n');
            match result {
                Ok(_) => problems.push(format!("{name}: parsed, expected error {expected:?}")),
                Err(e) => {
                    let text = e.to_string();
                    let prefix = format!("{}:", conf.display());
                    let rest = text.strip_prefix(&prefix).unwrap_or(&text);
                    if !rest.starts_with(expected) {
                        problems.push(format!("{name}: error {rest:?}, expected {expected:?}"));
                    }
                }
            }
            continue;
        }
        let tree = match result {
            Ok(t) => render_map(&t),
            Err(e) => {
                problems.push(format!("{name}: {e}"));
                continue;
            }
        };
        match std::fs::read_to_string(&json_path) {
            Ok(text) => match serde_json::from_str::<Json>(&text) {
                Ok(expected) if expected == tree => {}
                Ok(_) => problems.push(format!(
                    "{name}: tree differs:\n{}",
                    serde_json::to_string_pretty(&tree).unwrap_or_default()
                )),
                Err(e) => problems.push(format!("{name}: bad json: {e}")),
            },
            Err(_) if bless => {
                let text = serde_json::to_string_pretty(&tree).unwrap_or_default() + "\n";
                if let Err(e) = std::fs::write(&json_path, text) {
                    problems.push(format!("{name}: cannot write json: {e}"));
                }
            }
            Err(_) => problems.push(format!("{name}: no .json or .err beside it")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_corpus_tree_survives_print_and_parse() {
    for conf in corpus_files() {
        let Ok(tree) = rnats_conf::parse_file(&conf) else {
            continue;
        };
        let printed = rnats_conf::to_conf_string(&tree);
        let again = rnats_conf::parse_str(&printed, Path::new("printed.conf"));
        assert_eq!(
            again.as_ref().ok(),
            Some(&tree),
            "{}:\n{printed}\n{again:?}",
            conf.display()
        );
    }
}
