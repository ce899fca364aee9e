//! A plain TCP connection shared by its reader, its writer, and publishers that write to it
//! directly.
//!
//! tokio's `TcpStream` offers readiness polling and non-blocking reads and writes through
//! `&self`, so one `Arc` serves the reader and writer tasks (through `AsyncRead` and
//! `AsyncWrite`) and [`super::Client::flush_inline`], which writes without waiting when the
//! writer task is idle.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;

#[derive(Debug, Clone)]
pub struct SharedTcp(Arc<TcpStream>);

impl SharedTcp {
    pub fn new(stream: TcpStream) -> Self {
        Self(Arc::new(stream))
    }

    /// One non-blocking vectored write (`WouldBlock` when the socket buffer is full).
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.0.try_write_vectored(bufs)
    }
}

impl AsyncRead for SharedTcp {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            ready!(self.0.poll_read_ready(cx))?;
            let room = buf.remaining();
            let mut drained = false;
            // A read that leaves room in the buffer emptied the socket: readiness is cleared
            // (by answering `WouldBlock` to `try_io`, which clears only if no new readiness
            // arrived meanwhile), so the next read waits for the next event instead of
            // making a system call that can only fail. tokio's own `TcpStream` does the same.
            let read = self.0.try_io(Interest::READABLE, || {
                // Into the unfilled part as it is: zeroing it first would cost a memset.
                let n = self.0.try_read_buf(buf)?;
                if n > 0 && n < room {
                    drained = true;
                    return Err(io::ErrorKind::WouldBlock.into());
                }
                Ok(n)
            });
            match read {
                Ok(_) => return Poll::Ready(Ok(())),
                Err(_) if drained => return Poll::Ready(Ok(())),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for SharedTcp {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        loop {
            ready!(self.0.poll_write_ready(cx))?;
            let mut written = None;
            // As for reads: a short write filled the socket's buffer, so the next write waits
            // for it to drain instead of failing first.
            let write = self.0.try_io(Interest::WRITABLE, || {
                let n = self.0.try_write_vectored(bufs)?;
                if n > 0 && n < total {
                    written = Some(n);
                    return Err(io::ErrorKind::WouldBlock.into());
                }
                Ok(n)
            });
            match (write, written) {
                (_, Some(n)) => return Poll::Ready(Ok(n)),
                (Err(e), None) if e.kind() == io::ErrorKind::WouldBlock => continue,
                (done, None) => return Poll::Ready(done),
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        match socket2::SockRef::from(self.0.as_ref()).shutdown(std::net::Shutdown::Write) {
            Err(e) if e.kind() != io::ErrorKind::NotConnected => Poll::Ready(Err(e)),
            _ => Poll::Ready(Ok(())),
        }
    }
}
