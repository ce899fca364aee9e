//! The server: shared state, the accept loop, shutdown and lame duck mode.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use parking_lot::{Mutex, RwLock};
use rnats_proto::{encode, Info, ServerError};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, error, info, warn};

use crate::account::{Account, GLOBAL_ACCOUNT};
use crate::client::{reader, Client, CloseReason};
use crate::config::reload::{self, Change};
use crate::monitor::{self, ClosedClients};
use crate::options::Options;
use crate::security::Security;
use crate::stats::ServerStats;
use crate::tls::{TlsContext, TlsError, TlsOptions};
use crate::{banner, VERSION_COMPAT};

/// State every connection shares.
#[derive(Debug)]
pub struct ServerShared {
    /// The options the server started with. Startup-only values (ports, names) are read
    /// here; values a reload may change are read through [`ServerShared::options`].
    pub opts: Options,
    /// The options in force now: `opts` until the first successful reload. Readers take a
    /// snapshot (an `Arc`) and never hold the lock.
    pub current: RwLock<Arc<Options>>,
    pub server_id: String,
    pub server_name: String,
    /// Where clients actually connect (the port is real even when 0 was asked for).
    pub client_addr: SocketAddr,
    next_client_id: AtomicU64,
    clients: Mutex<HashMap<u64, Arc<Client>>>,
    pub global: Arc<Account>,
    /// Accounts and auth rules in force; replaced on reload. `security_epoch` moves with it so
    /// connections notice and re-check their credentials and permissions.
    security: RwLock<Arc<Security>>,
    security_epoch: AtomicU64,
    /// Carries the epoch to idle connections, so they re-check without waiting for input
    /// (a revoked user is cut off at once).
    security_changed: tokio::sync::watch::Sender<u64>,
    pub stats: ServerStats,
    /// Keeps the runtime polling its sockets for a moment after a request.
    pub busy_poll: crate::busy_poll::BusyPoll,
    /// Cancelled to stop everything.
    pub shutdown: CancellationToken,
    /// Cancelled to stop accepting (lame duck mode, shutdown).
    stop_accepting: CancellationToken,
    lame_duck: AtomicBool,
    pub tasks: TaskTracker,
    /// Recently closed connections, for `/connz?state=closed`.
    pub closed_clients: ClosedClients,
    /// Where the monitoring HTTP server listens, once started.
    pub monitor_addr: std::sync::OnceLock<SocketAddr>,
    /// Where websocket clients connect, when the websocket listener is on.
    pub websocket_addr: std::sync::OnceLock<SocketAddr>,
    pub started: std::time::SystemTime,
    /// The system account's client, for advisories (absent with `no_system_account`).
    pub system: std::sync::OnceLock<crate::system::Events>,
    /// The client port's TLS, rebuilt from the files on every reload.
    tls: RwLock<Option<Arc<TlsContext>>>,
    /// The websocket listener's TLS, likewise.
    websocket_tls: RwLock<Option<Arc<TlsContext>>>,
}

impl ServerShared {
    /// Announces a client connecting or leaving on the system account.
    pub fn advise(&self, client: &Client, kind: &'static str) {
        if let Some(system) = self.system.get() {
            let advisory = crate::system::advisory(self, client, kind);
            system.send(if kind == crate::system::events::CONNECT_TYPE {
                crate::system::Event::Connect(Box::new(advisory))
            } else {
                crate::system::Event::Disconnect(Box::new(advisory))
            });
        }
    }

    /// The accounts and auth rules in force.
    pub fn security(&self) -> Arc<Security> {
        self.security.read().clone()
    }

    /// Moves whenever [`ServerShared::security`] is replaced.
    pub fn security_epoch(&self) -> u64 {
        self.security_epoch.load(Ordering::Acquire)
    }

    /// Puts new accounts and auth rules in force (reload, account JWT update); every
    /// connection re-checks its credentials.
    pub fn replace_security(&self, security: Security) {
        *self.security.write() = Arc::new(security);
        let epoch = self.security_epoch.fetch_add(1, Ordering::AcqRel) + 1;
        self.security_changed.send_replace(epoch);
    }

