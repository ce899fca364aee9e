//! One client connection on a TLS-enabled client port: the order of INFO and handshake, the
//! handshake with its timeout, then the connection served over TLS.
//!
//! Logged as the original does, at debug level: a failed handshake concerns only that client.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tracing::{debug, trace};

use super::identity::CertIdentity;
use super::{HandshakeFirst, TlsContext};
use crate::client::reader::Pending;
use crate::client::{CloseReason, Transport};
use crate::server::ServerShared;

/// The first byte of a TLS record carrying a handshake message.
const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// Runs a client connection on a port with TLS configured.
pub async fn serve(
    server: Arc<ServerShared>,
    mut stream: TcpStream,
    id: u64,
    addr: SocketAddr,
    tls: Arc<TlsContext>,
) {
    let options = &tls.options;
    let pending = Pending::new(server.clone(), id, addr, Transport::default());
    let prefix = pending.client().log_prefix();
    let tls_first = match options.handshake_first {
        HandshakeFirst::Off => false,
        HandshakeFirst::Immediate => true,
        HandshakeFirst::Fallback(delay) => {
            let mut byte = [0u8; 1];
            matches!(
                tokio::time::timeout(delay, stream.peek(&mut byte)).await,
                Ok(Ok(1))
            )
        }
    };
    if !tls_first {
        let info = pending.info_line();
        if stream.write_all(&info).await.is_err() {
            pending.fail(CloseReason::WriteError);
            return;
        }
        if server.options().allow_non_tls {
            match first_byte(&server, &mut stream).await {
                Some(TLS_HANDSHAKE_RECORD) => {}
                Some(_) => {
                    debug!("{prefix} - Client connecting without TLS (allow_non_tls)");
                    let (read, write) = stream.into_split();
                    pending.serve(read, write, true).await;
                    return;
                }
                None => {
                    pending.fail(CloseReason::ClientClosed);
                    return;
                }
            }
        }
    }
    debug!("{prefix} - Starting TLS client connection handshake");
    let timeout = options.timeout.max(Duration::from_millis(1));
    match tokio::time::timeout(timeout, tls.acceptor.accept(stream)).await {
        Ok(Ok(tls_stream)) => {
            let (_, session) = tls_stream.get_ref();
            debug!(
                "{prefix} - TLS handshake complete ({:?}, {:?})",
                session.protocol_version(),
                session.negotiated_cipher_suite().map(|s| s.suite())
            );
            let certificate = if options.map {
                session
                    .peer_certificates()
                    .and_then(|certs| certs.first())
                    .and_then(|der| CertIdentity::from_der(der))
                    .map(Arc::new)
            } else {
                None
            };
            let mut pending = pending;
            pending.set_tls(certificate);
            let (read, write) = tokio::io::split(tls_stream);
            pending.serve(read, write, !tls_first).await;
        }
        Ok(Err(e)) => {
            debug!("{prefix} - TLS handshake error: {e}");
            pending.fail(CloseReason::TlsHandshakeFailure);
        }
        Err(_) => {
            // The original queues this error, but it cannot reach a client that has not
            // finished the handshake; it only shows in the trace.
            debug!("{prefix} - TLS handshake timeout");
            trace!("{prefix} - ->> [-ERR Secure Connection - TLS Required]");
            pending.fail(CloseReason::TlsHandshakeFailure);
        }
    }
}

/// Waits for the client's first byte without consuming it; `None` if it hangs up first, or
/// stays silent past the ping interval, or the server shuts down.
async fn first_byte(server: &ServerShared, stream: &mut TcpStream) -> Option<u8> {
    let mut byte = [0u8; 1];
    let wait = server.options().ping_interval;
    tokio::select! {
        peeked = tokio::time::timeout(wait, stream.peek(&mut byte)) => match peeked {
            Ok(Ok(1)) => Some(byte[0]),
            _ => None,
        },
        () = server.shutdown.cancelled() => None,
    }
}
