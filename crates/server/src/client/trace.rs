//! Protocol trace lines (`-V`), in the original's words: `<<- [PUB a 5]` and
//! `<<- MSG_PAYLOAD: ["hello"]` for what a client sent, `->> [MSG a 1 5]` for what it was sent,
//! `<-> [DELSUB 1]` for a subscription removed. Only built when tracing is on.

use std::fmt::Write;

use rnats_proto::{quote, ClientOp};

/// The `[OP args]` line for an op a client sent, from its bytes as sent (`raw`, starting at
/// the op's name): the arguments as written, spacing kept; `None` for ops the original does
/// not trace (`INFO`, `+OK`, `-ERR` from a client).
pub fn inbound(op: &ClientOp<'_>, raw: &[u8]) -> Option<String> {
    let name = match op {
        ClientOp::Connect(json) => {
            return Some(format!(
                "[CONNECT {}]",
                redact_connect(&String::from_utf8_lossy(json))
            ));
        }
        ClientOp::Pub(_) if raw[0] | 0x20 == b'h' => "HPUB",
        ClientOp::Pub(_) => "PUB",
        ClientOp::Sub { .. } => "SUB",
        ClientOp::Unsub { .. } => "UNSUB",
        ClientOp::Ping => return Some("[PING]".into()),
        ClientOp::Pong => return Some("[PONG]".into()),
        ClientOp::Info(_) | ClientOp::Ok | ClientOp::Err(_) => return None,
    };
    // rnats-proto's error diagnosis reads arguments the same way; exporting its helper for
    // this moved the publish path's code generation (10 more instructions a message,
    // counted with scripts/instr-count), so these three lines stay here.
    let line = raw.split(|&b| b == b'\n').next().unwrap_or(raw);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let args = line.get(name.len()..).unwrap_or_default();
    let args = args.trim_ascii_start();
    Some(format!("[{name} {}]", String::from_utf8_lossy(args)))
}

/// `MSG_PAYLOAD: ["…"]` for a message's payload (headers included); `None` when it is empty.
pub fn payload(bytes: &[u8]) -> Option<String> {
    (!bytes.is_empty()).then(|| format!("MSG_PAYLOAD: [{}]", quote(bytes)))
}

/// The `[MSG …]` or `[HMSG …]` line of a delivery.
pub fn outbound_msg(
    subject: &[u8],
    sid: &[u8],
    reply: Option<&[u8]>,
    header_len: Option<usize>,
    len: usize,
) -> String {
    let mut line = String::from(if header_len.is_some() {
        "[HMSG "
    } else {
        "[MSG "
    });
    for part in [Some(subject), Some(sid), reply].into_iter().flatten() {
        line.push_str(&String::from_utf8_lossy(part));
        line.push(' ');
    }
    if let Some(h) = header_len {
        let _ = write!(line, "{h} ");
    }
    let _ = write!(line, "{len}]");
    line
}

/// What a client's log lines name it by after its first CONNECT, as in the original:
/// `"<what>"`, `"<account>/<user>"` or both, each quoted; `<what>` is `v<version>`, `<lang>`
/// and `<name>`, those given, joined by `:`. `None` when there is nothing to say.
pub fn connection_tag(
    version: &str,
    lang: &str,
    name: &str,
    auth: Option<String>,
) -> Option<String> {
    let version = (!version.is_empty()).then(|| format!("v{version}"));
    let parts: Vec<&str> = [version.as_deref(), Some(lang), Some(name)]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect();
    let what = (!parts.is_empty()).then(|| quote(parts.join(":").as_bytes()));
    let auth = auth.map(|a| quote(a.as_bytes()));
    match (what, auth) {
        (Some(what), Some(auth)) => Some(format!("{what} - {auth}")),
        (what, auth) => what.or(auth),
    }
}

/// CONNECT's JSON with the values of its secrets (`pass`, `password`, `auth_token`, `sig`)
/// replaced by `[REDACTED]`, as the original traces it; everything else as sent.
pub fn redact_connect(json: &str) -> String {
    const SECRETS: [&str; 4] = ["pass", "password", "auth_token", "sig"];
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    // The last string read, while it may still turn out to be a key.
    let mut key: Option<&str> = None;
    while let Some(open) = rest.find('"') {
        let (before, from) = rest.split_at(open);
        out.push_str(before);
        let after_colon = key.is_some() && before.trim() == ":";
        if !before.trim().is_empty() && !after_colon {
            key = None;
        }
        let len = string_len(from);
        let string = &from[..len];
        if after_colon && key.is_some_and(|k| SECRETS.contains(&k)) {
            out.push_str("\"[REDACTED]\"");
            key = None;
        } else {
            out.push_str(string);
            key = (!after_colon).then(|| string.trim_matches('"'));
        }
        rest = &from[len..];
    }
    out.push_str(rest);
    out
}