    /// Notified whenever [`ServerShared::replace_security`] runs.
    pub fn security_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.security_changed.subscribe()
    }

    /// A snapshot of the options in force (see [`Server::reload`]).
    pub fn options(&self) -> Arc<Options> {
        self.current.read().clone()
    }

    /// The client port's TLS in force, if any.
    pub fn tls(&self) -> Option<Arc<TlsContext>> {
        self.tls.read().clone()
    }

    /// The websocket listener's TLS in force, if any.
    pub fn websocket_tls(&self) -> Option<Arc<TlsContext>> {
        self.websocket_tls.read().clone()
    }

    /// Cancelled when the server stops accepting connections.
    pub fn stop_accepting(&self) -> &CancellationToken {
        &self.stop_accepting
    }

    /// When the server is full: the bytes a refused client gets (INFO, then
    /// `-ERR 'maximum connections exceeded'`), logged. `None` when there is room.
    pub fn max_connections_refusal(&self, id: u64, addr: SocketAddr) -> Option<Vec<u8>> {
        let max = self.options().max_connections?;
        if self.client_count() < max {
            return None;
        }
        let client = Client::new(id, addr, self.opts.max_pending);
        let mut out = self.info_for(&client).to_line();
        let mut err = BytesMut::new();
        encode::err(&mut err, &ServerError::MaxConnectionsExceeded);
        out.extend_from_slice(&err);
        error!("{} - maximum connections exceeded", client.log_prefix());
        Some(out)
    }

    /// The INFO a new connection gets.
    pub fn info_for(&self, client: &Client) -> Info {
        let opts = self.options();
        let tls = opts.tls.as_ref();
        Info {
            server_id: self.server_id.clone(),
            server_name: self.server_name.clone(),
            version: VERSION_COMPAT.into(),
            proto: 1,
            go: banner::RUNTIME.into(),
            host: self.opts.host.to_string(),
            port: self.client_addr.port(),
            headers: !self.opts.no_header_support,
            max_payload: self.options().max_payload as i64,
            client_id: client.id,
            client_ip: client.addr.ip().to_string(),
            auth_required: self.security().info_auth_required(),
            tls_required: tls.is_some() && !opts.allow_non_tls,
            tls_verify: tls.is_some_and(TlsOptions::verifies_clients),
            tls_available: tls.is_some() && opts.allow_non_tls,
            ..Info::default()
        }
    }

    /// Cuts off a client that cannot keep up: counted, logged once, closed without flushing.
    pub fn slow_consumer(&self, client: &Client, reason: CloseReason) {
        if client.is_closed() {
            return;
        }
        ServerStats::add(&self.stats.slow_consumers, 1);
        match reason {
            CloseReason::SlowConsumerWriteDeadline => warn!(
                "{} - Slow Consumer Detected: WriteDeadline of {:?} exceeded with {} chunks of {} total bytes.",
                client.log_prefix(),
                self.opts.write_deadline,
                1,
                client.pending_bytes()
            ),
            _ => warn!(
                "{} - Slow Consumer Detected: MaxPending of {} Exceeded",
                client.log_prefix(),
                self.opts.max_pending
            ),
        }
        client.close(reason, false);
    }

    pub fn register(&self, client: Arc<Client>) {
        self.clients.lock().insert(client.id, client);
    }

    pub fn unregister(&self, id: u64) {
        self.clients.lock().remove(&id);
    }

    pub fn client_count(&self) -> usize {
        self.clients.lock().len()
    }

    pub fn clients(&self) -> Vec<Arc<Client>> {
        self.clients.lock().values().cloned().collect()
    }

    pub fn is_lame_duck(&self) -> bool {
        self.lame_duck.load(Ordering::Relaxed)
    }

    pub fn next_client_id(&self) -> u64 {
        self.next_client_id.fetch_add(1, Ordering::Relaxed)
    }
}

/// A running server. Dropping it does not stop it: call [`Server::shutdown`].
#[derive(Debug, Clone)]
pub struct Server {
    shared: Arc<ServerShared>,
}

