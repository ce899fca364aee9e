//! Reading what the server sends to the system client: just enough of the protocol for
//! `MSG` frames (and `PING`, which must be answered).

use bytes::{Buf, Bytes, BytesMut};

/// One frame from the server.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    Msg {
        subject: Bytes,
        reply: Option<Bytes>,
        payload: Bytes,
    },
    Ping,
    /// `INFO`, `PONG`, `+OK`, `-ERR`: nothing to do.
    Other,
}

/// Cuts the next complete frame off `buf`; `None` until one has fully arrived.
pub fn next(buf: &mut BytesMut) -> Option<Frame> {
    let newline = buf.iter().position(|&b| b == b'\n')?;
    let line = &buf[..newline];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if !line.starts_with(b"MSG ") {
        let frame = if line.starts_with(b"PING") {
            Frame::Ping
        } else {
            Frame::Other
        };
        buf.advance(newline + 1);
        return Some(frame);
    }
    let fields: Vec<&[u8]> = line[4..]
        .split(|&b| b == b' ')
        .filter(|f| !f.is_empty())
        .collect();
    let (subject, reply, size) = match fields.as_slice() {
        [subject, _sid, size] => (*subject, None, *size),
        [subject, _sid, reply, size] => (*subject, Some(*reply), *size),
        _ => {
            buf.advance(newline + 1);
            return Some(Frame::Other);
        }
    };
    let size: usize = std::str::from_utf8(size).ok()?.parse().ok()?;
    let end = newline + 1 + size + 2;
    if buf.len() < end {
        return None;
    }
    let subject = Bytes::copy_from_slice(subject);
    let reply = reply.map(Bytes::copy_from_slice);
    buf.advance(newline + 1);
    let payload = buf.split_to(size).freeze();
    buf.advance(2);
    Some(Frame::Msg {
        subject,
        reply,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msg_frames_with_and_without_reply() {
        let mut buf = BytesMut::from(
            &b"INFO {} \r\nMSG a.b 1 r 2\r\nhiMSG c 2 0\r\n\r\nPING\r\nMSG x 1 5\r\nab"[..],
        );
        assert_eq!(next(&mut buf), Some(Frame::Other));
        // The payload is cut short above: the frame must wait.
        let mut complete = BytesMut::from(&b"MSG a.b 1 r 2\r\nhi\r\n"[..]);
        assert_eq!(
            next(&mut complete),
            Some(Frame::Msg {
                subject: Bytes::from_static(b"a.b"),
                reply: Some(Bytes::from_static(b"r")),
                payload: Bytes::from_static(b"hi"),
            })
        );
        let mut partial = BytesMut::from(&b"MSG x 1 5\r\nab"[..]);
        assert_eq!(next(&mut partial), None);
        partial.extend_from_slice(b"cde\r\nPING\r\n");
        assert!(matches!(next(&mut partial), Some(Frame::Msg { .. })));
        assert_eq!(next(&mut partial), Some(Frame::Ping));
    }
}
