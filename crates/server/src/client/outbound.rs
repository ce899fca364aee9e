//! The outbound buffer of a connection.

use bytes::BytesMut;

/// What happened to an enqueue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// The buffer was empty: the writer must be woken once this batch is done.
    First,
    /// The writer is already due to run.
    More,
    /// Past `max_pending`: the client is cut off; nothing was queued.
    SlowConsumer,
    /// The connection is closing; nothing was queued.
    Closed,
}

/// Bytes waiting for the writer. Producers encode into it directly; the writer swaps the whole
/// buffer out and writes it in one call.
#[derive(Debug)]
pub struct Outbound {
    buf: BytesMut,
    max_pending: usize,
    closed: bool,
}

/// Past this, a drained buffer is given back rather than kept for reuse.
const KEEP_CAPACITY: usize = 1024 * 1024;

impl Outbound {
    pub fn new(max_pending: usize) -> Self {
        Self {
            buf: BytesMut::new(),
            max_pending,
            closed: false,
        }
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Past three quarters of `max_pending`: publishers to this client are stalled briefly.
    pub fn is_backed_up(&self) -> bool {
        self.buf.len() > self.max_pending / 4 * 3
    }

    pub fn push(&mut self, encode: impl FnOnce(&mut BytesMut)) -> Enqueued {
        if self.closed {
            return Enqueued::Closed;
        }
        let was_empty = self.buf.is_empty();
        let before = self.buf.len();
        encode(&mut self.buf);
        if self.buf.len() > self.max_pending {
            self.buf.truncate(before);
            self.closed = true;
            return Enqueued::SlowConsumer;
        }
        if was_empty {
            Enqueued::First
        } else {
            Enqueued::More
        }
    }

    /// Refuses further pushes; what is queued stays for a final flush.
    pub fn close(&mut self) {
        self.closed = true;
    }

    /// Hands the queued bytes to the writer, taking `spare` (an empty buffer) in their place.
    pub fn swap(&mut self, spare: &mut BytesMut) {
        spare.clear();
        if spare.capacity() > KEEP_CAPACITY {
            *spare = BytesMut::new();
        }
        std::mem::swap(&mut self.buf, spare);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_push_asks_for_a_wake_and_later_ones_do_not() {
        let mut out = Outbound::new(100);
        assert_eq!(out.push(|b| b.extend_from_slice(b"abc")), Enqueued::First);
        assert_eq!(out.push(|b| b.extend_from_slice(b"def")), Enqueued::More);
        let mut spare = BytesMut::new();
        out.swap(&mut spare);
        assert_eq!(&spare[..], b"abcdef");
        assert_eq!(out.push(|b| b.extend_from_slice(b"g")), Enqueued::First);
    }

    #[test]
    fn exceeding_max_pending_is_a_slow_consumer_and_queues_nothing_more() {
        let mut out = Outbound::new(5);
        assert_eq!(out.push(|b| b.extend_from_slice(b"abc")), Enqueued::First);
        assert_eq!(
            out.push(|b| b.extend_from_slice(b"defg")),
            Enqueued::SlowConsumer
        );
        assert_eq!(out.len(), 3);
        assert_eq!(out.push(|b| b.extend_from_slice(b"x")), Enqueued::Closed);
    }
}