impl Server {
    /// Binds the client port and starts accepting.
    ///
    /// # Errors
    /// Invalid options, or the port cannot be bound.
    pub async fn start(opts: Options) -> io::Result<Self> {
        opts.validate()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let listener = TcpListener::bind((opts.host, opts.port))
            .await
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("Error listening on port: {}:{}, {e}", opts.host, opts.port),
                )
            })?;
        let client_addr = listener.local_addr()?;
        let server_id = nkeys::KeyPair::new_server().public_key();
        let server_name = opts
            .server_name
            .clone()
            .unwrap_or_else(|| server_id.clone());
        banner::starting(&server_id, &server_name);
        let global = Account::new(GLOBAL_ACCOUNT);
        let mut existing = HashMap::new();
        existing.insert(GLOBAL_ACCOUNT.to_string(), global.clone());
        let security = Security::from_options(&opts, &existing)
            .map_err(|errors| io::Error::new(io::ErrorKind::InvalidInput, errors.join("\n")))?;
        if security.config.has_plaintext_passwords() {
            warn!("Plaintext passwords detected, use nkeys or bcrypt");
        }
        let security = crate::operator::fetch::start(security)
            .await
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let (tls, websocket_tls) = tls_contexts(&opts)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        let websocket_listener = match &opts.websocket {
            Some(ws) => Some(TcpListener::bind((ws.host, ws.port)).await.map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "Unable to listen for websocket connections: {}:{}, {e}",
                        ws.host, ws.port
                    ),
                )
            })?),
            None => None,
        };
        let shared = Arc::new(ServerShared {
            server_id,
            server_name,
            client_addr,
            // Ids below 5 are kept for the server's own connections, as in the original.
            next_client_id: AtomicU64::new(5),
            clients: Mutex::new(HashMap::new()),
            global,
            security: RwLock::new(Arc::new(security)),
            security_epoch: AtomicU64::new(0),
            security_changed: tokio::sync::watch::channel(0).0,
            stats: ServerStats::default(),
            busy_poll: Default::default(),
            shutdown: CancellationToken::new(),
            stop_accepting: CancellationToken::new(),
            lame_duck: AtomicBool::new(false),
            tasks: TaskTracker::new(),
            closed_clients: ClosedClients::new(opts.max_closed_clients),
            monitor_addr: std::sync::OnceLock::new(),
            websocket_addr: std::sync::OnceLock::new(),
            started: std::time::SystemTime::now(),
            system: std::sync::OnceLock::new(),
            tls: RwLock::new(tls),
            websocket_tls: RwLock::new(websocket_tls),
            current: RwLock::new(Arc::new(opts.clone())),
            opts,
        });
        if shared.opts.http_port.is_some() {
            let addr = monitor::start(shared.clone()).await?;
            let _ = shared.monitor_addr.set(addr);
        }
        banner::listening(client_addr);
        if shared.opts.tls.is_some() {
            if shared.opts.allow_non_tls {
                info!("TLS available for client connections (allow_non_tls)");
            } else {
                info!("TLS required for client connections");
            }
        }
        if let Some(listener) = websocket_listener {
            let addr = listener.local_addr()?;
            let _ = shared.websocket_addr.set(addr);
            let scheme = if shared.websocket_tls().is_some() {
                "wss"
            } else {
                "ws"
            };
            info!("Listening for websocket clients on {scheme}://{addr}");
            if scheme == "ws" {
                warn!("Websocket not configured with TLS. DO NOT USE IN PRODUCTION!");
            }
            shared
                .tasks
                .spawn(crate::websocket::accept_loop(shared.clone(), listener));
        }
        shared.tasks.spawn(accept_loop(shared.clone(), listener));
        crate::busy_poll::start(&shared);
        let no_system = shared
            .opts
            .raw
            .no_system_account
            .as_ref()
            .and_then(|v| v.as_bool());
        if no_system != Some(true) {
            let _ = shared.system.set(crate::system::start(&shared));
        }
        banner::ready();
        Ok(Self { shared })
    }

    pub fn client_addr(&self) -> SocketAddr {
        self.shared.client_addr
    }

    /// The websocket address, when the websocket listener is on.
    pub fn websocket_addr(&self) -> Option<SocketAddr> {
        self.shared.websocket_addr.get().copied()
    }

    /// The monitoring HTTP address, when monitoring is on.
    pub fn monitor_addr(&self) -> Option<SocketAddr> {
        self.shared.monitor_addr.get().copied()
    }

    pub fn shared(&self) -> &Arc<ServerShared> {
        &self.shared
    }

    /// Closes every connection and stops accepting.
    pub fn shutdown(&self) {
        self.shared.stop_accepting.cancel();
        self.shared.shutdown.cancel();
    }

    /// Waits until every task of the server has finished (after [`Server::shutdown`]).
    pub async fn wait(&self) {
        self.shared.shutdown.cancelled().await;
        self.shared.tasks.close();
        self.shared.tasks.wait().await;
    }

    /// Replaces the options in force with `new`, if every difference is reloadable; returns
    /// the differences. Nothing changes on error. Applying logging changes is the caller's
    /// job (the binary owns the log); see [`crate::config::reload`] for when the others
    /// take effect.
    ///
    /// # Errors
    /// [`ReloadError::Invalid`] if `new` breaks a cross-option rule,
    /// [`ReloadError::NotReloadable`] with the changes that need a restart.
    pub fn reload(&self, new: Options) -> Result<Vec<Change>, ReloadError> {
        new.validate().map_err(ReloadError::Invalid)?;
        let mut current = self.shared.current.write();
        let changes = reload::diff(&current, &new);
        let refused: Vec<Change> = changes
            .iter()
            .filter(|c| !c.is_reloadable())
            .cloned()
            .collect();
        if !refused.is_empty() {
            return Err(ReloadError::NotReloadable(refused));
        }
        // Certificates are read again even when the options are the same: the files may
        // have changed. New connections use them; established ones keep their session.
        let (tls, websocket_tls) =
            tls_contexts(&new).map_err(|e| ReloadError::Invalid(e.to_string()))?;
        if new.raw != current.raw || new.websocket != current.websocket {
            let security = Security::from_options(&new, self.shared.security().accounts())
                .map_err(|errors| ReloadError::Invalid(errors.join("\n")))?;
            let security = crate::operator::reload::carry_over(&self.shared.security(), security);
            self.shared.replace_security(security);
        }
        *self.shared.tls.write() = tls;
        *self.shared.websocket_tls.write() = websocket_tls;
        *current = Arc::new(new);
        Ok(changes)
    }

    /// Lame duck mode: stop accepting, tell clients (async INFO with `ldm`), wait the grace
    /// period, close the clients spread over the rest of `lame_duck_duration`, then shut down.
    pub async fn lame_duck(&self) {
        let shared = &self.shared;
        if shared.lame_duck.swap(true, Ordering::AcqRel) {
            return;
        }
        info!("Entering lame duck mode, stop accepting new clients");
        shared.stop_accepting.cancel();
        let clients = shared.clients();
        for client in clients.iter().filter(|c| c.async_info()) {
            let mut info = shared.info_for(client);
            info.ldm = true;
            let line = info.to_line();
            client.send(|b| b.extend_from_slice(&line));
        }
        let opts = shared.options();
        let grace = opts.lame_duck_grace_period;
        let spread = opts.lame_duck_duration.saturating_sub(grace);
        info!("Waiting {:?} before closing connections", grace);
        tokio::select! {
            () = tokio::time::sleep(grace) => {}
            () = shared.shutdown.cancelled() => return,
        }
        let clients = shared.clients();
        if !clients.is_empty() {
            let pause = (spread / clients.len() as u32).min(Duration::from_secs(1));
            info!("Closing existing clients");
            for client in clients {
                client.close(CloseReason::ServerShutdown, true);
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = shared.shutdown.cancelled() => return,
                }
            }
        }
        self.shutdown();
    }
}

