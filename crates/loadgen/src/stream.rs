//! A run's PUBs, encoded before the clock starts.
//!
//! The publisher must outrun the server it measures, from one core. Encoding the messages
//! up front leaves the publisher only its writes. (`sendfile` from a memfd was tried: it
//! cost the server more per message, since loopback then delivers page-sized pieces.)

use anyhow::Result;

use crate::wire::{payload, put_pub, Conn};

/// Bytes handed to one write.
const SEND_CHUNK: usize = 64 * 1024;

pub struct PubStream {
    bytes: Vec<u8>,
}

impl PubStream {
    /// PUBs for sequence numbers `from..to`, each on `subject(seq)` with a `size`-byte payload
    /// carrying its sequence number.
    pub fn build(subject: &dyn Fn(u64) -> Vec<u8>, size: usize, from: u64, to: u64) -> Self {
        let mut bytes = Vec::new();
        let mut body = Vec::new();
        for seq in from..to {
            payload(&mut body, size, seq);
            put_pub(&mut bytes, &subject(seq), None, &body);
        }
        Self { bytes }
    }

    /// Sends the whole stream on `conn`.
    pub fn send(&self, conn: &mut Conn) -> Result<()> {
        for chunk in self.bytes.chunks(SEND_CHUNK) {
            conn.send(chunk)?;
        }
        Ok(())
    }
}
