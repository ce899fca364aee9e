//! What the original logs, at error level, when a client breaks the protocol: its parser's
//! words, down to the number of the state it was in and the position of the byte it stopped
//! at, so that tools and people reading the logs of one server can read the other's.

use crate::{quote, ProtoError};

/// The op names a client may send, with the state the original's parser is in after each of
/// their letters. `HMSG` is not a client's op, but its letters are read before it is refused.
const NAME_STATES: &[(&[u8], &[u8])] = &[
    (b"PUB", &[29, 30, 31]),
    (b"HPUB", &[18, 19, 20, 21]),
    (b"HMSG", &[18, 24, 25, 26]),
    (b"SUB", &[43, 44, 45]),
    (b"UNSUB", &[59, 60, 61, 62, 63]),
    (b"PING", &[29, 34, 35, 36]),
    (b"PONG", &[29, 37, 38, 39]),
    (b"CONNECT", &[10, 11, 12, 13, 14, 15, 16]),
    (b"INFO", &[71, 72, 73, 74]),
    (b"+OK", &[1, 2, 3]),
    (b"-ERR", &[4, 5, 6, 7]),
];

/// Waiting for the `\r`, then the `\n`, after a payload.
const PAYLOAD_END_CR: u8 = 41;
const PAYLOAD_END_LF: u8 = 42;

/// How many bytes of the input a parser error shows.
const SNIPPET: usize = 32;

impl ProtoError {
    /// The line the original logs for this error. `rest` is the read buffer from the start
    /// of the op the error was met in, and `at` is where that op starts in the buffer.
    pub fn log_text(&self, rest: &[u8], at: usize) -> String {
        match self {
            Self::UnknownOp => {
                let (state, offset) = name_state(rest);
                parser_error(state, rest, offset, at)
            }
            Self::MissingPayloadTerminator => match payload_end(rest) {
                Some(end) if rest.get(end) == Some(&b'\r') => {
                    parser_error(PAYLOAD_END_LF, rest, end + 1, at)
                }
                Some(end) => parser_error(PAYLOAD_END_CR, rest, end, at),
                None => self.to_string(),
            },
            Self::BadArgs { op } => bad_args(op, &arguments(rest, op.len())),
            Self::ControlLineTooLong { .. } => "maximum control line exceeded".into(),
            Self::PayloadTooLarge { size, max } => {
                format!("maximum payload exceeded: {size} vs {max}")
            }
            Self::HeadersNotNegotiated => "message headers not supported".into(),
            Self::BadJson { op } if arguments(rest, op.len()).is_empty() => {
                "unexpected end of JSON input".into()
            }
            Self::BadJson { .. } => self.to_string(),
        }
    }
}

/// The state the original's parser reaches reading the op name at the front of `rest`, and
/// the offset of the byte it refuses.
fn name_state(rest: &[u8]) -> (u8, usize) {
    let mut state = 0;
    for (k, &b) in rest.iter().enumerate() {
        let next = NAME_STATES.iter().find(|(name, _)| {
            name.len() > k
                && name[..k].eq_ignore_ascii_case(&rest[..k])
                && name[k].eq_ignore_ascii_case(&b)
        });
        match next {
            Some((_, states)) => state = states[k],
            None => return (state, k),
        }
    }
    (state, rest.len())
}

/// `Client parser ERROR, state=…, i=…: proto='"…"...'`: the state, the position in the read
/// buffer, and up to 32 bytes from there (the original's cut drops the buffer's last byte).
fn parser_error(state: u8, rest: &[u8], offset: usize, at: usize) -> String {
    let snippet = if offset >= rest.len() {
        &[][..]
    } else {
        let stop = offset + SNIPPET;
        let stop = if stop > rest.len() {
            rest.len() - 1
        } else {
            stop
        };
        &rest[offset..stop]
    };
    format!(
        "Client parser ERROR, state={state}, i={}: proto='{}...'",
        at + offset,
        quote(snippet)
    )
}

/// Where the payload of the `PUB`/`HPUB` at the front of `rest` ends (its size is the
/// control line's last field).
fn payload_end(rest: &[u8]) -> Option<usize> {
    let newline = memchr::memchr(b'\n', rest)?;
    let line = rest[..newline]
        .strip_suffix(b"\r")
        .unwrap_or(&rest[..newline]);
    let size = line
        .split(|b| b.is_ascii_whitespace())
        .rfind(|f| !f.is_empty())?;
    let size: usize = std::str::from_utf8(size).ok()?.parse().ok()?;
    Some(newline + 1 + size)
}

/// The control line's arguments as the original shows them: after the op name and the
/// blanks that follow it, without the line end.
fn arguments(rest: &[u8], name_len: usize) -> Vec<u8> {
    let line = rest.split(|&b| b == b'\n').next().unwrap_or(rest);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.get(name_len..)
        .unwrap_or_default()
        .trim_ascii_start()
        .to_vec()
}

