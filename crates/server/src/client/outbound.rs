//! The outbound buffer of a connection.

use bytes::{Buf, BytesMut};

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

/// Bytes waiting for the writer, in chunks.
///
/// Producers encode into the current chunk directly; a full chunk is queued and a new one
/// started, so pending data is never moved or reallocated as it grows. The writer takes every
/// chunk at once, writes them with one vectored write, and hands the emptied chunks back for
/// reuse: a busy connection cycles through the same few buffers instead of asking the
/// allocator (and the kernel) for fresh pages. Chunks start small and double while the
/// connection keeps filling them, so an idle connection holds little.
#[derive(Debug)]
pub struct Outbound {
    /// Full chunks, oldest first.
    queued: Vec<BytesMut>,
    /// The chunk being filled.
    current: BytesMut,
    /// Bytes in `queued` and `current`.
    pending: usize,
    /// Emptied chunks handed back by the writer.
    spare: Vec<BytesMut>,
    /// Capacity of the next new chunk.
    chunk_size: usize,
    max_pending: usize,
    closed: bool,
    /// Someone (the writer task, or a publisher flushing inline) holds taken chunks: nobody
    /// else takes until they are handed back, so bytes leave in order.
    in_flight: bool,
}

/// Publishers wait for a consumer whose pending bytes pass three quarters of `max_pending`
/// (the original's mark) or this, whichever is less. A backlog past it only adds memory that
/// has gone cold by the time it is written (fresh pages, a cache miss on every copy into
/// it); one below it cycles through the same chunks while they are still in cache.
const STALL_MARK_CAP: usize = 1 << 20;
const FIRST_CHUNK: usize = 512;
const MAX_CHUNK: usize = 64 * 1024;
/// Emptied chunks kept for reuse: enough for one full write batch, so a backlogged
/// connection cycles through the same buffers.
const MAX_SPARE: usize = 16;

impl Outbound {
    pub fn new(max_pending: usize) -> Self {
        Self {
            queued: Vec::new(),
            current: BytesMut::new(),
            pending: 0,
            spare: Vec::new(),
            chunk_size: FIRST_CHUNK,
            max_pending,
            closed: false,
            in_flight: false,
        }
    }

    pub fn len(&self) -> usize {
        self.pending
    }

