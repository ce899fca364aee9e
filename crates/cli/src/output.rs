//! Printing messages the way the original CLI does, and the one-line log helper.

use std::io::Write;

use async_nats::{HeaderMap, Message};

/// Writes `HH:MM:SS text` to stderr, like Go's `log.Printf`.
pub(crate) fn log(text: impl std::fmt::Display) {
    let now = chrono::Local::now().format("%H:%M:%S");
    eprintln!("{now} {text}");
}

/// Writes `key: value` lines, one per value, then a blank line; nothing when empty.
pub(crate) fn write_headers(
    out: &mut impl Write,
    headers: Option<&HeaderMap>,
) -> std::io::Result<()> {
    let Some(headers) = headers else {
        return Ok(());
    };
    let mut any = false;
    for (name, values) in headers.iter() {
        for value in values {
            writeln!(out, "{name}: {value}")?;
            any = true;
        }
    }
    if any {
        writeln!(out)?;
    }
    Ok(())
}

/// Writes a body followed by a newline, plus a blank line when it did not end with one.
pub(crate) fn write_body(out: &mut impl Write, body: &[u8]) -> std::io::Result<()> {
    out.write_all(body)?;
    writeln!(out)?;
    if !body.ends_with(b"\n") {
        writeln!(out)?;
    }
    Ok(())
}

/// `[#N] Received on "subject"` (with the reply subject when there is one).
pub(crate) fn write_received(
    out: &mut impl Write,
    number: u64,
    message: &Message,
) -> std::io::Result<()> {
    match &message.reply {
        Some(reply) => writeln!(
            out,
            "[#{number}] Received on {:?} with reply {:?}",
            message.subject.as_str(),
            reply.as_str()
        ),
        None => writeln!(
            out,
            "[#{number}] Received on {:?}",
            message.subject.as_str()
        ),
    }
}

/// Parses `-H key:value` arguments (after template expansion) into a header map.
///
/// # Errors
/// Fails for a header without a colon or with an empty name.
pub(crate) fn parse_header(text: &str) -> anyhow::Result<(String, String)> {
    let Some((name, value)) = text.split_once(':') else {
        anyhow::bail!("invalid header {text:?}: use key:value");
    };
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        anyhow::bail!("invalid header name in {text:?}");
    }
    Ok((name.to_string(), value.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_split_on_first_colon() {
        assert_eq!(
            parse_header("X-Url: http://a:1").unwrap(),
            ("X-Url".to_string(), "http://a:1".to_string())
        );
        assert!(parse_header("novalue").is_err());
        assert!(parse_header(":v").is_err());
    }

    #[test]
    fn bodies_end_with_a_blank_line() {
        let mut out = Vec::new();
        write_body(&mut out, b"hi").unwrap();
        assert_eq!(out, b"hi\n\n");
        let mut out = Vec::new();
        write_body(&mut out, b"hi\n").unwrap();
        assert_eq!(out, b"hi\n\n");
    }
}
