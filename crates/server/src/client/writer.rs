//! The writer task: drains a client's outbound chunks to its socket.

use std::io::{self, IoSlice};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::{Client, CloseReason};
use crate::server::ServerShared;

/// Most chunks handed to one vectored write.
pub const MAX_SLICES: usize = 16;

/// Starts the writer task of `client` on the server's task tracker.
pub fn spawn<W: AsyncWrite + Unpin + Send + 'static>(
    server: &Arc<ServerShared>,
    client: &Arc<Client>,
    socket: W,
) -> tokio::task::JoinHandle<()> {
    server.tasks.spawn(run(
        client.clone(),
        server.clone(),
        socket,
        server.options().write_deadline,
    ))
}

/// Writes batches until the connection closes; on a flushing close, writes what is left first.
pub async fn run<W: AsyncWrite + Unpin>(
    client: Arc<Client>,
    server: Arc<ServerShared>,
    mut socket: W,
    write_deadline: Duration,
) {
    let mut batch: Vec<BytesMut> = Vec::new();
    // Set when the socket failed or stalled: nothing more is written to it.
    let mut broken = false;
    'serve: loop {
        tokio::select! {
            biased;
            () = client.wake.notified() => {}
            () = client.closing.cancelled() => break,
        }
        // A backlog goes out one vectored write at a time; each written slice of chunks is
        // handed back before the next is taken, so producers reuse them.
        loop {
            client.outbound.lock().take(&mut batch, MAX_SLICES);
            if batch.is_empty() {
                break;
            }
            // Boxed: the write's state (its slice array) is only needed while writing, and
            // every idle connection would otherwise carry it.
            let write = Box::pin(write_chunks(&mut socket, &batch));
            match tokio::time::timeout(write_deadline, write).await {
                Ok(Ok(())) => {
                    client.outbound.lock().recycle(&mut batch);
                    client.drained.notify_waiters();
                }
                Ok(Err(_)) => {
                    broken = true;
                    client.close(CloseReason::WriteError, false);
                }
                Err(_) => {
                    broken = true;
                    server.slow_consumer(&client, CloseReason::SlowConsumerWriteDeadline);
                }
            }
            if broken {
                // The batch is handed back all the same: while it is out, nobody else may
                // take chunks (an earlier close may still ask for a final flush, which must
                // not wait for chunks that will never come back).
                client.outbound.lock().recycle(&mut batch);
                break 'serve;
            }
        }
    }
    if client.flush_on_close() && !broken {
        batch.clear();
        // A publisher may be writing inline this instant; it hands its chunks back at once.
        while client.outbound.lock().is_in_flight() {
            tokio::task::yield_now().await;
        }
        client.outbound.lock().take(&mut batch, usize::MAX);
        if !batch.is_empty() {
            let write = Box::pin(write_chunks(&mut socket, &batch));
            let _ = tokio::time::timeout(write_deadline, write).await;
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), socket.shutdown()).await;
}

/// Writes `chunks` in order with vectored writes, then flushes (TLS and WebSocket streams
/// buffer, so the batch leaves now).
async fn write_chunks<W: AsyncWrite + Unpin>(
    socket: &mut W,
    chunks: &[BytesMut],
) -> io::Result<()> {
    let (mut index, mut offset) = (0, 0);
    while index < chunks.len() {
        let mut slices = [IoSlice::new(&[]); MAX_SLICES];
        slices[0] = IoSlice::new(&chunks[index][offset..]);
        let mut count = 1;
        for chunk in chunks[index + 1..].iter().take(MAX_SLICES - 1) {
            slices[count] = IoSlice::new(chunk);
            count += 1;
        }
        let mut written = socket.write_vectored(&slices[..count]).await?;
        if written == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        while written > 0 && index < chunks.len() {
            let left = chunks[index].len() - offset;
            if written >= left {
                written -= left;
                index += 1;
                offset = 0;
            } else {
                offset += written;
                written = 0;
            }
        }
    }
    socket.flush().await
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use super::*;
    use crate::{Options, Server};

    /// A socket whose every write fails.
    struct Broken;

    impl AsyncWrite for Broken {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// A connection closed with a final flush (after an `-ERR`) whose socket then fails:
    /// the writer must end, not wait for the batch its failed write still held.
    #[tokio::test]
    async fn a_failed_write_after_a_flushing_close_ends_the_writer() {
        let server = Server::start(Options::ephemeral()).await.unwrap();
        let client = Arc::new(Client::new(1, "127.0.0.1:1".parse().unwrap(), 1 << 20));
        client.send(|b| b.extend_from_slice(b"-ERR 'Maximum Payload Violation'\r\n"));
        client.close(CloseReason::MaxPayloadExceeded, true);
        let writer = run(
            client.clone(),
            server.shared().clone(),
            Broken,
            Duration::from_secs(1),
        );
        tokio::time::timeout(Duration::from_secs(5), writer)
            .await
            .expect("the writer ends");
        assert_eq!(client.close_reason(), Some(CloseReason::MaxPayloadExceeded));
        server.shutdown();
    }
}
