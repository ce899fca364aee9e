//! The operations a client sends, borrowed from the read buffer.

/// A `PUB` or `HPUB`: everything the router needs to deliver a message.
///
/// Every field points into the connection's read buffer: parsing copies nothing and takes no
/// reference counts. The caller delivers (copying the payload into each target's outbound
/// buffer) before it lets the parser consume the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publish<'a> {
    pub subject: &'a [u8],
    pub reply: Option<&'a [u8]>,
    /// Length of the header block at the start of `payload`; 0 for a plain `PUB`.
    pub header_len: usize,
    /// Header block (if any) followed by the body.
    pub payload: &'a [u8],
}

impl<'a> Publish<'a> {
    /// The header block, empty for a plain `PUB`.
    pub fn headers(&self) -> &'a [u8] {
        &self.payload[..self.header_len]
    }

    /// The message body without the header block.
    pub fn body(&self) -> &'a [u8] {
        &self.payload[self.header_len..]
    }
}

/// One operation read from a client connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientOp<'a> {
    /// `CONNECT` with its raw JSON (decoded by the server with [`crate::Connect::from_json`]).
    Connect(&'a [u8]),
    Pub(Publish<'a>),
    Sub {
        subject: &'a [u8],
        queue: Option<&'a [u8]>,
        sid: &'a [u8],
    },
    Unsub {
        sid: &'a [u8],
        max: Option<u64>,
    },
    Ping,
    Pong,
    /// `INFO` from a client is tolerated and ignored (the JSON must still be valid).
    Info(&'a [u8]),
    /// `+OK` from a client is tolerated and ignored.
    Ok,
    /// A client that sends `-ERR` is disconnected without a reply (its text is logged).
    Err(&'a [u8]),
}
