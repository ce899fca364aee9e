//! A run's PUBs, encoded before the clock starts.
//!
//! The publisher must outrun the server it measures, from one core. Encoding the messages
//! up front leaves the publisher only its writes. (`sendfile` from a memfd was tried: it
//! cost the server more per message, since loopback then delivers page-sized pieces.)
//!
//! When nobody checks the payloads, a short window of PUBs is sent over and over: it stays
//! in the publisher's cache, where a whole run's worth (a gigabyte at 1 KiB) would be read
//! from memory, and that read, not the server, would set the pace.

use anyhow::Result;

use crate::wire::{payload, put_pub, Conn};

/// Bytes handed to one write.
const SEND_CHUNK: usize = 64 * 1024;

/// The most bytes a repeating stream encodes: well inside one core's L2 cache.
const REPEAT_WINDOW: usize = 256 * 1024;

pub struct PubStream {
    bytes: Vec<u8>,
    /// How many whole passes over `bytes` are sent, then `tail` bytes of one more.
    passes: usize,
    tail: usize,
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
        Self {
            bytes,
            passes: 1,
            tail: 0,
        }
    }

    /// `count` PUBs on `subject` with `size`-byte payloads, made by sending a window of at
    /// most [`REPEAT_WINDOW`] bytes over and over: the payloads' sequence numbers repeat,
    /// so this is for runs where nobody receives them.
    pub fn repeating(subject: &[u8], size: usize, count: u64) -> Self {
        let mut one = Vec::new();
        let mut body = Vec::new();
        payload(&mut body, size, 0);
        put_pub(&mut one, subject, None, &body);
        let per_window = (REPEAT_WINDOW / one.len()).clamp(1, count.max(1) as usize);
        let mut window = Self::build(&|_| subject.to_vec(), size, 0, per_window as u64);
        let count = count as usize;
        window.passes = count / per_window;
        window.tail = (count % per_window) * one.len();
        window
    }

    /// Sends the whole stream on `conn`.
    pub fn send(&self, conn: &mut Conn) -> Result<()> {
        for chunk in self.writes() {
            conn.send(chunk)?;
        }
        Ok(())
    }

    /// The stream, as the pieces handed to each write.
    fn writes(&self) -> impl Iterator<Item = &[u8]> {
        let passes = (0..self.passes).flat_map(|_| self.bytes.chunks(SEND_CHUNK));
        passes.chain(self.bytes[..self.tail].chunks(SEND_CHUNK))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pubs(stream: &PubStream) -> usize {
        let sent: Vec<u8> = stream.writes().flatten().copied().collect();
        let one = b"PUB bench.pub 1024\r\n";
        assert!(sent.is_empty() || sent.starts_with(one));
        sent.windows(one.len()).filter(|w| w == one).count()
    }

    #[test]
    fn a_repeating_stream_sends_exactly_the_count_asked() {
        // Fewer than a window, whole windows, and whole windows plus a part of one.
        for count in [0, 1, 3, 249, 250, 500, 5000] {
            assert_eq!(
                pubs(&PubStream::repeating(b"bench.pub", 1024, count)),
                count as usize
            );
        }
    }

    #[test]
    fn a_built_stream_sends_each_message_once() {
        let stream = PubStream::build(&|_| b"bench.pub".to_vec(), 1024, 10, 110);
        assert_eq!(pubs(&stream), 100);
    }
}
