//! A WebSocket connection as a byte stream, so the ordinary connection code serves it.
//!
//! Reading yields the payloads of text and binary messages back to back (NATS protocol bytes
//! may be split across messages in any way). Writing sends each write as one binary message:
//! the writer task writes a whole outbound batch at once, so one batch is one frame.
//! Ping, pong and close frames are answered by tokio-websockets.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use futures::stream::{SplitSink, SplitStream};
use futures::{Sink, Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_websockets::{Message, Payload, WebSocketStream};

/// Splits a WebSocket stream into a reader and a writer of bytes.
pub fn split<S>(ws: WebSocketStream<S>) -> (WsReader<S>, WsWriter<S>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (sink, stream) = ws.split();
    (
        WsReader {
            stream,
            pending: None,
            offset: 0,
        },
        WsWriter { sink },
    )
}

fn to_io(e: tokio_websockets::Error) -> io::Error {
    io::Error::other(e)
}

/// The reading half: message payloads as bytes.
pub struct WsReader<S> {
    stream: SplitStream<WebSocketStream<S>>,
    pending: Option<Payload>,
    offset: usize,
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for WsReader<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if let Some(payload) = &this.pending {
                let rest = &payload[this.offset..];
                let n = rest.len().min(buf.remaining());
                buf.put_slice(&rest[..n]);
                this.offset += n;
                if this.offset == payload.len() {
                    this.pending = None;
                    this.offset = 0;
                }
                return Poll::Ready(Ok(()));
            }
            match ready!(Pin::new(&mut this.stream).poll_next(cx)) {
                None => return Poll::Ready(Ok(())),
                Some(Err(e)) => return Poll::Ready(Err(to_io(e))),
                Some(Ok(message)) => {
                    if message.is_close() {
                        return Poll::Ready(Ok(()));
                    }
                    if message.is_binary() || message.is_text() {
                        let payload = message.into_payload();
                        if !payload.is_empty() {
                            this.pending = Some(payload);
                        }
                    }
                }
            }
        }
    }
}

/// The writing half: each write is one binary message.
pub struct WsWriter<S> {
    sink: SplitSink<WebSocketStream<S>, Message>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for WsWriter<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(Pin::new(&mut self.sink).poll_ready(cx)).map_err(to_io)?;
        Pin::new(&mut self.sink)
            .start_send(Message::binary(Bytes::copy_from_slice(buf)))
            .map_err(to_io)?;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.sink).poll_flush(cx).map_err(to_io)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.sink).poll_close(cx).map_err(to_io)
    }
}