/// The original's words for malformed arguments of `op`.
fn bad_args(op: &str, args: &[u8]) -> String {
    let fields: Vec<&[u8]> = args
        .split(|&b| b == b' ' || b == b'\t')
        .filter(|f| !f.is_empty())
        .collect();
    let is_size = |f: &[u8]| !f.is_empty() && f.len() <= 9 && f.iter().all(u8::is_ascii_digit);
    let size = |f: &[u8]| std::str::from_utf8(f).ok()?.parse::<usize>().ok();
    let what = match (op, fields.len()) {
        ("PUB", 2 | 3) => "processPub Bad or Missing Size",
        ("PUB", _) => "processPub Parse Error",
        ("HPUB", n @ (3 | 4)) => {
            let (header, total) = (fields[n - 2], fields[n - 1]);
            if !is_size(header) {
                "processHeaderPub Bad or Missing Header Size"
            } else if !is_size(total) {
                "processHeaderPub Bad or Missing Total Size"
            } else if size(header) > size(total) {
                "processHeaderPub Header Size larger then TotalSize"
            } else {
                "processHeaderPub Parse Error"
            }
        }
        ("HPUB", _) => "processHeaderPub Parse Error",
        ("SUB", _) => "processSub Parse Error",
        ("UNSUB", _) => "processUnsub Parse Error",
        _ => return format!("malformed arguments for {op}: {}", quote(args)),
    };
    format!("{what}: {}", quote(args))
}

#[cfg(test)]
mod tests {
    use crate::{Limits, Parser};

    /// What a server logs for `input` after a 42-byte CONNECT line, from the parser's error.
    fn logged(input: &[u8]) -> String {
        let connect = b"CONNECT {\"verbose\":false,\"headers\":true}\r\n";
        let mut buf = connect.to_vec();
        buf.extend_from_slice(input);
        let mut parser = Parser::new(Limits::default());
        parser.set_headers(true);
        let mut at = 0;
        loop {
            match parser.parse(&buf[at..]) {
                Ok(Some((_, used))) => at += used,
                Ok(None) => panic!("no error in {:?}", String::from_utf8_lossy(input)),
                Err(e) => return e.log_text(&buf[at..], at),
            }
        }
    }

    #[test]
    fn errors_are_logged_in_the_originals_words() {
        // What nats-server 2.15.1 logged for each of these, sent after the same CONNECT.
        let cases: &[(&[u8], &str)] = &[
            (
                b"bogus\r\n",
                r#"Client parser ERROR, state=0, i=42: proto='"bogus\r"...'"#,
            ),
            (
                b"  \r\n",
                r#"Client parser ERROR, state=0, i=42: proto='"  \r"...'"#,
            ),
            (
                b"MSG a 1 2\r\n",
                r#"Client parser ERROR, state=0, i=42: proto='"MSG a 1 2\r"...'"#,
            ),
            (
                b"PUX\r\n",
                r#"Client parser ERROR, state=30, i=44: proto='"X\r"...'"#,
            ),
            (
                b"PUB\r\n",
                r#"Client parser ERROR, state=31, i=45: proto='"\r"...'"#,
            ),
            (
                b"HPUB\r\n",
                r#"Client parser ERROR, state=21, i=46: proto='"\r"...'"#,
            ),
            (
                b"HMSG\r\n",
                r#"Client parser ERROR, state=26, i=46: proto='"\r"...'"#,
            ),
            (
                b"SUB\r\n",
                r#"Client parser ERROR, state=45, i=45: proto='"\r"...'"#,
            ),
            (
                b"UNSUB\r\n",
                r#"Client parser ERROR, state=63, i=47: proto='"\r"...'"#,
            ),
            (
                b"PUB\tx 1\r\nab\r\n",
                r#"Client parser ERROR, state=41, i=52: proto='"b\r"...'"#,
            ),
            (
                b"PUB a 2\r\nab\rx",
                r#"Client parser ERROR, state=42, i=54: proto='""...'"#,
            ),
            (b"PUB a b c 5\r\n", r#"processPub Parse Error: "a b c 5""#),
            (b"PUB a\r\n", r#"processPub Parse Error: "a""#),
            (b"PUB a -1\r\n", r#"processPub Bad or Missing Size: "a -1""#),
            (
                b"PUB a 99999999999\r\n",
                r#"processPub Bad or Missing Size: "a 99999999999""#,
            ),
            (
                b"HPUB a 10 5\r\n",
                r#"processHeaderPub Header Size larger then TotalSize: "a 10 5""#,
            ),
            (b"HPUB a 5\r\n", r#"processHeaderPub Parse Error: "a 5""#),
            (
                b"HPUB a x 5\r\n",
                r#"processHeaderPub Bad or Missing Header Size: "a x 5""#,
            ),
            (
                b"HPUB a 1 x\r\n",
                r#"processHeaderPub Bad or Missing Total Size: "a 1 x""#,
            ),
            (
                b"HPUB a 1 2 3 4\r\n",
                r#"processHeaderPub Parse Error: "a 1 2 3 4""#,
            ),
            (b"SUB a b c d\r\n", r#"processSub Parse Error: "a b c d""#),
            (b"sub a\r\n", r#"processSub Parse Error: "a""#),
            (b"UNSUB 1 2 3\r\n", r#"processUnsub Parse Error: "1 2 3""#),
            (
                b"PUB a 2000000\r\n",
                "maximum payload exceeded: 2000000 vs 1048576",
            ),
            (b"CONNECT\r\n", "unexpected end of JSON input"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                &logged(input),
                expected,
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn an_over_long_line_and_unnegotiated_headers_have_their_own_words() {
        let mut parser = Parser::new(Limits {
            max_control_line: 8,
            max_payload: 16,
        });
        let e = parser.parse(b"SUB a.very.long.subject 1\r\n").unwrap_err();
        assert_eq!(e.log_text(b"", 0), "maximum control line exceeded");
        let e = parser.parse(b"HPUB a 1 2\r\nxy\r\n").unwrap_err();
        assert_eq!(e.log_text(b"", 0), "message headers not supported");
    }
}
