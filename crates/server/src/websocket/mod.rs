//! The WebSocket listener: NATS clients over WebSocket (browsers, nats.ws, async-nats).
//!
//! A connection is accepted, optionally wrapped in TLS (`websocket.tls`), upgraded from HTTP
//! ([`handshake`]), and then served like any client: [`stream`] turns the WebSocket messages
//! back into a byte stream for the reader and writer tasks. Such clients authenticate as
//! `WEBSOCKET` connections (`allowed_connection_types`), against the websocket block's own
//! `username`/`password`, `token` or `no_auth_user` when it has them.
//!
//! Not supported: per-message compression (`compression: true` is accepted, and the
//! extension is simply not negotiated, which RFC 7692 allows), the `Nats-No-Masking` header
//! (clients always mask), JWT cookies (no operator mode yet).

pub mod handshake;
pub mod stream;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rnats_auth::ConnectionType;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tracing::{debug, error};

use crate::client::reader::Pending;
use crate::client::Transport;
use crate::server::ServerShared;
use crate::stats::ServerStats;
use crate::tls::{TlsContext, TlsOptions};

/// The original's default upgrade timeout.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(2);

/// `websocket { ... }`. `Debug` leaves out the credentials.
#[derive(Clone, PartialEq)]
pub struct WebsocketOptions {
    pub host: IpAddr,
    /// 0 picks an ephemeral port (`-1` in the config).
    pub port: u16,
    pub advertise: Option<String>,
    pub tls: Option<TlsOptions>,
    pub no_tls: bool,
    pub compression: bool,
    pub same_origin: bool,
    pub allowed_origins: Vec<String>,
    pub handshake_timeout: Duration,
    pub jwt_cookie: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
    pub no_auth_user: Option<String>,
    pub auth_timeout: Option<Duration>,
}

impl std::fmt::Debug for WebsocketOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebsocketOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("no_tls", &self.no_tls)
            .field("same_origin", &self.same_origin)
            .field("allowed_origins", &self.allowed_origins)
            .field("handshake_timeout", &self.handshake_timeout)
            .field("auth_override", &self.auth_override())
            .finish_non_exhaustive()
    }
}

impl Default for WebsocketOptions {
    fn default() -> Self {
        Self {
            host: IpAddr::from([0, 0, 0, 0]),
            port: 0,
            advertise: None,
            tls: None,
            no_tls: false,
            compression: false,
            same_origin: false,
            allowed_origins: Vec::new(),
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            jwt_cookie: None,
            username: None,
            password: None,
            token: None,
            no_auth_user: None,
            auth_timeout: None,
        }
    }
}

impl WebsocketOptions {
    /// The websocket block overrides the server's auth for its clients.
    pub fn auth_override(&self) -> bool {
        self.username.is_some() || self.token.is_some() || self.no_auth_user.is_some()
    }

    /// The original's rules (`validateWebsocketOptions`).
    ///
    /// # Errors
    /// The first rule broken, in the original's words.
    pub fn validate(&self, has_users: bool) -> Result<(), String> {
        if self.tls.is_none() && !self.no_tls {
            return Err("websocket requires TLS configuration".into());
        }
        if has_users && self.username.is_some() {
            return Err(
                "websocket authentication username not compatible with presence of users/nkeys"
                    .into(),
            );
        }
        if has_users && self.token.is_some() {
            return Err(
                "websocket authentication token not compatible with presence of users/nkeys".into(),
            );
        }
        if let Some(cookie) = &self.jwt_cookie {
            return Err(format!(
                "trusted operators or trusted keys configuration is required for JWT authentication via cookie {cookie:?}"
            ));
        }
        Ok(())
    }
}

/// Accepts WebSocket clients until the server stops accepting.
pub async fn accept_loop(server: Arc<ServerShared>, listener: TcpListener) {
    let mut backoff = Duration::from_millis(10);
    loop {
        let accepted = tokio::select! {
            () = server.stop_accepting().cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, addr)) => {
                backoff = Duration::from_millis(10);
                let _ = stream.set_nodelay(true);
                server
                    .tasks
                    .spawn(accept_client(server.clone(), stream, addr));
            }
            Err(e) => {
                error!("Temporary Websocket Accept Error({e}), sleeping {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
    debug!("Websocket accept loop exiting");
}

async fn accept_client(server: Arc<ServerShared>, stream: TcpStream, addr: SocketAddr) {
    let Some(options) = server.options().websocket.clone() else {
        return;
    };
    let deadline = options.handshake_timeout.max(Duration::from_millis(1));
    match server.websocket_tls() {
        Some(tls) => {
            let accepted =
                tokio::time::timeout(deadline, tls.acceptor.clone().accept(stream)).await;
            match accepted {
                Ok(Ok(tls_stream)) => upgrade(server, tls_stream, addr, &options, Some(tls)).await,
                Ok(Err(e)) => error!("{addr} - websocket handshake error: TLS handshake: {e}"),
                Err(_) => error!("{addr} - websocket handshake error: TLS handshake timeout"),
            }
        }
        None => upgrade(server, stream, addr, &options, None).await,
    }
}

async fn upgrade<S>(
    server: Arc<ServerShared>,
    mut stream: S,
    addr: SocketAddr,
    options: &WebsocketOptions,
    tls: Option<Arc<TlsContext>>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let deadline = options.handshake_timeout.max(Duration::from_millis(1));
    let upgraded = tokio::time::timeout(
        deadline,
        handshake::upgrade(&mut stream, options, tls.is_some()),
    )
    .await;
    let upgrade = match upgraded {
        Ok(Ok(u)) => u,
        Ok(Err(refused)) => {
            error!("{addr} - websocket handshake error: {}", refused.reason);
            return;
        }
        Err(_) => {
            error!("{addr} - websocket handshake error: timeout");
            return;
        }
    };
    let addr = upgrade
        .forwarded_for
        .map_or(addr, |ip| SocketAddr::new(ip, addr.port()));
    let ws = tokio_websockets::ServerBuilder::new().serve(stream);
    let (reader, writer) = stream::split(ws);
    let id = server.next_client_id();
    ServerStats::add(&server.stats.total_connections, 1);
    let mut writer = writer;
    if let Some(refusal) = server.max_connections_refusal(id, addr) {
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            writer.write_all(&refusal).await?;
            writer.flush().await
        })
        .await;
        return;
    }
    let transport = Transport {
        kind: ConnectionType::Websocket,
        tls: tls.is_some(),
        certificate: None,
    };
    Pending::new(server, id, addr, transport)
        .serve(reader, writer, false)
        .await;
}
