//! Go's `%q`: how the original quotes subjects, names and payloads in its errors and logs.

use std::fmt::Write;

/// The bytes as Go's `%q` shows them: in double quotes, `"` and `\` escaped, the usual
/// single-letter escapes, `\xNN` for control bytes and bytes that are not UTF-8, `\uNNNN` for
/// control and (non-ASCII) space and format characters; other text as it is. (Go asks
/// Unicode's tables which characters print; this treats every other character as printing.)
pub fn quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\x07' => out.push_str("\\a"),
                '\x08' => out.push_str("\\b"),
                '\x0c' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\x0b' => out.push_str("\\v"),
                c if c.is_ascii_control() => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c if !c.is_ascii() && (c.is_control() || c.is_whitespace() || is_format(c)) => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('"');
    out
}

/// The invisible formatting characters most often met (zero-width spaces and joiners,
/// direction marks, the byte-order mark).
fn is_format(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_quoted_as_go_quotes_them() {
        // What the original printed for these bytes.
        assert_eq!(quote(b"wo\"rld\n"), r#""wo\"rld\n""#);
        assert_eq!(quote(b"NATS/1.0\r\n\r\nhi"), r#""NATS/1.0\r\n\r\nhi""#);
        assert_eq!(quote(b"\x00\x01\xff"), r#""\x00\x01\xff""#);
        assert_eq!(
            quote("é\u{a0}\x07\x0b\x7f\\\t\u{200b}".as_bytes()),
            r#""é\u00a0\a\v\x7f\\\t\u200b""#
        );
    }

    #[test]
    fn strings_quote_as_their_bytes() {
        assert_eq!(quote("a\"b".as_bytes()), r#""a\"b""#);
    }
}
