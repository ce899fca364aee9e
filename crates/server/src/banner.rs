//! The startup lines tools look for in the log, in one place.

use std::net::SocketAddr;

use tracing::info;

/// What INFO's `go` field carries: the runtime the server was built with.
pub const RUNTIME: &str = concat!("rust", env!("CARGO_PKG_RUST_VERSION"));

pub fn starting(server_id: &str, server_name: &str) {
    info!("Starting rnats-server");
    info!("  Version:  {}", env!("CARGO_PKG_VERSION"));
    info!("  Protocol: nats-server {}", crate::VERSION_COMPAT);
    info!("  Name:     {server_name}");
    info!("  ID:       {server_id}");
}

pub fn listening(addr: SocketAddr) {
    info!("Listening for client connections on {addr}");
}

pub fn ready() {
    info!("Server is ready");
}
