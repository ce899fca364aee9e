//! The JSON nats-server hashes for the digest `-t` prints
//! (`configuration file x.conf is valid (sha256:...)`).
//!
//! The original encodes its parsed map with Go's `encoding/json`: object
//! keys sorted by bytes, no spaces, `<`, `>` and `&` escaped as `\u003c`...,
//! floats in Go's shortest form, datetimes as RFC 3339, a newline at the
//! end. Variables stay in, used or not (checked against the v2.15.1
//! binary). Hash this string with SHA-256 to get the same digest.

use std::fmt::Write;

use crate::value::{Map, Value, ValueKind};

/// The text the original feeds to SHA-256 for its config digest.
pub fn to_reference_json(map: &Map) -> String {
    let mut out = String::new();
    write_map(&mut out, map);
    out.push('\n');
    out
}

fn write_map(out: &mut String, map: &Map) {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.key.name.as_bytes().cmp(b.key.name.as_bytes()));
    out.push('{');
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, &entry.key.name);
        out.push(':');
        write_value(out, &entry.value);
    }
    out.push('}');
}

fn write_value(out: &mut String, value: &Value) {
    match &value.kind {
        ValueKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ValueKind::Int(i) => {
            let _ = write!(out, "{i}");
        }
        ValueKind::Float(x) => write_float(out, *x),
        ValueKind::Str(s) => write_string(out, s),
        ValueKind::Datetime(d) => {
            let _ = write!(out, "\"{d}\"");
        }
        ValueKind::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        ValueKind::Map(m) => write_map(out, m),
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's float encoding: plain decimal, or exponent form below 1e-6 and from
/// 1e21 up (`1e+21`, `1e-7`).
fn write_float(out: &mut String, x: f64) {
    let abs = x.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = format!("{x:e}");
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exp),
        };
        let digits = if sign == '+' && digits.len() < 2 {
            format!("0{digits}")
        } else {
            digits.to_string()
        };
        let _ = write!(out, "{mantissa}e{sign}{digits}");
    } else {
        let _ = write!(out, "{x}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_str;
    use std::path::Path;

    fn json(src: &str) -> String {
        to_reference_json(&parse_str(src, Path::new("t.conf")).expect("parses"))
    }

    #[test]
    fn keys_sorted_no_spaces_html_escaped() {
        assert_eq!(
            json("b: 1\na: \"<x&y>\"\nc: [1.5, true]\n"),
            "{\"a\":\"\\u003cx\\u0026y\\u003e\",\"b\":1,\"c\":[1.5,true]}\n"
        );
    }

    #[test]
    fn used_variables_stay_in() {
        assert_eq!(json("X: 1\ny: $X\n"), "{\"X\":1,\"y\":1}\n");
    }

    #[test]
    fn floats_follow_go() {
        let mut s = String::new();
        for x in [1.0, 0.5, 1e21, 1e-7, 1.5e-10, 123456789.0, 1e20] {
            write_float(&mut s, x);
            s.push(' ');
        }
        assert_eq!(
            s,
            "1 0.5 1e+21 1e-7 1.5e-10 123456789 100000000000000000000 "
        );
    }
}
