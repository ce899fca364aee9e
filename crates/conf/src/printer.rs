//! Printer: a tree back to conf text that parses to an equal tree.

use std::fmt::Write;

use crate::value::{Map, Value, ValueKind};

/// Print `map` as a config file: one `"key": value` per line, nested maps
/// and arrays indented by two spaces. Strings are always double-quoted (so
/// `"true"` stays a string and `"$X"` no reference); floats always have a
/// dot; keys are double-quoted, or single-quoted if they contain `"`.
///
/// Parsing the output gives a tree equal to `map` (see [`Value`]'s
/// equality), except for what the language cannot write: a key holding both
/// quote characters, and non-finite floats (printed as strings).
pub fn to_conf_string(map: &Map) -> String {
    let mut out = String::new();
    for entry in map {
        write_key(&mut out, &entry.key.name);
        out.push_str(": ");
        write_value(&mut out, &entry.value, 0);
        out.push('\n');
    }
    out
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn write_key(out: &mut String, key: &str) {
    if key.contains('"') && !key.contains('\'') {
        let _ = write!(out, "'{key}'");
    } else {
        let _ = write!(out, "\"{key}\"");
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_float(out: &mut String, x: f64) {
    if !x.is_finite() {
        write_string(out, &x.to_string());
        return;
    }
    // Rust's Display never uses an exponent and round-trips exactly.
    let text = x.to_string();
    out.push_str(&text);
    if !text.contains('.') {
        out.push_str(".0");
    }
}

fn write_value(out: &mut String, value: &Value, level: usize) {
    match &value.kind {
        ValueKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ValueKind::Int(i) => {
            let _ = write!(out, "{i}");
        }
        ValueKind::Float(x) => write_float(out, *x),
        ValueKind::Str(s) => write_string(out, s),
        ValueKind::Datetime(d) => {
            let _ = write!(out, "{d}");
        }
        ValueKind::Array(items) if items.is_empty() => out.push_str("[]"),
        ValueKind::Array(items) => {
            out.push_str("[\n");
            for item in items {
                indent(out, level + 1);
                write_value(out, item, level + 1);
                out.push('\n');
            }
            indent(out, level);
            out.push(']');
        }
        ValueKind::Map(map) if map.is_empty() => out.push_str("{}"),
        ValueKind::Map(map) => {
            out.push_str("{\n");
            for entry in map {
                indent(out, level + 1);
                write_key(out, &entry.key.name);
                out.push_str(": ");
                write_value(out, &entry.value, level + 1);
                out.push('\n');
            }
            indent(out, level);
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_str;
    use std::path::Path;

    fn round_trip(src: &str) {
        let tree = parse_str(src, Path::new("in.conf")).expect("input parses");
        let printed = to_conf_string(&tree);
        let again = parse_str(&printed, Path::new("out.conf"))
            .unwrap_or_else(|e| panic!("printed text does not parse: {e}\n{printed}"));
        assert_eq!(tree, again, "{printed}");
    }

    #[test]
    fn prints_every_kind_back_to_the_same_tree() {
        round_trip(
            "a: 1\nb: -2k\nc: 1.5\nd: \"x\\ty\"\ne: yes\nf: 2024-01-02T15:04:05Z\n\
             g: [1, \"two\", [3 ], {x: 4}]\nh { i: { j: [] }, k: {} }\n'q\"k': 'v'\nl: 1e\n",
        );
    }

    #[test]
    fn strings_that_look_like_other_things_stay_strings() {
        round_trip("a: \"true\"\nb: \"$X\"\nc: \"10\"\nd: \"include x\"\ne: \"\"\nf: \"\\x01\"\n");
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use crate::parse_str;
    use crate::value::{Datetime, Key, Span};
    use proptest::prelude::*;
    use std::path::Path;
    use std::sync::Arc;

    fn span() -> Span {
        Span {
            file: Arc::from(Path::new("gen.conf")),
            line: 1,
            col: 1,
        }
    }

    fn scalar() -> impl Strategy<Value = ValueKind> {
        prop_oneof![
            any::<bool>().prop_map(ValueKind::Bool),
            any::<i64>().prop_map(ValueKind::Int),
            any::<f64>()
                .prop_filter("finite", |x| x.is_finite())
                .prop_map(ValueKind::Float),
            any::<String>().prop_map(ValueKind::Str),
            (1000u16..9999, 1u8..=12, 1u8..=28, 0u8..24, 0u8..60, 0u8..60).prop_map(
                |(year, month, day, hour, minute, second)| ValueKind::Datetime(Datetime {
                    year,
                    month,
                    day,
                    hour,
                    minute,
                    second
                })
            ),
        ]
    }

    fn key_name() -> impl Strategy<Value = String> {
        prop_oneof!["[a-zA-Z_][a-zA-Z0-9_.-]{0,10}", "[^\"]{0,8}", "[^']{0,8}",]
    }

    fn map_of(values: impl Strategy<Value = Value>) -> impl Strategy<Value = Map> {
        prop::collection::vec((key_name(), values), 0..6).prop_map(|pairs| {
            let mut map = Map::new();
            for (name, value) in pairs {
                let key = Key {
                    name,
                    span: span(),
                    quoted: true,
                };
                map.insert(key, value);
            }
            map
        })
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = scalar().prop_map(|k| Value::new(k, span()));
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6)
                    .prop_map(|a| Value::new(ValueKind::Array(a), span())),
                map_of(inner).prop_map(|m| Value::new(ValueKind::Map(m), span())),
            ]
        })
    }

    proptest! {
        #[test]
        fn printing_then_parsing_gives_the_same_tree(map in map_of(value())) {
            let printed = to_conf_string(&map);
            let parsed = parse_str(&printed, Path::new("gen.conf"));
            prop_assert!(parsed.is_ok(), "{:?}\n{}", parsed.err(), printed);
            prop_assert_eq!(parsed.ok(), Some(map), "{}", printed);
        }

        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            let _ = parse_str(&text, Path::new("fuzz.conf"));
        }

        #[test]
        fn conf_like_text_never_panics(text in "[a-z0-9 :=,;{}\\[\\]()\"'$#/\\\\\n.\\-kKmMbB]{0,64}") {
            let _ = parse_str(&text, Path::new("fuzz.conf"));
        }
    }
}
