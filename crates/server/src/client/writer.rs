//! The writer task: drains a client's outbound buffer to its socket.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::{Client, CloseReason};
use crate::server::ServerShared;

/// Writes batches until the connection closes; on a flushing close, writes what is left first.
pub async fn run<W: AsyncWrite + Unpin>(
    client: Arc<Client>,
    server: Arc<ServerShared>,
    mut socket: W,
    write_deadline: Duration,
) {
    let mut batch = BytesMut::new();
    loop {
        tokio::select! {
            biased;
            () = client.wake.notified() => {}
            () = client.closing.cancelled() => break,
        }
        client.outbound.lock().swap(&mut batch);
        if batch.is_empty() {
            continue;
        }
        // TLS and WebSocket streams buffer: flush so the batch leaves now.
        let write = async {
            socket.write_all(&batch).await?;
            socket.flush().await
        };
        match tokio::time::timeout(write_deadline, write).await {
            Ok(Ok(())) => client.drained.notify_waiters(),
            Ok(Err(_)) => {
                client.close(CloseReason::WriteError, false);
                break;
            }
            Err(_) => {
                server.slow_consumer(&client, CloseReason::SlowConsumerWriteDeadline);
                break;
            }
        }
    }
    if client.flush_on_close() {
        client.outbound.lock().swap(&mut batch);
        if !batch.is_empty() {
            let write = async {
                socket.write_all(&batch).await?;
                socket.flush().await
            };
            let _ = tokio::time::timeout(write_deadline, write).await;
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), socket.shutdown()).await;
}