    pub fn is_empty(&self) -> bool {
        self.pending == 0
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Past the stall mark: publishers to this client are stalled briefly.
    pub fn is_backed_up(&self) -> bool {
        self.pending > (self.max_pending / 4 * 3).min(STALL_MARK_CAP)
    }

    /// Encodes into the buffer. `size_hint` is about what `encode` will write; when it does
    /// not fit the current chunk, a new chunk is started first.
    pub fn push(&mut self, size_hint: usize, encode: impl FnOnce(&mut BytesMut)) -> Enqueued {
        if self.closed {
            return Enqueued::Closed;
        }
        let was_empty = self.pending == 0;
        if self.current.capacity() - self.current.len() < size_hint {
            self.start_chunk(size_hint);
        }
        let before = self.current.len();
        encode(&mut self.current);
        let added = self.current.len() - before;
        if self.pending + added > self.max_pending {
            self.current.truncate(before);
            self.closed = true;
            return Enqueued::SlowConsumer;
        }
        self.pending += added;
        if was_empty {
            Enqueued::First
        } else {
            Enqueued::More
        }
    }

    fn start_chunk(&mut self, size_hint: usize) {
        if !self.current.is_empty() {
            // A connection that fills its chunks gets bigger ones (not one that merely had a
            // large message arrive behind a small one).
            if self.current.len() * 2 >= self.current.capacity() {
                self.chunk_size = (self.chunk_size * 2).min(MAX_CHUNK);
            }
            self.queued.push(std::mem::take(&mut self.current));
        }
        let want = self.chunk_size.max(size_hint);
        self.current = match self.spare.pop() {
            Some(chunk) if chunk.capacity() >= want => chunk,
            _ => BytesMut::with_capacity(want),
        };
    }

    /// Refuses further pushes; what is queued stays for a final flush.
    pub fn close(&mut self) {
        self.closed = true;
    }

    /// Hands the writer at most `max_chunks` chunks, oldest first, unless another writer
    /// holds some. A backlog is written a slice at a time, so its chunks come back for reuse
    /// while the rest still waits (and `len` keeps counting what waits, for the stall and
    /// slow-consumer checks). Whoever gets chunks must hand them back with
    /// [`Outbound::recycle`] or [`Outbound::put_back`].
    pub fn take(&mut self, out: &mut Vec<BytesMut>, max_chunks: usize) {
        if self.in_flight {
            return;
        }
        let from_queue = self.queued.len().min(max_chunks);
        for chunk in self.queued.drain(..from_queue) {
            self.pending -= chunk.len();
            out.push(chunk);
        }
        if out.len() < max_chunks && self.queued.is_empty() && !self.current.is_empty() {
            self.pending -= self.current.len();
            out.push(std::mem::take(&mut self.current));
        }
        self.in_flight = !out.is_empty();
    }

    /// Whether another writer holds taken chunks.
    pub fn is_in_flight(&self) -> bool {
        self.in_flight
    }

    /// Hands back taken chunks of which only the first `written` bytes went out: the rest go
    /// back to the front of the queue, the written chunks to the spares.
    pub fn put_back(&mut self, chunks: &mut Vec<BytesMut>, mut written: usize) {
        // Usually everything went out; only a short write leaves chunks to queue again.
        let mut first_unwritten = chunks.len();
        for (i, chunk) in chunks.iter_mut().enumerate() {
            if written < chunk.len() {
                chunk.advance(written);
                first_unwritten = i;
                break;
            }
            written -= chunk.len();
        }
        if first_unwritten < chunks.len() {
            let mut unwritten: Vec<BytesMut> = chunks.drain(first_unwritten..).collect();
            self.pending += unwritten.iter().map(BytesMut::len).sum::<usize>();
            unwritten.append(&mut self.queued);
            self.queued = unwritten;
        }
        self.recycle(chunks);
    }

    /// Takes written chunks back for reuse (draining `chunks`). Only connections that fill
    /// chunks keep spares; a quiet one gives its memory back.
    pub fn recycle(&mut self, chunks: &mut Vec<BytesMut>) {
        self.in_flight = false;
        let busy = self.chunk_size > FIRST_CHUNK;
        for mut chunk in chunks.drain(..) {
            if busy && self.spare.len() < MAX_SPARE && chunk.capacity() <= MAX_CHUNK {
                chunk.clear();
                self.spare.push(chunk);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(out: &mut Outbound) -> Vec<u8> {
        let mut chunks = Vec::new();
        out.take(&mut chunks, usize::MAX);
        let bytes = chunks.iter().flat_map(|c| c.iter().copied()).collect();
        out.recycle(&mut chunks);
        bytes
    }

    #[test]
    fn first_push_asks_for_a_wake_and_later_ones_do_not() {
        let mut out = Outbound::new(100);
        assert_eq!(
            out.push(3, |b| b.extend_from_slice(b"abc")),
            Enqueued::First
        );
        assert_eq!(out.push(3, |b| b.extend_from_slice(b"def")), Enqueued::More);
        assert_eq!(taken(&mut out), b"abcdef");
        assert!(out.is_empty());
        assert_eq!(out.push(1, |b| b.extend_from_slice(b"g")), Enqueued::First);
    }

    #[test]
    fn publishers_stall_at_three_quarters_of_a_small_max_pending_and_at_one_mib_of_a_large_one() {
        let fill = |max_pending: usize, bytes: usize| {
            let mut out = Outbound::new(max_pending);
            out.push(bytes, |b| b.resize(bytes, b'x'));
            out.is_backed_up()
        };
        assert!(!fill(1000, 750));
        assert!(fill(1000, 751));
        let large = 64 << 20;
        assert!(!fill(large, STALL_MARK_CAP));
        assert!(
            fill(large, STALL_MARK_CAP + 1),
            "a deep backlog only goes cold"
        );
    }

    #[test]
    fn exceeding_max_pending_is_a_slow_consumer_and_queues_nothing_more() {
        let mut out = Outbound::new(5);
        assert_eq!(
            out.push(3, |b| b.extend_from_slice(b"abc")),
            Enqueued::First
        );
        assert_eq!(
            out.push(4, |b| b.extend_from_slice(b"defg")),
            Enqueued::SlowConsumer
        );
        assert_eq!(out.len(), 3);
        assert_eq!(out.push(1, |b| b.extend_from_slice(b"x")), Enqueued::Closed);
    }

    #[test]
    fn a_backlog_is_taken_a_few_chunks_at_a_time_and_still_counted() {
        let mut out = Outbound::new(1 << 30);
        let msg = [b'm'; 1000];
        for _ in 0..1000 {
            out.push(msg.len(), |b| b.extend_from_slice(&msg));
        }
        let mut chunks = Vec::new();
        let mut written = 0;
        loop {
            out.take(&mut chunks, 2);
            if chunks.is_empty() {
                break;
            }
            assert!(chunks.len() <= 2);
            written += chunks.iter().map(|c| c.len()).sum::<usize>();
            assert_eq!(
                out.len(),
                1000 * msg.len() - written,
                "what waits is counted"
            );
            out.recycle(&mut chunks);
            // Producers keep going while the writer drains: they reuse the spares.
            if written < 500 * msg.len() {
                out.push(msg.len(), |b| b.extend_from_slice(&msg));
                written -= msg.len();
            }
        }
        assert!(out.is_empty());
    }

    #[test]
    fn a_short_write_queues_the_unwritten_rest_first_in_order() {
        let mut out = Outbound::new(1 << 30);
        let mut expected = Vec::new();
        for i in 0..3000u32 {
            let msg = format!("m{i};");
            expected.extend_from_slice(msg.as_bytes());
            out.push(msg.len(), |b| b.extend_from_slice(msg.as_bytes()));
        }
        let mut chunks = Vec::new();
        out.take(&mut chunks, usize::MAX);
        assert!(chunks.len() >= 3, "several chunks: {}", chunks.len());
        // Everything of the first chunk and part of the second went out.
        let written = chunks[0].len() + chunks[1].len() / 2;
        out.put_back(&mut chunks, written);
        assert!(chunks.is_empty());
        assert!(!out.is_in_flight());
        assert_eq!(out.len(), expected.len() - written);
        out.push(4, |b| b.extend_from_slice(b"tail"));
        expected.extend_from_slice(b"tail");
        assert_eq!(taken(&mut out), &expected[written..]);
        assert!(out.is_empty());
    }

    #[test]
    fn messages_spread_over_chunks_come_out_in_order_and_chunks_are_reused() {
        let mut out = Outbound::new(1 << 30);
        let mut expected = Vec::new();
        for i in 0..5000u32 {
            let msg = format!("message {i};").repeat(i as usize % 7 + 1);
            expected.extend_from_slice(msg.as_bytes());
            out.push(msg.len(), |b| b.extend_from_slice(msg.as_bytes()));
        }
        assert_eq!(out.len(), expected.len());
        let mut chunks = Vec::new();
        out.take(&mut chunks, usize::MAX);
        assert!(chunks.len() > 1);
        assert!(chunks.iter().all(|c| c.capacity() <= MAX_CHUNK));
        let got: Vec<u8> = chunks.iter().flat_map(|c| c.iter().copied()).collect();
        assert_eq!(got, expected);
        let reusable = chunks.len().min(MAX_SPARE);
        out.recycle(&mut chunks);
        assert_eq!(
            out.spare.len(),
            reusable,
            "a busy connection keeps spare chunks"
        );
        // A message bigger than any chunk gets a chunk of its own size.
        let big = vec![b'x'; 3 * MAX_CHUNK];
        out.push(big.len(), |b| b.extend_from_slice(&big));
        assert_eq!(taken(&mut out), big);
    }
}