/// The length of the JSON string at the start of `s` (which starts with `"`), quotes
/// included; the rest of `s` if it never ends.
fn string_len(s: &str) -> usize {
    let mut escaped = false;
    for (i, b) in s.bytes().enumerate().skip(1) {
        match b {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'"' => return i + 1,
            _ => {}
        }
    }
    s.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnats_proto::{Limits, Parser};

    fn traced(input: &[u8]) -> Option<String> {
        let mut parser = Parser::new(Limits::default());
        parser.set_headers(true);
        let (op, len) = parser.parse(input).unwrap().unwrap();
        inbound(&op, &input[..len])
    }

    #[test]
    fn ops_are_traced_with_their_arguments_as_sent() {
        assert_eq!(traced(b"PUB a 5\r\nhello\r\n").unwrap(), "[PUB a 5]");
        assert_eq!(traced(b"pub  a\t  3\r\nabc\r\n").unwrap(), "[PUB a\t  3]");
        assert_eq!(traced(b"PUB a r.x 0\n\r\n").unwrap(), "[PUB a r.x 0]");
        assert_eq!(
            traced(b"HPUB a 12 14\r\nNATS/1.0\r\n\r\nhi\r\n").unwrap(),
            "[HPUB a 12 14]"
        );
        assert_eq!(traced(b"SUB x  q\t 9\r\n").unwrap(), "[SUB x  q\t 9]");
        assert_eq!(traced(b"UNSUB 9 5\r\n").unwrap(), "[UNSUB 9 5]");
        assert_eq!(traced(b"PING\r\n").unwrap(), "[PING]");
        assert_eq!(traced(b"pong\r\n").unwrap(), "[PONG]");
        assert_eq!(traced(b"+OK\r\n"), None);
        assert_eq!(
            traced(b"CONNECT {\"verbose\":false,\"pass\":\"s\"}\r\n").unwrap(),
            "[CONNECT {\"verbose\":false,\"pass\":\"[REDACTED]\"}]"
        );
    }

    #[test]
    fn payloads_are_traced_quoted() {
        assert_eq!(payload(b""), None);
        assert_eq!(payload(b"hello").unwrap(), "MSG_PAYLOAD: [\"hello\"]");
    }

    #[test]
    fn connect_secrets_are_redacted_and_nothing_else() {
        let json = r#"{ "verbose" : false, "pass" : "a\"b", "sig":"abc","jwt":"xyz","token":"t","password":"pw", "auth_token":"k", "name":"pass"}"#;
        assert_eq!(
            redact_connect(json),
            r#"{ "verbose" : false, "pass" : "[REDACTED]", "sig":"[REDACTED]","jwt":"xyz","token":"t","password":"[REDACTED]", "auth_token":"[REDACTED]", "name":"pass"}"#
        );
        // A key named like a secret in a value position, or a string value, is left alone.
        assert_eq!(
            redact_connect(r#"{"name":"sig","x":["pass","y"]}"#),
            r#"{"name":"sig","x":["pass","y"]}"#
        );
        // Not JSON at all: kept as sent.
        assert_eq!(
            redact_connect(r#"{"pass":"unterminated"#),
            r#"{"pass":"[REDACTED]""#
        );
    }

    #[test]
    fn connections_are_tagged_as_the_original_tags_them() {
        // What the original printed for these CONNECTs.
        let tag = |v: &str, l: &str, n: &str, a: Option<&str>| {
            connection_tag(v, l, n, a.map(String::from))
        };
        assert_eq!(tag("", "", "", None), None);
        assert_eq!(tag("1.2", "go", "nm", None).unwrap(), r#""v1.2:go:nm""#);
        assert_eq!(tag("", "go", "", None).unwrap(), r#""go""#);
        assert_eq!(tag("1.2", "", "nm", None).unwrap(), r#""v1.2:nm""#);
        assert_eq!(
            tag("", "", "nm", Some("$G/user:x")).unwrap(),
            r#""nm" - "$G/user:x""#
        );
        assert_eq!(tag("", "", "", Some("$G/token")).unwrap(), r#""$G/token""#);
        assert_eq!(
            tag("", "", "n\u{a0}x\u{200b}é", None).unwrap(),
            r#""n\u00a0x\u200bé""#
        );
    }

    #[test]
    fn deliveries_are_traced_as_msg_or_hmsg() {
        assert_eq!(outbound_msg(b"a", b"1", None, None, 5), "[MSG a 1 5]");
        assert_eq!(
            outbound_msg(b"a", b"1", Some(b"r.x"), None, 7),
            "[MSG a 1 r.x 7]"
        );
        assert_eq!(
            outbound_msg(b"a", b"1", None, Some(12), 14),
            "[HMSG a 1 12 14]"
        );
    }
}
