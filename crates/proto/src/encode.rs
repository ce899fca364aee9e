//! Encoding of what the server sends, into a buffer the caller owns.

use bytes::{BufMut, BytesMut};

use crate::ServerError;

pub const PING: &[u8] = b"PING\r\n";
pub const PONG: &[u8] = b"PONG\r\n";
pub const OK: &[u8] = b"+OK\r\n";

/// Bytes a `MSG`/`HMSG` will take, so a fan-out can reserve once.
pub fn msg_len(subject: &[u8], sid: &[u8], reply: Option<&[u8]>, payload_len: usize) -> usize {
    // "HMSG " + 3 spaces + two 20-digit numbers + CRLF twice, rounded up.
    subject.len() + sid.len() + reply.map_or(0, |r| r.len() + 1) + payload_len + 64
}

/// Writes `MSG <subject> <sid> [reply] <len>\r\n<payload>\r\n`.
pub fn msg(out: &mut BytesMut, subject: &[u8], sid: &[u8], reply: Option<&[u8]>, payload: &[u8]) {
    out.reserve(msg_len(subject, sid, reply, payload.len()));
    out.put_slice(b"MSG ");
    put_common(out, subject, sid);
    put_msg_rest(out, reply, payload);
}

/// Writes `HMSG <subject> <sid> [reply] <hdr len> <total len>\r\n<headers+body>\r\n`.
pub fn hmsg(
    out: &mut BytesMut,
    subject: &[u8],
    sid: &[u8],
    reply: Option<&[u8]>,
    header_len: usize,
    payload: &[u8],
) {
    out.reserve(msg_len(subject, sid, reply, payload.len()) + 1);
    out.put_slice(b"HMSG ");
    put_common(out, subject, sid);
    put_hmsg_rest(out, reply, header_len, payload);
}

/// `HMSG <subject> <sid> `: the start of every message line a subscription gets on `subject`
/// (a `MSG` line is the same without the `H`). Made once per subscription, it turns the first
/// five pieces of each line into one copy; see [`msg_from_line`] and [`hmsg_from_line`].
pub fn line_start(subject: &[u8], sid: &[u8]) -> Vec<u8> {
    let mut line = Vec::with_capacity(subject.len() + sid.len() + 7);
    line.extend_from_slice(b"HMSG ");
    line.extend_from_slice(subject);
    line.push(b' ');
    line.extend_from_slice(sid);
    line.push(b' ');
    line
}

/// [`msg`] for the subject and sid `line` (from [`line_start`]) was made for.
pub fn msg_from_line(out: &mut BytesMut, line: &[u8], reply: Option<&[u8]>, payload: &[u8]) {
    out.reserve(line.len() + reply.map_or(0, |r| r.len() + 1) + payload.len() + 32);
    out.put_slice(&line[1..]);
    put_msg_rest(out, reply, payload);
}

/// [`hmsg`] for the subject and sid `line` (from [`line_start`]) was made for.
pub fn hmsg_from_line(
    out: &mut BytesMut,
    line: &[u8],
    reply: Option<&[u8]>,
    header_len: usize,
    payload: &[u8],
) {
    out.reserve(line.len() + reply.map_or(0, |r| r.len() + 1) + payload.len() + 48);
    out.put_slice(line);
    put_hmsg_rest(out, reply, header_len, payload);
}

fn put_msg_rest(out: &mut BytesMut, reply: Option<&[u8]>, payload: &[u8]) {
    put_reply(out, reply);
    put_size_line_end(out, payload.len());
    out.put_slice(payload);
    out.put_slice(b"\r\n");
}

fn put_hmsg_rest(out: &mut BytesMut, reply: Option<&[u8]>, header_len: usize, payload: &[u8]) {
    put_reply(out, reply);
    put_number(out, header_len);
    out.put_u8(b' ');
    put_size_line_end(out, payload.len());
    out.put_slice(payload);
    out.put_slice(b"\r\n");
}

/// `<n>\r\n` in one copy.
fn put_size_line_end(out: &mut BytesMut, n: usize) {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(n).as_bytes();
    let mut line = [0u8; 24];
    line[..digits.len()].copy_from_slice(digits);
    line[digits.len()..digits.len() + 2].copy_from_slice(b"\r\n");
    out.put_slice(&line[..digits.len() + 2]);
}

/// Writes `-ERR '<text>'\r\n`.
pub fn err(out: &mut BytesMut, error: &ServerError) {
    out.put_slice(b"-ERR '");
    out.put_slice(error.text().as_bytes());
    out.put_slice(b"'\r\n");
}

fn put_common(out: &mut BytesMut, subject: &[u8], sid: &[u8]) {
    out.put_slice(subject);
    out.put_u8(b' ');
    out.put_slice(sid);
    out.put_u8(b' ');
}

fn put_reply(out: &mut BytesMut, reply: Option<&[u8]>) {
    if let Some(reply) = reply {
        out.put_slice(reply);
        out.put_u8(b' ');
    }
}

fn put_number(out: &mut BytesMut, n: usize) {
    let mut buf = itoa::Buffer::new();
    out.put_slice(buf.format(n).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msg_bytes_are_exact() {
        let mut out = BytesMut::new();
        msg(&mut out, b"foo", b"1", None, b"hi");
        msg(&mut out, b"foo", b"22", Some(b"inbox"), b"");
        assert_eq!(&out[..], b"MSG foo 1 2\r\nhi\r\nMSG foo 22 inbox 0\r\n\r\n");
    }

    #[test]
    fn hmsg_bytes_are_exact() {
        let mut out = BytesMut::new();
        let headers = b"NATS/1.0\r\nA: b\r\n\r\n";
        let mut payload = headers.to_vec();
        payload.extend_from_slice(b"body");
        hmsg(&mut out, b"s", b"7", Some(b"r"), headers.len(), &payload);
        assert_eq!(
            &out[..],
            b"HMSG s 7 r 18 22\r\nNATS/1.0\r\nA: b\r\n\r\nbody\r\n".as_slice()
        );
    }

    #[test]
    fn lines_from_a_line_start_match_the_plain_encoders() {
        let line = line_start(b"orders.eu", b"42");
        let headers = b"NATS/1.0\r\n\r\n";
        let mut payload = headers.to_vec();
        payload.extend_from_slice(b"body");
        for reply in [None, Some(&b"_INBOX.x"[..])] {
            let (mut a, mut b) = (BytesMut::new(), BytesMut::new());
            msg(&mut a, b"orders.eu", b"42", reply, b"hello");
            msg_from_line(&mut b, &line, reply, b"hello");
            assert_eq!(a, b);
            let (mut a, mut b) = (BytesMut::new(), BytesMut::new());
            hmsg(&mut a, b"orders.eu", b"42", reply, headers.len(), &payload);
            hmsg_from_line(&mut b, &line, reply, headers.len(), &payload);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn err_is_single_quoted() {
        let mut out = BytesMut::new();
        err(&mut out, &ServerError::MaxPayloadViolation);
        assert_eq!(&out[..], b"-ERR 'Maximum Payload Violation'\r\n");
    }
}
