//! How a connection reached the server, as far as INFO and auth care.

use std::sync::Arc;

use rnats_auth::ConnectionType;

use crate::tls::identity::CertIdentity;

/// The listener and the security layer a connection came through.
#[derive(Clone, Debug, Default)]
pub struct Transport {
    /// `STANDARD` for the client port, `WEBSOCKET` for the websocket listener.
    pub kind: ConnectionType,
    /// The connection runs over TLS.
    pub tls: bool,
    /// The client certificate, when `verify_and_map` takes the user from it.
    pub certificate: Option<Arc<CertIdentity>>,
}

impl Transport {
    pub fn is_websocket(&self) -> bool {
        self.kind == ConnectionType::Websocket
    }
}
