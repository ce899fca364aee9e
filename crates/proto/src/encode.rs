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
    put_common(out, subject, sid, reply);
    put_number(out, payload.len());
    out.put_slice(b"\r\n");
    out.put_slice(payload);
    out.put_slice(b"\r\n");
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
    put_common(out, subject, sid, reply);
    put_number(out, header_len);
    out.put_u8(b' ');
    put_number(out, payload.len());
    out.put_slice(b"\r\n");
    out.put_slice(payload);
    out.put_slice(b"\r\n");
}

/// Writes `-ERR '<text>'\r\n`.
pub fn err(out: &mut BytesMut, error: &ServerError) {
    out.put_slice(b"-ERR '");
    out.put_slice(error.text().as_bytes());
    out.put_slice(b"'\r\n");
}

fn put_common(out: &mut BytesMut, subject: &[u8], sid: &[u8], reply: Option<&[u8]>) {
    out.put_slice(subject);
    out.put_u8(b' ');
    out.put_slice(sid);
    out.put_u8(b' ');
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
    fn err_is_single_quoted() {
        let mut out = BytesMut::new();
        err(&mut out, &ServerError::MaxPayloadViolation);
        assert_eq!(&out[..], b"-ERR 'Maximum Payload Violation'\r\n");
    }
}
