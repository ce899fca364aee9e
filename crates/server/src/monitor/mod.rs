//! Monitoring: the HTTP endpoints (`/varz`, `/connz`, …) and what they need to remember.
//!
//! Each snapshot (`Varz`, `Connz`, `Subsz`, …) is built by one method of [`Monitor`] from the
//! server's shared state; the HTTP handlers in [`http`] only parse the query and serialise
//! the result, so the same builders can answer `$SYS.REQ.SERVER.PING.*` requests later.
//! Field names and JSON types follow nats-server's monitoring output.
//!
//! - [`varz`]: server totals and options; [`connz`]: connections (open and the closed ring);
//! - [`subsz`]: the subscription index; [`accounts`]: `/accountz` and `/accstatz`;
//! - [`others`]: `/routez`, `/gatewayz`, `/leafz`, `/jsz`, `/healthz` (no clustering yet);
//! - [`metrics`]: Prometheus text (not in the original); [`page`]: the built-in web page at `/`.

pub mod accounts;
mod closed;
pub mod connz;
pub mod format;
mod http;
pub mod metrics;
pub mod others;
mod page;
pub mod subsz;
pub mod varz;

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use parking_lot::Mutex;

pub use closed::{ClosedClient, ClosedClients, ClosedSubscription};

use crate::server::ServerShared;

/// Builds monitoring snapshots from the server's state.
#[derive(Debug)]
pub struct Monitor {
    server: Arc<ServerShared>,
    /// Requests served per path, for `/varz`'s `http_req_stats`.
    http_requests: Mutex<BTreeMap<String, u64>>,
    /// The process's CPU time at the last `/varz`, to report usage since then.
    cpu: Mutex<varz::CpuSample>,
}

impl Monitor {
    pub fn new(server: Arc<ServerShared>) -> Self {
        Self {
            server,
            http_requests: Mutex::new(BTreeMap::new()),
            cpu: Mutex::new(varz::CpuSample::now()),
        }
    }

    pub fn server(&self) -> &ServerShared {
        &self.server
    }

    fn count_request(&self, path: &str) {
        *self
            .http_requests
            .lock()
            .entry(path.to_owned())
            .or_default() += 1;
    }
}

/// A request the original would answer with `400 Bad Request` and this text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub String);

/// Binds the monitoring port, starts serving on the server's task tracker, and returns the
/// address.
///
/// # Errors
/// The port cannot be bound.
pub async fn start(server: Arc<ServerShared>) -> io::Result<SocketAddr> {
    let host = server.opts.http_host.unwrap_or(server.opts.host);
    let port = server.opts.http_port.unwrap_or(0);
    let listener = tokio::net::TcpListener::bind((host, port))
        .await
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("Error listening on monitor port: {host}:{port}, {e}"),
            )
        })?;
    let addr = listener.local_addr()?;
    tracing::info!("Starting http monitor on {addr}");
    let monitor = Arc::new(Monitor::new(server.clone()));
    let shutdown = server.shutdown.clone();
    server.tasks.spawn(async move {
        let app = http::router(monitor);
        tokio::select! {
            result = axum::serve(listener, app) => {
                if let Err(e) = result {
                    tracing::error!("Monitoring server stopped: {e}");
                }
            }
            () = shutdown.cancelled() => {}
        }
    });
    Ok(addr)
}
