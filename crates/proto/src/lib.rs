//! The NATS client protocol, sans-IO.
//!
//! This crate turns bytes from a client connection into [`ClientOp`]s and encodes what the
//! server sends back (`INFO`, `MSG`, `HMSG`, `PING`, `PONG`, `+OK`, `-ERR`). It does no I/O, has no
//! runtime and knows nothing of subscriptions or accounts: the server owns those.
//!
//! - [`Parser`] keeps the state between reads (a control line seen, its payload not yet complete)
//!   and yields one op at a time from a `BytesMut` the caller fills. "Not enough bytes yet" is
//!   `Ok(None)`, not an error.
//! - [`ServerError`] holds every `-ERR` text a client can see, and whether it closes the connection.
//! - [`encode`] writes server ops into a buffer the caller owns.
//! - [`Info`] and [`Connect`] are the JSON bodies of `INFO` and `CONNECT`.
//!
//! Wire layout of the ops (see the protocol notes for the full rules):
//!
//! ```text
//! PUB  <subject> [reply] <#bytes>\r\n<payload>\r\n
//! HPUB <subject> [reply] <#header bytes> <#total bytes>\r\n<headers><payload>\r\n
//! SUB  <subject> [queue] <sid>\r\n
//! UNSUB <sid> [max]\r\n
//! ```

mod connect;
pub mod encode;
mod error;
mod info;
mod op;
mod parser;
mod quote;

pub use connect::Connect;
pub use error::{ProtoError, ServerError};
pub use info::Info;
pub use op::{ClientOp, Publish};
pub use parser::{Limits, Parser};
pub use quote::quote;

/// The header block's first line, as sent by clients and by the server.
pub const HEADER_VERSION_LINE: &[u8] = b"NATS/1.0";