/// Why [`Server::reload`] refused new options.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The new options break a cross-option rule.
    #[error("{0}")]
    Invalid(String),
    /// Some changes need a restart; these are they.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    NotReloadable(Vec<Change>),
}

async fn accept_loop(server: Arc<ServerShared>, listener: TcpListener) {
    let mut backoff = Duration::from_millis(10);
    loop {
        let accepted = tokio::select! {
            () = server.stop_accepting.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, addr)) => {
                backoff = Duration::from_millis(10);
                let _ = stream.set_nodelay(true);
                let server2 = server.clone();
                server.tasks.spawn(accept_client(server2, stream, addr));
            }
            Err(e) => {
                error!("Temporary Client Accept Error({e}), sleeping {:?}", backoff);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
    debug!("Client accept loop exiting..");
}

/// The client port's and the websocket listener's TLS.
type TlsContexts = (Option<Arc<TlsContext>>, Option<Arc<TlsContext>>);

/// The TLS contexts of the client port and the websocket listener, read from their files.
fn tls_contexts(opts: &Options) -> Result<TlsContexts, TlsError> {
    let build =
        |tls: Option<&TlsOptions>| tls.map(|t| TlsContext::new(t).map(Arc::new)).transpose();
    let ws_tls = opts.websocket.as_ref().and_then(|ws| ws.tls.as_ref());
    Ok((build(opts.tls.as_ref())?, build(ws_tls)?))
}

async fn accept_client(server: Arc<ServerShared>, mut stream: TcpStream, addr: SocketAddr) {
    let id = server.next_client_id();
    ServerStats::add(&server.stats.total_connections, 1);
    if let Some(refusal) = server.max_connections_refusal(id, addr) {
        let _ = tokio::time::timeout(Duration::from_secs(2), stream.write_all(&refusal)).await;
        return;
    }
    // Boxed: a task keeps its future for the connection's whole life, and the TLS one is
    // several kilobytes; a plain connection should not carry its size.
    match server.tls() {
        Some(tls) => Box::pin(crate::tls::serve(server, stream, id, addr, tls)).await,
        None => Box::pin(reader::serve(server, stream, id, addr)).await,
    }
}
