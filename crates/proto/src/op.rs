//! The operations a client sends.

use bytes::Bytes;

/// A `PUB` or `HPUB`: everything the router needs to deliver a message.
///
/// The payload is one `Bytes` cut from the read buffer, so fan-out clones a reference count,
/// not the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    pub subject: Bytes,
    pub reply: Option<Bytes>,
    /// Length of the header block at the start of `payload`; 0 for a plain `PUB`.
    pub header_len: usize,
    /// Header block (if any) followed by the body.
    pub payload: Bytes,
}

impl Publish {
    /// The header block, empty for a plain `PUB`.
    pub fn headers(&self) -> &[u8] {
        &self.payload[..self.header_len]
    }

    /// The message body without the header block.
    pub fn body(&self) -> &[u8] {
        &self.payload[self.header_len..]
    }
}

/// One operation read from a client connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientOp {
    /// `CONNECT` with its raw JSON (decoded by the server with [`crate::Connect::from_json`]).
    Connect(Bytes),
    Pub(Publish),
    Sub {
        subject: Bytes,
        queue: Option<Bytes>,
        sid: Bytes,
    },
    Unsub {
        sid: Bytes,
        max: Option<u64>,
    },
    Ping,
    Pong,
    /// `INFO` from a client is tolerated and ignored (the JSON must still be valid).
    Info(Bytes),
    /// `+OK` from a client is tolerated and ignored.
    Ok,
    /// A client that sends `-ERR` is disconnected without a reply.
    Err,
}
