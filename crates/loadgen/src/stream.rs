//! A run's PUBs, encoded before the clock starts.
//!
//! The publisher must outrun the server it measures, from one core. Encoding the messages
//! up front leaves the publisher only its writes. (`sendfile` from a memfd was tried: it
//! cost the server more per message, since loopback then delivers page-sized pieces.)
//!
//! Where every message has the same subject and size, a short window of PUBs is sent over
//! and over, its sequence numbers rewritten before each pass: it stays in the publisher's
//! cache, where a whole run's worth (a gigabyte at 1 KiB) would be read from memory, and
//! that read, not the server, would set the pace.

use anyhow::Result;

use crate::wire::{payload, put_pub, Conn};

/// Bytes handed to one write: a repeating window (below) in one.
const SEND_CHUNK: usize = 256 * 1024;

/// The most bytes a repeating stream encodes: well inside one core's L2 cache, even with
/// several publishers sharing the core.
const REPEAT_WINDOW: usize = 256 * 1024;

pub struct PubStream {
    bytes: Vec<u8>,
    /// How many whole passes over `bytes` are sent, then `tail` bytes of one more.
    passes: usize,
    tail: usize,
    /// A repeating window's layout, to renumber it for the next pass.
    window: Option<Window>,
}

/// `count` messages of `len` bytes each, the first carrying sequence number `first`, each's
/// number in the payload's first 8 bytes, `payload_at` bytes into the message.
struct Window {
    first: u64,
    count: usize,
    len: usize,
    payload_at: usize,
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
            window: None,
        }
    }

    /// The same PUBs as [`PubStream::build`] with one `subject` for all, sent as a window
    /// of at most [`REPEAT_WINDOW`] bytes, renumbered before each pass.
    pub fn repeating(subject: &[u8], size: usize, from: u64, to: u64) -> Self {
        let mut one = Vec::new();
        let mut body = Vec::new();
        payload(&mut body, size, 0);
        put_pub(&mut one, subject, None, &body);
        let total = to.saturating_sub(from) as usize;
        let count = (REPEAT_WINDOW / one.len()).clamp(1, total.max(1));
        let mut stream = Self::build(&|_| subject.to_vec(), size, from, from + count as u64);
        stream.passes = total / count;
        stream.tail = (total % count) * one.len();
        stream.window = Some(Window {
            first: from,
            count,
            len: one.len(),
            payload_at: one.len() - body.len() - 2,
        });
        stream
    }

    /// Sends the whole stream on `conn`.
    pub fn send(&mut self, conn: &mut Conn) -> Result<()> {
        self.each_write(|chunk| conn.send(chunk))
    }

    /// Hands the stream to `write` in the pieces each write sends.
    fn each_write(&mut self, mut write: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
        let passes = self.passes + usize::from(self.tail > 0);
        for pass in 0..passes {
            if pass > 0 {
                self.renumber(pass);
            }
            let end = if pass < self.passes {
                self.bytes.len()
            } else {
                self.tail
            };
            for chunk in self.bytes[..end].chunks(SEND_CHUNK) {
                write(chunk)?;
            }
        }
        Ok(())
    }

    /// Gives a repeating window the sequence numbers of its `pass`th sending.
    fn renumber(&mut self, pass: usize) {
        let Some(w) = &self.window else { return };
        let first = w.first + (pass * w.count) as u64;
        for i in 0..w.count {
            let at = i * w.len + w.payload_at;
            self.bytes[at..at + 8].copy_from_slice(&(first + i as u64).to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::seq_of;

    /// The sequence numbers a stream sends, in order.
    fn sent(stream: &mut PubStream, size: usize) -> Vec<u64> {
        let mut bytes = Vec::new();
        stream
            .each_write(|chunk| {
                assert!(chunk.len() <= SEND_CHUNK);
                bytes.extend_from_slice(chunk);
                Ok(())
            })
            .unwrap();
        let head = format!("PUB bench.pub {size}\r\n").into_bytes();
        let one = head.len() + size + 2;
        assert_eq!(bytes.len() % one, 0, "whole messages only");
        bytes
            .chunks(one)
            .map(|msg| {
                assert!(msg.starts_with(&head) && msg.ends_with(b"\r\n"));
                seq_of(&msg[head.len()..]).unwrap()
            })
            .collect()
    }

    #[test]
    fn a_repeating_stream_sends_each_number_once_in_order() {
        // 1 KiB messages: 250 to a window. Fewer than a window, whole windows, and whole
        // windows plus a part of one.
        for (from, to) in [
            (0, 0),
            (0, 1),
            (7, 10),
            (0, 249),
            (0, 250),
            (5, 505),
            (3, 5003),
        ] {
            let mut stream = PubStream::repeating(b"bench.pub", 1024, from, to);
            assert_eq!(sent(&mut stream, 1024), (from..to).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_small_message_window_holds_many() {
        let mut stream = PubStream::repeating(b"bench.pub", 16, 0, 100_000);
        assert!(stream.passes > 1);
        assert_eq!(sent(&mut stream, 16), (0..100_000).collect::<Vec<_>>());
    }

    #[test]
    fn a_built_stream_sends_each_message_once() {
        let mut stream = PubStream::build(&|_| b"bench.pub".to_vec(), 1024, 10, 110);
        assert_eq!(sent(&mut stream, 1024), (10..110).collect::<Vec<_>>());
    }
}
