//! Monitoring: the HTTP endpoints (`/varz`, `/connz`, …) and what they need to remember.

mod closed;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

pub use closed::{ClosedClient, ClosedClients};

use crate::server::ServerShared;

/// Starts the monitoring HTTP listener and returns its address.
///
/// # Errors
/// The port cannot be bound.
pub async fn start(server: Arc<ServerShared>) -> io::Result<SocketAddr> {
    let host = server.opts.http_host.unwrap_or(server.opts.host);
    let port = server.opts.http_port.unwrap_or(0);
    let listener = tokio::net::TcpListener::bind((host, port)).await?;
    let addr = listener.local_addr()?;
    tracing::warn!("Monitoring endpoints are not built yet; listening on {addr} without serving");
    drop(listener);
    Ok(addr)
}
